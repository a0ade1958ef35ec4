package lint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gwctl/gwctl/lint/config"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// fakeRule is data plus a check, for engine tests.
type fakeRule struct {
	meta  rule.Meta
	check func(*rule.Context)
}

func (r fakeRule) Meta() rule.Meta         { return r.meta }
func (r fakeRule) Check(ctx *rule.Context) { r.check(ctx) }

// pathKeys reports every path key whose text contains "_": a stand-in for a
// URL naming rule.
func pathKeys(sev rule.Severity) fakeRule {
	return fakeRule{
		meta: rule.Meta{ID: "no-underscore-paths", Summary: "no _ in paths", Severity: sev, Family: "url",
			Options: []rule.Option{{Name: "char", Default: "_"}, {Name: "max", Default: 0}, {Name: "allow", Default: []string{}}}},
		check: func(ctx *rule.Context) {
			ch := ctx.Options.String("char")
			allow := ctx.Options.Strings("allow")
			ctx.Doc.Root.Get("paths").Each(func(p string, k, _ *spec.Node) {
				for _, a := range allow {
					if a == p {
						return
					}
				}
				if strings.Contains(p, ch) {
					ctx.Report(k, "path %s contains %q", p, ch)
				}
			})
		},
	}
}

// summaries reports every operation without a summary, at the method key.
func summaries(sev rule.Severity) fakeRule {
	return fakeRule{
		meta: rule.Meta{ID: "operation-summary", Summary: "operations have summaries", Severity: sev, Family: "metadata"},
		check: func(ctx *rule.Context) {
			for _, op := range ctx.Doc.Operations {
				if op.Node.Str("summary") == "" {
					ctx.Report(op.MethodKey, "add a summary to %s %s", op.Method, op.Path)
				}
			}
		},
	}
}

// fileCount is a set-scoped rule that reports once per run.
func fileCount(runs *atomic.Int32) fakeRule {
	return fakeRule{
		meta: rule.Meta{ID: "xspec-count", Summary: "counts", Severity: rule.Info, Family: "xspec", Scope: rule.ScopeSet},
		check: func(ctx *rule.Context) {
			runs.Add(1)
			ctx.Report(ctx.Set.Docs[0].Root.Get("openapi"), "%d documents", len(ctx.Set.Docs))
		},
	}
}

func panicky() fakeRule {
	return fakeRule{
		meta:  rule.Meta{ID: "broken", Summary: "panics", Severity: rule.Warn, Family: "url"},
		check: func(*rule.Context) { panic("boom") },
	}
}

func load(t *testing.T, files map[string]string) *spec.Set {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	t.Chdir(dir)
	set, err := spec.Load(context.Background(), paths, spec.Options{WorkDir: dir})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return set
}

func lines(fs []rule.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s %s", f.Pos, f.Severity, f.Rule, f.Message))
	}
	return out
}

const billing = `openapi: 3.0.3
info: {title: Billing, version: 1.0.0}
paths:
  /get_invoices:
    get:
      responses: {'200': {description: ok}}
  /invoices/{invoice_id}:
    get:
      summary: Get one
      responses: {'200': {description: ok}}
    delete:
      responses: {'204': {description: gone}}
`

func TestRunOrderAndSummary(t *testing.T) {
	set := load(t, map[string]string{
		"b.yaml": billing,
		"a.yaml": strings.Replace(billing, "Billing", "Other", 1),
	})
	var runs atomic.Int32
	rs := []rule.Rule{summaries(rule.Warn), pathKeys(rule.Error), fileCount(&runs), panicky()}
	res := Run(context.Background(), set, rs, Options{Workers: 3})
	want := []string{
		`a.yaml:1:1 error broken internal error in rule broken: boom (please report this with the spec that caused it)`,
		`a.yaml:1:10 info xspec-count 2 documents`,
		`a.yaml:4:3 error no-underscore-paths path /get_invoices contains "_"`,
		`a.yaml:5:5 warn operation-summary add a summary to get /get_invoices`,
		`a.yaml:7:3 error no-underscore-paths path /invoices/{invoice_id} contains "_"`,
		`a.yaml:11:5 warn operation-summary add a summary to delete /invoices/{invoice_id}`,
		`b.yaml:1:1 error broken internal error in rule broken: boom (please report this with the spec that caused it)`,
		`b.yaml:4:3 error no-underscore-paths path /get_invoices contains "_"`,
		`b.yaml:5:5 warn operation-summary add a summary to get /get_invoices`,
		`b.yaml:7:3 error no-underscore-paths path /invoices/{invoice_id} contains "_"`,
		`b.yaml:11:5 warn operation-summary add a summary to delete /invoices/{invoice_id}`,
	}
	if got := lines(res.Findings); !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if runs.Load() != 1 {
		t.Errorf("set-scoped rule ran %d times, want once", runs.Load())
	}
	wantSum := Summary{Errors: 6, Warnings: 4, Infos: 1, Files: 2, Operations: 6}
	if res.Summary != wantSum {
		t.Errorf("summary = %+v, want %+v", res.Summary, wantSum)
	}
	if res.AtLeast(rule.Error) != 6 || res.AtLeast(rule.Warn) != 10 || res.AtLeast(rule.Hint) != 11 {
		t.Errorf("AtLeast: %d %d %d", res.AtLeast(rule.Error), res.AtLeast(rule.Warn), res.AtLeast(rule.Hint))
	}

	// The same run again gives byte-identical findings whatever the scheduling.
	for i := 0; i < 5; i++ {
		again := Run(context.Background(), set, rs, Options{Workers: 1 + i})
		if !reflect.DeepEqual(lines(again.Findings), lines(res.Findings)) {
			t.Fatalf("run %d differs", i)
		}
	}
}

