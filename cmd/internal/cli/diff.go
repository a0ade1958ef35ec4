package cli

import (
	"context"
	"errors"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	gwconfig "github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/lint/config"
	"github.com/gwctl/gwctl/publish"
	"github.com/gwctl/gwctl/publish/remote"
)

// GatewayEnv is the environment variable naming the admin API URL.
const GatewayEnv = "GWCTL_GATEWAY"

// GatewayInput is how the client commands reach the admin API.
type GatewayInput struct {
	// URL is --gateway, else $GWCTL_GATEWAY; empty means gwctl.yaml's
	// gateway.url.
	URL string
	// Token is $GWCTL_TOKEN; empty means the variable gwctl.yaml's
	// gateway.tokenEnv names.
	Token string
}

func bindGatewayFlag(cmd *cobra.Command, g *GatewayInput) {
	cmd.Flags().StringVar(&g.URL, "gateway", "", "admin API `URL` of the gateway (env "+GatewayEnv+"; default: gateway.url in gwctl.yaml)")
}

// fromEnv fills what the flags left empty from the environment.
func (g *GatewayInput) fromEnv() {
	if g.URL == "" {
		g.URL = os.Getenv(GatewayEnv)
	}
	if g.Token == "" {
		g.Token = os.Getenv(remote.TokenEnv)
	}
}

// client builds the admin API client; flags and environment win over
// gwctl.yaml.
func (g GatewayInput) client(project *config.Project) (*remote.Client, error) {
	url, token := g.URL, g.Token
	if project != nil {
		if url == "" {
			url = project.Gateway.URL
		}
		if token == "" {
			token = project.Gateway.Token()
		}
	}
	c, err := remote.New(url, token)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return c, nil
}

// remoteErr classifies a failure of the admin API as a remote failure
// (exit 3); a cancelled command stays what it is.
func remoteErr(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return &RemoteError{Err: err}
}

// liveState is what the gateway serves, from one owner's point of view.
type liveState struct {
	revision string
	owner    *gwconfig.Owner  // nil when the owner has no section
	others   []gwconfig.Owner // every other owner's section
}

func fetchLive(ctx context.Context, c *remote.Client, owner string) (*liveState, error) {
	cfg, rev, err := c.GetConfig(ctx)
	if err != nil {
		return nil, remoteErr(err)
	}
	st := &liveState{revision: rev}
	for i := range cfg.Owners {
		if cfg.Owners[i].Name == owner {
			st.owner = &cfg.Owners[i]
		} else {
			st.others = append(st.others, cfg.Owners[i])
		}
	}
	return st, nil
}

// writePlan prints a plan as text (coloured on a colour TTY) or JSON.
func writePlan(ios *iostreams.IOStreams, plan *publish.Plan, format string) error {
	if format == "json" {
		return plan.WriteJSON(ios.Out)
	}
	return plan.WriteText(ios.Out, ios.ColorOut())
}

// DiffOptions holds what `gwctl diff` uses.
type DiffOptions struct {
	IO       *iostreams.IOStreams
	Specs    SpecInput
	Gateway  GatewayInput
	ExitCode bool   // --exit-code: drift exits 1
	Format   string // text | json
}

// NewCmdDiff builds `gwctl diff`.
func NewCmdDiff(ios *iostreams.IOStreams, runF func(context.Context, *DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{IO: ios}
	var upstreams []string
	cmd := &cobra.Command{
		Use:   "diff [PATH...]",
		Short: "Compare the specs' desired config with the live gateway, per endpoint",
		Long: `Compare what the specs imply for this repository's owner with what the gateway
serves, endpoint by endpoint, most important first: newly exposed endpoints,
endpoints whose auth is removed or weakened, removed endpoints, changed upstreams,
timeouts and plugins, strengthened auth; then the unchanged count, and routes that
another owner already serves (those block a publish).

Moving an operation within its file is not drift: sources are not compared.

Exit status: 0 ok (or no drift with --exit-code), 1 drift with --exit-code,
2 bad input, 3 gateway unreachable or refusing the token.`,
		Example: `  gwctl diff --gateway http://127.0.0.1:8001
  GWCTL_GATEWAY=https://gw-admin.internal gwctl diff --exit-code --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Specs.Paths = args
			var err error
			if opts.Specs.Upstreams, err = parseUpstreams(upstreams); err != nil {
				return err
			}
			if !slices.Contains([]string{"text", "json"}, opts.Format) {
				return Usagef("invalid --format %q: want text or json", opts.Format)
			}
			opts.Gateway.fromEnv()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDiff(cmd.Context(), opts)
		},
	}
	bindSpecFlags(cmd, &opts.Specs, &upstreams)
	bindGatewayFlag(cmd, &opts.Gateway)
	f := cmd.Flags()
	f.BoolVar(&opts.ExitCode, "exit-code", false, "exit 1 when the gateway differs from the specs")
	f.StringVarP(&opts.Format, "format", "f", "text", "output `FORMAT`: text or json")
	return cmd
}

func runDiff(ctx context.Context, opts *DiffOptions) error {
	d, err := opts.Specs.render(ctx)
	if err != nil {
		return err
	}
	c, err := opts.Gateway.client(d.project)
	if err != nil {
		return err
	}
	live, err := fetchLive(ctx, c, d.owner.Name)
	if err != nil {
		return err
	}
	plan := publish.Diff(live.owner, d.owner, live.others)
	plan.Base = live.revision
	if err := writePlan(opts.IO, &plan, opts.Format); err != nil {
		return err
	}
	if opts.ExitCode && (plan.HasChanges() || plan.Blocked()) {
		return &PolicyError{Msg: "the gateway differs from the specs", Silent: true}
	}
	return nil
}
