package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// shardFlags is a plan of 8 comparison groups (4 locks x 2 thread counts)
// of tiny cases: enough groups for 7 shards, fast enough to run often.
var shardFlags = []string{"--locks", "mutex,mcs,ticket,futex", "--modes", "page,batch", "--threads", "1,2",
	"--count", "1", "--duration", "10ms", "--warmup", "0s"}

// shardPlan is the harness plan shardFlags give, for the expected cases.
// It starts from harness.DefaultPlan, as run does, so the floor cases
// (lock none at one thread) and the counting repetitions are in it.
func shardPlan() harness.Plan {
	p := harness.DefaultPlan
	p.Locks, p.Modes, p.Batches = []string{"mutex", "mcs", "ticket", "futex"}, []workloads.Mode{workloads.ModePage, workloads.ModeBatch}, []int{16}
	p.Threads, p.Count, p.Budget = []int{1, 2}, 1, 0 // --count: a fixed run
	return p
}

// runShard runs one shard as its own process (the test binary as
// lockbench, see TestMain), as a CI job or a pod would.
func runShard(t *testing.T, dir, machine string, k, n int, extra ...string) *exec.Cmd {
	t.Helper()
	args := append([]string{"run"}, shardFlags...)
	args = append(args, extra...)
	args = append(args, "--shard", fmt.Sprintf("%d/%d", k, n), "--machine", machine, "--no-report", "--quiet", "--out", dir)
	return lockbenchCmd(t, args...)
}

// runShards runs shards 1..n of machine in parallel processes and
// returns their results files.
func runShards(t *testing.T, root, machine string, n int, extra ...string) []string {
	t.Helper()
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	var paths []string
	for k := 1; k <= n; k++ {
		dir := filepath.Join(root, fmt.Sprintf("%s-%d", machine, k))
		c := runShard(t, dir, machine, k, n, extra...)
		var b bytes.Buffer
		c.Stdout, c.Stderr = &b, &b
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs, paths = append(cmds, c), append(outs, &b), append(paths, filepath.Join(dir, harness.ResultsFile))
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("shard %d/%d: %v\n%s", i+1, n, err, outs[i])
		}
	}
	return paths
}

// caseNames reads a results file's case names (schema.Name.Case) without
// the regime key (the machine's, not the plan's), each repetition once,
// class lines left out, sorted.
func caseNames(t *testing.T, path string) []string {
	t.Helper()
	cases, _ := splitClasses(readLines(t, path))
	var names []string
	for _, res := range cases {
		n := schema.ParseName(res.Name).Without(schema.KeyRegime)
		names = append(names, res.GetConfig(schema.ConfMachine)+" "+n.Case())
	}
	slices.Sort(names)
	return names
}

// TestShardedSweepMerges is the whole path on one machine: N shards as
// processes, merged, give exactly the unsharded plan's cases, none
// missing, none twice.
func TestShardedSweepMerges(t *testing.T) {
	var want []string
	for _, c := range shardPlan().Cases() {
		want = append(want, "local "+c.Name())
	}
	slices.Sort(want)
	for _, n := range []int{1, 2, 3, 7} {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			root := t.TempDir()
			paths := runShards(t, root, "local", n)
			out := filepath.Join(root, "merged")
			stdout, stderr, code := execCLI(t, append([]string{"merge", "-o", out}, paths...)...)
			if code != 0 {
				t.Fatalf("merge: exit %d: %s", code, stderr)
			}
			got := caseNames(t, filepath.Join(out, harness.ResultsFile))
			if !strings.Contains(stdout, fmt.Sprintf("merged %d repetitions of %d files from 1 machines", len(got), n)) {
				t.Errorf("merge said %q, want the %d case lines it wrote", stdout, len(got))
			}
			// A paired shard runs a block whose machine switched regime
			// again, so a case may have more lines than the plan, never
			// a case the plan lacks, and never fewer, but for the floor
			// at one thread: the whole plan runs it beside every 1-thread
			// lock, a shard beside its own 1-thread locks only (the shard
			// of the first holds it), so it has Count lines at least.
			if !slices.Equal(slices.Compact(slices.Clone(got)), slices.Compact(slices.Clone(want))) {
				t.Errorf("merged cases differ from the plan's:\n got %q\nwant %q", got, want)
			}
			have, need := map[string]int{}, map[string]int{}
			for _, c := range got {
				have[c]++
			}
			for _, c := range want {
				need[c]++
			}
			for c, k := range need {
				if strings.Contains(c, "/lock="+harness.FloorLock+"/threads=1") {
					k = shardPlan().Count
				}
				if have[c] < k {
					t.Errorf("%s: %d lines merged, want at least %d", c, have[c], k)
				}
			}
		})
	}
}

