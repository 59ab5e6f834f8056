package main

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/spf13/cobra"
	"go.uber.org/goleak"
)

// envMain makes the test binary behave as the lockbench command, so that
// a test can run it as a subprocess (and send it signals) without a
// separate go build.
const envMain = "LOCKBENCH_TEST_MAIN"

// envPanic, with envMain, adds the hidden command panicCmd to the test
// binary's lockbench: the one way to reach the panic path as a process.
const envPanic = "LOCKBENCH_TEST_PANIC"

// panicCmd panics in the command's goroutine, as a bug in a command would.
const panicCmd = "test-panic"

// withPanicCmd is root with panicCmd added.
func withPanicCmd(root *cobra.Command) *cobra.Command {
	root.AddCommand(&cobra.Command{
		Use:    panicCmd,
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			var m map[string]int
			m["a bug"]++ // assignment to entry in nil map
			return nil
		},
	})
	return root
}

// lockbenchCmd is the test binary as the lockbench command with args,
// not started: the one place a test builds that command.
func lockbenchCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), envMain+"=1")
	return cmd
}

func TestMain(m *testing.M) {
	if os.Getenv(envMain) == "1" {
		if os.Getenv(envPanic) == "1" {
			// main, with the hidden command added.
			ctx, stop := notifyContext(context.Background())
			out := &checkedWriter{w: os.Stdout}
			code := execute(ctx, withPanicCmd(newRootCmd(out, os.Stderr)), out, os.Args[1:], os.Stderr)
			stop()
			os.Exit(code)
		}
		main()
		return
	}
	// run starts this executable for each timed block (--fresh-process):
	// under test that is the test binary, which must then be lockbench
	// rather than run the tests again. Not in this process's environment:
	// the fuzzing engine starts its workers from it too.
	blockProcessEnv = []string{envMain + "=1"}
	goleak.VerifyTestMain(m)
}
