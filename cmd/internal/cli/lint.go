package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/build"
	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/config"
	"github.com/gwctl/gwctl/lint/report"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
	"github.com/gwctl/gwctl/rules"
)

// failOnValues are the thresholds --fail-on accepts, strictest last.
var failOnValues = []string{"error", "warn", "info", "hint", "never"}

// LintOptions holds what `gwctl lint` uses.
type LintOptions struct {
	IO *iostreams.IOStreams

	Paths           []string // specs or directories; empty: gwctl.yaml's specs
	ConfigPath      string   // --config; empty: look for gwctl.yaml from the working directory up
	Format          string   // text | json | sarif | github | junit
	FailOn          string   // error | warn | info | hint | never
	AllowRemoteRefs bool
	Quiet           bool // report errors only (the summary still counts everything)

	Baseline      string // --baseline: hide the findings this file lists
	WriteBaseline string // --write-baseline: record today's findings here and exit 0
	ChangedSince  string // --changed-since: only findings in what changed since this git revision
	SARIFFile     string // --sarif-file: also write a SARIF report here

	// Examples returns a rule's examples for SARIF help (rules.Examples).
	Examples func(id string) (fail, pass []byte, err error)

	// Rules and Builtin are the rule registry (rules.All, rules.Ruleset);
	// tests swap them for fixed ones.
	Rules   []rule.Rule
	Builtin func(string) (map[string]rule.Severity, bool)
}

