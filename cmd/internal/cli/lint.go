package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// NewCmdLint is a placeholder until the command lands; it is hidden and fails.
func NewCmdLint(ios *iostreams.IOStreams, runF func(context.Context, any) error) *cobra.Command {
	return &cobra.Command{Use: "lint", Hidden: true, RunE: func(*cobra.Command, []string) error { return Usagef("gwctl lint is not available yet") }}
}
