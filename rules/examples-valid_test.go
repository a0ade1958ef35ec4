package rules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// lintB runs one rule with options over files (name → YAML; the first
// name in sorted order that is openapi.yaml is the root) and returns each
// finding as "line:col severity message".
func lintB(t *testing.T, id string, opts map[string]any, files map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.TrimLeft(text, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := spec.Load(context.Background(), []string{filepath.Join(dir, "openapi.yaml")}, spec.Options{WorkDir: dir})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	r := ByID(id)
	if r == nil {
		t.Fatalf("no rule %s", id)
	}
	m := r.Meta()
	var got []string
	for _, d := range set.Docs {
		r.Check(rule.NewContext(set, d, id, m.Severity, m.Merge(opts), func(f rule.Finding) {
			got = append(got, fmt.Sprintf("%d:%d %s %s", f.Pos.Line, f.Pos.Col, f.Severity, f.Message))
		}))
	}
	return got
}

// oneDoc is a document whose single operation returns a body with schema
// and example (both YAML flow text), in OpenAPI version v.
func exampleDoc(v, schema, example, components string) map[string]string {
	return map[string]string{"openapi.yaml": fmt.Sprintf(`
openapi: %s
info: {title: T, version: 1.0.0}
paths:
  /orders:
    post:
      requestBody:
        content:
          application/json:
            schema: %s
            example: %s
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: %s
              example: %s
components:
  schemas: %s
`, v, schema, example, schema, example, components)}
}

func TestExamplesValidDialects(t *testing.T) {
	const none = "{}"
	cases := []struct {
		name       string
		v          string
		schema     string
		example    string
		components string
		opts       map[string]any
		want       []string // substrings, one per expected finding
	}{
		{"3.0 nullable admits null", "3.0.3", "{type: string, nullable: true}", "null", none, nil, nil},
		{"3.0 null without nullable", "3.0.3", "{type: string}", "null", none, nil,
			[]string{"expected string, but got null", "expected string, but got null"}},
		{"3.0 nullable enum", "3.0.3", "{type: string, enum: [A, B], nullable: true}", "null", none, nil, nil},
		{"3.0 nullable next to $ref", "3.0.3", "{$ref: '#/components/schemas/O', nullable: true}", "null",
			"{O: {type: object, properties: {a: {type: string}}}}", nil, nil},
		{"3.0 nullable allOf", "3.0.3", "{nullable: true, allOf: [{$ref: '#/components/schemas/O'}]}", "null",
			"{O: {type: object, properties: {a: {type: string}}}}", nil, nil},
		{"3.0 nullable still checks the value", "3.0.3", "{type: string, nullable: true, maxLength: 2}", "abc", none, nil,
			[]string{"maxLength", "maxLength"}},
		{"3.0 exclusiveMinimum boolean", "3.0.3", "{type: number, minimum: 0, exclusiveMinimum: true}", "0", none, nil,
			[]string{"exclusiveMinimum", "exclusiveMinimum"}},
		{"3.0 ignores 3.1 keywords", "3.0.3", "{type: string, const: A}", "B", none, nil, nil},
		{"3.1 type list with null", "3.1.0", "{type: [string, 'null']}", "null", none, nil, nil},
		{"3.1 has no nullable", "3.1.0", "{type: string, nullable: true}", "null", none, nil,
			[]string{"JSON Schema 2020-12", "JSON Schema 2020-12"}},
		{"3.1 const", "3.1.0", "{type: string, const: A}", "B", none, nil, []string{"const", "const"}},
		{"3.1 prefixItems", "3.1.0", "{type: array, prefixItems: [{type: string}, {type: integer}]}", "[a, b]", none, nil,
			[]string{"at /1: expected integer", "at /1: expected integer"}},
		{"int32 range", "3.0.3", "{type: integer, format: int32}", "3000000000", none, nil,
			[]string{"int32", "int32"}},
		{"unchecked format", "3.0.3", "{type: string, format: hostname}", "'not a host!'", none, nil, nil},
		{"strictFormats", "3.0.3", "{type: string, format: hostname}", "'not a host!'", none,
			map[string]any{"strictFormats": true}, []string{"hostname", "hostname"}},
		{"ECMA-only pattern is skipped", "3.0.3", "{type: string, pattern: '^(?!x).*$'}", "xyz", none, nil, nil},
		{"undeclared member", "3.0.3", "{type: object, properties: {a: {type: string}}}", "{a: x, b: y}", none, nil,
			[]string{"member `b` is not declared", "member `b` is not declared"}},
		{"allowAdditionalProperties", "3.0.3", "{type: object, properties: {a: {type: string}}}", "{a: x, b: y}", none,
			map[string]any{"allowAdditionalProperties": true}, nil},
		{"free-form object stays open", "3.0.3", "{type: object}", "{a: x}", none, nil, nil},
		{"oneOf branches", "3.0.3", "{oneOf: [{$ref: '#/components/schemas/Card'}, {$ref: '#/components/schemas/Iban'}]}",
			"{kind: iban, iban: DE02}",
			"{Card: {type: object, required: [kind, pan], properties: {kind: {type: string, enum: [card]}, pan: {type: string}}}, Iban: {type: object, required: [kind, iban], properties: {kind: {type: string, enum: [iban]}, iban: {type: string}}}}",
			nil, nil},
		{"oneOf none matches", "3.0.3", "{oneOf: [{type: string}, {type: integer}]}", "true", none, nil,
			[]string{"none of the oneOf alternatives", "none of the oneOf alternatives"}},
		{"recursive schema, deep error", "3.0.3", "{$ref: '#/components/schemas/Node'}", "{name: a, children: [{name: b, children: [{name: 3}]}]}",
			"{Node: {type: object, properties: {name: {type: string}, children: {type: array, items: {$ref: '#/components/schemas/Node'}}}}}",
			nil, []string{"at /children/0/children/0/name: expected string", "at /children/0/children/0/name: expected string"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := lintB(t, ExamplesValidID, c.opts, exampleDoc(c.v, c.schema, c.example, c.components))
			if len(got) != len(c.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(got), len(c.want), strings.Join(got, "\n"))
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("finding %d = %q, want it to mention %q", i, got[i], w)
				}
			}
		})
	}
}

