// Command gwctl lints OpenAPI specs against one shared standard, turns them
// into gateway configuration, publishes it atomically and runs the gateway.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gwctl/gwctl/cmd/internal/cli"
	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], iostreams.System())
	stop()
	os.Exit(code)
}
