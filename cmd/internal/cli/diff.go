package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// NewCmdDiff is a placeholder until the command lands; it is hidden and fails.
func NewCmdDiff(ios *iostreams.IOStreams, runF func(context.Context, any) error) *cobra.Command {
	return &cobra.Command{Use: "diff", Hidden: true, RunE: func(*cobra.Command, []string) error { return Usagef("gwctl diff is not available yet") }}
}
