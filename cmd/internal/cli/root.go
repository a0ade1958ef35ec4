// Package cli holds the gwctl commands. Main is the only entry point: it runs
// the command tree and chooses the exit code in one place.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// Main runs gwctl with args and returns the process exit code.
func Main(ctx context.Context, args []string, ios *iostreams.IOStreams) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(ios.ErrOut, "gwctl: internal error: %v\nPlease report this with the input that caused it.\n", r)
			code = ExitInput
		}
	}()
	root := NewRootCmd(ios)
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var policy *PolicyError
	if errors.As(err, &policy) && policy.Silent {
		return ExitPolicy
	}
	fmt.Fprintf(ios.ErrOut, "gwctl: %s\n", err)
	var usage *UsageError
	if errors.As(err, &usage) || isCobraUsageError(err) {
		fmt.Fprintf(ios.ErrOut, "Run '%s --help' for usage.\n", strings.TrimSpace("gwctl "+commandPath(root, args)))
		return ExitInput
	}
	return exitCode(err)
}

// isCobraUsageError recognises the argument and flag errors cobra builds
// itself; they carry no type, so we wrap them at the source (see FlagErrorFunc
// and argument validators) and only fall back here for unknown commands.
func isCobraUsageError(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command ")
}

func commandPath(root *cobra.Command, args []string) string {
	c, _, err := root.Find(args)
	if err != nil || c == nil || c == root {
		return ""
	}
	return strings.TrimPrefix(c.CommandPath(), "gwctl ")
}

// NewRootCmd builds the command tree.
func NewRootCmd(ios *iostreams.IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "gwctl",
		Short: "Lint OpenAPI specs, publish them to an API gateway, and run the gateway",
		Long: `gwctl enforces one API standard over every OpenAPI file in a repository, turns
the specs into the gateway configuration they imply, publishes it atomically, and
runs the gateway.

  gwctl dev examples/shop    run a local gateway serving the specs, re-published on every edit
  gwctl lint specs/          check the specs against the standard (exit 1 on errors)
  gwctl rules [ID]           list the built-in rules, or explain one with examples
  gwctl render               print the gateway config the specs imply
  gwctl diff --exit-code     show what would change on the live gateway, per endpoint
  gwctl publish --yes        lint, diff and apply atomically; wait until live
  gwctl gateway              run the bundled gateway (proxy, admin API, file store)

Exit codes: 0 ok, 1 policy failure, 2 bad input or usage, 3 remote failure.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		CompletionOptions: cobra.CompletionOptions{
			HiddenDefaultCmd: false,
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &UsageError{Err: err}
	})
	root.AddCommand(
		NewCmdLint(ios, nil),
		NewCmdRules(ios, nil),
		NewCmdRender(ios, nil),
		NewCmdDiff(ios, nil),
		NewCmdPublish(ios, nil),
		NewCmdRollback(ios, nil),
		NewCmdConsumers(ios),
		NewCmdGateway(ios, nil),
		NewCmdDev(ios, nil),
		NewCmdVersion(ios, nil),
	)
	return root
}

// exactArgs and friends wrap cobra's validators so that argument errors are
// usage errors (exit 2).
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &UsageError{Err: err}
		}
		return nil
	}
}

// discardLogger is the default for library packages that take a logger.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
