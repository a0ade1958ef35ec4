package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// NewCmdGateway is a placeholder until the command lands; it is hidden and fails.
func NewCmdGateway(ios *iostreams.IOStreams, runF func(context.Context, any) error) *cobra.Command {
	return &cobra.Command{Use: "gateway", Hidden: true, RunE: func(*cobra.Command, []string) error { return Usagef("gwctl gateway is not available yet") }}
}