func TestExamplesValidReadWriteOnly(t *testing.T) {
	doc := func(reqExample, respExample string) map[string]string {
		return map[string]string{"openapi.yaml": `
openapi: 3.0.3
info: {title: T, version: 1.0.0}
paths:
  /users:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/User'}
            example: ` + reqExample + `
      responses:
        '201':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/User'}
              example: ` + respExample + `
components:
  schemas:
    User:
      type: object
      required: [userId, name, password]
      properties:
        userId: {type: string, readOnly: true}
        name: {type: string}
        password: {type: string, writeOnly: true}
      example: {name: Ann}
`}
	}
	if got := lintB(t, ExamplesValidID, nil, doc("{name: Ann, password: s3cret}", "{userId: u1, name: Ann}")); len(got) != 0 {
		t.Errorf("readOnly left out of the request and writeOnly out of the response should pass:\n%s", strings.Join(got, "\n"))
	}
	got := lintB(t, ExamplesValidID, nil, doc("{name: Ann}", "{name: Ann, password: s3cret}"))
	want := []string{"request application/json example is invalid at the top level: missing properties: 'password'",
		"201 response application/json example is invalid at the top level: missing properties: 'userId'"}
	if len(got) != len(want) {
		t.Fatalf("got:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("got %q, want %q", got[i], want[i])
		}
	}
}

func TestExamplesValidCrossFile(t *testing.T) {
	files := map[string]string{
		"openapi.yaml": `
openapi: 3.0.3
info: {title: T, version: 1.0.0}
paths:
  /orders/{orderId}:
    get:
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'schemas/order.yaml#/Order'}
              example: {orderId: o1, customer: {customerId: 7}}
`,
		"schemas/order.yaml": `
Order:
  type: object
  properties:
    orderId: {type: string}
    customer: {$ref: 'customer.yaml#/Customer'}
`,
		"schemas/customer.yaml": `
Customer:
  type: object
  properties:
    customerId: {type: string}
    orders: {type: array, items: {$ref: 'order.yaml#/Order'}}
`,
	}
	got := lintB(t, ExamplesValidID, nil, files)
	if len(got) != 1 || !strings.Contains(got[0], "at /customer/customerId: expected string, but got number") ||
		!strings.Contains(got[0], "schemas/customer.yaml#/Customer/properties/customerId") || !strings.HasPrefix(got[0], "14:61 ") {
		t.Errorf("got:\n%s", strings.Join(got, "\n"))
	}
}

