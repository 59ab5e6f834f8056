package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/schema"
)

// TestRunFreshProcess: by default a paired run measures each timed block
// in a process of its own, through the hidden block command, and says
// so in its results; --fresh-process=false keeps every block in the
// run's process. Both measure the same cases.
func TestRunFreshProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs subprocesses")
	}
	lines := map[string]int{}
	for _, fresh := range []string{"true", "false"} {
		dir := filepath.Join(t.TempDir(), "out")
		_, stderr, code := execCLI(t, "run", "--locks", "mutex", "--modes", "page,batch", "--threads", "1,2", "--count", "2",
			"--duration", "20ms", "--warmup", "2ms", "--no-report", "--quiet", "--fresh-process="+fresh, "--out", dir)
		if code != exitOK {
			t.Fatalf("--fresh-process=%s: exit %d: %s", fresh, code, stderr)
		}
		data, err := os.ReadFile(filepath.Join(dir, harness.ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		want := schema.BlockProcessSweep
		if fresh == "true" {
			want = schema.BlockProcessFresh
		}
		if !strings.Contains(string(data), "\n"+schema.ConfBlockProcess+": "+want+"\n") {
			t.Errorf("--fresh-process=%s: results lack %q", fresh, schema.ConfBlockProcess+": "+want)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "Benchmark") && !strings.Contains(l, "regime=switched") {
				lines[fresh+" "+strings.Fields(l)[0]]++
			}
		}
	}
	for k, n := range lines {
		if fresh, name, _ := strings.Cut(k, " "); fresh == "true" && lines["false "+name] == 0 {
			t.Errorf("%s: %d lines in fresh processes, none in one process", name, n)
		}
	}
}
