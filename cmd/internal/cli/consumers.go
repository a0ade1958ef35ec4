package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
	gwconfig "github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/publish/remote"
)

// ConsumersOptions holds what the `gwctl consumers` subcommands use.
type ConsumersOptions struct {
	IO         *iostreams.IOStreams
	ConfigPath string
	Env        string
	Gateway    GatewayInput

	// add
	Name               string
	Scopes             []string
	Key                string
	BasicUser          string
	BasicPasswordStdin bool
	// list
	Format string // text | json
	// rm, update, add-key, revoke
	ID string // id or name
	// update
	NewName   *string
	NewScopes *[]string
	// revoke
	CredentialID string
}

// NewCmdConsumers builds `gwctl consumers add|list|rm|update|add-key|revoke`.
func NewCmdConsumers(ios *iostreams.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "consumers",
		Short: "Manage the gateway's consumers, their credentials and scopes",
		Long: `Consumers are the identities that call secured routes: each has scopes (checked
against the scopes an operation's security requirement asks for) and credentials
(API keys, basic-auth users). Keys and passwords are stored hashed; a generated
key is printed once, by 'consumers add', and never again.`,
	}
	cmd.AddCommand(NewCmdConsumersAdd(ios, nil), NewCmdConsumersList(ios, nil), NewCmdConsumersRm(ios, nil),
		NewCmdConsumersUpdate(ios, nil), NewCmdConsumersAddKey(ios, nil), NewCmdConsumersRevoke(ios, nil))
	return cmd
}

func bindConsumerFlags(cmd *cobra.Command, opts *ConsumersOptions) {
	f := cmd.Flags()
	f.StringVarP(&opts.ConfigPath, "config", "c", "", "project config `FILE` (for gateway.url)")
	f.StringVar(&opts.Env, "env", "", "apply environment `NAME` of gwctl.yaml")
	bindGatewayFlag(cmd, &opts.Gateway)
}

// client loads gwctl.yaml (for the gateway URL and token) and builds the
// admin API client.
func (opts *ConsumersOptions) client() (*remote.Client, error) {
	in := SpecInput{ConfigPath: opts.ConfigPath, Env: opts.Env}
	project, err := in.project()
	if err != nil {
		return nil, err
	}
	return opts.Gateway.client(project)
}

// NewCmdConsumersAdd builds `gwctl consumers add`.
func NewCmdConsumersAdd(ios *iostreams.IOStreams, runF func(context.Context, *ConsumersOptions) error) *cobra.Command {
	opts := &ConsumersOptions{IO: ios}
	var scopes string
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Create a consumer with scopes and an API key (printed once)",
		Long: `Create a consumer with scopes and an API key. The key is generated (or --key
gives one) and printed on stdout, once: store it now. With --basic-user the
consumer gets a basic-auth credential, its password read from stdin; a key is
then only created when --key is given.`,
		Example: `  KEY=$(gwctl consumers add mobile-app --scopes orders:read,orders:write)
  printf %s "$PASSWORD" | gwctl consumers add batch --scopes reports:read --basic-user batch --basic-password-stdin`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.Scopes = splitList(scopes)
			if opts.BasicPasswordStdin && opts.BasicUser == "" {
				return Usagef("--basic-password-stdin needs --basic-user")
			}
			if opts.BasicUser != "" && !opts.BasicPasswordStdin {
				return Usagef("--basic-user needs --basic-password-stdin (passwords are never taken as flags)")
			}
			opts.Gateway.fromEnv()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConsumersAdd(cmd.Context(), opts)
		},
	}
	bindConsumerFlags(cmd, opts)
	f := cmd.Flags()
	f.StringVar(&scopes, "scopes", "", "comma-separated `SCOPES` the consumer is granted")
	f.StringVar(&opts.Key, "key", "", "use this API `KEY` instead of generating one")
	f.StringVar(&opts.BasicUser, "basic-user", "", "add a basic-auth credential for `USER`")
	f.BoolVar(&opts.BasicPasswordStdin, "basic-password-stdin", false, "read the basic-auth password from stdin")
	return cmd
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func runConsumersAdd(ctx context.Context, opts *ConsumersOptions) error {
	req := gwconfig.ConsumerRequest{Name: opts.Name, Scopes: opts.Scopes, Key: gwconfig.Secret(opts.Key)}
	req.KeyAuth = opts.BasicUser == "" || opts.Key != ""
	if opts.BasicUser != "" {
		pw, err := readPassword(opts.IO.In)
		if err != nil {
			return err
		}
		req.Username, req.Password = opts.BasicUser, gwconfig.Secret(pw)
	}
	c, err := opts.client()
	if err != nil {
		return err
	}
	created, err := c.CreateConsumer(ctx, req)
	if err != nil {
		return remoteErr(err)
	}
	cons := created.Consumer
	fmt.Fprintf(opts.IO.ErrOut, "Created consumer %s (id %s) with scopes [%s].\n", cons.Name, cons.ID, strings.Join(cons.Scopes, " "))
	if created.Key != "" {
		if opts.Key == "" {
			fmt.Fprintln(opts.IO.ErrOut, "Its API key follows; it is shown only this once:")
		}
		fmt.Fprintln(opts.IO.Out, created.Key)
	}
	return nil
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", Usagef("no password on stdin")
	}
	return pw, nil
}

