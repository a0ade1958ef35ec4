package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// NewCmdPublish is a placeholder until the command lands; it is hidden and fails.
func NewCmdPublish(ios *iostreams.IOStreams, runF func(context.Context, any) error) *cobra.Command {
	return &cobra.Command{Use: "publish", Hidden: true, RunE: func(*cobra.Command, []string) error { return Usagef("gwctl publish is not available yet") }}
}
