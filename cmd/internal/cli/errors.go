package cli

import (
	"errors"
	"fmt"
)

// Exit codes: the contract scripts and CI rely on (DESIGN.md §2).
const (
	ExitOK     = 0 // success
	ExitPolicy = 1 // findings at or above --fail-on, drift with --exit-code
	ExitInput  = 2 // bad input or usage
	ExitRemote = 3 // gateway unreachable, auth refused, publish conflict
)

// UsageError is a bad flag, argument or option: exit 2, usage hint printed.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// InputError is unreadable or invalid input (specs, config): exit 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// PolicyError means the command worked and found a policy failure: exit 1.
// Its message has usually been reported already; Silent suppresses it.
type PolicyError struct {
	Msg    string
	Silent bool
}

func (e *PolicyError) Error() string { return e.Msg }

// RemoteError is a failure talking to the gateway: exit 3.
type RemoteError struct{ Err error }

func (e *RemoteError) Error() string { return e.Err.Error() }
func (e *RemoteError) Unwrap() error { return e.Err }

// exitCode is the one place that maps an error to an exit code.
func exitCode(err error) int {
	var (
		usage  *UsageError
		input  *InputError
		policy *PolicyError
		remote *RemoteError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &policy):
		return ExitPolicy
	case errors.As(err, &remote):
		return ExitRemote
	case errors.As(err, &usage), errors.As(err, &input):
		return ExitInput
	default:
		// Anything unclassified is treated as bad input rather than a crash.
		return ExitInput
	}
}
