package main

import (
	"os"
	"os/exec"
	"testing"

	"go.uber.org/goleak"
)

// envMain makes the test binary behave as the lockbench command, so that
// a test can run it as a subprocess (and send it signals) without a
// separate go build.
const envMain = "LOCKBENCH_TEST_MAIN"

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
		main()
		return
	}
	goleak.VerifyTestMain(m)
}
