package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/schema"
)

// A sweep's shards carry its run ID, node and start; merge refuses a
// shard of another run of the same plan, naming both, unless told to mix.
func TestRunID(t *testing.T) {
	root := t.TempDir()
	small := []string{"--locks", "mutex", "--threads", "1,2", "--modes", "page", "--count", "1"}
	a := runShards(t, root, "m", 2, append(small, "--run-id", "20261203t0900z", "--node", "node-1")...)
	b, err := os.ReadFile(a[0])
	if err != nil {
		t.Fatal(err)
	}
	header := string(b)
	for _, want := range []string{"\n" + schema.ConfRun + ": ", "-20261203t0900z\n", "\n" + schema.ConfNode + ": node-1\n", "\n" + schema.ConfStarted + ": 20"} {
		if !strings.Contains(header, want) {
			t.Errorf("%s has no %q", a[0], want)
		}
	}
	// Shard 2 again, of a later run of the same plan: as if its pod of
	// the earlier run never started and the folder kept an older file.
	later := runShards(t, filepath.Join(root, "later"), "m", 2, append(small, "--run-id", "20261204t0900z")...)
	mixed := []string{a[0], later[1]}
	_, stderr, code := execCLI(t, append([]string{"merge", "-o", filepath.Join(root, "merged")}, mixed...)...)
	if code != exitUsage || !strings.Contains(stderr, "20261203t0900z") || !strings.Contains(stderr, "20261204t0900z") || !strings.Contains(stderr, "allow-mixed-runs") {
		t.Errorf("merge of two runs: exit %d, stderr %q; want %d naming both runs and --allow-mixed-runs", code, stderr, exitUsage)
	}
	_, stderr, code = execCLI(t, append([]string{"merge", "--allow-mixed-runs", "-o", filepath.Join(root, "merged")}, mixed...)...)
	if code != 0 || !strings.Contains(stderr, "runs of the plan") {
		t.Errorf("merge --allow-mixed-runs: exit %d, stderr %q; want 0 and a warning naming the runs", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(root, "merged", harness.ResultsFile)); err != nil {
		t.Error(err)
	}
}

func TestRunIDBadInput(t *testing.T) {
	for _, flag := range []string{"--run-id", "--node"} {
		_, stderr, code := execCLI(t, tinyRun(filepath.Join(t.TempDir(), "out"), flag, "a/b")...)
		if code != exitUsage || !strings.Contains(stderr, flag+` "a/b"`) {
			t.Errorf("%s a/b: exit %d, stderr %q; want %d naming the flag", flag, code, stderr, exitUsage)
		}
	}
}