// NewCmdLint builds `gwctl lint`.
func NewCmdLint(ios *iostreams.IOStreams, runF func(context.Context, *LintOptions) error) *cobra.Command {
	opts := &LintOptions{IO: ios, Rules: rules.All(), Builtin: rules.Ruleset, Examples: rules.Examples}
	cmd := &cobra.Command{
		Use:   "lint [PATH...]",
		Short: "Check OpenAPI specs against the API standard",
		Long: `Check OpenAPI 3.0/3.1 specs against the API standard: every built-in rule, at the
severities and with the options of the ruleset in gwctl.yaml ('recommended' when
there is none).

PATH is a spec file or a directory to search for specs. Without PATH, gwctl lints
the specs listed under 'specs:' in gwctl.yaml, which is looked for in the current
directory and its parents (up to the repository root), or given with --config.

Findings go to stdout, one per line as file:line:col severity rule message, or
with --format as json, sarif (SARIF 2.1.0, for code scanning), github (workflow
commands that annotate the pull request) or junit (one test suite per file, one
test case per rule); the one-line summary goes to stderr.
Suppress a finding in the spec with x-lint-ignore (with a reason), or for whole
files and paths with ruleset.exceptions in gwctl.yaml.

Adopting the standard on an existing repository:
  --write-baseline FILE  records today's findings (by rule, file, JSON pointer and
                         a hash of the node, not by line) and exits 0;
  --baseline FILE        hides the findings FILE lists, so only new ones fail, and
                         says how many entries no longer occur (fixed) so that the
                         baseline can be written again, smaller;
  --changed-since REF    reports only findings in the operations, path items and
                         components that changed since the git revision REF
                         (uncommitted and untracked files included), and
                         file-level findings of changed files.

Exit status: 0 when no finding is at or above --fail-on, 1 when one is, 2 when a
spec, gwctl.yaml or the baseline cannot be read (every problem is listed as
file:line:col) or REF is not a git revision.`,
		Example: `  # lint the specs listed in gwctl.yaml
  gwctl lint

  # lint one file, or every spec under a directory
  gwctl lint specs/orders.yaml
  gwctl lint specs/

  # fail on warnings too, and show machine-readable output
  gwctl lint --fail-on warn --format json > findings.json

  # report only, never fail (e.g. while adopting the standard)
  gwctl lint --fail-on never

  # accept today's findings, then fail only on new ones
  gwctl lint --write-baseline .gwctl-baseline.json
  gwctl lint --baseline .gwctl-baseline.json

  # in a pull request: only what the branch changed, as annotations, plus SARIF
  gwctl lint --changed-since origin/main --format github --sarif-file gwctl.sarif`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if !slices.Contains(report.Formats, opts.Format) {
				return Usagef("invalid --format %q: want %s", opts.Format, strings.Join(report.Formats, ", "))
			}
			if !slices.Contains(failOnValues, opts.FailOn) {
				return Usagef("invalid --fail-on %q: want %s", opts.FailOn, strings.Join(failOnValues, ", "))
			}
			if opts.WriteBaseline != "" && opts.ChangedSince != "" {
				return Usagef("--write-baseline records every finding; it cannot be combined with --changed-since")
			}
			if cmd.Flags().Changed("changed-since") && strings.TrimSpace(opts.ChangedSince) == "" {
				return Usagef("--changed-since needs a git revision, e.g. origin/main")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLint(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.ConfigPath, "config", "c", "", "project config `FILE` (default: gwctl.yaml in the current directory or a parent)")
	f.StringVarP(&opts.Format, "format", "f", "text", "output `FORMAT`: text, json, sarif, github or junit")
	f.StringVar(&opts.FailOn, "fail-on", "error", "exit 1 when a finding is at or above `LEVEL`: error, warn, info, hint or never")
	f.BoolVar(&opts.AllowRemoteRefs, "allow-remote-refs", false, "fetch http(s) $refs (off: lint never touches the network)")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "report errors only; warnings and below are still counted in the summary")
	f.StringVar(&opts.Baseline, "baseline", "", "hide the known findings listed in `FILE`; only new ones are reported and fail")
	f.StringVar(&opts.WriteBaseline, "write-baseline", "", "record today's findings in `FILE` (JSON; - for stdout) and exit 0")
	f.StringVar(&opts.ChangedSince, "changed-since", "", "report only findings in what changed since the git revision `REF`")
	f.StringVar(&opts.SARIFFile, "sarif-file", "", "also write a SARIF report to `FILE` (for code scanning uploads)")
	return cmd
}

func runLint(ctx context.Context, opts *LintOptions) error {
	ids := make([]string, len(opts.Rules))
	for i, r := range opts.Rules {
		ids[i] = r.Meta().ID
	}

	project, err := loadProject(opts.ConfigPath, ids)
	if err != nil {
		return err
	}

	paths := opts.Paths
	if len(paths) == 0 {
		if project == nil {
			return Usagef("nothing to lint: pass spec files or directories, or list specs in a %s", config.FileName)
		}
		if len(project.Specs) == 0 {
			return Usagef("nothing to lint: %s lists no specs; add them under `specs:` or pass PATH", project.Name)
		}
		files, err := project.SpecFiles()
		if err != nil {
			return inputError("the configuration", err)
		}
		paths = files
	}

	lopts := lint.Options{Builtin: opts.Builtin}
	if project != nil {
		lopts.Ruleset, lopts.Dir = project.Ruleset, project.Dir
	}
	if _, err := lint.Configure(opts.Rules, lopts); err != nil {
		return inputError("the configuration", err)
	}
	if opts.Baseline != "" {
		b, err := lint.ReadBaseline(opts.Baseline, opts.Baseline)
		if err != nil {
			return inputError("the baseline", err)
		}
		lopts.Baseline = b
	}
	if opts.ChangedSince != "" {
		dir := "."
		if project != nil {
			dir = project.Dir
		}
		ch, err := lint.GitChanges(ctx, dir, opts.ChangedSince)
		if err != nil {
			return &InputError{Err: err}
		}
		lopts.Changed = ch
	}

	set, err := spec.Load(ctx, paths, spec.Options{AllowRemoteRefs: opts.AllowRemoteRefs})
	if err != nil {
		return inputError("the specs", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	res := lint.Run(ctx, set, opts.Rules, lopts)

	if opts.WriteBaseline != "" {
		return writeBaseline(opts, res)
	}

	ropts := report.Options{Color: opts.IO.ColorOut(), FailAt: failAt(opts.FailOn), Tool: toolInfo(opts)}
	if opts.Quiet {
		ropts.Min = rule.Error
	}
	if err := report.Write(opts.IO.Out, opts.Format, res, ropts); err != nil {
		return err
	}
	if opts.SARIFFile != "" {
		if err := writeSARIFFile(opts.SARIFFile, res, ropts); err != nil {
			return &InputError{Err: err}
		}
	}
	if !opts.Quiet || res.Summary.Problems() > 0 {
		if err := report.Summary(opts.IO.ErrOut, res, report.Options{Color: opts.IO.ColorErr()}); err != nil {
			return err
		}
	}
	if n := res.Summary.BaselineStale; n > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%s no longer %s; run --write-baseline to shrink it\n",
			count(n, "baseline entry", "baseline entries"), plural(n, "occurs", "occur"))
	}
	if failed(res, opts.FailOn) {
		return &PolicyError{Msg: "lint found problems at or above --fail-on " + opts.FailOn, Silent: true}
	}
	return nil
}

// writeBaseline records every finding of res in opts.WriteBaseline ("-":
// stdout, paths relative to the working directory).
func writeBaseline(opts *LintOptions, res *lint.Result) error {
	target := opts.WriteBaseline
	if target == "-" {
		wd, err := os.Getwd()
		if err != nil {
			return &InputError{Err: err}
		}
		b := lint.NewBaseline(res.Findings, wd)
		if _, err := b.WriteTo(opts.IO.Out); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "wrote the baseline to stdout: %s\n", baselineSize(b))
		return nil
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		return &InputError{Err: err}
	}
	b := lint.NewBaseline(res.Findings, filepath.Dir(abs))
	if err := b.WriteFile(abs); err != nil {
		return &InputError{Err: err}
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %s: %s; lint with --baseline %s to fail only on new findings\n", target, baselineSize(b), target)
	return nil
}

func baselineSize(b *lint.Baseline) string {
	return fmt.Sprintf("%s in %s (%s)", count(b.Len(), "finding", "findings"), count(b.Files(), "file", "files"),
		count(len(b.Findings), "entry", "entries"))
}

func writeSARIFFile(path string, res *lint.Result, ropts report.Options) error {
	var buf bytes.Buffer
	if err := report.SARIF(&buf, res, ropts); err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("write SARIF report: %w", err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write SARIF report: %w", err)
	}
	return nil
}

func toolInfo(opts *LintOptions) report.Tool {
	version, _, _ := build.Info()
	t := report.Tool{Version: version, Examples: opts.Examples}
	for _, r := range opts.Rules {
		t.Rules = append(t.Rules, r.Meta())
	}
	return t
}

// failAt is the severity from which findings fail under --fail-on.
func failAt(failOn string) rule.Severity {
	sev, err := rule.ParseSeverity(failOn)
	if err != nil || sev == rule.Off {
		return rule.Error + 1 // never
	}
	return sev
}

// count is "1 thing" or "n things".
func count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + plural(n, one, many)
}

// failed applies --fail-on.
func failed(res *lint.Result, failOn string) bool {
	if failOn == "never" {
		return false
	}
	sev, err := rule.ParseSeverity(failOn)
	if err != nil || sev == rule.Off {
		return false
	}
	return res.AtLeast(sev) > 0
}

// loadProject loads --config, or the gwctl.yaml found from the working
// directory up; it returns nil when there is none and none was asked for.
func loadProject(path string, ids []string) (*config.Project, error) {
	if path == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		found, err := config.Find(wd)
		if errors.Is(err, config.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, &InputError{Err: err}
		}
		path = found
	}
	p, err := config.Load(path, ids)
	if err != nil {
		return nil, inputError("the configuration", err)
	}
	return p, nil
}

// inputError turns load problems into one InputError whose message lists
// every problem as file:line:col: message, compiler style.
func inputError(what string, err error) error {
	var es spec.Errors
	if !errors.As(err, &es) {
		return &InputError{Err: err}
	}
	if len(es) == 1 {
		return &InputError{Err: es[0]}
	}
	return &InputError{Err: fmt.Errorf("%d problems in %s:\n%w", len(es), what, es)}
}
