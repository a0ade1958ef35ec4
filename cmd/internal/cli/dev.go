package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// NewCmdDev is a placeholder until the command lands; it is hidden and fails.
func NewCmdDev(ios *iostreams.IOStreams, runF func(context.Context, any) error) *cobra.Command {
	return &cobra.Command{Use: "dev", Hidden: true, RunE: func(*cobra.Command, []string) error { return Usagef("gwctl dev is not available yet") }}
}
