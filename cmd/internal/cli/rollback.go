package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// NewCmdRollback is a placeholder until the command lands; it is hidden and fails.
func NewCmdRollback(ios *iostreams.IOStreams, runF func(context.Context, any) error) *cobra.Command {
	return &cobra.Command{Use: "rollback", Hidden: true, RunE: func(*cobra.Command, []string) error { return Usagef("gwctl rollback is not available yet") }}
}
