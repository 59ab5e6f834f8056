package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/lockbench/lockbench/harness"
)

// Exit statuses, mapped from errors in one place: exitCode. They are
// the contract a controller acts on (deploy/kubernetes/job.yaml's
// podFailurePolicy): 2 means the same command fails the same way again,
// so a Job fails at once; 70 is a bug in lockbench, 1 a measurement that
// failed and 130/143 a signal, all worth a retry. README.md's "Exit
// status" lists the same table.
const (
	exitOK          = 0
	exitFailure     = 1   // a measurement failed, gate found a regression, or a write failed
	exitUsage       = 2   // bad flags, arguments or input files
	exitUnjudged    = 3   // gate or ab could not judge a case asked for (and found no regression)
	exitInternal    = 70  // a panic or an internal error: a bug (EX_SOFTWARE of sysexits.h)
	exitInterrupted = 130 // SIGINT (128 + 2), the shell's convention
	exitTerminated  = 143 // SIGTERM (128 + 15)
)

// envTraceback, set to 1, makes a recovered panic print its stack after
// the one line; without it the stack is left out, as a controller's log
// wants one line per failure.
const envTraceback = "LOCKBENCH_TRACEBACK"

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

// unjudged marks err as a comparison that could not judge every case it
// was asked to: exit status 3, never 0 (a gate that cannot judge must not
// pass silently), unless the user allowed it.
func unjudged(err error) error {
	if err == nil {
		return nil
	}
	return &statusError{code: exitUnjudged, err: err}
}

// internalError is a panic recovered from a command, or another
// condition that is lockbench's bug rather than the user's input: exit
// status 70.
type internalError struct {
	msg   string
	stack []byte // the panicking goroutine's stack, for envTraceback
}

func (e *internalError) Error() string {
	return "internal error (a bug in lockbench, please report it): " + e.msg
}

// recovered turns a value recovered from a panic into an *internalError
// with the stack of the goroutine that panicked.
func recovered(p any, stack []byte) error {
	return &internalError{msg: fmt.Sprintf("panic: %v", p), stack: stack}
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

// Error is the command's message, naming the signal: a command that
// returned its context's error would otherwise say "context canceled".
func (e *interrupted) Error() string {
	msg := e.err.Error()
	if e.cause == nil || strings.Contains(msg, e.cause.Error()) {
		return msg
	}
	if strings.Contains(msg, context.Canceled.Error()) {
		return strings.Replace(msg, context.Canceled.Error(), e.cause.Error(), 1)
	}
	return msg + " (" + e.cause.Error() + ")"
}
func (e *interrupted) Unwrap() []error { return []error{e.err, e.cause} }

// exitCode picks the status for an error returned by a command. A signal
// wins over whatever failure it caused: 143 for SIGTERM, 130 for SIGINT
// or any other cancellation of main's context; then a panic (an
// *internalError, or a benchmark worker's *harness.PanicError) gets 70,
// whatever wraps it. Errors not marked
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
	case errors.As(err, new(*internalError)), errors.As(err, new(*harness.PanicError)):
		return exitInternal
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
