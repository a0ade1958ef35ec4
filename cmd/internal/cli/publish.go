package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	gwconfig "github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/config"
	"github.com/gwctl/gwctl/lint/report"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
	"github.com/gwctl/gwctl/publish"
	"github.com/gwctl/gwctl/publish/remote"
	"github.com/gwctl/gwctl/rules"
)

// PublishOptions holds what `gwctl publish` uses.
type PublishOptions struct {
	IO          *iostreams.IOStreams
	Specs       SpecInput
	Gateway     GatewayInput
	DryRun      bool          // print the plan and stop
	Yes         bool          // do not ask for confirmation
	SkipLint    bool          // publish even when lint finds errors (logged)
	WaitTimeout time.Duration // how long to wait until every node serves the revision

	// Rules and Builtin are the lint registry (rules.All, rules.Ruleset).
	Rules   []rule.Rule
	Builtin func(string) (map[string]rule.Severity, bool)
}

// NewCmdPublish builds `gwctl publish`.
func NewCmdPublish(ios *iostreams.IOStreams, runF func(context.Context, *PublishOptions) error) *cobra.Command {
	opts := &PublishOptions{IO: ios, Rules: rules.All(), Builtin: rules.Ruleset}
	var upstreams []string
	cmd := &cobra.Command{
		Use:   "publish [PATH...]",
		Short: "Lint, diff and atomically apply the specs' routes to the gateway",
		Long: `Publish this repository's routes to the gateway in one atomic step:

  1. lint the specs with the project's ruleset (errors stop here unless --skip-lint)
  2. render the desired routes and diff them against the live gateway
  3. ask for confirmation (on a terminal; --yes skips it, and is required otherwise)
  4. send the whole section of the owner with If-Match: the revision the diff was
     made against, so a publish that landed in between is never overwritten
  5. wait until every gateway node serves the new revision (--wait-timeout)

Nothing to change is a no-op. --dry-run prints the plan that would be sent.

Exit status: 0 published (or nothing to do), 1 lint errors, 2 bad input or usage
(including no --yes without a terminal), 3 remote failure: gateway unreachable,
token refused, another publish landed first (412), the gateway refused the config
(422, every problem listed), a route claimed by another owner, or not live in time.`,
		Example: `  gwctl publish --dry-run
  gwctl publish --yes --gateway http://127.0.0.1:8001
  gwctl publish --env staging --yes --wait-timeout 1m`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Specs.Paths = args
			var err error
			if opts.Specs.Upstreams, err = parseUpstreams(upstreams); err != nil {
				return err
			}
			if opts.WaitTimeout <= 0 {
				return Usagef("invalid --wait-timeout %s: must be positive", opts.WaitTimeout)
			}
			opts.Gateway.fromEnv()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPublish(cmd.Context(), opts)
		},
	}
	bindSpecFlags(cmd, &opts.Specs, &upstreams)
	bindGatewayFlag(cmd, &opts.Gateway)
	f := cmd.Flags()
	f.BoolVar(&opts.DryRun, "dry-run", false, "print the plan and change nothing")
	f.BoolVarP(&opts.Yes, "yes", "y", false, "publish without asking (required when stdin is not a terminal)")
	f.BoolVar(&opts.SkipLint, "skip-lint", false, "publish even when lint finds errors")
	f.DurationVar(&opts.WaitTimeout, "wait-timeout", 30*time.Second, "how long to wait until every gateway node serves the new revision")
	return cmd
}

func runPublish(ctx context.Context, opts *PublishOptions) error {
	project, set, err := opts.Specs.loadSpecs(ctx)
	if err != nil {
		return err
	}
	if err := lintGate(ctx, opts.IO, project, set, opts.Rules, opts.Builtin, opts.SkipLint); err != nil {
		return err
	}
	owner, err := opts.Specs.renderSet(project, set)
	if err != nil {
		return err
	}
	c, err := opts.Gateway.client(project)
	if err != nil {
		return err
	}
	_, err = apply(ctx, opts.IO, c, owner, applyOptions{dryRun: opts.DryRun, yes: opts.Yes, wait: opts.WaitTimeout})
	return err
}

