package main

import (
	"errors"
	"fmt"
)

// Exit codes of the CLI contract.
const (
	exitOK      = 0
	exitFailure = 1 // runtime failure: database down, SMTP unreachable, …
	exitBadUse  = 2 // bad usage, bad config or bad input
)

// badInputError marks an error the user can fix by changing what they gave
// us (flags, config, a ledger file); it maps to exit code 2.
type badInputError struct{ err error }

func (e badInputError) Error() string { return e.err.Error() }
func (e badInputError) Unwrap() error { return e.err }

func badInput(err error) error { return badInputError{err: err} }

func badInputf(format string, a ...any) error { return badInput(fmt.Errorf(format, a...)) }

func exitCodeOf(err error) int {
	if err == nil {
		return exitOK
	}
	var bad badInputError
	if errors.As(err, &bad) {
		return exitBadUse
	}
	return exitFailure
}
