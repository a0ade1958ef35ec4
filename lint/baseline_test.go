package lint

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// reload writes files into the working directory load created and loads
// them again (an edit between two runs).
func reload(t *testing.T, files map[string]string) *spec.Set {
	t.Helper()
	dir, _ := os.Getwd()
	var paths []string
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	set, err := spec.Load(context.Background(), paths, spec.Options{WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestBaselineSurvivesUnrelatedEdits(t *testing.T) {
	set := load(t, map[string]string{"b.yaml": billing})
	rs := []rule.Rule{summaries(rule.Warn), pathKeys(rule.Error)}
	dir, _ := os.Getwd()

	before := Run(context.Background(), set, rs, Options{})
	if len(before.Findings) != 4 {
		t.Fatalf("want 4 findings to baseline, got %v", lines(before.Findings))
	}
	b := NewBaseline(before.Findings, dir)

	// Lines move (a description and a new path above), an unrelated value
	// changes, and one new problem appears: only that one is reported.
	edited := strings.Replace(billing, "info: {title: Billing, version: 1.0.0}",
		"info:\n  title: Billing\n  description: |\n    Invoices.\n    And more.\n  version: 1.1.0", 1)
	edited = strings.Replace(edited, "paths:\n", "paths:\n  /new_thing:\n    get:\n      summary: New\n      responses: {'200': {description: ok}}\n", 1)
	edited = strings.Replace(edited, "summary: Get one", "summary: Get one invoice", 1)
	set = reload(t, map[string]string{"b.yaml": edited})
	after := Run(context.Background(), set, rs, Options{Baseline: b})
	if got := lines(after.Findings); len(got) != 1 || !strings.Contains(got[0], "/new_thing") {
		t.Fatalf("only the new finding must be reported, got %v", got)
	}
	if after.Summary.Baselined != 4 || after.Summary.BaselineStale != 0 {
		t.Errorf("baselined %d, stale %d; want 4 and 0", after.Summary.Baselined, after.Summary.BaselineStale)
	}
	var byBaseline int
	for _, s := range after.Suppressed {
		if s.By == "baseline" {
			byBaseline++
		}
	}
	if byBaseline != 4 {
		t.Errorf("suppressed by baseline = %d, want 4", byBaseline)
	}

	// Fix two findings (rename a path and give its operation a summary):
	// they are stale.
	fixed := strings.Replace(billing, "/get_invoices:\n    get:\n", "/invoices:\n    get:\n      summary: List\n", 1)
	set = reload(t, map[string]string{"b.yaml": fixed})
	res := Run(context.Background(), set, rs, Options{Baseline: b})
	if len(res.Findings) != 0 || res.Summary.Baselined != 2 || res.Summary.BaselineStale != 2 {
		t.Errorf("after fixing two: findings %v, baselined %d, stale %d; want none, 2, 2",
			lines(res.Findings), res.Summary.Baselined, res.Summary.BaselineStale)
	}
}

func TestBaselineContentHash(t *testing.T) {
	// A finding on a scalar value is keyed by the value: a different bad
	// value at the same place is a new finding.
	opID := fakeRule{
		meta: rule.Meta{ID: "op-id", Summary: "x", Severity: rule.Error, Family: "naming"},
		check: func(ctx *rule.Context) {
			for _, op := range ctx.Doc.Operations {
				if id := op.Node.Get("operationId"); id != nil && strings.Contains(id.Value, "_") {
					ctx.Report(id, "operationId %s has _", id.Value)
				}
			}
		},
	}
	doc := "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths:\n  /a:\n    get:\n      operationId: get_a\n      responses: {'200': {description: ok}}\n"
	set := load(t, map[string]string{"a.yaml": doc})
	dir, _ := os.Getwd()
	b := NewBaseline(Run(context.Background(), set, []rule.Rule{opID}, Options{}).Findings, dir)

	set = reload(t, map[string]string{"a.yaml": strings.Replace(doc, "get_a", "fetch_a", 1)})
	res := Run(context.Background(), set, []rule.Rule{opID}, Options{Baseline: b})
	if len(res.Findings) != 1 || res.Summary.BaselineStale != 1 {
		t.Errorf("a changed value is a new finding and the old entry is stale: %v, stale %d", lines(res.Findings), res.Summary.BaselineStale)
	}
}

func TestBaselineCountsDuplicates(t *testing.T) {
	twice := fakeRule{
		meta: rule.Meta{ID: "twice", Summary: "x", Severity: rule.Warn, Family: "url"},
		check: func(ctx *rule.Context) {
			n := ctx.Doc.Root.Get("openapi")
			ctx.Report(n, "one")
			ctx.Report(n, "two")
		},
	}
	set := load(t, map[string]string{"a.yaml": billing})
	dir, _ := os.Getwd()
	res := Run(context.Background(), set, []rule.Rule{twice}, Options{})
	b := NewBaseline(res.Findings, dir)
	if len(b.Findings) != 1 || b.Findings[0].Count != 2 || b.Len() != 2 {
		t.Fatalf("two findings on one node are one entry counted twice: %+v", b.Findings)
	}
	// Baseline with count 1: one of the two is new.
	b.Findings[0].Count = 1
	res = Run(context.Background(), set, []rule.Rule{twice}, Options{Baseline: b})
	if len(res.Findings) != 1 || res.Summary.Baselined != 1 {
		t.Errorf("count 1 hides one of two: %v", lines(res.Findings))
	}
}

func TestBaselineFileRoundTrip(t *testing.T) {
	set := load(t, map[string]string{"specs/b.yaml": billing, "specs/a.yaml": billing})
	dir, _ := os.Getwd()
	rs := []rule.Rule{summaries(rule.Warn), pathKeys(rule.Error)}
	res := Run(context.Background(), set, rs, Options{})

	// The baseline lives in a subdirectory: its paths are relative to it.
	bdir := filepath.Join(dir, "ci")
	os.MkdirAll(bdir, 0o755)
	path := filepath.Join(bdir, "baseline.json")
	b := NewBaseline(res.Findings, bdir)
	if err := b.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	var again bytes.Buffer
	NewBaseline(res.Findings, bdir).WriteTo(&again)
	if !bytes.Equal(data, again.Bytes()) {
		t.Error("writing the same findings twice must give the same bytes")
	}
	s := string(data)
	if !strings.HasPrefix(s, "{\n  \"version\": 1,\n  \"findings\": [\n    {\n      \"rule\": \"no-underscore-paths\",\n      \"file\": \"../specs/a.yaml\",\n      \"pointer\": \"/paths/~1get_invoices\",") {
		t.Errorf("unexpected layout or order:\n%s", s)
	}
	if strings.Contains(s, `"line"`) {
		t.Error("the baseline must not record lines")
	}
	if strings.Index(s, "specs/a.yaml") > strings.Index(s, "specs/b.yaml") {
		t.Error("entries must be sorted by file")
	}

	read, err := ReadBaseline(path, "ci/baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	got := Run(context.Background(), set, rs, Options{Baseline: read})
	if len(got.Findings) != 0 || got.Summary.Baselined != len(res.Findings) {
		t.Errorf("a read baseline hides everything it recorded: %v", lines(got.Findings))
	}

	// Linting one file only: the other file's entries are not stale.
	one, err := spec.Load(context.Background(), []string{filepath.Join(dir, "specs", "a.yaml")}, spec.Options{WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	got = Run(context.Background(), one, rs, Options{Baseline: read})
	if got.Summary.BaselineStale != 0 {
		t.Errorf("entries of files not linted are not stale, got %d", got.Summary.BaselineStale)
	}
}

func TestParseBaselineErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "b.json:1:1: empty baseline file"},
		{"{\n  \"version\": 1,\n  \"findings\": [\n    {\"rule\": 3}\n  ]\n}", "b.json:4:15: invalid baseline: findings.rule must be a string, not a number"},
		{"{\n  \"version\": 1,\n  \"findings\": [,]\n}", "b.json:3:16: invalid baseline JSON: invalid character ','"},
		{`{"version": 2, "findings": []}`, "b.json:1:1: baseline version 2 is not supported"},
		{`{"version": 1, "findings": [], "extra": 1}`, `unknown field "extra"`},
		{`{"version": 1, "findings": [{"rule": "r", "file": "f"}]}`, "lacks rule, file or hash"},
	}
	for _, tt := range tests {
		_, err := ParseBaseline([]byte(tt.in), "b.json")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseBaseline(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
	if _, err := ReadBaseline(filepath.Join(t.TempDir(), "nope.json"), "nope.json"); err == nil || err.Error() != "read baseline: nope.json: no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
}

func TestContentHashIgnoresPositionsInMessages(t *testing.T) {
	a := rule.Finding{Rule: "r", Message: "like x declared at specs/a.yaml:52"}
	b := rule.Finding{Rule: "r", Message: "like x declared at specs/a.yaml:97"}
	c := rule.Finding{Rule: "r", Message: "like y declared at specs/a.yaml:52"}
	if ContentHash(a) != ContentHash(b) || ContentHash(a) == ContentHash(c) {
		t.Error("a node-less finding is hashed by its message without positions")
	}
	if len(ContentHash(a)) != 12 {
		t.Errorf("short hash is 12 hex digits, got %q", ContentHash(a))
	}
}
