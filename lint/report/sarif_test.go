package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// sarifSchema compiles the vendored official SARIF 2.1.0 schema (see
// testdata/README.md).
func sarifSchemaValidator(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := jsonschema.NewCompiler()
	const url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(url, f); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile the SARIF schema: %v", err)
	}
	return s
}

// ValidateSARIF checks a SARIF document against the official schema.
func validateSARIF(t *testing.T, s *jsonschema.Schema, doc []byte) {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	if err := s.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			t.Fatalf("SARIF output does not match the SARIF 2.1.0 schema:\n%#v", ve)
		}
		t.Fatal(err)
	}
}

func testTool() Tool {
	return Tool{
		Version: "1.2.3",
		Rules: []rule.Meta{
			{ID: "path-segments-kebab-case", Summary: "Path segments are kebab-case", Severity: rule.Error, Family: "url", Fix: "Rename the segment.",
				Options: []rule.Option{{Name: "allow", Default: []string{}, Description: "segments | allowed"}}},
			{ID: "operation-summary", Summary: "Operations have a summary", Severity: rule.Warn, Family: "metadata", Fix: "Add a summary."},
			{ID: "xspec-route-conflict", Summary: "A route belongs to one spec", Severity: rule.Info, Family: "xspec"},
			{ID: "h", Summary: "hint", Severity: rule.Hint},
			{ID: "disabled", Summary: "off by default", Severity: rule.Off},
		},
		Examples: func(id string) ([]byte, []byte, error) {
			if id == "operation-summary" {
				return []byte("paths: {/a: {get: {}}}\n"), []byte("paths: {/a: {get: {summary: A}}}"), nil
			}
			return nil, nil, os.ErrNotExist
		},
	}
}

