package cli

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	"github.com/gwctl/gwctl/lint/config"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/rules"
)

func TestNewCmdRulesFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    RulesOptions
		wantErr string
	}{
		{args: nil, want: RulesOptions{Format: "text"}},
		{args: []string{"path-normalized"}, want: RulesOptions{ID: "path-normalized", Format: "text"}},
		{args: []string{"--format", "json", "x"}, want: RulesOptions{ID: "x", Format: "json"}},
		{args: []string{"-f", "yaml"}, wantErr: `invalid --format "yaml": want text or json`},
		{args: []string{"a", "b"}, wantErr: "accepts at most 1 arg(s), received 2"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *RulesOptions
			cmd := NewCmdRules(ios, func(_ context.Context, o *RulesOptions) error { got = o; return nil })
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			cmd.SetArgs(tt.args)
			err := cmd.Execute()
			if tt.wantErr != "" {
				var ue *UsageError
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &ue) {
					t.Fatalf("err = %v, want usage error %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tt.want.ID || got.Format != tt.want.Format || got.IO != ios || len(got.Rules) == 0 || got.Examples == nil {
				t.Errorf("options = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func fakeExamples(id string) ([]byte, []byte, error) {
	return []byte("# expect: 4:3 " + id + "\nopenapi: 3.0.3\n"), []byte("openapi: 3.0.3\n\ninfo: {}\n"), nil
}

func TestRunRules(t *testing.T) {
	rs := []rule.Rule{testRule{"paths"}, testRule{"summaries"}}
	tests := []struct {
		name       string
		opts       RulesOptions
		wantOut    string
		wantErrOut string
		wantErr    string
	}{
		{name: "list",
			opts: RulesOptions{Format: "text"},
			wantOut: `ID         SEVERITY  FAMILY    SUMMARY
paths      error     url       flags every path
summaries  warn      metadata  operations have summaries
`,
			wantErrOut: "2 rules. Run 'gwctl rules ID' for one rule's options and examples.\n"},
		{name: "list json",
			opts: RulesOptions{Format: "json"},
			wantOut: `[
  {
    "id": "paths",
    "summary": "flags every path",
    "severity": "error",
    "family": "url",
    "scope": "document",
    "options": []
  },
  {
    "id": "summaries",
    "summary": "operations have summaries",
    "severity": "warn",
    "family": "metadata",
    "scope": "document",
    "options": [
      {
        "name": "minLength",
        "default": 1,
        "description": "shortest summary"
      }
    ]
  }
]
`},
		{name: "explain",
			opts: RulesOptions{ID: "summaries", Format: "text"},
			wantOut: `summaries

  operations have summaries

Severity:  warn
Family:    metadata
Scope:     per document

Options:
  minLength  1  shortest summary

Configure in gwctl.yaml:
  ruleset:
    rules:
      summaries: {severity: warn, options: {minLength: 1}}

Failing example:
    # expect: 4:3 summaries
    openapi: 3.0.3

Passing example:
    openapi: 3.0.3

    info: {}
`},
		{name: "explain json",
			opts: RulesOptions{ID: "paths", Format: "json"},
			wantOut: `{
  "id": "paths",
  "summary": "flags every path",
  "severity": "error",
  "family": "url",
  "scope": "document",
  "options": [],
  "examples": {
    "fail": "# expect: 4:3 paths\nopenapi: 3.0.3\n",
    "pass": "openapi: 3.0.3\n\ninfo: {}\n"
  }
}
`},
		{name: "unknown id",
			opts:    RulesOptions{ID: "sumaries", Format: "text"},
			wantErr: "input: unknown rule \"sumaries\"; did you mean \"summaries\"?\nRun 'gwctl rules' to list the built-in rules."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			opts := tt.opts
			opts.IO, opts.Rules, opts.Examples = ios, rs, fakeExamples
			err := runRules(context.Background(), &opts)
			if got := describeErr(err); got != tt.wantErr {
				t.Errorf("error = %q, want %q", got, tt.wantErr)
			}
			if out.String() != tt.wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", out.String(), tt.wantOut)
			}
			if errOut.String() != tt.wantErrOut {
				t.Errorf("stderr:\n%q\nwant:\n%q", errOut.String(), tt.wantErrOut)
			}
		})
	}
}

// TestRulesRegistryDocs checks what `gwctl rules ID --format json` needs
// from every registered rule beyond what the rules package tests (examples,
// summary, unique id): option defaults it can print.
func TestRulesRegistryDocs(t *testing.T) {
	for _, r := range rules.All() {
		m := r.Meta()
		for _, o := range m.Options {
			if _, err := json.Marshal(o.Default); err != nil {
				t.Errorf("%s: option %s default cannot be shown: %v", m.ID, o.Name, err)
			}
		}
	}
}

// TestBuiltinRulesetsAgree keeps lint/config's list of built-in ruleset
// names in step with the rules package.
func TestBuiltinRulesetsAgree(t *testing.T) {
	if !slices.Equal(config.BuiltinRulesets, rules.Rulesets) {
		t.Errorf("config.BuiltinRulesets = %q, rules.Rulesets = %q", config.BuiltinRulesets, rules.Rulesets)
	}
	for _, name := range config.BuiltinRulesets {
		if _, ok := rules.Ruleset(name); !ok {
			t.Errorf("rules.Ruleset(%q) is not defined", name)
		}
	}
}
