// Command lockbench measures how much amortizing lock acquisitions over a
// batch of pages saves. See the README for the subcommands.
//
// Exit status: 0 success, 1 a failed measurement, a regression found by
// gate or ab or a failed write, 2 bad input or usage, 3 gate or ab could
// not judge a case (and found no regression), 70 an internal error (a
// panic), 130 interrupted by SIGINT, 143 stopped by SIGTERM (errors.go
// maps them).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/internal/printable"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func main() {
	ctx, stop := notifyContext(context.Background())
	code := lockbench(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// notifyContext returns a context cancelled by the first SIGINT or
// SIGTERM, with an *interrupt naming the signal as its cause. A second
// signal exits at once with the signal's status: the user asked twice.
func notifyContext(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			cancel(&interrupt{s})
		case <-done:
			return
		}
		select {
		case s := <-ch:
			os.Exit((&interrupt{s}).code())
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// lockbench runs the command line args and returns the exit status. It
// never panics on user input: every error reaches stderr as one line.
//
// When ctx is cancelled (a signal), the command gets stopGrace to return
// what is complete if it keeps anything (run writes its partial summary
// and report), otherwise quickGrace; then
// lockbench returns the interrupt's status whether or not it has, and
// main exits. A command cut short that way may leave a temporary file of
// an atomic write (safefile.IsTemp), never a half-written one.
//
// A panic in the command's goroutine is recovered: one line on stderr
// (the stack too with LOCKBENCH_TRACEBACK=1) and exit status 70, so that a
// controller can tell a bug from bad input. A benchmark worker's panic
// is recovered by harness and returned as a *harness.PanicError: status
// 70 too. A panic in any other goroutine a command starts ends the
// process as Go does, with status 2 and the stack.
func lockbench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out := &checkedWriter{w: stdout}
	return execute(ctx, newRootCmd(out, stderr), out, args, stderr)
}

// execute runs root with args, as lockbench describes; out is root's
// standard output.
func execute(ctx context.Context, root *cobra.Command, out *checkedWriter, args []string, stderr io.Writer) int {
	root.SetArgs(args)
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- recovered(p, debug.Stack())
			}
		}()
		done <- root.ExecuteContext(ctx)
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done:
		case <-time.After(graceFor(root, args)):
			err = fmt.Errorf("stopped before the command finished: %w", context.Canceled)
		}
	}
	if out.err != nil && (err == nil || errors.Is(err, out.err)) {
		err = failure(fmt.Errorf("writing to standard output: %w", out.err))
	}
	if ctx.Err() != nil {
		// An interrupt wins over whatever the command made of it, also
		// when it finished in the meantime.
		cause := context.Cause(ctx)
		if err == nil {
			err = fmt.Errorf("interrupted: %w", cause)
		} else {
			err = &interrupted{err: err, cause: cause}
		}
	}
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(stderr, "lockbench: %s\n", printable.String(msg))
	}
	if out.n == 0 && code != exitInterrupted && code != exitTerminated && wantsJSON(root, args) {
		// --json promises JSON on stdout: a failure is one JSON document
		// too, unless the command printed its own (gate's verdict). A
		// signal leaves stdout as the command left it: a run interrupted
		// before any line prints nothing (TestRunJSONAlwaysOneDocument).
		writeJSONError(out, err.Error(), code)
	}
	if os.Getenv(envTraceback) == "1" {
		if ie, ok := errors.AsType[*internalError](err); ok {
			stderr.Write(ie.stack)
		} else if pe, ok := errors.AsType[*harness.PanicError](err); ok {
			stderr.Write(pe.Stack)
		}
	}
	return code
}

// graceFor is the time the command args name may take to stop.
func graceFor(root *cobra.Command, args []string) time.Duration {
	if c, _, err := root.Find(args); err == nil && c.Annotations[keepsOnInterrupt] != "" {
		return stopGrace
	}
	return quickGrace
}

// checkedWriter keeps the first error of writes to w, so that a command
// whose output was lost (stdout on a full disk, a closed pipe) does not
// exit 0.
type checkedWriter struct {
	w   io.Writer
	err error
	n   int64 // bytes written
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "lockbench",
		Short: "Measure how much amortizing lock acquisitions over a batch of pages saves",
		Long: `lockbench replays the Linux kernel's move from per-page to per-batch locking
(zone, mapping, LRU and block-queue locks) on real, pinned cores, with
interchangeable lock algorithms, and reports ns/page, acquisitions/page,
contention, wait tails and how close a batch gets to one big page.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usagef("%v (see '%s --help')", err, cmd.CommandPath())
	})
	root.AddCommand(
		newRunCmd(),
		newListCmd(),
		newCalibrateCmd(),
		newCompareCmd(),
		newGateCmd(),
		newReportCmd(),
		newMergeCmd(),
		newClassesCmd(),
		newAgreeCmd(),
		newABCmd(),
		newWorkerCmd(),
		newBlockCmd(),
		newFootprintCmd(),
		newFootprintModelCmd(),
		newKernelRestoreCmd(),
		newBesideCmd(),
		newTopologyCmd(),
	)
	return root
}

// noArgs rejects positional arguments, naming an unknown subcommand as such.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return usagef("unknown command %q for %q (see '%s --help')", args[0], cmd.CommandPath(), cmd.CommandPath())
	}
	return usagef("%s takes no arguments, got %q (see '%s --help')", cmd.CommandPath(), args[0], cmd.CommandPath())
}

// commandLine renders the command as the user could type it again, for
// the report's methodology section.
func commandLine(cmd *cobra.Command) string {
	parts := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if fl.Value.Type() == "bool" {
			parts = append(parts, "--"+fl.Name)
			return
		}
		parts = append(parts, "--"+fl.Name+"="+fl.Value.String())
	})
	return strings.Join(parts, " ")
}

// wantsJSON reports whether the command args ran was given --json.
func wantsJSON(root *cobra.Command, args []string) bool {
	c, _, err := root.Find(args)
	if err != nil {
		return false
	}
	if f := c.Flags().Lookup("json"); f != nil && f.Changed {
		return f.Value.String() == "true"
	}
	for _, a := range args { // flags not parsed: the command failed before
		if a == "--" {
			break
		}
		if a == "--json" || a == "--json=true" {
			return true
		}
	}
	return false
}

// writeJSON writes v as --json's one document: indented, with a final
// newline, and nothing when v does not marshal.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// writeJSONError writes a failure as --json's one document on stdout:
// the message and the exit status.
func writeJSONError(w io.Writer, msg string, code int) {
	b, _ := json.MarshalIndent(struct {
		Error    string `json:"error"`
		ExitCode int    `json:"exit_code"`
	}{msg, code}, "", "  ")
	w.Write(append(b, '\n'))
}
