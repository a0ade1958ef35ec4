package rules

import (
	"reflect"
	"testing"
)

func TestParsePath(t *testing.T) {
	lit := func(s string) pathPart { return pathPart{Text: s} }
	prm := func(s string) pathPart { return pathPart{Text: s, Param: true} }
	tests := []struct {
		path       string
		segs       [][]pathPart
		unbalanced bool
		nested     bool
	}{
		{"/", nil, false, false},
		{"/orders/{orderId}", [][]pathPart{{lit("orders")}, {prm("orderId")}}, false, false},
		{"/files/{name}.csv", [][]pathPart{{lit("files")}, {prm("name"), lit(".csv")}}, false, false},
		{"/v{version}", [][]pathPart{{lit("v"), prm("version")}}, false, false},
		{"/rates/{from}{to}", [][]pathPart{{lit("rates")}, {prm("from"), prm("to")}}, false, false},
		{"/orders/", [][]pathPart{{lit("orders")}, nil}, false, false},
		{"/orders/{orderId", [][]pathPart{{lit("orders")}, {prm("orderId")}}, true, false},
		{"/orders/orderId}", [][]pathPart{{lit("orders")}, {lit("orderId}")}}, true, false},
		{"/a/{b{c}}", [][]pathPart{{lit("a")}, {prm("b{c}")}}, false, true},
	}
	for _, tt := range tests {
		p := parsePath(tt.path)
		var segs [][]pathPart
		for _, s := range p.Segments {
			segs = append(segs, s.Parts)
		}
		if !reflect.DeepEqual(segs, tt.segs) || p.Unbalanced != tt.unbalanced || p.Nested != tt.nested {
			t.Errorf("parsePath(%q) = %v unbalanced=%v nested=%v; want %v %v %v", tt.path, segs, p.Unbalanced, p.Nested, tt.segs, tt.unbalanced, tt.nested)
		}
	}
}

func TestTemplateHelpers(t *testing.T) {
	for in, want := range map[string]string{"orderId": "orderId", "+path": "path", "id*": "id", "?q": "q", "name:3": "name"} {
		if got := templateName(in); got != want {
			t.Errorf("templateName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"/orders/{id}": "/orders/{}", "/v1/files/{name}.csv": "/v1/files/{}.csv"} {
		if got := normalizedTemplate(parsePath(in)); got != want {
			t.Errorf("normalizedTemplate(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"/orders/{orderId}:cancel": "cancel", "/orders:batchGet": "batchGet", "/orders/{orderId}/actions/cancel": "cancel", "/orders/{orderId}": "", "/orders/": ""} {
		if got := actionName(parsePath(in)); got != want {
			t.Errorf("actionName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPathTemplateWellFormedOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  map[string]any
		paths []string
		want  []string
	}{
		{"defaults", nil, []string{"/v1/orders/{orderId}:cancel", "/v1/files/{name}.csv", "/v{version}/orders"},
			[]string{`"{name}.csv" mixes`, `"v{version}" mixes`}},
		{"mixed allowed", map[string]any{"allowMixedSegments": true}, []string{"/v1/files/{name}.csv", "/v{version}/orders"}, nil},
		{"suffix allowed", map[string]any{"allowedSuffixes": []any{".csv", ":*"}}, []string{"/v1/files/{name}.csv", "/v1/orders/{orderId}:cancel", "/v1/files/{name}.pdf"},
			[]string{`"{name}.pdf" mixes`}},
		{"query operator", nil, []string{"/v1/orders{?status}"}, []string{`declare "status" under parameters with in: query`}},
		{"empty and nested", nil, []string{"/v1/orders/{}", "/v1/a/{b{c}}"}, []string{"empty expression", "nests braces", `template name "b{c}"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectMessages(t, runRuleOnText(t, pathTemplateWellFormed{}, tt.opts, pathsDoc(tt.paths...)), tt.want)
		})
	}
}
