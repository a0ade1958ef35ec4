package rules

import (
	"strings"
	"testing"
)

func TestSecurity401403Options(t *testing.T) {
	doc := map[string]string{"openapi.yaml": `
openapi: 3.0.3
info: {title: T, version: 1.0.0}
security: [{apiKey: []}]
paths:
  /orders:
    get:
      x-roles: [auditor]
      responses:
        '200': {description: ok}
        '401': {$ref: '#/components/responses/Unauthorized'}
    post:
      responses:
        '201': {description: ok}
        '4XX': {description: client error}
components:
  responses:
    Unauthorized: {description: no credentials}
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-Api-Key}
`}
	cases := []struct {
		name string
		opts map[string]any
		want []string
	}{
		{"defaults: x-roles need 403, ranges do not count", nil, []string{
			"8:7 error GET /orders does not document 403", "12:7 error POST /orders requires credentials but does not document 401"}},
		{"acceptRanges", map[string]any{"acceptRanges": true}, []string{"8:7 error GET /orders does not document 403"}},
		{"require403 never", map[string]any{"require403": "never"}, []string{"12:7 error POST /orders requires credentials"}},
		{"require403 always", map[string]any{"require403": "always", "acceptRanges": true}, []string{"8:7 error GET /orders does not document 403 although it is secured"}},
		{"requireWwwAuthenticate points at the shared response", map[string]any{"requireWwwAuthenticate": true, "require403": "never", "acceptRanges": true},
			[]string{"17:5 error the 401 response of GET /orders declares no WWW-Authenticate header"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := lintB(t, Security401403DocumentedID, c.opts, doc)
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
