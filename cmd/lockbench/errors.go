package main

import (
	"context"
	"errors"
	"fmt"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailure     = 1 // a measurement failed, or gate found a regression
	exitUsage       = 2 // bad flags, arguments or input files
	exitInterrupted = 130
)

// statusError carries the exit status for its error. An empty message
// prints nothing (the command has already said what happened).
type statusError struct {
	code int
	err  error
}

func (e *statusError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *statusError) Unwrap() error { return e.err }

// usagef is a usage or input error: exit status 2.
func usagef(format string, a ...any) error {
	return &statusError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// usage marks err as a usage or input error.
func usage(err error) error {
	if err == nil {
		return nil
	}
	return &statusError{code: exitUsage, err: err}
}

// failure marks err as a failed measurement or a regression: exit status 1.
func failure(err error) error {
	if err == nil {
		return nil
	}
	return &statusError{code: exitFailure, err: err}
}

// exitCode picks the status for an error returned by a command. An error
// wrapping context.Canceled (main's context, cancelled by SIGINT or
// SIGTERM) is an interrupt. Errors not marked otherwise are usage errors: cobra's own argument errors are
// of that kind, and every command marks its runtime failures.
func exitCode(err error) int {
	var se *statusError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		// An interrupt wins over whatever failure it caused.
		return exitInterrupted
	case errors.As(err, &se):
		return se.code
	default:
		return exitUsage
	}
}