// TestMergeRefuses: what merge must not merge, one line and exit 2 each,
// and no merged file left behind.
func TestMergeRefuses(t *testing.T) {
	root := t.TempDir()
	// Interleaved: a paired shard may run a switched block again, and a
	// file cut short could then still hold its planned count of lines.
	three := runShards(t, root, "a", 3, "--order", "interleaved")
	other := runShards(t, filepath.Join(root, "other"), "a", 1, "--order", "interleaved", "--count", "2")
	torn := filepath.Join(root, "torn.txt")
	short := filepath.Join(root, "short.txt")
	b, err := os.ReadFile(three[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(torn, b[:len(b)-20], 0o644); err != nil {
		t.Fatal(err)
	}
	// Cut before the last case line: the file ends whole, a repetition short.
	lastCase := strings.LastIndex(string(b), "\nBenchmark")
	for strings.Contains(strings.SplitN(string(b[lastCase+1:]), "\n", 2)[0], "/class=") {
		lastCase = strings.LastIndex(string(b[:lastCase]), "\nBenchmark")
	}
	if err := os.WriteFile(short, b[:lastCase+1], 0o644); err != nil {
		t.Fatal(err)
	}
	// Shard 1/3 relabelled: its header edited to claim to be the whole
	// plan (1/1), or shard 3/3, and 3/3 relabelled 1/3 (swapped).
	whole := filepath.Join(root, "whole.txt")
	third := filepath.Join(root, "third.txt")
	first := filepath.Join(root, "first.txt")
	b3, err := os.ReadFile(three[2])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(first, []byte(strings.Replace(string(b3), "\nshard: 3/3\n", "\nshard: 1/3\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(whole, []byte(strings.Replace(string(b), "\nshard: 1/3\n", "\nshard: 1/1\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(third, []byte(strings.Replace(string(b), "\nshard: 1/3\n", "\nshard: 3/3\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	// The last class line of shard 1/3 gone: every case line the cases
	// line counts is there (a file ending with class lines cut at a line
	// boundary looks so; merge's TestClassLinesCut has that case).
	classCut := filepath.Join(root, "classcut.txt")
	lastClass := strings.LastIndex(string(b), "/class=")
	if lastClass < 0 {
		t.Fatal("shard 1/3 has no class lines")
	}
	from := strings.LastIndex(string(b[:lastClass]), "\n") + 1
	to := lastClass + strings.Index(string(b[lastClass:]), "\n") + 1
	if err := os.WriteFile(classCut, slices.Concat(b[:from], b[to:]), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(root, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	tests := []struct {
		args   []string
		want   []string
		reason string
	}{
		{[]string{three[0], three[1]}, []string{"missing shard", "shard 3/3 of machine a", "--allow-partial"}, "shard 3 of 3 is not there; the hint names the flag as typed"},
		{[]string{three[0], three[1], three[2], three[1]}, []string{"shard 2/3 of machine a given twice"}, "a shard given twice would count its cases twice"},
		{[]string{three[0], three[1], three[2], other[0]}, []string{"different plans"}, "a shard of another plan (--count 2) measures something else"},
		{[]string{torn, three[1], three[2]}, []string{"torn.txt:", "incomplete line"}, "a torn last line is a truncated file"},
		{[]string{short, three[1], three[2]}, []string{"short.txt", "incomplete", "did not finish"}, "a file cut at a line boundary is short of its cases"},
		{[]string{whole}, []string{"whole.txt", "seal", "claim another shard"}, "shard 1/3 relabelled 1/1 merged as the whole sweep"},
		{[]string{third, three[1], three[0]}, []string{"given twice"}, "shard 1/3 relabelled 3/3 beside the real 1/3: its cases are twice"},
		{[]string{third, three[1], first}, []string{"seal", "claim another shard"}, "shards 1/3 and 3/3 swapped: every shard once, each with the other's lines"},
		{[]string{classCut, three[1], three[2]}, []string{"classcut.txt", "class lines", "removed"}, "a class line missing, every case line there"},
		{[]string{fifo}, []string{"not a regular file"}, "a FIFO would block the merge"},
		{[]string{"/dev/null"}, []string{"not a regular file"}, "a device is not a results file"},
		{[]string{empty}, []string{"results.txt"}, "a folder without results"},
		{nil, []string{"merge needs the results files"}, "nothing to merge: one line naming what is missing, not cobra's count of args"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "merged")
			wantUsageError(t, append([]string{"merge", "-o", out}, tt.args...), tt.reason, tt.want...)
			if _, err := os.Stat(filepath.Join(out, harness.ResultsFile)); err == nil {
				t.Errorf("a refused merge left %s/results.txt", out)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a refused merge left the folder %s", out)
			}
		})
	}
	t.Run("allow-partial", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "merged")
		_, stderr, code := execCLI(t, "merge", "--allow-partial", "-o", out, three[1], short)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, w := range []string{"shard 3/3 of machine a is missing", "shard 1/3 of machine a has"} {
			if !strings.Contains(stderr, w) {
				t.Errorf("stderr %q does not say %q", stderr, w)
			}
		}
	})
	t.Run("hostile warning", func(t *testing.T) {
		// A warning quotes the shards' cpu lines: one carrying a screen
		// clear reaches the terminal as text.
		b, err := os.ReadFile(three[2])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("\ncpu: ")) {
			t.Fatalf("%s has no cpu line", three[2])
		}
		hostile := filepath.Join(t.TempDir(), "hostile.txt")
		if err := os.WriteFile(hostile, bytes.Replace(b, []byte("\ncpu: "), []byte("\ncpu: \x1b[2J"), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := execCLI(t, "merge", "-o", filepath.Join(t.TempDir(), "merged"), three[0], three[1], hostile)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(stderr, "different cpu") || strings.Contains(stderr, "\x1b") {
			t.Errorf("stderr %q: want the cpu warning with its escape shown as text", stderr)
		}
	})
}

// TestMergeOwnRuns: two machines' own unsharded runs of one plan, each
// with the seed it drew from the clock, merge; the seed of each is kept.
func TestMergeOwnRuns(t *testing.T) {
	root := t.TempDir()
	var paths []string
	for _, m := range []string{"box-a", "box-b"} {
		out := filepath.Join(root, m)
		if _, stderr, code := execCLI(t, tinyRun(out, "--locks", "mutex", "--modes", "page", "--threads", "1", "--count", "1", "--no-report", "--machine", m)...); code != 0 {
			t.Fatalf("run --machine %s: exit %d: %s", m, code, stderr)
		}
		paths = append(paths, out)
	}
	out := filepath.Join(root, "merged")
	if _, stderr, code := execCLI(t, append([]string{"merge", "-o", out}, paths...)...); code != 0 {
		t.Fatalf("merge of two machines' own runs: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, harness.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	for i := range paths {
		if key := schema.MachineKey(i+1, schema.ConfSeed) + ": "; !bytes.Contains(b, []byte("\n"+key)) {
			t.Errorf("the merged file has no %q line: each run's seed is its own", key)
		}
	}
}

// TestMergeMachinesSideBySide: two machines' shards merge into one file
// that compare --col machine shows in two columns.
func TestMergeMachinesSideBySide(t *testing.T) {
	root := t.TempDir()
	paths := append(runShards(t, root, "x86", 2), runShards(t, root, "arm", 1)...)
	out := filepath.Join(root, "merged")
	if _, stderr, code := execCLI(t, append([]string{"merge", "-o", out}, paths...)...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	stdout, stderr, code := execCLI(t, "compare", "--col", "machine", "--filter", ".unit:sec/page", filepath.Join(out, harness.ResultsFile))
	if code != 0 {
		t.Fatalf("compare: exit %d: %s", code, stderr)
	}
	var header string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.Contains(l, "x86") && strings.Contains(l, "arm") {
			header = l
			break
		}
	}
	if f := strings.Fields(header); !slices.Equal(f, []string{"x86", "arm"}) {
		t.Errorf("compare --col machine: column header %q, want x86 and arm side by side\n%s", header, stdout)
	}
}

// TestShardFlagErrors: bad --shard and --machine values are one line and
// exit 2, and nothing runs.
func TestShardFlagErrors(t *testing.T) {
	tests := []struct {
		shard, machine string
		want           string
		reason         string
	}{
		{"0/3", "", "K must be from 1 to N", "shards count from 1"},
		{"4/3", "", "K must be from 1 to N", "there is no fourth of three"},
		{"a/b", "", "want K/N", "not numbers"},
		{"3", "", "want K/N", "no N"},
		{"9/9", "", "at most 8 shards", "more shards than comparison groups would leave one empty"},
		{"", "has space", "--machine", "a machine name is one word"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			args := append([]string{"run"}, shardFlags...)
			if tt.shard != "" {
				args = append(args, "--shard", tt.shard)
			}
			if tt.machine != "" {
				args = append(args, "--machine", tt.machine)
			}
			out := filepath.Join(t.TempDir(), "out")
			wantUsageError(t, append(args, "--out", out), tt.reason, tt.want)
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a refused run created %s", out)
			}
		})
	}
}

// TestDryRun lists a shard's cases without running them.
func TestDryRun(t *testing.T) {
	args := append([]string{"run"}, shardFlags...)
	out := filepath.Join(t.TempDir(), "out")
	stdout, stderr, code := execCLI(t, append(args, "--shard", "2/4", "--dry-run", "--out", out)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	// 8 groups (and the floors' at 1 and 2 threads) in 4 shards: 2 groups
	// of 2 modes, one timed and 3 counting repetitions each, and the
	// private floor at 2 threads (2 modes, timed only). The floor is no
	// comparison group of its own, as --shard counts them: the line says
	// 2 of 8, never 3 (a floor counted here once made "2 comparison
	// groups of 1" of a plan --shard 2/2 refuses).
	if len(lines) != 19 || !strings.Contains(lines[18], "shard 2/4: 18 repetitions, 2 of 8 comparison groups") {
		t.Errorf("dry run printed %q", stdout)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a dry run created its output folder")
	}
}

// TestDryRunJSON: with --json, the dry run and its --list spelling print
// one JSON document (harness.Listing), not the text listing; its cases
// are the text's, and the shards' groups add up to the plan's, as
// --shard counts them.
func TestDryRunJSON(t *testing.T) {
	total := 0
	for _, tt := range []struct {
		flag, shard string
	}{{"--dry-run", "1/4"}, {"--list", "2/4"}, {"--dry-run", "3/4"}, {"--list", "4/4"}} {
		args := append(append([]string{"run"}, shardFlags...), "--shard", tt.shard, tt.flag, "--json")
		stdout, stderr, code := execCLI(t, args...)
		if code != 0 {
			t.Fatalf("%s --shard %s --json: exit %d: %s", tt.flag, tt.shard, code, stderr)
		}
		var l harness.Listing
		dec := json.NewDecoder(strings.NewReader(stdout))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil || dec.More() {
			t.Fatalf("%s --json printed no single JSON listing (%v):\n%s", tt.flag, err, stdout)
		}
		text, _, _ := execCLI(t, args[:len(args)-1]...)
		if n := strings.Count(text, "\n") - 1; len(l.Cases) != n || l.Shard != tt.shard || l.PlanGroups != 8 || l.Estimate <= 0 {
			t.Errorf("%s --shard %s --json: %d cases (the text lists %d), shard %q, %d plan groups, estimate %v; want the text's cases, %s, 8 groups",
				tt.flag, tt.shard, len(l.Cases), n, l.Shard, l.PlanGroups, l.Estimate, tt.shard)
		}
		total += l.Groups
	}
	if total != 8 {
		t.Errorf("the 4 shards' groups add up to %d, the plan has 8: the dry run counts groups as --shard does", total)
	}
}
