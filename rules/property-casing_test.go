package rules

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"customerOrders", []string{"customer", "Orders"}},
		{"Shipment_Items", []string{"Shipment", "Items"}},
		{"APIKeys", []string{"API", "Keys"}},
		{"userID", []string{"user", "ID"}},
		{"URLParser", []string{"URL", "Parser"}},
		{"order-id", []string{"order", "id"}},
		{"oauth2Token", []string{"oauth2", "Token"}},
		{"sha256", []string{"sha256"}},
		{"s3Bucket", []string{"s3", "Bucket"}},
		{"address2", []string{"address2"}},
		{"__weird..name__", []string{"weird", "name"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := splitWords(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNamer(t *testing.T) {
	units := []string{"GB", "MB"}
	tests := []struct {
		style    caseStyle
		acronyms string
		allowed  []string
		name     string
		ok       bool
		suggest  string
	}{
		{styleCamel, acronymWord, nil, "userId", true, ""},
		{styleCamel, acronymWord, nil, "coordinateX", true, ""}, // single trailing capital
		{styleCamel, acronymWord, nil, "address2", true, ""},
		{styleCamel, acronymWord, nil, "sha256Digest", true, ""},
		{styleCamel, acronymWord, nil, "diskGB", true, ""}, // unit suffix
		{styleCamel, acronymWord, nil, "id", true, ""},
		{styleCamel, acronymWord, nil, "user_id", false, "userId"},
		{styleCamel, acronymWord, nil, "CreatedAt", false, "createdAt"},
		{styleCamel, acronymWord, nil, "customerURL", false, "customerUrl"},
		{styleCamel, acronymWord, nil, "userID", false, "userId"},
		{styleCamel, acronymWord, nil, "IPAddress", false, "ipAddress"},
		{styleCamel, acronymWord, nil, "order-id", false, "orderId"},
		{styleCamel, acronymWord, nil, "pointXY", false, "pointXy"},
		{styleCamel, acronymWord, []string{"IP"}, "clientIP", true, ""},
		{styleCamel, acronymWord, []string{"IP"}, "clientIPAddress", true, ""},
		{styleCamel, acronymTwoLetterUpper, nil, "clientIP", true, ""},
		{styleCamel, acronymTwoLetterUpper, nil, "customerURL", false, "customerUrl"},
		{styleCamel, acronymUpper, nil, "customerURL", true, ""},
		{styleCamel, acronymUpper, nil, "URLValue", false, "urlValue"}, // camel starts lower case
		{styleSnake, acronymWord, nil, "created_at", true, ""},
		{styleSnake, acronymWord, nil, "createdAt", false, "created_at"},
		{styleSnake, acronymWord, nil, "created__at", false, "created_at"},
		{styleSnake, acronymWord, nil, "_created", false, "created"},
		{styleKebab, acronymWord, nil, "customer-orders", true, ""},
		{styleKebab, acronymWord, nil, "s3-buckets", true, ""},
		{styleKebab, acronymWord, nil, "customerOrders", false, "customer-orders"},
		{styleKebab, acronymWord, nil, "orders-", false, "orders"},
		{stylePascal, acronymUpper, nil, "OrderItem", true, ""},
		{stylePascal, acronymUpper, nil, "order_item", false, "OrderItem"},
		{styleUpperSnake, acronymWord, nil, "IN_PROGRESS", true, ""},
		{styleUpperSnake, acronymWord, nil, "inProgress", false, "IN_PROGRESS"},
	}
	for _, tt := range tests {
		n := newNamer(tt.style, tt.acronyms, tt.allowed, units)
		if got := n.ok(tt.name); got != tt.ok {
			t.Errorf("%s/%s ok(%q) = %v, want %v", tt.style, tt.acronyms, tt.name, got, tt.ok)
		}
		if !tt.ok {
			if got := n.suggest(tt.name); got != tt.suggest {
				t.Errorf("%s suggest(%q) = %q, want %q", tt.style, tt.name, got, tt.suggest)
			}
		}
	}
}

func TestParseStyle(t *testing.T) {
	for in, want := range map[string]caseStyle{
		"camel": styleCamel, "camelCase": styleCamel, "snake_case": styleSnake, "kebab-case": styleKebab,
		"PascalCase": stylePascal, "UPPER_SNAKE_CASE": styleUpperSnake, "upper-snake": styleUpperSnake,
	} {
		if got, ok := parseStyle(in); !ok || got != want {
			t.Errorf("parseStyle(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := parseStyle("weird"); ok {
		t.Error("parseStyle accepted an unknown style")
	}
}

// TestPropertyCasingCycles checks that self- and mutually-recursive schemas
// are walked once and end.
func TestPropertyCasingCycles(t *testing.T) {
	got := runRuleOnText(t, propertyCasing{}, nil, `openapi: 3.1.0
info: {title: Tree, version: 1.0.0}
paths:
  /v1/nodes:
    get:
      responses:
        '200':
          description: Nodes.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Node:
      type: object
      properties:
        child_nodes: {type: array, items: {$ref: '#/components/schemas/Node'}}
        parent: {$ref: '#/components/schemas/Parent'}
    Parent:
      allOf:
        - $ref: '#/components/schemas/Node'
        - properties:
            Owner_Name: {type: string}
`)
	want := []string{`property "child_nodes" is not camelCase: use "childNodes"`, `property "Owner_Name" is not camelCase: use "ownerName"`}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPropertyCasingOptions(t *testing.T) {
	doc := `openapi: 3.0.3
info: {title: Orders, version: 1.0.0}
paths:
  /v1/orders:
    get:
      responses:
        '200':
          description: Orders.
          content:
            application/json:
              schema:
                type: object
                properties:
                  customer_id: {type: string}
                  _links: {type: object}
components:
  schemas:
    order_item: {type: object}
`
	got := runRuleOnText(t, propertyCasing{}, map[string]any{"style": "snake", "componentNames": "PascalCase"}, doc)
	want := []string{`schema name "order_item" is not PascalCase: use "OrderItem"`}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// runRuleOnText runs one rule with options over a document given as text and
// returns the messages.
func runRuleOnText(t *testing.T, r rule.Rule, opts map[string]any, doc string) []string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := spec.Load(context.Background(), []string{file}, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := r.Meta()
	var got []string
	for _, d := range set.Docs {
		r.Check(rule.NewContext(set, d, m.ID, m.Severity, m.Merge(opts), func(f rule.Finding) { got = append(got, f.Message) }))
	}
	return got
}

// TestGroupAMessages checks that every finding of the URL, parameter, status
// and property rules on their failing examples says what to do (a message
// with an instruction after a colon), and prints them under -v.
func TestGroupAMessages(t *testing.T) {
	for _, r := range groupA() {
		id := r.Meta().ID
		file := filepath.Join("testdata", id, "fail.yaml")
		set, err := spec.Load(context.Background(), []string{file}, spec.Options{})
		if err != nil {
			t.Fatalf("load %s: %v", file, err)
		}
		m := r.Meta()
		for _, d := range set.Docs {
			r.Check(rule.NewContext(set, d, id, m.Severity, m.Defaults(), func(f rule.Finding) {
				t.Logf("%s:%d:%d %s %s: %s", id, f.Pos.Line, f.Pos.Col, f.Severity, f.Pointer, f.Message)
				if !strings.Contains(f.Message, ": ") {
					t.Errorf("%s: message does not say what to do: %q", id, f.Message)
				}
			}))
		}
	}
}

// TestPropertyCasingReach checks what counts as reachable: parameters,
// headers, callbacks and webhooks do; unreferenced components do not.
func TestPropertyCasingReach(t *testing.T) {
	doc := `openapi: 3.1.0
info: {title: Orders, version: 1.0.0}
paths:
  /v1/orders:
    get:
      parameters:
        - name: filter
          in: query
          content:
            application/json:
              schema: {type: object, properties: {order_status: {type: string}}}
      responses:
        '200':
          description: Orders.
          headers:
            X-Page:
              schema: {type: object, properties: {next_cursor: {type: string}}}
      callbacks:
        orderShipped:
          '{$request.query.callbackUrl}':
            post:
              requestBody:
                content:
                  application/json:
                    schema: {type: object, properties: {shipped_at: {type: string}}}
              responses: {'204': {description: Received.}}
webhooks:
  orderCreated:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/OrderEvent'}
      responses: {'204': {description: Received.}}
components:
  schemas:
    OrderEvent: {type: object, properties: {event_id: {type: string}}}
    Unused: {type: object, properties: {legacy_field: {type: string}}}
`
	expectMessages(t, runRuleOnText(t, propertyCasing{}, nil, doc), []string{
		`"order_status"`, `"next_cursor"`, `"shipped_at"`, `"event_id"`,
	})
}
