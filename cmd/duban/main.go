// Command duban supervises a 巡察整改 rectification ledger and recurring
// reporting duties: it reminds by email and records every dispatch.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"duban/internal/memlimit"
)

func main() {
	memlimit.Apply(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}