func TestSARIFValidAgainstSchema(t *testing.T) {
	schema := sarifSchemaValidator(t)
	res := sample()
	res.Findings = append(res.Findings,
		rule.Finding{Rule: "unknown-rule", Severity: rule.Warn, Message: "from a rule nobody described", Pos: spec.Position{File: "dir with space/ä.yaml", Line: 3, Col: 1}},
		rule.Finding{Rule: lint.IgnoreRuleID, Severity: rule.Error, Message: "x-lint-ignore is empty", Pos: spec.Position{File: "specs/a.yaml", Line: 0}})
	var b bytes.Buffer
	if err := SARIF(&b, res, Options{Tool: testTool()}); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, schema, b.Bytes())

	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name, Version, InformationURI string
					Rules                         []map[string]any
				}
			}
			ColumnKind string
			Results    []map[string]any
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "gwctl" || d.Version != "1.2.3" || d.InformationURI != InformationURI || run.ColumnKind != "unicodeCodePoints" {
		t.Errorf("driver = %s %s %s, columnKind %s", d.Name, d.Version, d.InformationURI, run.ColumnKind)
	}
	var ids []string
	for _, r := range d.Rules {
		ids = append(ids, r["id"].(string))
	}
	if got := strings.Join(ids, ","); got != "path-segments-kebab-case,operation-summary,xspec-route-conflict,h,disabled,lint-ignore,unknown-rule" {
		t.Errorf("rules = %s", got)
	}
	levels := map[string]string{}
	for _, r := range d.Rules {
		levels[r["id"].(string)] = r["defaultConfiguration"].(map[string]any)["level"].(string)
	}
	for id, want := range map[string]string{"path-segments-kebab-case": "error", "operation-summary": "warning", "xspec-route-conflict": "note", "h": "note", "disabled": "none"} {
		if levels[id] != want {
			t.Errorf("rule %s level %s, want %s", id, levels[id], want)
		}
	}
	help := d.Rules[1]["help"].(map[string]any)["markdown"].(string)
	if !strings.Contains(help, "#### Fails\n\n```yaml\npaths: {/a: {get: {}}}\n```") || !strings.Contains(help, "summary: A}}}\n```") {
		t.Errorf("help markdown lacks the examples:\n%s", help)
	}
	if opt := d.Rules[0]["help"].(map[string]any)["markdown"].(string); !strings.Contains(opt, "| `allow` | `[]` | segments \\| allowed |") {
		t.Errorf("options table:\n%s", opt)
	}

	if len(run.Results) != 6 {
		t.Fatalf("results = %d, want 6", len(run.Results))
	}
	r0 := run.Results[0]
	if r0["ruleId"] != "path-segments-kebab-case" || r0["ruleIndex"] != 0.0 || r0["level"] != "error" {
		t.Errorf("result 0 = %v", r0)
	}
	loc := r0["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
	art := loc["artifactLocation"].(map[string]any)
	reg := loc["region"].(map[string]any)
	if art["uri"] != "legacy/billing.yaml" || art["uriBaseId"] != "SRCROOT" || reg["startLine"] != 4.0 || reg["startColumn"] != 3.0 {
		t.Errorf("location = %v", loc)
	}
	if fp := r0["partialFingerprints"].(map[string]any)[FingerprintKey].(string); len(fp) != 32 {
		t.Errorf("fingerprint = %q", fp)
	}
	rel := run.Results[2]["relatedLocations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
	if rel["artifactLocation"].(map[string]any)["uri"] != "specs/orders.yaml" {
		t.Errorf("related = %v", rel)
	}
	if run.Results[3]["level"] != "note" {
		t.Error("a hint is a note")
	}
	if u := run.Results[4]["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["artifactLocation"].(map[string]any)["uri"]; u != "dir%20with%20space/%C3%A4.yaml" {
		t.Errorf("uri not encoded: %v", u)
	}
	if run.Results[4]["ruleIndex"] != 6.0 {
		t.Errorf("an undescribed rule is added to rules: index %v", run.Results[4]["ruleIndex"])
	}
	if _, ok := run.Results[5]["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"]; ok {
		t.Error("a finding about a whole file has no region")
	}

	// Deterministic, and an empty run is valid too.
	var again bytes.Buffer
	SARIF(&again, res, Options{Tool: testTool()})
	if !bytes.Equal(b.Bytes(), again.Bytes()) {
		t.Error("SARIF output differs between two runs")
	}
	b.Reset()
	SARIF(&b, &lint.Result{}, Options{})
	validateSARIF(t, schema, b.Bytes())
	if !strings.Contains(b.String(), `"results": []`) || !strings.Contains(b.String(), `"version": "dev"`) {
		t.Errorf("empty run:\n%s", b.String())
	}
}

// The validator is not vacuous: broken documents fail it.
func TestSARIFSchemaRejects(t *testing.T) {
	schema := sarifSchemaValidator(t)
	var b bytes.Buffer
	SARIF(&b, sample(), Options{Tool: testTool()})
	good := b.String()
	for _, bad := range []string{
		strings.Replace(good, `"level": "error"`, `"level": "fatal"`, 1),
		strings.Replace(good, `"startLine": 4`, `"startLine": 0`, 1),
		strings.Replace(good, `"version": "2.1.0"`, `"version": "2.0.0"`, 1),
		strings.Replace(good, `"ruleId"`, `"ruleID"`, 1),
	} {
		var v any
		dec := json.NewDecoder(strings.NewReader(bad))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if schema.Validate(v) == nil {
			t.Errorf("schema accepted a broken document")
		}
	}
}

func TestSARIFQuietKeepsErrorsOnly(t *testing.T) {
	var b bytes.Buffer
	SARIF(&b, sample(), Options{Min: rule.Error, Tool: testTool()})
	if n := strings.Count(b.String(), `"ruleId"`); n != 1 {
		t.Errorf("--quiet SARIF has %d results, want 1", n)
	}
}

// The SARIF the CLI writes for a real spec with every built-in rule (the
// golden of testdata/cli/lint-sarif) validates too.
func TestSARIFGoldenValid(t *testing.T) {
	doc, err := os.ReadFile("../../testdata/cli/lint-sarif/stdout.golden")
	if err != nil {
		t.Fatalf("no CLI golden (run go test ./cmd/internal/cli -run TestGolden -update): %v", err)
	}
	validateSARIF(t, sarifSchemaValidator(t), doc)
}