func TestExamplesValidRequireExamples(t *testing.T) {
	files := map[string]string{"openapi.yaml": `
openapi: 3.1.0
info: {title: T, version: 1.0.0}
paths:
  /orders:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object}
        '404':
          description: no example needed for errors
          content:
            application/problem+json:
              schema: {type: object}
`}
	if got := lintB(t, ExamplesValidID, nil, files); len(got) != 0 {
		t.Errorf("off by default, got %v", got)
	}
	got := lintB(t, ExamplesValidID, map[string]any{"requireExamples": true}, files)
	if len(got) != 1 || !strings.HasPrefix(got[0], "10:13 ") {
		t.Errorf("got %v", got)
	}
}

// A schema referenced from many places compiles once per direction.
func TestExamplesValidCompilesOncePerSchema(t *testing.T) {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: T, version: 1.0.0}\npaths:\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "  /orders%d:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Order'}\n              example: {orderId: o%d}\n", i, i)
	}
	b.WriteString("components:\n  schemas:\n    Order: {type: object, properties: {orderId: {type: string}, next: {$ref: '#/components/schemas/Order'}}}\n")
	dir := t.TempDir()
	p := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := spec.Load(context.Background(), []string{p}, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := rule.NewContext(set, set.Docs[0], ExamplesValidID, rule.Warn, examplesValid{}.Meta().Defaults(), func(f rule.Finding) {
		t.Errorf("unexpected finding: %s", f.Message)
	})
	x := newExampleChecker(ctx)
	x.run()
	if len(x.compiled) != 1 || len(x.urls) != 2 {
		t.Errorf("compiled %d roots from %d resources, want 1 root (Order, response) over 2 resources", len(x.compiled), len(x.urls))
	}
}

// BenchmarkExamplesValid lints 300 operations whose examples share a few
// recursive component schemas, the shape of large real specs.
func BenchmarkExamplesValid(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("openapi: 3.0.3\ninfo: {title: T, version: 1.0.0}\npaths:\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&sb, `  /orders%d/{orderId}:
    get:
      parameters: [{name: orderId, in: path, required: true, schema: {type: string, format: uuid}, example: 9b2f6a1e-3c4d-4e5f-8a7b-1c2d3e4f5a6b}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
              example: {orderId: o%d, status: PENDING, lines: [{sku: A1, quantity: 2}], customer: {customerId: c1, orders: []}}
`, i, i)
	}
	sb.WriteString(`components:
  schemas:
    Order:
      type: object
      required: [orderId, status]
      properties:
        orderId: {type: string, readOnly: true}
        status: {type: string, enum: [PENDING, SHIPPED], example: PENDING}
        lines: {type: array, items: {$ref: '#/components/schemas/Line'}}
        customer: {$ref: '#/components/schemas/Customer'}
    Line:
      type: object
      properties: {sku: {type: string}, quantity: {type: integer, format: int32, minimum: 1}}
    Customer:
      type: object
      properties: {customerId: {type: string}, orders: {type: array, items: {$ref: '#/components/schemas/Order'}}}
`)
	dir := b.TempDir()
	p := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	set, err := spec.Load(context.Background(), []string{p}, spec.Options{})
	if err != nil {
		b.Fatal(err)
	}
	r := examplesValid{}
	m := r.Meta()
	b.ReportAllocs()
	for b.Loop() {
		r.Check(rule.NewContext(set, set.Docs[0], m.ID, m.Severity, m.Defaults(), func(f rule.Finding) { b.Fatal(f.Message) }))
	}
}
