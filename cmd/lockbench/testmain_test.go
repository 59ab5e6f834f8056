package main

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// envMain makes the test binary behave as the lockbench command, so that
// a test can run it as a subprocess (and send it signals) without a
// separate go build.
const envMain = "LOCKBENCH_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envMain) == "1" {
		main()
		return
	}
	goleak.VerifyTestMain(m)
}
