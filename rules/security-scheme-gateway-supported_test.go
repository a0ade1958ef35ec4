package rules

import (
	"strings"
	"testing"
)

func TestSecuritySchemeGatewayOptions(t *testing.T) {
	doc := map[string]string{"openapi.yaml": `
openapi: 3.0.3
info: {title: T, version: 1.0.0}
security:
  - queryKey: []
  - cookieKey: []
  - basicAuth: []
  - custom: []
paths: {}
components:
  securitySchemes:
    queryKey: {type: apiKey, in: query, name: key}
    cookieKey: {type: apiKey, in: cookie, name: session}
    basicAuth: {type: http, scheme: basic}
    custom: {type: http, scheme: hoba, x-gwctl-plugin: key-auth}
`}
	cases := []struct {
		name string
		opts map[string]any
		want []string
	}{
		{"defaults warn on query and cookie keys", nil, []string{"11:34 warn API key `key` is sent in the query string", "12:35 warn API key `session` is sent as a cookie"}},
		{"allowed locations, no basic", map[string]any{"allowApiKeyInQuery": true, "allowApiKeyInCookie": true, "allowBasic": false},
			[]string{"13:37 warn http basic sends a reusable password"}},
		{"no alternatives", map[string]any{"allowApiKeyInQuery": true, "allowApiKeyInCookie": true, "allowAlternatives": false},
			[]string{"5:5 error alternative security requirements (OR)", "6:5 error", "7:5 error"}},
		{"allowedSchemes", map[string]any{"allowApiKeyInQuery": true, "allowApiKeyInCookie": true, "allowedSchemes": []string{"jwt", "key-auth"}},
			[]string{"13:23 error scheme `basicAuth` maps to the basic-auth gateway plugin"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := lintB(t, SecuritySchemeGatewaySupportedID, c.opts, doc)
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
