// Command duban supervises a 巡察整改 rectification ledger and recurring
// reporting duties: it reminds by email and records every dispatch.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"duban/internal/memlimit"
)

func main() {
	memlimit.Apply(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

// Exit codes of the CLI contract.
const (
	exitOK      = 0
	exitFailure = 1 // runtime failure: database down, SMTP unreachable, …
	exitBadUse  = 2 // bad usage, bad config or bad input (see badInput)
)

// run executes one command line and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) int {
	return runWithClock(ctx, time.Now, args, stdout, stderr, env)
}

// runWithClock is run on the given clock: the day every command takes for
// today, which tests set to the day they are about.
func runWithClock(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer, env []string) int {
	a := &app{stdout: stdout, stderr: stderr, env: env, now: now}
	a.logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "duban: %v\n", err)
	if errors.As(err, new(badInputError)) {
		return exitBadUse
	}
	return exitFailure
}

// badInputError marks an error the user can fix by changing what they gave
// us (flags, config, a ledger file); it exits with code 2.
type badInputError struct{ error }

func (e badInputError) Unwrap() error { return e.error }

func badInput(err error) error { return badInputError{err} }

func badInputf(format string, a ...any) error { return badInput(fmt.Errorf(format, a...)) }
