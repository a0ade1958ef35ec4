package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	gwconfig "github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/publish"
	"github.com/gwctl/gwctl/publish/remote"
)

// RollbackOptions holds what `gwctl rollback` uses.
type RollbackOptions struct {
	IO          *iostreams.IOStreams
	ConfigPath  string
	Env         string
	Owner       string
	Gateway     GatewayInput
	Revision    string // empty: list the owner's revisions
	Yes         bool
	WaitTimeout time.Duration
}

// NewCmdRollback builds `gwctl rollback`.
func NewCmdRollback(ios *iostreams.IOStreams, runF func(context.Context, *RollbackOptions) error) *cobra.Command {
	opts := &RollbackOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "rollback [REVISION]",
		Short: "Make a previous revision of this owner's routes live again",
		Long: `Without REVISION, list the stored revisions that this owner published (newest
first; the live one is marked). With REVISION, show what rolling back would change,
ask for confirmation (--yes skips it), and make this owner's section of that
revision live again in one atomic step (as a new revision), with If-Match so a
publish that landed meanwhile is never overwritten. Other owners' routes are not
touched.

Exit status: 0 ok, 2 bad usage (including no --yes without a terminal), 3 remote
failure (unreachable, token refused, unknown revision, a publish landed first).`,
		Example: `  gwctl rollback
  gwctl rollback 3f2a9c0d1e4b5a67 --yes`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Revision = args[0]
			}
			opts.Gateway.fromEnv()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRollback(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.ConfigPath, "config", "c", "", "project config `FILE` (default: gwctl.yaml in the current directory or a parent)")
	f.StringVar(&opts.Env, "env", "", "apply environment `NAME` of gwctl.yaml")
	f.StringVar(&opts.Owner, "owner", "", "owner `NAME` (default: owner in gwctl.yaml)")
	bindGatewayFlag(cmd, &opts.Gateway)
	f.BoolVarP(&opts.Yes, "yes", "y", false, "roll back without asking (required when stdin is not a terminal)")
	f.DurationVar(&opts.WaitTimeout, "wait-timeout", 30*time.Second, "how long to wait until every gateway node serves the revision")
	return cmd
}

func runRollback(ctx context.Context, opts *RollbackOptions) error {
	in := SpecInput{ConfigPath: opts.ConfigPath, Env: opts.Env, Owner: opts.Owner}
	project, err := in.project()
	if err != nil {
		return err
	}
	owner := in.ownerName(project)
	if owner == "" {
		return Usagef("no owner: pass --owner NAME or set owner in gwctl.yaml")
	}
	c, err := opts.Gateway.client(project)
	if err != nil {
		return err
	}
	if opts.Revision == "" {
		return listRevisions(ctx, opts.IO, c, owner)
	}

	old, err := c.Revision(ctx, opts.Revision)
	if err != nil {
		return remoteErr(err)
	}
	target := old.Owner(owner)
	if target == nil {
		target = &gwconfig.Owner{Name: owner}
	}
	live, err := fetchLive(ctx, c, owner)
	if err != nil {
		return err
	}
	plan := publish.Diff(live.owner, target, live.others)
	plan.Base = live.revision
	if err := writePlan(opts.IO, &plan, "text"); err != nil {
		return err
	}
	if !plan.HasChanges() {
		return nil
	}
	if !opts.Yes {
		ok, err := confirm(opts.IO, fmt.Sprintf("Roll owner %s back to revision %s on %s?", owner, opts.Revision, c.URL()))
		if err != nil || !ok {
			if err == nil {
				fmt.Fprintln(opts.IO.ErrOut, "Not rolled back.")
			}
			return err
		}
	}
	res, err := c.Rollback(ctx, gwconfig.RollbackRequest{Revision: opts.Revision, Owner: owner}, live.revision)
	if err != nil {
		return remoteErr(err)
	}
	if err := waitLive(ctx, opts.IO, c, res, opts.WaitTimeout); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Rolled owner %s back to revision %s: now live as revision %s (was %s)\n", owner, opts.Revision, res.Revision, orEmpty(res.Previous))
	return nil
}

// listRevisions prints the revisions this owner produced, newest first.
func listRevisions(ctx context.Context, ios *iostreams.IOStreams, c *remote.Client, owner string) error {
	revs, err := c.Revisions(ctx)
	if err != nil {
		return remoteErr(err)
	}
	_, live, err := c.GetConfig(ctx)
	if err != nil {
		return remoteErr(err)
	}
	tw := tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tCREATED\tACTION\tROUTES\t")
	n := 0
	for _, r := range revs {
		if r.Owner != owner {
			continue
		}
		n++
		mark := ""
		if r.Revision == live {
			mark = "live"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", r.Revision, r.CreatedAt.UTC().Format(time.RFC3339), r.Action, r.Routes, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(ios.ErrOut, "No stored revisions were published by owner %s.\n", owner)
	}
	return nil
}
