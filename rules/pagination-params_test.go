package rules

import (
	"strings"
	"testing"
)

func TestPaginationParamsStyles(t *testing.T) {
	doc := map[string]string{"openapi.yaml": `
openapi: 3.0.3
info: {title: T, version: 1.0.0}
paths:
  /orders:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 20}}
        - {name: offset, in: query, schema: {type: integer, minimum: 0}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: object}}
`}
	cases := []struct {
		name string
		opts map[string]any
		want []string
	}{
		{"cursor style by default", nil, []string{"5:5 error GET /orders returns a collection: add the cursor pagination query parameter `cursor`", "8:12 error `offset` is offset-style"}},
		{"offset style", map[string]any{"style": "offset"}, nil},
		{"offset style with a cap", map[string]any{"style": "offset", "maxLimit": 100}, []string{"7:81 error page size `limit` allows up to 500 items"}},
		{"jsonapi style", map[string]any{"style": "jsonapi"}, []string{
			"5:5 error GET /orders returns a collection: add the jsonapi pagination query parameters `page[size]`",
			"7:12 error `limit` is cursor/offset-style pagination", "8:12 error `offset` is offset-style"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := lintB(t, PaginationParamsID, c.opts, doc)
			if len(got) != len(c.want) {
				t.Fatalf("got:\n%s", strings.Join(got, "\n"))
			}
			for i, w := range c.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("got %q, want %q…", got[i], w)
				}
			}
		})
	}
}
