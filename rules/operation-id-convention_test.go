package rules

import (
	"strings"
	"testing"
)

func TestOperationIDConventionCases(t *testing.T) {
	doc := map[string]string{"openapi.yaml": `
openapi: 3.0.3
info: {title: T, version: 1.0.0}
paths:
  /shipment-items/{shipmentItemId}:
    get: {operationId: getShipmentItem, responses: {'200': {description: ok}}}
    put: {operationId: replaceItem, responses: {'200': {description: ok}}}
  /orders/{orderId}/actions/bulk-cancel:
    post: {operationId: bulkCancelOrder, responses: {'200': {description: ok}}}
  /login:
    post: {operationId: login, responses: {'200': {description: ok}}}
  /reports:
    get: {operationId: getReports, responses: {'200': {description: ok}}}
  /users/{userId}:
    get: {operationId: getUserByID, responses: {'200': {description: ok}}}
`}
	cases := []struct {
		name string
		opts map[string]any
		want []string
	}{
		{"defaults", nil, []string{`14:24 error operationId "getUserByID" is not camelCase: rename it to ` + "`getUserById`"}},
		{"acronyms allowed", map[string]any{"acronymStyle": "upper"}, nil},
		{"strict wants the resource name", map[string]any{"strict": true, "acronymStyle": "upper"}, []string{
			`6:24 warn operationId "replaceItem" should name the resource`,
			`14:24 warn operationId "getUserByID" should name the resource`}},
		{"snake style", map[string]any{"style": "snake"}, []string{
			`5:24 error operationId "getShipmentItem" is not snake_case: rename it to ` + "`get_shipment_item`",
			`6:24 error`, `8:25 error`, `12:24 error`, `14:24 error`}},
		{"verbMap", map[string]any{"verbMap": map[string]any{"get": []any{"fetch"}, "list": []any{"list"}, "replace": []any{"replace"}}, "acronymStyle": "upper"}, []string{
			`5:24 warn operationId "getShipmentItem" should start with ` + "`fetch`",
			`12:24 warn operationId "getReports" should start with ` + "`list` or `fetch`",
			`14:24 warn`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := lintB(t, OperationIDConventionID, c.opts, doc)
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
