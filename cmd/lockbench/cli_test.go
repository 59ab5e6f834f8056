package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/locks"
)

// execCLI runs lockbench in-process and returns what it printed and its
// exit status.
func execCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = lockbench(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// wantUsageError runs lockbench and asserts the contract for bad input:
// exit status 2, nothing on stdout, and one line on stderr, starting with
// "lockbench: ", that contains every want.
func wantUsageError(t *testing.T, args []string, reason string, want ...string) {
	t.Helper()
	stdout, stderr, code := execCLI(t, args...)
	if code != exitUsage {
		t.Errorf("exit %d, want %d (%s); stderr %q", code, exitUsage, reason, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not contain %q (%s)", stderr, w, reason)
		}
	}
	if n := strings.Count(stderr, "\n"); n != 1 || !strings.HasPrefix(stderr, "lockbench: ") {
		t.Errorf("stderr must be one line starting with 'lockbench: ', got %d lines: %q", n, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout must be empty on bad input, got %q", stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args   []string
		want   string // substring of the one-line error
		reason string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`, "a mistyped subcommand must not run anything"},
		{[]string{"--bogus"}, "unknown flag: --bogus", "root flags are checked"},
		{[]string{"list", "--bogus"}, "unknown flag: --bogus", "subcommand flags are checked"},
		{[]string{"list", "extra"}, `takes no arguments, got "extra"`, "list has no positional arguments"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			wantUsageError(t, tt.args, tt.reason, tt.want)
		})
	}
}

func TestList(t *testing.T) {
	stdout, stderr, code := execCLI(t, "list")
	if code != 0 || stderr != "" {
		t.Fatalf("list: exit %d, stderr %q", code, stderr)
	}
	for _, i := range locks.All(false) {
		// The source column wraps; its first words stay on the lock's row.
		src := strings.Join(strings.Fields(i.Source)[:min(2, len(strings.Fields(i.Source)))], " ")
		if !strings.Contains(stdout, "│ "+i.Name+" ") || !strings.Contains(stdout, src) {
			t.Errorf("list does not show lock %q with its source %q", i.Name, src)
		}
	}
	if strings.Contains(stdout, "busted") {
		t.Error("list shows the hidden busted lock without --all")
	}
	all, _, _ := execCLI(t, "list", "--all")
	for _, i := range locks.All(true) {
		if !strings.Contains(all, i.Name) {
			t.Errorf("list --all does not show lock %q", i.Name)
		}
	}
	for _, word := range []string{"page", "pagevec", "batch", "pcp", "large", "pagecache", "cs"} {
		if !strings.Contains(stdout, word) {
			t.Errorf("list does not mention %q", word)
		}
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err    error
		want   int
		reason string
	}{
		{nil, exitOK, "success"},
		{usagef("x"), exitUsage, "marked usage error"},
		{failure(context.DeadlineExceeded), exitFailure, "marked failure"},
		{context.Canceled, exitInterrupted, "an interrupt cancels the command's context"},
		{bytes.ErrTooLarge, exitUsage, "unmarked errors come from cobra's argument checks"},
		{recovered("boom", nil), exitInternal, "a panic is a bug, not bad input: a controller retries it"},
		{fmt.Errorf("running: %w", usage(recovered("boom", nil))), exitInternal, "a panic wins over a usage mark around it"},
		{failure(fmt.Errorf("case: %w", &harness.PanicError{Value: "boom"})), exitInternal, "a benchmark worker's panic, recovered by harness, is a bug too"},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d (%s)", tt.err, got, tt.want, tt.reason)
		}
	}
}

// A panic in a command is recovered into one line and exit status 70, in
// the process as a controller sees it; LOCKBENCH_TRACEBACK=1 adds the
// stack.
func TestPanicExitsInternal(t *testing.T) {
	for _, trace := range []bool{false, true} {
		t.Run(fmt.Sprintf("traceback=%v", trace), func(t *testing.T) {
			cmd := lockbenchCmd(t, panicCmd)
			cmd.Env = append(cmd.Env, envPanic+"=1")
			if trace {
				cmd.Env = append(cmd.Env, envTraceback+"=1")
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := cmd.ProcessState.ExitCode()
			if code != exitInternal {
				t.Fatalf("exit %d (%v), want %d; stderr:\n%s", code, err, exitInternal, stderr.String())
			}
			first, rest, _ := strings.Cut(stderr.String(), "\n")
			if !strings.HasPrefix(first, "lockbench: internal error") || !strings.Contains(first, "nil map") {
				t.Errorf("first stderr line %q: want lockbench: internal error ... and the panic's value", first)
			}
			if hasStack := strings.Contains(rest, "goroutine "); hasStack != trace {
				t.Errorf("stack printed = %v, want %v (%s); stderr:\n%s", hasStack, trace, envTraceback, stderr.String())
			}
		})
	}
}

// In-process, the panic path returns the status without taking the test
// binary down with it.
func TestExecuteRecovers(t *testing.T) {
	var stdout, stderr bytes.Buffer
	out := &checkedWriter{w: &stdout}
	code := execute(context.Background(), withPanicCmd(newRootCmd(out, &stderr)), out, []string{panicCmd}, &stderr)
	if code != exitInternal || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q: want %d and one line", code, stderr.String(), exitInternal)
	}
}
