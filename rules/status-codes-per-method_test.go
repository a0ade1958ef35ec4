package rules

import (
	"fmt"
	"testing"
)

const ordersWithItem = `openapi: 3.0.3
info: {title: Orders, version: 1.0.0}
paths:
  /v1/orders:
    post:
      %s
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses:
        '%s': {description: Done.}
  /v1/orders/{orderId}:
    get:
      parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
      responses:
        '%s': {description: The order.}
  /v1/order-imports:
    post:
      responses:
        '%s': {description: Imported.}
`

func TestStatusCodesPerMethodOptions(t *testing.T) {
	tests := []struct {
		name                      string
		opts                      map[string]any
		ext, create, get, unknown string
		want                      []string
	}{
		{"defaults", nil, "", "201", "200", "201", nil},
		{"create returns 200", nil, "", "200", "200", "200", []string{"POST /v1/orders returns 200, which does not fit a POST that creates"}},
		{"lenient create", map[string]any{"lenientCreate": true}, "", "200", "200", "200", nil},
		{"marked action", nil, "x-gwctl-kind: action", "201", "200", "200", []string{"a POST marked x-gwctl-kind: action"}},
		{"GET redirect", nil, "", "201", "301", "200", []string{"GET /v1/orders/{orderId} returns 301"}},
		{"redirects allowed", map[string]any{"allowRedirects": true}, "", "201", "301", "200", nil},
		{"matrix override from YAML numbers", map[string]any{"matrix": map[string]any{"get": []any{200, 203}}}, "", "201", "203", "200", nil},
		{"POST the path does not classify", nil, "", "201", "200", "204", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := fmt.Sprintf(ordersWithItem, tt.ext, tt.create, tt.get, tt.unknown)
			expectMessages(t, runRuleOnText(t, statusCodesPerMethod{}, tt.opts, doc), tt.want)
		})
	}
}

func TestRequestBodyBodylessActions(t *testing.T) {
	doc := pathsDoc() + `  /v1/orders/{orderId}/cancel:
    post:
      responses: {'200': {description: Cancelled.}}
  /v1/orders/{orderId}:approve-all:
    post:
      responses: {'200': {description: Approved.}}
  /v1/orders/{orderId}/recalculate:
    post:
      responses: {'200': {description: Recalculated.}}
`
	expectMessages(t, runRuleOnText(t, requestBodyMethodSemantics{}, nil, doc), []string{"POST /v1/orders/{orderId}/recalculate declares no request body"})
	expectMessages(t, runRuleOnText(t, requestBodyMethodSemantics{}, map[string]any{"bodylessActions": []any{"*"}}, doc), nil)
}
