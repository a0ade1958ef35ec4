package rules

import (
	"strings"
	"testing"
)

func TestErrorResponseProblemJSONOptions(t *testing.T) {
	files := map[string]string{
		"openapi.yaml": `
openapi: 3.0.3
info: {title: T, version: 1.0.0}
paths:
  /orders:
    get:
      responses:
        '200': {description: ok}
        '400':
          description: bad
          content:
            application/json:
              schema: {$ref: 'common.yaml#/Problem'}
        '500':
          description: oops
          content:
            application/problem+json:
              schema:
                type: object
                properties: {type: {type: string}, title: {type: string}, status: {type: integer}}
`,
		"common.yaml": `
Problem:
  type: object
  properties: {type: {type: string}, title: {type: string}, status: {type: integer}}
`,
	}
	cases := []struct {
		name string
		opts map[string]any
		want []string
	}{
		{"plain JSON refused by default", nil, []string{"11:13 error the 400 response is application/json"}},
		{"allowPlainJson", map[string]any{"allowPlainJson": true}, nil},
		{"canonicalRef across files", map[string]any{"allowPlainJson": true, "canonicalRef": "common.yaml#/Problem"},
			[]string{"17:15 error the 500 error schema must be `$ref: 'common.yaml#/Problem'`"}},
		{"requiredMembers", map[string]any{"allowPlainJson": true, "requiredMembers": []string{"type", "title", "status", "detail"}},
			[]string{"1:1 error the error schema is not a Problem: declare `detail`", "17:15 error the error schema is not a Problem: declare `detail`"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := lintB(t, ErrorResponseProblemJSONID, c.opts, files)
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