// NewCmdConsumersList builds `gwctl consumers list`.
func NewCmdConsumersList(ios *iostreams.IOStreams, runF func(context.Context, *ConsumersOptions) error) *cobra.Command {
	opts := &ConsumersOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List consumers, their scopes and credentials (never secrets)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains([]string{"text", "json"}, opts.Format) {
				return Usagef("invalid --format %q: want text or json", opts.Format)
			}
			opts.Gateway.fromEnv()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConsumersList(cmd.Context(), opts)
		},
	}
	bindConsumerFlags(cmd, opts)
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "text", "output `FORMAT`: text or json")
	return cmd
}

func runConsumersList(ctx context.Context, opts *ConsumersOptions) error {
	c, err := opts.client()
	if err != nil {
		return err
	}
	list, err := c.Consumers(ctx)
	if err != nil {
		return remoteErr(err)
	}
	// The admin API never returns hashes; clear them anyway so that this
	// command can never print one.
	for i := range list {
		for k := range list[i].Credentials {
			list[i].Credentials[k].KeyHash, list[i].Credentials[k].PasswordHash = "", ""
		}
	}
	slices.SortFunc(list, func(a, b gwconfig.Consumer) int { return strings.Compare(a.Name, b.Name) })
	if opts.Format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if list == nil {
			list = []gwconfig.Consumer{}
		}
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREDENTIALS\tCREATED")
	for _, cons := range list {
		var creds []string
		for _, cr := range cons.Credentials {
			switch {
			case cr.KeyHint != "":
				creds = append(creds, cr.ID+"("+cr.Type+":"+cr.KeyHint+"…)")
			case cr.Username != "":
				creds = append(creds, cr.ID+"("+cr.Type+":"+cr.Username+")")
			default:
				creds = append(creds, cr.ID+"("+cr.Type+")")
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cons.ID, cons.Name, strings.Join(cons.Scopes, ","), strings.Join(creds, " "), cons.CreatedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

// NewCmdConsumersRm builds `gwctl consumers rm`.
func NewCmdConsumersRm(ios *iostreams.IOStreams, runF func(context.Context, *ConsumersOptions) error) *cobra.Command {
	opts := &ConsumersOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "rm ID|NAME",
		Short: "Remove a consumer; its credentials stop working at once",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			opts.Gateway.fromEnv()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConsumersRm(cmd.Context(), opts)
		},
	}
	bindConsumerFlags(cmd, opts)
	return cmd
}

func runConsumersRm(ctx context.Context, opts *ConsumersOptions) error {
	c, err := opts.client()
	if err != nil {
		return err
	}
	// The admin API finds a consumer by id or name; delete by its id.
	cons, err := c.Consumer(ctx, opts.ID)
	if err != nil {
		return remoteErr(err)
	}
	if err := c.DeleteConsumer(ctx, cons.ID); err != nil {
		return remoteErr(err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Removed consumer %s (id %s).\n", cons.Name, cons.ID)
	return nil
}

// NewCmdConsumersUpdate builds `gwctl consumers update`.
func NewCmdConsumersUpdate(ios *iostreams.IOStreams, runF func(context.Context, *ConsumersOptions) error) *cobra.Command {
	opts := &ConsumersOptions{IO: ios}
	var name, scopes string
	cmd := &cobra.Command{
		Use:   "update ID|NAME",
		Short: "Rename a consumer or replace its scopes; its keys keep working",
		Long: `Change a consumer in place: --scopes replaces the granted scopes (an empty
value removes them all), --name renames it. Its id and credentials stay, so
clients keep their keys; the change applies to the next request.`,
		Example: `  gwctl consumers update mobile-app --scopes orders:read,orders:write
  gwctl consumers update mobile-app --name mobile-ios`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if cmd.Flags().Changed("name") {
				opts.NewName = &name
			}
			if cmd.Flags().Changed("scopes") {
				list := splitList(scopes)
				if list == nil {
					list = []string{}
				}
				opts.NewScopes = &list
			}
			if opts.NewName == nil && opts.NewScopes == nil {
				return Usagef("nothing to update: give --name, --scopes or both")
			}
			opts.Gateway.fromEnv()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConsumersUpdate(cmd.Context(), opts)
		},
	}
	bindConsumerFlags(cmd, opts)
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "new `NAME`")
	f.StringVar(&scopes, "scopes", "", "comma-separated `SCOPES` that replace the granted ones")
	return cmd
}

func runConsumersUpdate(ctx context.Context, opts *ConsumersOptions) error {
	c, err := opts.client()
	if err != nil {
		return err
	}
	cons, err := c.UpdateConsumer(ctx, opts.ID, gwconfig.ConsumerUpdate{Name: opts.NewName, Scopes: opts.NewScopes})
	if err != nil {
		return remoteErr(err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Updated consumer %s (id %s): scopes [%s].\n", cons.Name, cons.ID, strings.Join(cons.Scopes, " "))
	return nil
}

// NewCmdConsumersAddKey builds `gwctl consumers add-key`.
func NewCmdConsumersAddKey(ios *iostreams.IOStreams, runF func(context.Context, *ConsumersOptions) error) *cobra.Command {
	opts := &ConsumersOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "add-key ID|NAME",
		Short: "Give a consumer another API key (printed once): the first step of a rotation",
		Long: `Add an API key to a consumer. The key is generated (or --key gives one) and
printed on stdout, once. The consumer's other keys keep working: move its
clients to the new key, then revoke the old one with 'gwctl consumers revoke'.`,
		Example: `  NEW=$(gwctl consumers add-key mobile-app)
  gwctl consumers list                       # the old key's credential id
  gwctl consumers revoke mobile-app cred_…`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			opts.Gateway.fromEnv()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConsumersAddKey(cmd.Context(), opts)
		},
	}
	bindConsumerFlags(cmd, opts)
	cmd.Flags().StringVar(&opts.Key, "key", "", "use this API `KEY` instead of generating one")
	return cmd
}

func runConsumersAddKey(ctx context.Context, opts *ConsumersOptions) error {
	c, err := opts.client()
	if err != nil {
		return err
	}
	added, err := c.AddCredential(ctx, opts.ID, gwconfig.CredentialRequest{Type: gwconfig.KeyAuth, Key: gwconfig.Secret(opts.Key)})
	if err != nil {
		return remoteErr(err)
	}
	cons := added.Consumer
	id := ""
	if n := len(cons.Credentials); n > 0 {
		id = cons.Credentials[n-1].ID
	}
	fmt.Fprintf(opts.IO.ErrOut, "Added key %s to consumer %s (id %s); it has %d credential(s).\n", id, cons.Name, cons.ID, len(cons.Credentials))
	if opts.Key == "" {
		fmt.Fprintln(opts.IO.ErrOut, "The new API key follows; it is shown only this once:")
	}
	fmt.Fprintln(opts.IO.Out, added.Key)
	return nil
}

// NewCmdConsumersRevoke builds `gwctl consumers revoke`.
func NewCmdConsumersRevoke(ios *iostreams.IOStreams, runF func(context.Context, *ConsumersOptions) error) *cobra.Command {
	opts := &ConsumersOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "revoke ID|NAME CREDENTIAL_ID",
		Short: "Revoke one credential of a consumer; it stops working at once",
		Long: `Revoke one API key or basic-auth user of a consumer, by the credential id that
'gwctl consumers list' shows (cred_…). The consumer and its other
credentials stay.`,
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.CredentialID = args[0], args[1]
			opts.Gateway.fromEnv()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConsumersRevoke(cmd.Context(), opts)
		},
	}
	bindConsumerFlags(cmd, opts)
	return cmd
}

func runConsumersRevoke(ctx context.Context, opts *ConsumersOptions) error {
	c, err := opts.client()
	if err != nil {
		return err
	}
	if err := c.DeleteCredential(ctx, opts.ID, opts.CredentialID); err != nil {
		return remoteErr(err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Revoked credential %s of consumer %s.\n", opts.CredentialID, opts.ID)
	return nil
}
