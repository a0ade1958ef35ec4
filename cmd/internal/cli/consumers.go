package cli

import (
	"github.com/spf13/cobra"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// NewCmdConsumers is a placeholder until the command lands; it is hidden and fails.
func NewCmdConsumers(ios *iostreams.IOStreams) *cobra.Command {
	return &cobra.Command{Use: "consumers", Hidden: true, RunE: func(*cobra.Command, []string) error { return Usagef("gwctl consumers is not available yet") }}
}
