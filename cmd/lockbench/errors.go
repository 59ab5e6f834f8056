package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/lockbench/lockbench/harness"
)

// Exit statuses, mapped from errors in one place: exitCode.
const (
	exitOK          = 0
	exitFailure     = 1   // a measurement failed, gate found a regression, or a write failed
	exitUsage       = 2   // bad flags, arguments or input files
	exitInterrupted = 130 // SIGINT (128 + 2), the shell's convention
	exitTerminated  = 143 // SIGTERM (128 + 15)
)

// stopGrace is how long a command may take, after the first signal, to
// finish what it keeps (run's partial summary and report) before
// lockbench returns anyway.
const stopGrace = 3 * time.Second

// quickGrace is the same for commands that keep nothing of an unfinished
// computation (compare, gate, report, list).
const quickGrace = 200 * time.Millisecond

// keepsOnInterrupt is the annotation of a command that writes what it
// has after an interrupt, and so gets stopGrace.
const keepsOnInterrupt = "keeps-on-interrupt"

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

// An interrupt is the cause of main's context's cancellation: the signal
// received. It is context.Canceled to errors.Is.
type interrupt struct{ sig os.Signal }

func (i *interrupt) Error() string {
	if i.sig == syscall.SIGTERM {
		return "terminated (SIGTERM)"
	}
	return "interrupted (SIGINT)"
}

func (i *interrupt) Is(target error) bool { return target == context.Canceled }

// code is the exit status for the signal: 143 for SIGTERM, else 130.
func (i *interrupt) code() int {
	if i.sig == syscall.SIGTERM {
		return exitTerminated
	}
	return exitInterrupted
}

// interrupted is a command's error when a signal arrived before it
// returned: the message is the command's, the status the signal's.
type interrupted struct {
	err   error
	cause error
}

func (e *interrupted) Error() string   { return e.err.Error() }
func (e *interrupted) Unwrap() []error { return []error{e.err, e.cause} }

// exitCode picks the status for an error returned by a command. A signal
// wins over whatever failure it caused: 143 for SIGTERM, 130 for SIGINT
// or any other cancellation of main's context. Errors not marked
// otherwise are usage errors: cobra's own argument errors are of that
// kind, and every command marks its runtime failures.
func exitCode(err error) int {
	var se *statusError
	if i, ok := errors.AsType[*interrupt](err); ok {
		return i.code()
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &se):
		return se.code
	default:
		return exitUsage
	}
}

// sweepError maps NewSweep's error: bad input (a field, the folder, a
// sweep too long without --force) is a usage error naming the flag.
func sweepError(err error) error {
	switch {
	case errors.Is(err, harness.ErrOutputExists):
		return usagef("%v (use --force to replace lockbench's files in it, or another --out)", err)
	case errors.Is(err, harness.ErrOutputBusy):
		return usagef("%v: another lockbench run is writing there (use another --out)", err)
	}
	if e, ok := errors.AsType[*harness.EstimateError](err); ok {
		return usagef("this sweep would take about %s: over %s needs --force (or fewer cases, a smaller --count or --duration)", roughly(e.Estimate), roughly(harness.MaxUnforced))
	}
	if _, ok := errors.AsType[*harness.OutputError](err); ok {
		return usage(err)
	}
	_, field := errors.AsType[*harness.FieldError](err)
	if _, plan := errors.AsType[*harness.PlanError](err); field || plan {
		return flagged(err)
	}
	return failure(err) // the machine
}
