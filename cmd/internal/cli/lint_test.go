package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	"github.com/gwctl/gwctl/lint/rule"
)

func TestNewCmdLintFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    LintOptions
		wantErr string
	}{
		{args: nil, want: LintOptions{Format: "text", FailOn: "error"}},
		{args: []string{"specs/", "b.yaml"}, want: LintOptions{Paths: []string{"specs/", "b.yaml"}, Format: "text", FailOn: "error"}},
		{args: []string{"--config", "x/gwctl.yaml", "-f", "json", "--fail-on", "warn", "--allow-remote-refs", "-q", "a.yaml"},
			want: LintOptions{Paths: []string{"a.yaml"}, ConfigPath: "x/gwctl.yaml", Format: "json", FailOn: "warn", AllowRemoteRefs: true, Quiet: true}},
		{args: []string{"-c", "g.yaml", "--fail-on=never"}, want: LintOptions{ConfigPath: "g.yaml", Format: "text", FailOn: "never"}},
		{args: []string{"--format", "sarif", "--baseline", "b.json", "--changed-since", "origin/main", "--sarif-file", "out.sarif"},
			want: LintOptions{Format: "sarif", FailOn: "error", Baseline: "b.json", ChangedSince: "origin/main", SARIFFile: "out.sarif"}},
		{args: []string{"-f", "github", "--write-baseline", "b.json"}, want: LintOptions{Format: "github", FailOn: "error", WriteBaseline: "b.json"}},
		{args: []string{"-f", "junit"}, want: LintOptions{Format: "junit", FailOn: "error"}},
		{args: []string{"--format", "xml"}, wantErr: `invalid --format "xml": want text, json, sarif, github, junit`},
		{args: []string{"--write-baseline", "b.json", "--changed-since", "main"}, wantErr: "--write-baseline records every finding; it cannot be combined with --changed-since"},
		{args: []string{"--changed-since", " "}, wantErr: "--changed-since needs a git revision, e.g. origin/main"},
		{args: []string{"--fail-on", "warning"}, wantErr: `invalid --fail-on "warning": want error, warn, info, hint, never`},
		{args: []string{"--bogus"}, wantErr: "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *LintOptions
			cmd := NewCmdLint(ios, func(_ context.Context, o *LintOptions) error { got = o; return nil })
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				var ue *UsageError
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &ue) {
					t.Fatalf("err = %v (%T), want usage error %q", err, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g := *got
			if g.IO != ios || len(g.Rules) == 0 || g.Builtin == nil || g.Examples == nil {
				t.Errorf("IO, Rules, Builtin and Examples must be set from the registry")
			}
			g.IO, g.Rules, g.Builtin, g.Examples = nil, nil, nil, nil
			if !equalLintOptions(g, tt.want) {
				t.Errorf("options = %+v, want %+v", g, tt.want)
			}
		})
	}
}

func equalLintOptions(a, b LintOptions) bool {
	return strings.Join(a.Paths, "|") == strings.Join(b.Paths, "|") && a.ConfigPath == b.ConfigPath && a.Format == b.Format &&
		a.FailOn == b.FailOn && a.AllowRemoteRefs == b.AllowRemoteRefs && a.Quiet == b.Quiet &&
		a.Baseline == b.Baseline && a.WriteBaseline == b.WriteBaseline && a.ChangedSince == b.ChangedSince && a.SARIFFile == b.SARIFFile
}

// testRule reports every path key, at error, and every operation without a
// summary, at warn: enough to drive the command without the real registry.
type testRule struct{ id string }

func (r testRule) Meta() rule.Meta {
	if r.id == "paths" {
		return rule.Meta{ID: "paths", Summary: "flags every path", Severity: rule.Error, Family: "url"}
	}
	return rule.Meta{ID: "summaries", Summary: "operations have summaries", Severity: rule.Warn, Family: "metadata",
		Options: []rule.Option{{Name: "minLength", Default: 1, Description: "shortest summary"}}}
}

