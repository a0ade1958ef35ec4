package rules

import (
	"strings"
	"testing"
)

func queryDoc(names ...string) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: Orders, version: 1.0.0}\npaths:\n  /v1/orders:\n    get:\n      parameters:\n")
	for _, n := range names {
		b.WriteString("        - {name: '" + n + "', in: query, schema: {type: string}}\n")
	}
	b.WriteString("      responses: {'200': {description: Orders.}}\n")
	return b.String()
}

func TestQueryParamCasingOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  map[string]any
		names []string
		want  []string
	}{
		{"bracket families", nil, []string{"page[size]", "filter[createdAt][gte]", "ids[]"}, nil},
		{"bad bracket part", nil, []string{"filter[created_at]", "page[size"}, []string{`use "filter[createdAt]"`, `"page[size" is not camelCase`}},
		{"brackets off", map[string]any{"allowBracketFamilies": false}, []string{"page[size]"}, []string{`"page[size]" is not camelCase`}},
		{"dotted off", nil, []string{"fields.name"}, []string{`use "fieldsName"`}},
		{"dotted on", map[string]any{"allowDotted": true}, []string{"fields.name", "fields.created_at"}, []string{`use "fields.createdAt"`}},
		{"allow list", map[string]any{"allow": []any{"$filter"}}, []string{"$filter"}, nil},
		{"acronyms", nil, []string{"customerID"}, []string{`(acronyms are written as words): use "customerId"`}},
		{"snake preset", map[string]any{"style": "snake"}, []string{"created_after", "createdBefore"}, []string{`use "created_before"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectMessages(t, runRuleOnText(t, queryParamCasing{}, tt.opts, queryDoc(tt.names...)), tt.want)
		})
	}
}

func TestPathParamCasingTemplates(t *testing.T) {
	// A template name nobody declares is reported at the path key; a declared
	// one at its name, once even when shared by several paths.
	doc := `openapi: 3.0.3
info: {title: Orders, version: 1.0.0}
components:
  parameters:
    OrderId: {name: order_id, in: path, required: true, schema: {type: string}}
paths:
  /v1/orders/{order_id}:
    parameters: [{$ref: '#/components/parameters/OrderId'}]
    get: {responses: {'200': {description: OK}}}
    delete: {responses: {'204': {description: Deleted.}}}
  /v1/orders/{order_id}/lines:
    parameters: [{$ref: '#/components/parameters/OrderId'}]
    get: {responses: {'200': {description: OK}}}
  /v1/clients/{clientIP}/sessions/{session-id}:
    get: {responses: {'200': {description: OK}}}
`
	expectMessages(t, runRuleOnText(t, pathParamCasing{}, nil, doc), []string{
		`path parameter "order_id" is not camelCase: use "orderId"`,
		`{clientIP} is not camelCase (acronyms are written as words): use {clientIp}`,
		`{session-id} is not camelCase (hyphens break`,
	})
	expectMessages(t, runRuleOnText(t, pathParamCasing{}, map[string]any{"acronyms": []any{"IP"}, "style": "snake"}, doc), []string{
		`{clientIP} is not snake_case: use {client_ip}`,
		`{session-id} is not snake_case (hyphens break`,
	})
}