// lintGate runs the project's ruleset; errors block unless skip is set.
func lintGate(ctx context.Context, ios *iostreams.IOStreams, project *config.Project, set *spec.Set, rs []rule.Rule, builtin func(string) (map[string]rule.Severity, bool), skip bool) error {
	if skip {
		fmt.Fprintln(ios.ErrOut, "lint: skipped (--skip-lint)")
		return nil
	}
	lopts := lint.Options{Builtin: builtin}
	if project != nil {
		lopts.Ruleset, lopts.Dir = project.Ruleset, project.Dir
	}
	if _, err := lint.Configure(rs, lopts); err != nil {
		return inputError("the configuration", err)
	}
	res := lint.Run(ctx, set, rs, lopts)
	if n := res.AtLeast(rule.Error); n > 0 {
		_ = report.Write(ios.ErrOut, "text", res, report.Options{Color: ios.ColorErr(), Min: rule.Error})
		return &PolicyError{Msg: fmt.Sprintf("lint found %d %s; fix them or pass --skip-lint", n, plural(n, "error", "errors"))}
	}
	fmt.Fprintf(ios.ErrOut, "lint: no errors (%d operations in %d files)\n", res.Summary.Operations, res.Summary.Files)
	return nil
}

type applyOptions struct {
	dryRun bool
	yes    bool
	wait   time.Duration
	// quiet prints the plan only when something changes (gwctl dev).
	quiet bool
}

// apply diffs owner against the live gateway and publishes it: the one path
// `publish` and `dev` share. It returns the publish result (nil when nothing
// was sent).
func apply(ctx context.Context, ios *iostreams.IOStreams, c *remote.Client, owner *gwconfig.Owner, o applyOptions) (*gwconfig.PublishResult, error) {
	live, err := fetchLive(ctx, c, owner.Name)
	if err != nil {
		return nil, err
	}
	plan := publish.Diff(live.owner, owner, live.others)
	plan.Base = live.revision
	if !o.quiet || plan.HasChanges() || plan.Blocked() {
		if err := writePlan(ios, &plan, "text"); err != nil {
			return nil, err
		}
	}
	if plan.Blocked() {
		return nil, &RemoteError{Err: fmt.Errorf("%d %s already served by another owner; publishing would be refused", len(plan.Conflicts), plural(len(plan.Conflicts), "route is", "routes are"))}
	}
	if !plan.HasChanges() || o.dryRun {
		if o.dryRun && plan.HasChanges() {
			fmt.Fprintln(ios.ErrOut, "dry run: nothing was published")
		}
		return nil, nil
	}
	if !o.yes {
		ok, err := confirm(ios, fmt.Sprintf("Publish %d %s as owner %s to %s?", len(plan.Changes)+len(plan.Other), plural(len(plan.Changes)+len(plan.Other), "change", "changes"), owner.Name, c.URL()))
		if err != nil {
			return nil, err
		}
		if !ok {
			fmt.Fprintln(ios.ErrOut, "Not published.")
			return nil, nil
		}
	}
	res, err := c.PutOwner(ctx, owner, live.revision)
	if err != nil {
		return nil, remoteErr(err)
	}
	if err := waitLive(ctx, ios, c, res, o.wait); err != nil {
		return nil, err
	}
	fmt.Fprintf(ios.Out, "Published revision %s (was %s): %s\n", res.Revision, orEmpty(res.Previous), plan.Summary())
	return res, nil
}

// waitLive waits until every node serves the result's revision.
func waitLive(ctx context.Context, ios *iostreams.IOStreams, c *remote.Client, res *gwconfig.PublishResult, timeout time.Duration) error {
	if !res.Changed {
		return nil
	}
	if err := c.WaitLive(ctx, res.Revision, timeout); err != nil {
		return remoteErr(err)
	}
	return nil
}

func orEmpty(rev string) string {
	if rev == "" {
		return "empty"
	}
	return rev
}

// confirm asks a yes/no question on the terminal. Without a terminal it is a
// usage error: scripts must say --yes.
func confirm(ios *iostreams.IOStreams, question string) (bool, error) {
	if !ios.IsStdinTTY() {
		return false, Usagef("stdin is not a terminal, so there is no one to confirm: pass --yes")
	}
	fmt.Fprintf(ios.ErrOut, "%s [y/N] ", question)
	line, err := bufio.NewReader(ios.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
