package rules

import (
	"testing"
)

// pathsDoc builds a small spec with the given paths, each with a GET.
func pathsDoc(paths ...string) string { return versionDoc("1.0.0", "", paths...) }

func TestPathSegmentsKebabCaseOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  map[string]any
		paths []string
		want  []string
	}{
		{"templates and versions are not case-checked", nil,
			[]string{"/v1/orders/{order_id}", "/api/v{version}/orders", "/V2/orders", "/v1.2/orders"}, nil},
		{"well-known and digits", nil, []string{"/.well-known/openid-configuration", "/v1/oauth2/s3-buckets"}, nil},
		{"query strings and dot segments are other rules'", nil, []string{"/v1/orders?status=open", "/v1/./orders", "/v1/order%20notes"}, nil},
		{"camel and acronyms", nil, []string{"/v1/customerOrders", "/v1/APIKeys"},
			[]string{`use "customer-orders"`, `use "api-keys"`}},
		{"extensions", nil, []string{"/v1/exports/orders.csv", "/v1/reports/{reportName}.csv"},
			[]string{`"orders.csv" ends in the file extension ".csv"`, `"{reportName}.csv" ends in the file extension ".csv"`}},
		{"allowed extensions", map[string]any{"allowedExtensions": []any{"csv"}},
			[]string{"/v1/exports/orders.csv", "/v1/reports/{reportName}.csv"}, nil},
		{"dotted words are casing problems", nil, []string{"/v1/customer.addresses"}, []string{`use "customer-addresses"`}},
		{"actions", nil, []string{"/v1/orders/{orderId}:cancel", "/v1/orders:batchGet"}, []string{`use ":batch-get"`}},
		{"camel actions", map[string]any{"actionStyle": "camel"}, []string{"/v1/orders:batchGet", "/v1/orders:bulk-cancel"}, []string{`use ":bulkCancel"`}},
		{"no action syntax", map[string]any{"actionSeparator": ""}, []string{"/v1/orders/{orderId}:cancel"}, []string{`has ":cancel"`}},
		{"ignored prefix", map[string]any{"ignorePrefixes": []any{"/API_Gateway"}}, []string{"/API_Gateway/v1/orders", "/API_Gatewayx/orders"},
			[]string{`"API_Gatewayx" is not kebab-case`}},
		{"allow list", map[string]any{"allow": []any{"^[A-Z]{2}$"}}, []string{"/v1/countries/DE"}, nil},
		{"snake style", map[string]any{"style": "snake"}, []string{"/v1/shipment_items", "/v1/shipment-items"},
			[]string{`"shipment-items" is not snake_case: use "shipment_items"`}},
		{"mixed segment literal", nil, []string{"/v1/orders/_{orderId}_"}, []string{`has "_", which is not kebab-case: remove it`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectMessages(t, runRuleOnText(t, pathSegmentsKebabCase{}, tt.opts, pathsDoc(tt.paths...)), tt.want)
		})
	}
}
