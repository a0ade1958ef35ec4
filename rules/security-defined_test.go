package rules

import (
	"strings"
	"testing"
)

func TestSecurityDefinedCases(t *testing.T) {
	const schemes = "components: {securitySchemes: {jwtAuth: {type: http, scheme: bearer, bearerFormat: JWT}}}\n"
	cases := []struct {
		name string
		doc  string
		opts map[string]any
		want []string // "line:col" of each finding
	}{
		{"root empty security is reported once, not per operation", `
openapi: 3.0.3
info: {title: T, version: 1.0.0}
security: []
paths:
  /a: {get: {responses: {'200': {description: ok}}}}
  /b: {delete: {responses: {'204': {description: ok}}}}
`, nil, []string{"3:1"}},
		{"publicMethods forbids a public DELETE", `
openapi: 3.0.3
info: {title: T, version: 1.0.0}
security: [{jwtAuth: []}]
paths:
  /health: {get: {security: [], x-public: true, responses: {'200': {description: ok}}}}
  /cache: {delete: {security: [], x-public: true, responses: {'204': {description: ok}}}}
` + schemes, map[string]any{"publicMethods": []string{"get", "head"}}, []string{"6:21"}},
		{"exceptions skip whole paths", `
openapi: 3.0.3
info: {title: T, version: 1.0.0}
paths:
  /.well-known/jwks.json: {get: {responses: {'200': {description: ok}}}}
  /orders: {get: {responses: {'200': {description: ok}}}}
`, map[string]any{"exceptions": []string{"/.well-known/*"}}, []string{"5:13"}},
		{"a custom marker", `
openapi: 3.0.3
info: {title: T, version: 1.0.0}
security: [{jwtAuth: []}]
paths:
  /health: {get: {security: [], x-anonymous: true, responses: {'200': {description: ok}}}}
` + schemes, map[string]any{"publicMarker": "x-anonymous"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := lintB(t, SecurityDefinedID, c.opts, map[string]string{"openapi.yaml": c.doc})
			if len(got) != len(c.want) {
				t.Fatalf("got:\n%s\nwant at %v", strings.Join(got, "\n"), c.want)
			}
			for i, w := range c.want {
				if !strings.HasPrefix(got[i], w+" ") {
					t.Errorf("finding %q, want it at %s", got[i], w)
				}
			}
		})
	}
}
