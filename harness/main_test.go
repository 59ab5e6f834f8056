package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// envBlockWorker makes the test binary a block worker (ServeBlock) of
// blockTestPlan, so that a test can run a sweep's blocks in processes of
// their own (ProcessExec) without building lockbench. envBlockPIDs names
// a file each worker appends its process ID to; envBlockFail makes the
// worker's open fail.
const (
	envBlockWorker = "LOCKBENCH_HARNESS_BLOCK_WORKER"
	envBlockPIDs   = "LOCKBENCH_HARNESS_BLOCK_PIDS"
	envBlockFail   = "LOCKBENCH_HARNESS_BLOCK_FAIL"
)

func TestMain(m *testing.M) {
	if os.Getenv(envBlockWorker) == "1" {
		os.Exit(serveTestBlock())
	}
	goleak.VerifyTestMain(m)
}

func serveTestBlock() int {
	if path := os.Getenv(envBlockPIDs); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return 3
		}
		fmt.Fprintln(f, os.Getpid())
		f.Close()
	}
	err := ServeBlock(context.Background(), os.Stdin, os.Stdout, func([]string) (Plan, Runner, error) {
		if os.Getenv(envBlockFail) == "1" {
			return Plan{}, Runner{}, errors.New("a scripted failure to open")
		}
		return blockTestPlan(), blockTestRunner(), nil
	})
	if err != nil {
		return 1
	}
	return 0
}