func (r testRule) Check(ctx *rule.Context) {
	for _, op := range ctx.Doc.Operations {
		if r.id == "paths" && op.Method == "get" {
			ctx.Report(op.PathKey, "path %s is flagged", op.Path)
		}
		if r.id == "summaries" && len(op.Node.Str("summary")) < ctx.Options.Int("minLength") {
			ctx.Report(op.MethodKey, "add a summary")
		}
	}
}

const twoOps = `openapi: 3.0.3
info: {title: t, version: 1.0.0}
paths:
  /a:
    get:
      summary: A
      responses: {'200': {description: ok}}
    post:
      responses: {'200': {description: ok}}
`

const postOnly = `openapi: 3.0.3
info: {title: t, version: 1.0.0}
paths:
  /b:
    post:
      responses: {'200': {description: ok}}
`

func TestRunLint(t *testing.T) {
	tests := []struct {
		name       string
		files      map[string]string
		opts       LintOptions
		tty        bool
		wantOut    string
		wantErrOut string
		wantErr    string // "policy", "usage", "input" or ""
	}{
		{name: "text findings fail on error",
			files:      map[string]string{"a.yaml": twoOps},
			opts:       LintOptions{Paths: []string{"a.yaml"}, Format: "text", FailOn: "error"},
			wantOut:    "a.yaml:4:3 error paths     path /a is flagged\na.yaml:8:5 warn  summaries add a summary\n",
			wantErrOut: "✖ 2 problems (1 error, 1 warning) in 1 file, 2 operations\n",
			wantErr:    "policy"},
		{name: "warnings pass by default",
			files:      map[string]string{"b.yaml": postOnly},
			opts:       LintOptions{Paths: []string{"b.yaml"}, Format: "text", FailOn: "error"},
			wantOut:    "b.yaml:5:5 warn  summaries add a summary\n",
			wantErrOut: "✖ 1 problem (0 errors, 1 warning) in 1 file, 1 operation\n"},
		{name: "fail on warn",
			files:      map[string]string{"b.yaml": postOnly},
			opts:       LintOptions{Paths: []string{"b.yaml"}, Format: "text", FailOn: "warn"},
			wantOut:    "b.yaml:5:5 warn  summaries add a summary\n",
			wantErrOut: "✖ 1 problem (0 errors, 1 warning) in 1 file, 1 operation\n",
			wantErr:    "policy"},
		{name: "fail on never",
			files:      map[string]string{"a.yaml": twoOps},
			opts:       LintOptions{Paths: []string{"a.yaml"}, Format: "text", FailOn: "never"},
			wantOut:    "a.yaml:4:3 error paths     path /a is flagged\na.yaml:8:5 warn  summaries add a summary\n",
			wantErrOut: "✖ 2 problems (1 error, 1 warning) in 1 file, 2 operations\n"},
		{name: "quiet shows errors only",
			files:      map[string]string{"a.yaml": twoOps},
			opts:       LintOptions{Paths: []string{"a.yaml"}, Format: "text", FailOn: "error", Quiet: true},
			wantOut:    "a.yaml:4:3 error paths path /a is flagged\n",
			wantErrOut: "✖ 2 problems (1 error, 1 warning) in 1 file, 2 operations\n",
			wantErr:    "policy"},
		{name: "json",
			files: map[string]string{"b.yaml": postOnly},
			opts:  LintOptions{Paths: []string{"b.yaml"}, Format: "json", FailOn: "error"},
			wantOut: `{
  "findings": [
    {
      "rule": "summaries",
      "severity": "warn",
      "message": "add a summary",
      "file": "b.yaml",
      "line": 5,
      "column": 5,
      "pointer": "/paths/~1b/post"
    }
  ],
  "summary": {
    "error": 0,
    "warn": 1,
    "info": 0,
    "hint": 0,
    "ignored": 0,
    "excepted": 0,
    "files": 1,
    "operations": 1
  }
}
`,
			wantErrOut: "✖ 1 problem (0 errors, 1 warning) in 1 file, 1 operation\n"},
		{name: "colour on a TTY",
			files:      map[string]string{"b.yaml": postOnly},
			opts:       LintOptions{Paths: []string{"b.yaml"}, Format: "text", FailOn: "error"},
			tty:        true,
			wantOut:    "\x1b[1mb.yaml:5:5\x1b[0m \x1b[33mwarn\x1b[0m  \x1b[2msummaries\x1b[0m add a summary\n",
			wantErrOut: "\x1b[1m\x1b[33m✖ 1 problem\x1b[0m (0 errors, 1 warning) in 1 file, 1 operation\n"},
		{name: "config: specs, severities, options and exceptions",
			files: map[string]string{
				"gwctl.yaml":   "specs: [specs/*.yaml]\nruleset:\n  rules:\n    summaries: {severity: error, options: {minLength: 2}}\n  exceptions:\n    - paths: [/a]\n      rules: [paths]\n      reason: legacy\n",
				"specs/a.yaml": twoOps,
			},
			opts:       LintOptions{Format: "text", FailOn: "error"},
			wantOut:    "specs/a.yaml:5:5 error summaries add a summary\nspecs/a.yaml:8:5 error summaries add a summary\n",
			wantErrOut: "✖ 2 problems (2 errors, 0 warnings) in 1 file, 2 operations; 1 suppressed (1 by exceptions)\n",
			wantErr:    "policy"},
		{name: "github annotations",
			files:      map[string]string{"a.yaml": twoOps},
			opts:       LintOptions{Paths: []string{"a.yaml"}, Format: "github", FailOn: "error"},
			wantOut:    "::error file=a.yaml,line=4,col=3,title=paths::path /a is flagged\n::warning file=a.yaml,line=8,col=5,title=summaries::add a summary\n",
			wantErrOut: "✖ 2 problems (1 error, 1 warning) in 1 file, 2 operations\n",
			wantErr:    "policy"},
		{name: "junit: warnings below --fail-on pass",
			files: map[string]string{"b.yaml": postOnly},
			opts:  LintOptions{Paths: []string{"b.yaml"}, Format: "junit", FailOn: "error"},
			wantOut: `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="gwctl lint" tests="3" failures="0" errors="0">
  <testsuite name="b.yaml" tests="3" failures="0" errors="0">
    <testcase name="lint-ignore" classname="b.yaml"></testcase>
    <testcase name="paths" classname="b.yaml"></testcase>
    <testcase name="summaries" classname="b.yaml">
      <system-out><![CDATA[b.yaml:5:5 warn add a summary
]]></system-out>
    </testcase>
  </testsuite>
</testsuites>
`,
			wantErrOut: "✖ 1 problem (0 errors, 1 warning) in 1 file, 1 operation\n"},
		{name: "write a baseline",
			files:      map[string]string{"a.yaml": twoOps},
			opts:       LintOptions{Paths: []string{"a.yaml"}, Format: "text", FailOn: "error", WriteBaseline: "-"},
			wantOut:    "{\n  \"version\": 1,\n  \"findings\": [\n    {\n      \"rule\": \"paths\",\n      \"file\": \"a.yaml\",\n      \"pointer\": \"/paths/~1a\",\n      \"hash\": \"97fc62484ddc\",\n      \"count\": 1,\n      \"message\": \"path /a is flagged\"\n    },\n    {\n      \"rule\": \"summaries\",\n      \"file\": \"a.yaml\",\n      \"pointer\": \"/paths/~1a/post\",\n      \"hash\": \"b6bd72356b9e\",\n      \"count\": 1,\n      \"message\": \"add a summary\"\n    }\n  ]\n}\n",
			wantErrOut: "wrote the baseline to stdout: 2 findings in 1 file (2 entries)\n"},
		{name: "a baseline hides known findings and names stale entries",
			files: map[string]string{"a.yaml": twoOps, "ci/baseline.json": `{"version": 1, "findings": [
  {"rule": "summaries", "file": "../a.yaml", "pointer": "/paths/~1a/post", "hash": "b6bd72356b9e", "count": 1},
  {"rule": "paths", "file": "../a.yaml", "pointer": "/paths/~1gone", "hash": "000000000000", "count": 2}]}`},
			opts:       LintOptions{Paths: []string{"a.yaml"}, Format: "text", FailOn: "warn", Baseline: "ci/baseline.json"},
			wantOut:    "a.yaml:4:3 error paths path /a is flagged\n",
			wantErrOut: "✖ 1 problem (1 error, 0 warnings) in 1 file, 2 operations; 1 suppressed (1 by the baseline)\n2 baseline entries no longer occur; run --write-baseline to shrink it\n",
			wantErr:    "policy"},
		{name: "a baseline that cannot be read",
			files:   map[string]string{"a.yaml": twoOps, "b.json": "{\"version\": 1,\n \"findings\": {}}"},
			opts:    LintOptions{Paths: []string{"a.yaml"}, Format: "text", FailOn: "error", Baseline: "b.json"},
			wantErr: "input: b.json:2:15: invalid baseline: findings must be a []lint.BaselineEntry, not a object"},
		{name: "changed-since outside a git repository",
			files:   map[string]string{"a.yaml": twoOps},
			opts:    LintOptions{Paths: []string{"a.yaml"}, Format: "text", FailOn: "error", ChangedSince: "main"},
			wantErr: "input: --changed-since needs a git repository; the working directory is not in one"},
		{name: "config: bad option",
			files:   map[string]string{"gwctl.yaml": "ruleset:\n  rules:\n    summaries: {options: {minLen: 2}}\n", "a.yaml": twoOps},
			opts:    LintOptions{Paths: []string{"a.yaml"}, Format: "text", FailOn: "error"},
			wantErr: `input: gwctl.yaml:3:27: unknown option "minLen" for rule summaries; did you mean "minLength"?`},
		{name: "config: unknown rule",
			files:   map[string]string{"gwctl.yaml": "ruleset:\n  rules:\n    sumaries: off\n", "a.yaml": twoOps},
			opts:    LintOptions{Paths: []string{"a.yaml"}, Format: "text", FailOn: "error"},
			wantErr: `input: gwctl.yaml:3:5: unknown rule "sumaries" in ruleset.rules; did you mean "summaries"?`},
		{name: "no paths and no config",
			opts:    LintOptions{Format: "text", FailOn: "error"},
			wantErr: "usage: nothing to lint: pass spec files or directories, or list specs in a gwctl.yaml"},
		{name: "config without specs",
			files:   map[string]string{"gwctl.yaml": "owner: me\n"},
			opts:    LintOptions{Format: "text", FailOn: "error"},
			wantErr: "usage: nothing to lint: gwctl.yaml lists no specs; add them under `specs:` or pass PATH"},
		{name: "every spec problem",
			files:   map[string]string{"a.yaml": "openapi: 3.0.3\ninfo: [\n", "b.yaml": "swagger: '2.0'\n"},
			opts:    LintOptions{Paths: []string{"a.yaml", "b.yaml"}, Format: "text", FailOn: "error"},
			wantErr: "input: 2 problems in the specs:\na.yaml:3:1: invalid YAML: did not find expected node content (while parsing a flow node)\nb.yaml:1:10: Swagger 2.0 (OpenAPI 2.0) is not supported; convert it to OpenAPI 3 (for example with swagger2openapi)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				p := filepath.Join(dir, filepath.FromSlash(name))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(dir)
			ios, _, out, errOut := iostreams.Test()
			ios.SetTTY(tt.tty)
			opts := tt.opts
			opts.IO = ios
			opts.Rules = []rule.Rule{testRule{"paths"}, testRule{"summaries"}}
			err := runLint(context.Background(), &opts)
			if got := describeErr(err); got != tt.wantErr {
				t.Errorf("error = %q\n want %q", got, tt.wantErr)
			}
			if out.String() != tt.wantOut {
				t.Errorf("stdout:\n%q\nwant:\n%q", out.String(), tt.wantOut)
			}
			if errOut.String() != tt.wantErrOut {
				t.Errorf("stderr:\n%q\nwant:\n%q", errOut.String(), tt.wantErrOut)
			}
		})
	}
}

// describeErr names the error's class and message.
func describeErr(err error) string {
	var (
		usage  *UsageError
		input  *InputError
		policy *PolicyError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &policy):
		if !policy.Silent {
			return "policy (not silent)"
		}
		return "policy"
	case errors.As(err, &usage):
		return "usage: " + err.Error()
	case errors.As(err, &input):
		return "input: " + err.Error()
	}
	return "other: " + err.Error()
}
