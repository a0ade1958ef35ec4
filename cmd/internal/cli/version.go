package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/build"
	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// VersionOptions holds what `gwctl version` uses.
type VersionOptions struct {
	IO *iostreams.IOStreams
}

// NewCmdVersion builds `gwctl version`.
func NewCmdVersion(ios *iostreams.IOStreams, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: ios}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the gwctl version",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVersion(cmd.Context(), opts)
		},
	}
}

func runVersion(_ context.Context, opts *VersionOptions) error {
	v, c, d := build.Info()
	fmt.Fprintf(opts.IO.Out, "gwctl %s", v)
	if c != "" {
		fmt.Fprintf(opts.IO.Out, " (commit %s", c)
		if d != "" {
			fmt.Fprintf(opts.IO.Out, ", built %s", d)
		}
		fmt.Fprint(opts.IO.Out, ")")
	}
	fmt.Fprintln(opts.IO.Out)
	return nil
}
