package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

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
	Format          string   // text | json
	FailOn          string   // error | warn | info | hint | never
	AllowRemoteRefs bool
	Quiet           bool // report errors only (the summary still counts everything)

	// Rules and Builtin are the rule registry (rules.All, rules.Ruleset);
	// tests swap them for fixed ones.
	Rules   []rule.Rule
	Builtin func(string) (map[string]rule.Severity, bool)
}

// NewCmdLint builds `gwctl lint`.
func NewCmdLint(ios *iostreams.IOStreams, runF func(context.Context, *LintOptions) error) *cobra.Command {
	opts := &LintOptions{IO: ios, Rules: rules.All(), Builtin: rules.Ruleset}
	cmd := &cobra.Command{
		Use:   "lint [PATH...]",
		Short: "Check OpenAPI specs against the API standard",
		Long: `Check OpenAPI 3.0/3.1 specs against the API standard: every built-in rule, at the
severities and with the options of the ruleset in gwctl.yaml ('recommended' when
there is none).

PATH is a spec file or a directory to search for specs. Without PATH, gwctl lints
the specs listed under 'specs:' in gwctl.yaml, which is looked for in the current
directory and its parents (up to the repository root), or given with --config.

Findings go to stdout, one per line as file:line:col severity rule message (or as
one JSON document with --format json); the one-line summary goes to stderr.
Suppress a finding in the spec with x-lint-ignore (with a reason), or for whole
files and paths with ruleset.exceptions in gwctl.yaml.

Exit status: 0 when no finding is at or above --fail-on, 1 when one is, 2 when a
spec or gwctl.yaml cannot be read (every problem is listed as file:line:col).`,
		Example: `  # lint the specs listed in gwctl.yaml
  gwctl lint

  # lint one file, or every spec under a directory
  gwctl lint specs/orders.yaml
  gwctl lint specs/

  # fail on warnings too, and show machine-readable output
  gwctl lint --fail-on warn --format json > findings.json

  # report only, never fail (e.g. while adopting the standard)
  gwctl lint --fail-on never`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if !slices.Contains(report.Formats, opts.Format) {
				return Usagef("invalid --format %q: want %s", opts.Format, strings.Join(report.Formats, " or "))
			}
			if !slices.Contains(failOnValues, opts.FailOn) {
				return Usagef("invalid --fail-on %q: want %s", opts.FailOn, strings.Join(failOnValues, ", "))
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLint(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.ConfigPath, "config", "c", "", "project config `FILE` (default: gwctl.yaml in the current directory or a parent)")
	f.StringVarP(&opts.Format, "format", "f", "text", "output `FORMAT`: text or json")
	f.StringVar(&opts.FailOn, "fail-on", "error", "exit 1 when a finding is at or above `LEVEL`: error, warn, info, hint or never")
	f.BoolVar(&opts.AllowRemoteRefs, "allow-remote-refs", false, "fetch http(s) $refs (off: lint never touches the network)")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "report errors only; warnings and below are still counted in the summary")
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

	set, err := spec.Load(ctx, paths, spec.Options{AllowRemoteRefs: opts.AllowRemoteRefs})
	if err != nil {
		return inputError("the specs", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	res := lint.Run(ctx, set, opts.Rules, lopts)

	ropts := report.Options{Color: opts.IO.ColorOut()}
	if opts.Quiet {
		ropts.Min = rule.Error
	}
	if err := report.Write(opts.IO.Out, opts.Format, res, ropts); err != nil {
		return err
	}
	if !opts.Quiet || res.Summary.Problems() > 0 {
		if err := report.Summary(opts.IO.ErrOut, res, report.Options{Color: opts.IO.ColorErr()}); err != nil {
			return err
		}
	}
	if failed(res, opts.FailOn) {
		return &PolicyError{Msg: "lint found problems at or above --fail-on " + opts.FailOn, Silent: true}
	}
	return nil
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
