package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/schema"
	"golang.org/x/perf/benchfmt"
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
	if _, err := os.Stat("/proc/thread-self/schedstat"); err == nil && !strings.Contains(header, " "+schema.UnitRunq) {
		t.Errorf("%s: no %s on the result lines, where the kernel keeps schedstat", a[0], schema.UnitRunq)
	}
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

// Machines with different CPU counts line up: a merge of a 1-CPU run
// (taskset -c 0) and a 2-CPU run has every case on both machines under
// the same full name, the row of benchstat -col machine.
func TestMergeLinesUpMachines(t *testing.T) {
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		t.Skip("no taskset to run a 1-CPU machine")
	}
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: both machines would have it")
	}
	root := t.TempDir()
	small := []string{"--locks", "mutex", "--threads", "1,2", "--modes", "page", "--count", "2", "--run-id", "r1"}
	two := runShards(t, root, "two", 1, small...)
	one := filepath.Join(root, "one", harness.ResultsFile)
	c := runShard(t, filepath.Dir(one), "one", 1, 1, small...)
	c.Args = append([]string{taskset, "-c", "0"}, c.Args...)
	c.Path = taskset
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("1-CPU run: %v\n%s", err, out)
	}
	merged := filepath.Join(root, "merged")
	if _, stderr, code := execCLI(t, "merge", "-o", merged, two[0], one); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	f, err := os.Open(filepath.Join(merged, harness.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]map[string]bool{} // full name -> machines with ns/page
	r := benchfmt.NewReader(f, "merged")
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		if !hasUnit(res, "ns/page") {
			continue
		}
		name := string(res.Name.Full())
		if strings.Contains(name, "regime=") {
			continue // switched or unprobed: a row of its own by design
		}
		if rows[name] == nil {
			rows[name] = map[string]bool{}
		}
		rows[name][res.GetConfig(schema.ConfMachine)] = true
	}
	if len(rows) == 0 {
		t.Fatal("no ns/page lines in the merged file")
	}
	for name, m := range rows {
		if !m["one"] || !m["two"] {
			t.Errorf("row %s has machines %v, want one and two side by side", name, m)
		}
	}
	b, _ := os.ReadFile(filepath.Join(merged, harness.ResultsFile))
	if !strings.Contains(string(b), "machine-2-cpus: 1\n") && !strings.Contains(string(b), "machine-1-cpus: 1\n") {
		t.Errorf("the merged file does not record the 1-CPU machine's count")
	}
}
