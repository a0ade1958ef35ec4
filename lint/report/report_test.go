package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

func sample() *lint.Result {
	at := func(file string, line, col int) spec.Position { return spec.Position{File: file, Line: line, Col: col} }
	return &lint.Result{
		Findings: []rule.Finding{
			{Rule: "path-segments-kebab-case", Severity: rule.Error, Message: "rename \"get_invoices\" to kebab-case", Pos: at("legacy/billing.yaml", 4, 3), Pointer: "/paths/~1get_invoices"},
			{Rule: "operation-summary", Severity: rule.Warn, Message: "add a\nsummary", Pos: at("legacy/billing.yaml", 12, 5), Pointer: "/paths/~1get_invoices/get"},
			{Rule: "xspec-route-conflict", Severity: rule.Info, Message: "GET /v1/x is also in orders.yaml", Pos: at("specs/a.yaml", 10, 11), Pointer: "/paths/~1v1~1x/get",
				Related: []spec.Position{at("specs/orders.yaml", 3, 5)}},
			{Rule: "h", Severity: rule.Hint, Message: "consider", Pos: at("specs/a.yaml", 100, 1)},
		},
		Summary: lint.Summary{Errors: 1, Warnings: 1, Infos: 1, Hints: 1, Ignored: 2, Excepted: 1, Files: 2, Operations: 7},
	}
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	want := `legacy/billing.yaml:4:3  error path-segments-kebab-case rename "get_invoices" to kebab-case
legacy/billing.yaml:12:5 warn  operation-summary        add a summary

specs/a.yaml:10:11 info  xspec-route-conflict GET /v1/x is also in orders.yaml
  related: specs/orders.yaml:3:5
specs/a.yaml:100:1 hint  h                    consider
`
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	if strings.Contains(b.String(), "\x1b[") {
		t.Error("no colour unless asked")
	}

	b.Reset()
	Text(&b, sample(), Options{Color: true})
	if !strings.Contains(b.String(), "\x1b[31merror\x1b[0m") || !strings.Contains(b.String(), "\x1b[33mwarn\x1b[0m") {
		t.Errorf("coloured text lacks severity colours:\n%q", b.String())
	}

	b.Reset()
	Text(&b, sample(), Options{Min: rule.Error})
	if got := strings.Count(b.String(), "\n"); got != 1 {
		t.Errorf("Min error shows %d lines, want 1:\n%s", got, b.String())
	}

	b.Reset()
	Text(&b, &lint.Result{}, Options{})
	if b.Len() != 0 {
		t.Errorf("a clean result writes nothing, got %q", b.String())
	}
}

func TestSummary(t *testing.T) {
	tests := []struct {
		s    lint.Summary
		want string
	}{
		{lint.Summary{Errors: 3, Warnings: 9, Files: 2, Operations: 31}, "✖ 12 problems (3 errors, 9 warnings) in 2 files, 31 operations\n"},
		{lint.Summary{Errors: 1, Files: 1, Operations: 1}, "✖ 1 problem (1 error, 0 warnings) in 1 file, 1 operation\n"},
		{lint.Summary{Warnings: 1, Infos: 2, Hints: 1, Files: 1, Operations: 4}, "✖ 4 problems (0 errors, 1 warning, 2 infos, 1 hint) in 1 file, 4 operations\n"},
		{lint.Summary{Files: 3, Operations: 12}, "✔ no problems in 3 files, 12 operations\n"},
		{lint.Summary{Files: 3, Operations: 12, Ignored: 2, Excepted: 1}, "✔ no problems in 3 files, 12 operations; 3 suppressed (2 by x-lint-ignore, 1 by exceptions)\n"},
		{lint.Summary{Errors: 1, Files: 1, Operations: 1, Excepted: 5}, "✖ 1 problem (1 error, 0 warnings) in 1 file, 1 operation; 5 suppressed (5 by exceptions)\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		Summary(&b, &lint.Result{Summary: tt.s}, Options{})
		if b.String() != tt.want {
			t.Errorf("Summary(%+v) = %q, want %q", tt.s, b.String(), tt.want)
		}
	}
	var b bytes.Buffer
	Summary(&b, &lint.Result{Summary: lint.Summary{Errors: 1}}, Options{Color: true})
	if !strings.HasPrefix(b.String(), "\x1b[1m\x1b[31m✖ 1 problem\x1b[0m") {
		t.Errorf("coloured summary = %q", b.String())
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Findings []map[string]any `json:"findings"`
		Summary  map[string]int   `json:"summary"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b.String())
	}
	f := got.Findings[0]
	for k, v := range map[string]any{"rule": "path-segments-kebab-case", "severity": "error", "message": `rename "get_invoices" to kebab-case`,
		"file": "legacy/billing.yaml", "line": 4.0, "column": 3.0, "pointer": "/paths/~1get_invoices"} {
		if f[k] != v {
			t.Errorf("findings[0].%s = %v, want %v", k, f[k], v)
		}
	}
	if _, ok := f["related"]; ok {
		t.Error("related must be omitted when empty")
	}
	if rel := got.Findings[2]["related"].([]any)[0].(map[string]any); rel["file"] != "specs/orders.yaml" || rel["line"] != 3.0 || rel["column"] != 5.0 {
		t.Errorf("related = %v", rel)
	}
	wantSum := map[string]int{"error": 1, "warn": 1, "info": 1, "hint": 1, "ignored": 2, "excepted": 1, "files": 2, "operations": 7}
	for k, v := range wantSum {
		if got.Summary[k] != v {
			t.Errorf("summary.%s = %d, want %d", k, got.Summary[k], v)
		}
	}
	if len(got.Summary) != len(wantSum) {
		t.Errorf("summary keys = %v", got.Summary)
	}

	b.Reset()
	JSON(&b, &lint.Result{}, Options{})
	if !strings.Contains(b.String(), `"findings": []`) {
		t.Errorf("a clean result must have an empty findings array, got %s", b.String())
	}
	if !strings.HasSuffix(b.String(), "}\n") {
		t.Error("JSON output ends with a newline")
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "xml", &lint.Result{}, Options{}); err == nil {
		t.Error("unknown format must be an error")
	}
}