func TestRunCancelled(t *testing.T) {
	set := load(t, map[string]string{"a.yaml": billing})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := Run(ctx, set, []rule.Rule{summaries(rule.Warn)}, Options{})
	if len(res.Findings) != 0 {
		t.Errorf("a cancelled run should not check anything, got %d findings", len(res.Findings))
	}
}

func ruleset(t *testing.T, files map[string]string) *config.Ruleset {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := config.Load(filepath.Join(dir, "gwctl.yaml"), nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return p.Ruleset
}

func TestConfigure(t *testing.T) {
	rs := []rule.Rule{pathKeys(rule.Error), summaries(rule.Warn), fakeRule{meta: rule.Meta{ID: "opt-in", Severity: rule.Off}}}
	builtin := defaultBuiltin(rs)
	type eff struct {
		Sev  map[string]string
		Opts map[string]any // options of no-underscore-paths
	}
	tests := []struct {
		name  string
		files map[string]string // nil: no config
		want  eff
	}{
		{"no config is recommended", nil,
			eff{map[string]string{"no-underscore-paths": "error", "operation-summary": "warn", "opt-in": "off"}, map[string]any{"char": "_", "max": 0, "allow": []string{}}}},
		{"strict promotes warn", map[string]string{"gwctl.yaml": "ruleset: {extends: [strict]}\n"},
			eff{map[string]string{"no-underscore-paths": "error", "operation-summary": "error", "opt-in": "off"}, map[string]any{"char": "_", "max": 0, "allow": []string{}}}},
		{"overrides and options", map[string]string{"gwctl.yaml": "ruleset:\n  rules:\n    operation-summary: off\n    opt-in: hint\n    no-underscore-paths: {options: {char: '-', max: 3, allow: [/a_b]}}\n"},
			eff{map[string]string{"no-underscore-paths": "error", "operation-summary": "off", "opt-in": "hint"}, map[string]any{"char": "-", "max": 3, "allow": []string{"/a_b"}}}},
		{"local ruleset files layer in order", map[string]string{
			"gwctl.yaml": "ruleset:\n  extends: [team.yaml, strict]\n  rules: {no-underscore-paths: {options: {max: 5}}}\n",
			"team.yaml":  "rules:\n  operation-summary: info\n  no-underscore-paths: {severity: warn, options: {char: x, max: 1}}\n",
		}, eff{map[string]string{"no-underscore-paths": "error", "operation-summary": "error", "opt-in": "off"}, map[string]any{"char": "x", "max": 5, "allow": []string{}}}},
		{"a later local file overrides strict", map[string]string{
			"gwctl.yaml": "ruleset:\n  extends: [strict, team.yaml]\n",
			"team.yaml":  "rules:\n  operation-summary: info\n",
		}, eff{map[string]string{"no-underscore-paths": "error", "operation-summary": "info", "opt-in": "off"}, map[string]any{"char": "_", "max": 0, "allow": []string{}}}},
		{"extends nothing", map[string]string{"gwctl.yaml": "ruleset: {extends: [], rules: {operation-summary: error}}\n"},
			eff{map[string]string{"no-underscore-paths": "off", "operation-summary": "error", "opt-in": "off"}, map[string]any{"char": "_", "max": 0, "allow": []string{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Builtin: builtin}
			if tt.files != nil {
				opts.Ruleset = ruleset(t, tt.files)
			}
			plan, err := Configure(rs, opts)
			if err != nil {
				t.Fatal(err)
			}
			got := eff{Sev: map[string]string{}}
			for _, c := range plan.Rules {
				got.Sev[c.Meta.ID] = c.Severity.String()
				if c.Meta.ID == "no-underscore-paths" {
					got.Opts = c.Options
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestConfigureErrors(t *testing.T) {
	rs := []rule.Rule{pathKeys(rule.Error), summaries(rule.Warn)}
	dir := t.TempDir()
	t.Chdir(dir)
	opts := Options{Ruleset: ruleset(t, map[string]string{"gwctl.yaml": `ruleset:
  rules:
    no-underscore-paths:
      options: {chr: "-", max: "three", allow: [1, 2], other: 1}
    operation-summary: {options: {x: 1}}
`})}
	plan, err := Configure(rs, opts)
	var es spec.Errors
	if !errors.As(err, &es) {
		t.Fatalf("err = %v, want spec.Errors", err)
	}
	want := []string{
		`gwctl.yaml:4:17: unknown option "chr" for rule no-underscore-paths; did you mean "char"?`,
		`gwctl.yaml:4:27: option max of rule no-underscore-paths must be a whole number, got "three"`,
		`gwctl.yaml:4:41: option allow of rule no-underscore-paths must be a list of strings, got an item the number 1`,
		`gwctl.yaml:4:56: unknown option "other" for rule no-underscore-paths (options: char, max, allow)`,
		`gwctl.yaml:5:35: rule operation-summary has no options`,
	}
	got := strings.Split(err.Error(), "\n")
	for i := range got {
		got[i] = got[i][strings.Index(got[i], "gwctl.yaml"):]
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The plan is still usable: bad options keep their defaults.
	if o := plan.Rules[0].Options; o.String("char") != "_" || o.Int("max") != 0 {
		t.Errorf("bad options must keep defaults, got %v", o)
	}
}

func TestInlineIgnore(t *testing.T) {
	spec := `openapi: 3.0.3
info: {title: Billing, version: 1.0.0}
paths:
  /get_invoices:
    x-lint-ignore:
      - rule: no-underscore-paths
        reason: old clients call it
    get:
      responses: {'200': {description: ok}}
  /invoice_lines:
    x-lint-ignore: [no-underscore-paths, operation-summary]
    x-lint-ignore-reason: generated by the old tool
    get:
      responses: {'200': {description: ok}}
  /bad_one:
    x-lint-ignore: no-underscore-paths
    get:
      x-lint-ignore:
        - rule: operation-summry
          reason: typo
        - rule: operation-summary
        - {rule: operation-summary, reason: fine, extra: 1}
        - [nested]
      x-lint-ignore-reason: ""
      responses: {'200': {description: ok}}
  /only_reason:
    x-lint-ignore-reason: why
    get:
      summary: ok
      responses: {'200': {description: ok}}
`
	set := load(t, map[string]string{"a.yaml": spec})
	res := Run(context.Background(), set, []rule.Rule{pathKeys(rule.Error), summaries(rule.Warn)}, Options{})
	want := []string{
		`a.yaml:8:5 warn operation-summary add a summary to get /get_invoices`,
		`a.yaml:15:3 error no-underscore-paths path /bad_one contains "_"`,
		`a.yaml:16:5 error lint-ignore x-lint-ignore must be a list: write x-lint-ignore as a list of {rule: ID, reason: WHY} (or a list of rule ids with x-lint-ignore-reason: WHY)`,
		`a.yaml:17:5 warn operation-summary add a summary to get /bad_one`,
		`a.yaml:19:17 error lint-ignore unknown rule "operation-summry" in x-lint-ignore; did you mean "operation-summary"?`,
		`a.yaml:21:11 error lint-ignore x-lint-ignore of operation-summary has no reason: add reason: WHY`,
		`a.yaml:22:51 error lint-ignore unknown key "extra" in an x-lint-ignore entry (want rule and reason)`,
		`a.yaml:23:11 error lint-ignore x-lint-ignore entries must be rule ids or {rule, reason} mappings: write x-lint-ignore as a list of {rule: ID, reason: WHY} (or a list of rule ids with x-lint-ignore-reason: WHY)`,
		`a.yaml:24:29 error lint-ignore x-lint-ignore-reason must be a non-empty text`,
		`a.yaml:26:3 error no-underscore-paths path /only_reason contains "_"`,
		`a.yaml:27:5 error lint-ignore x-lint-ignore-reason without x-lint-ignore: it has nothing to explain`,
	}
	if got := lines(res.Findings); !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var by []string
	for _, s := range res.Suppressed {
		by = append(by, fmt.Sprintf("%s %s %s %q at %d", s.Finding.Pos, s.Finding.Rule, s.By, s.Reason, s.At.Line))
	}
	wantBy := []string{
		`a.yaml:4:3 no-underscore-paths x-lint-ignore "old clients call it" at 6`,
		`a.yaml:10:3 no-underscore-paths x-lint-ignore "generated by the old tool" at 11`,
		`a.yaml:13:5 operation-summary x-lint-ignore "generated by the old tool" at 11`,
	}
	if !reflect.DeepEqual(by, wantBy) || res.Summary.Ignored != 3 {
		t.Errorf("suppressed (%d):\n%s\nwant:\n%s", res.Summary.Ignored, strings.Join(by, "\n"), strings.Join(wantBy, "\n"))
	}
}

func TestExceptions(t *testing.T) {
	set := load(t, map[string]string{
		"legacy/billing.yaml": billing,
		"specs/orders.yaml":   strings.ReplaceAll(billing, "/invoices/", "/v1/legacy/"),
	})
	dir, _ := os.Getwd()
	rs := ruleset(t, map[string]string{"gwctl.yaml": `ruleset:
  exceptions:
    - files: ["legacy/*.yaml"]
      rules: [no-underscore-paths]
      reason: legacy API, frozen
    - paths: ["/v1/legacy/**"]
      rules: [no-underscore-paths, operation-summary]
      reason: migrating in Q3
`})
	res := Run(context.Background(), set, []rule.Rule{pathKeys(rule.Error), summaries(rule.Warn)}, Options{Ruleset: rs, Dir: dir})
	want := []string{
		`legacy/billing.yaml:5:5 warn operation-summary add a summary to get /get_invoices`,
		`legacy/billing.yaml:11:5 warn operation-summary add a summary to delete /invoices/{invoice_id}`,
		`specs/orders.yaml:4:3 error no-underscore-paths path /get_invoices contains "_"`,
		`specs/orders.yaml:5:5 warn operation-summary add a summary to get /get_invoices`,
	}
	if got := lines(res.Findings); !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Summary.Excepted != 4 || res.Summary.Ignored != 0 {
		t.Errorf("summary = %+v, want 4 excepted", res.Summary)
	}
}

func TestDedupeSharedComponentFindings(t *testing.T) {
	a := rule.Finding{Rule: "r", Message: "m", Pos: spec.Position{File: "common.yaml", Line: 3, Col: 5}}
	b := rule.Finding{Rule: "r", Message: "m", Pos: spec.Position{File: "common.yaml", Line: 4, Col: 5}}
	got := dedupe([]rule.Finding{a, a, b, b, b})
	if len(got) != 2 || got[0].Pos.Line != 3 || got[1].Pos.Line != 4 {
		t.Fatalf("dedupe = %+v, want one finding per position", got)
	}
}

// TestStrictPromotesSubChecks: under the strict ruleset a sub-check
// reported below the rule's severity is raised as strict raises rules
// (warn → error, info → warn), never above the rule; a severity the user
// sets explicitly turns the promotion off for that rule.
func TestStrictPromotesSubChecks(t *testing.T) {
	sub := func(id string, sev rule.Severity) fakeRule {
		return fakeRule{
			meta: rule.Meta{ID: id, Summary: "sub-checks", Severity: sev, Family: "metadata"},
			check: func(ctx *rule.Context) {
				n := ctx.Doc.Root.Get("openapi")
				ctx.ReportSeverity(rule.Warn, n, "warn sub-check")
				ctx.ReportSeverity(rule.Info, n, "info sub-check")
			},
		}
	}
	rs := []rule.Rule{sub("error-rule", rule.Error), sub("warn-rule", rule.Warn)}
	set := load(t, map[string]string{"a.yaml": "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"})
	for _, tt := range []struct {
		name   string
		config string
		want   []string
	}{
		{"recommended", "ruleset: {extends: [recommended]}\n", []string{
			"error-rule warn warn sub-check", "error-rule info info sub-check",
			"warn-rule warn warn sub-check", "warn-rule info info sub-check"}},
		{"strict", "ruleset: {extends: [strict]}\n", []string{
			"error-rule error warn sub-check", "error-rule warn info sub-check",
			"warn-rule error warn sub-check", "warn-rule warn info sub-check"}},
		{"strict with an explicit severity", "ruleset: {extends: [strict], rules: {error-rule: error, warn-rule: warn}}\n", []string{
			"error-rule warn warn sub-check", "error-rule info info sub-check",
			"warn-rule warn warn sub-check", "warn-rule info info sub-check"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Builtin: defaultBuiltin(rs), Ruleset: ruleset(t, map[string]string{"gwctl.yaml": tt.config})}
			res := Run(context.Background(), set, rs, opts)
			var got []string
			for _, f := range res.Findings {
				got = append(got, fmt.Sprintf("%s %s %s", f.Rule, f.Severity, f.Message))
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
		})
	}
}
