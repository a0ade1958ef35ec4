package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// NewCmdRules is a placeholder until the command lands; it is hidden and fails.
func NewCmdRules(ios *iostreams.IOStreams, runF func(context.Context, any) error) *cobra.Command {
	return &cobra.Command{Use: "rules", Hidden: true, RunE: func(*cobra.Command, []string) error { return Usagef("gwctl rules is not available yet") }}
}
