package rules

import (
	"strings"
	"testing"
)

// OpenAPI 3.1 lets non-OAuth requirements list role names; 3.0 does not.
func TestSecurityRefsValidRolesByVersion(t *testing.T) {
	doc := func(v string) map[string]string {
		return map[string]string{"openapi.yaml": `
openapi: ` + v + `
info: {title: T, version: 1.0.0}
security: [{apiKey: [orders-admin]}]
paths: {}
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-Api-Key}
`}
	}
	if got := lintB(t, SecurityRefsValidID, nil, doc("3.1.0")); len(got) != 0 {
		t.Errorf("3.1 roles: %v", got)
	}
	got := lintB(t, SecurityRefsValidID, nil, doc("3.0.3"))
	if len(got) != 1 || !strings.HasPrefix(got[0], "3:21 error `apiKey` (type apiKey) takes no scopes in OpenAPI 3.0") {
		t.Errorf("3.0 scopes: %v", got)
	}
}
