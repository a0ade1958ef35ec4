package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// NewCmdRender is a placeholder until the command lands; it is hidden and fails.
func NewCmdRender(ios *iostreams.IOStreams, runF func(context.Context, any) error) *cobra.Command {
	return &cobra.Command{Use: "render", Hidden: true, RunE: func(*cobra.Command, []string) error { return Usagef("gwctl render is not available yet") }}
}
