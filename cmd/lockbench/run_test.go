package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/internal/benchfile"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/reports/render"
	"github.com/lockbench/lockbench/schema"
	"golang.org/x/perf/benchfmt"
)

// tiny are the flags of a fast sweep for tests.
// tinyFlags make a run short; --probe=false keeps the line counts the
// tests assert exact: a probed slice whose machine state moves in flight
// (often, on a loaded CI machine) is run again, adding lines. The probes
// are the harness's tests' (scripted states) and TestREADME's.
var tinyFlags = []string{"--duration", "15ms", "--warmup", "2ms", "--quiet", "--probe=false"}

func tinyRun(out string, extra ...string) []string {
	args := append([]string{"run", "--out", out}, tinyFlags...)
	return append(args, extra...)
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	nonEmpty := filepath.Join(dir, "full")
	if err := os.MkdirAll(nonEmpty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nonEmpty, "results.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		want   string
		reason string
	}{
		{[]string{"--profile-classes"}, "--profile-classes: labels the lock classes in the CPU profile, and needs profiling", "class labels label a CPU profile that is not being taken"},
		{[]string{"--affinity", "none", "--placement", "smt"}, "--placement smt: picks the CPUs of pinned workers: it needs affinity pinned, not none", "unpinned workers have no CPUs to pick: the placement would be recorded and not used"},
		{[]string{"--timing", "fast"}, `--timing: unknown timing "fast"`, "two timings exist"},
		{[]string{"--timing", "instrumented", "--bare"}, "--timing instrumented: times instrumented locks, but the plan's base is bare", "bare would silently win: there is no wrapper to time"},
		{[]string{"--profile", "--bare"}, "--profile: needs instrumented locks", "a profile without the wrapper has no contention stacks"},
		{[]string{"--profile", "--timing", "bare"}, "--timing bare: profiling times every repetition instrumented", "a profiled run times instrumented locks, and says so"},
		{[]string{"--seed", "0"}, "--seed 0: 0 draws a seed", "the library's seed 0 means draw one: a typed 0 would silently be a clock seed"},
		{[]string{"--budget", "0s"}, "--budget 0s: must be positive", "the library's budget 0 means not adaptive, which --count asks for"},
		{[]string{"--budget", "-1s"}, "--budget -1s: must not be negative", "the library's budget rule, named by its flag"},
		{[]string{"--target-ci", "0%"}, "--target-ci 0: must be a positive fraction", "an adaptive run cannot reach a zero-width interval"},
		{[]string{"--target-ci", "five"}, `--target-ci "five": want a positive percentage`, "the flag's syntax"},
		{[]string{"--locks", "nosuch"}, `unknown lock "nosuch"`, "lock names come from the registry"},
		{[]string{"--modes", "page,huge"}, `--modes: unknown mode "huge"`, "modes are registered (workloads.LookupMode)"},
		{[]string{"--count", "0"}, "--count 0", "a sweep needs a repetition"},
		{[]string{"--count", "-3"}, "--count -3", "negative counts are refused"},
		{[]string{"--duration", "0s"}, "--duration 0s", "a zero window measures nothing"},
		{[]string{"--duration", "-1s"}, "--duration -1s", "negative durations are refused"},
		{[]string{"--duration", "fast"}, `invalid argument "fast"`, "durations are Go durations"},
		{[]string{"--warmup", "-5ms"}, "--warmup -5ms", "negative warm-ups are refused"},
		{[]string{"--threads", "1,,2"}, "malformed list", "empty list items are typos"},
		{[]string{"--threads", "two"}, `"two" is not a whole number`, "threads are numbers"},
		{[]string{"--threads", "0"}, "--threads: must be between 1 and 1024, not 0", "zero threads run nothing"},
		{[]string{"--threads", "-2"}, "--threads: must be between 1 and 1024, not -2", "negative thread counts are refused"},
		{[]string{"--batch", "0"}, "--batch: must be between 1 and 1024 pages, not 0", "an empty batch is no batch"},
		{[]string{"--zones", "65"}, "--zones: must be between 1 and 64, not 65", "a knob of the model is named by its flag"},
		{[]string{"--file-pages", "-1"}, "--file-pages: must be between", "negative file sizes are refused"},
		{[]string{"--workload", "cs", "--lines", "5000"}, "--lines: must be between 1 and 4096, not 5000", "a cs knob is named by its flag"},
		{[]string{"--locks", ""}, "--locks: empty list", "an empty list runs nothing"},
		{[]string{"--locks", "mutex,mutex"}, `"mutex" twice`, "duplicates are typos"},
		{[]string{"--files", "both"}, `--files "both"`, "files are shared or private"},
		{[]string{"--workload", "db"}, `--workload: unknown workload "db" (known: pagecache, cs, fault, shmem)`, "four workloads exist"},
		{[]string{"--order", "random"}, `--order: unknown order "random"`, "two orders exist"},
		{[]string{"--affinity", "close"}, `unknown affinity "close"`, "three placements exist"},
		{[]string{"--delay", "zone"}, "want class=duration", "delays are class=duration"},
		{[]string{"--delay", "disk=1us"}, `class "disk"`, "delays name a lock class"},
		{[]string{"--zone-lock", "nosuch"}, `--zone-lock: unknown lock "nosuch"`, "overrides come from the registry"},
		{[]string{"--queue-lock", "nosuch", "--zone-lock", "nosuch"}, `--zone-lock: unknown lock "nosuch"`, "of two bad overrides the first in path order is reported, every time"},
		{[]string{"--lru-lock", "none", "--threads", "2"}, "--lru-lock: lock \"none\" gives no mutual exclusion", "an override's worker limit names the override"},
		{[]string{"--workload", "cs", "--zone-lock", "mcs"}, "--zone-lock applies to --workload pagecache only", "class overrides follow the workload's classes"},
		{[]string{"--lines", "4"}, "--lines applies to --workload cs only", "cs knobs do not silently do nothing"},
		{[]string{"--workload", "cs", "--modes", "page"}, "--modes applies to --workload pagecache or fault or shmem only", "pagecache knobs do not silently do nothing"},
		{[]string{"--watchdog", "0s"}, "--watchdog 0s", "the watchdog needs a grace"},
		{[]string{"--out", filepath.Join(file, "sub")}, "output folder", "an unwritable --out is refused before the sweep"},
		{[]string{"--out", nonEmpty}, "--force", "an existing non-empty folder is refused without --force"},
		{[]string{"extra"}, "takes no arguments", "run has no positional arguments"},
		{[]string{"--locks", "none", "--threads", "2"}, "--locks: lock \"none\" gives no mutual exclusion and is valid for at most 1", "none excludes nothing and is refused for 2 threads"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append(tinyRun(out), tt.args...)
			wantUsageError(t, args, tt.reason, tt.want)
			if _, err := os.Stat(out); err == nil {
				t.Errorf("bad input created the output folder %s", out)
			}
		})
	}
}

// readLines reads a results file whole (benchfile.Read).
func readLines(t *testing.T, path string) []*benchfmt.Result { return benchfile.Read(t, path) }

// splitClasses splits lines into case lines and class lines (a
// schema.KeyClass key).
func splitClasses(lines []*benchfmt.Result) (cases, classes []*benchfmt.Result) {
	for _, l := range lines {
		if _, ok := schema.ParseName(l.Name).Get(schema.KeyClass); ok {
			classes = append(classes, l)
		} else {
			cases = append(cases, l)
		}
	}
	return cases, classes
}

func hasUnit(r *benchfmt.Result, u string) bool {
	for _, v := range r.Values {
		if v.Unit == u || v.OrigUnit == u {
			return true
		}
	}
	return false
}

func TestRunSweep(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	stdout, stderr, code := execCLI(t, tinyRun(out, "--locks", "mutex", "--modes", "page,batch,large", "--threads", "1,2", "--count", "2")...)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines, classes := splitClasses(readLines(t, filepath.Join(out, harness.ResultsFile)))
	// 3 modes x 2 thread counts x (2 bare + 3 counting), and the floors:
	// 3 modes x 2 with lock none at one thread and x 2 at two threads
	// (private instances). Class lines (4 classes) follow the counting
	// lines, the only ones with lock counts.
	// A timed block whose machine switched regime in flight is run once
	// more, and its first lines stay in the file: on a busy machine there
	// may be more timed lines, never fewer.
	if len(lines) < 3*2*5+3*2*2 || len(classes) != 4*3*2*harness.CountingReps {
		t.Fatalf("%d case lines and %d class lines, want at least 42 and 72", len(lines), len(classes))
	}
	var timed, counting, floor int
	for _, l := range lines {
		units := []string{"ns/page", "cpu-ns/page", "fairness"}
		switch {
		case strings.Contains(string(l.Name), "lock=none"):
			floor++
		case hasUnit(l, "inst-ns/page"):
			counting++
			units = []string{"inst-ns/page", "acq/page", "contended/page", "handoffs/acq", "wait-ns/page", "wait-p99-ns"}
			if hasUnit(l, "ns/page") {
				t.Errorf("%s: a counting line carries ns/page, which is the bare time", l.Name)
			}
		default:
			timed++
			if hasUnit(l, "acq/page") {
				t.Errorf("%s: a timed line carries lock counts: it ran instrumented", l.Name)
			}
		}
		for _, u := range units {
			if !hasUnit(l, u) {
				t.Errorf("%s: no %s", l.Name, u)
			}
		}
	}
	if timed < 12 || counting != 6*harness.CountingReps || floor < 12 {
		t.Errorf("%d timed, %d counting, %d floor lines; want at least 12, 18 and at least 12", timed, counting, floor)
	}
	for _, s := range []string{"ns/page", "batch=16 vs page", "saved, lock, contention, work: thread-ns/page", "instrumentation cost per acquisition", "results: " + filepath.Join(out, harness.ResultsFile), "go tool benchstat -col '/mode@(page"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("stdout does not contain %q:\n%s", s, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("--quiet run wrote to stderr: %q", stderr)
	}
	for _, f := range []string{"summary.txt", render.HTMLFile, render.MarkdownFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("the run did not write %s: %v", f, err)
		}
	}
	if md, err := os.ReadFile(filepath.Join(out, render.MarkdownFile)); err == nil && !strings.Contains(string(md), "lockbench run --count=2") {
		t.Errorf("report.md does not record the command that made it")
	}
	// --force reuses the folder; without it the folder is refused (exit 2).
	if _, _, code := execCLI(t, tinyRun(out, "--locks", "mutex", "--modes", "page", "--threads", "1", "--count", "1")...); code != exitUsage {
		t.Errorf("second run into %s: exit %d, want %d", out, code, exitUsage)
	}
	if _, stderr, code := execCLI(t, tinyRun(out, "--locks", "mutex", "--modes", "page", "--threads", "1", "--count", "1", "--force")...); code != 0 {
		t.Errorf("--force run: exit %d, stderr %q", code, stderr)
	}
	if n, _ := splitClasses(readLines(t, filepath.Join(out, harness.ResultsFile))); len(n) != 2+harness.CountingReps {
		t.Errorf("--force left %d case lines, want the new run's %d (timed, %d counting, floor)", len(n), 2+harness.CountingReps, harness.CountingReps)
	}
	summary, err := os.ReadFile(filepath.Join(out, "summary.txt"))
	if err != nil || !strings.Contains(string(summary), "lock classes, per case") || strings.Contains(stdout, "lock classes, per case") {
		t.Errorf("summary.txt (err %v) must have the lock-class table, stdout without --verbose must not:\n%s", err, summary)
	}
}

func TestRunJSONAndCS(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	stdout, stderr, code := execCLI(t, tinyRun(out, "--workload", "cs", "--locks", "mutex", "--threads", "1,2", "--count", "1", "--json")...)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("--json stdout is not JSON: %v\n%s", err, stdout)
	}
	lines, classes := splitClasses(readLines(t, filepath.Join(out, harness.ResultsFile)))
	// With --count 1 the counting rounds (harness.CountingReps) come
	// first; cs has no floor.
	timed := 2 * harness.CountingReps
	if len(lines) != timed+2 || !strings.HasPrefix(lines[timed].Name.String(), "CS/lock=mutex/lines=1/think=0/threads=1") {
		t.Fatalf("cs lines %v", lines)
	}
	// The cs workload's one lock is its one class, on the counting lines.
	if len(classes) != timed || !strings.HasPrefix(classes[0].Name.String(), "CS/lock=mutex/lines=1/think=0/threads=1/class=cs") || !hasUnit(classes[0], "acq/op") {
		t.Errorf("cs class lines %v, want one class=cs line with acq/op per counting line", classes)
	}
	if !hasUnit(lines[timed], "ns/op") || !hasUnit(lines[0], "acq/op") || !hasUnit(lines[0], "inst-ns/op") {
		t.Errorf("cs lines %s lack ns/op (timed) or acq/op and inst-ns/op (counting)", lines[0].Name)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := filepath.Join(t.TempDir(), "out")
	time.AfterFunc(150*time.Millisecond, cancel)
	var so, se bytes.Buffer
	code := lockbench(ctx, tinyRun(out, "--locks", "mutex", "--modes", "page", "--threads", "1", "--count", "1000"), &so, &se)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitInterrupted, se.String())
	}
	if !strings.Contains(se.String(), "interrupted") {
		t.Errorf("stderr %q does not say the run was interrupted", se.String())
	}
}

// TestRunInterruptSubprocess runs the command as a real process, sends it
// SIGINT mid-sweep, and checks exit status 130, the partial summary, and
// that every line written before the signal is intact.
func TestRunInterruptSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a subprocess")
	}
	out := filepath.Join(t.TempDir(), "out")
	cmd := lockbenchCmd(t, tinyRun(out, "--locks", "mutex", "--modes", "page,batch", "--threads", "1", "--count", "1000")...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(out, harness.ResultsFile)
	deadline := time.Now().Add(20 * time.Second)
	for countResultLines(results) < 3 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no 3 result lines within 20 s; stderr %q", se.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("the run did not end within 20 s of SIGINT")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("wait: %v, want exit status %d; stderr %q", err, exitInterrupted, se.String())
	}
	lines := readLines(t, results)
	if len(lines) < 3 || len(lines) >= 2000 {
		t.Errorf("%d lines after an interrupt, want at least the 3 seen before it and fewer than the full sweep", len(lines))
	}
	if !strings.Contains(so.String(), "partial summary") {
		t.Errorf("stdout has no partial summary:\n%s", so.String())
	}
	if !strings.Contains(se.String(), "interrupted") {
		t.Errorf("stderr %q does not say the run was interrupted", se.String())
	}
}

// countResultLines counts the case lines (repetitions; class lines are
// not counted) in a file being written.
func countResultLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "Benchmark") && !strings.Contains(l, "/class=") {
			n++
		}
	}
	return n
}

func TestRunProfile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	stdout, stderr, code := execCLI(t, tinyRun(out, "--locks", "mutex", "--modes", "batch", "--threads", "2", "--count", "1", "--profile")...)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, f := range []string{"cpu.pb.gz", "mutex.pb.gz", "block.pb.gz", "contention.pb.gz"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("profile %s: %v (want a non-empty file)", f, err)
		}
	}
	if !strings.Contains(stdout, "go tool pprof -top") {
		t.Errorf("stdout does not print the pprof commands:\n%s", stdout)
	}
}

// TestRunInvariantViolation runs the deliberately broken lock: the case
// must fail loudly (exit 1) and leave no line for it in the results.
func TestRunInvariantViolation(t *testing.T) {
	if _, err := locks.Lookup("busted"); err != nil {
		t.Fatalf("the busted lock this test runs is not registered: %v", err)
	}
	if raceEnabled() {
		t.Skip("the race detector reports the broken lock's race itself")
	}
	// 8 threads on this project's 2-core machines are preempted inside
	// critical sections, so the broken lock races for sure; the sweep stops
	// at the first violation, so --count 10 costs nothing when it does.
	// (2 threads and one 50 ms repetition once passed clean in a -count=2
	// run of the whole suite.)
	out := filepath.Join(t.TempDir(), "out")
	_, stderr, code := execCLI(t, "run", "--out", out, "--duration", "100ms", "--warmup", "2ms", "--quiet",
		"--locks", "busted", "--modes", "page", "--threads", "8", "--count", "10")
	if code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitFailure, stderr)
	}
	if !strings.Contains(stderr, "INVARIANT VIOLATED") || !strings.Contains(stderr, "lock=busted") {
		t.Errorf("stderr %q does not name the violation and its case", stderr)
	}
	// The failing slice leaves no line. A timed block's failure names the
	// block (each runs in a process of its own); a block that ran clean
	// before it keeps its lines: under the packages' tests in parallel a
	// first block once passed clean (1 line, CI).
	lines := readLines(t, filepath.Join(out, harness.ResultsFile))
	m := regexp.MustCompile(`block (\d+) in its own process: INVARIANT VIOLATED`).FindStringSubmatch(stderr)
	if m == nil {
		// A counting repetition (instrumented, in this process) failed
		// first: a line it does not write cannot be told apart here.
		t.Logf("the violation came from a counting repetition: %d lines before it", len(lines))
		return
	}
	for _, l := range lines {
		for _, v := range l.Values {
			if v.Unit == schema.UnitBlock && strconv.FormatFloat(v.Value, 'f', -1, 64) == m[1] {
				t.Errorf("a line of block %s, the block that failed its invariants: %s", m[1], l.Name)
			}
		}
	}
	if m[1] == "1" && len(lines) != 0 {
		t.Errorf("%d result lines though the first block failed its invariants, want 0", len(lines))
	}
}

// TestRunCounterNote checks that missing counters are said once, on
// stderr, and recorded in the results; and that an oversubscribed thread
// count is labelled.
func TestRunCounterNote(t *testing.T) {
	r := harness.DefaultRunner
	support := r.CounterSupport()
	topo, err := r.Topology()
	if err != nil {
		t.Fatal(err)
	}
	over := len(topo.CPUs) + 1
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"run", "--out", out, "--duration", "10ms", "--warmup", "1ms",
		"--locks", "mutex", "--modes", "page,batch", "--threads", "1," + strconv.Itoa(over), "--count", "1"}
	_, stderr, code := execCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := readLines(t, filepath.Join(out, harness.ResultsFile))
	if got, want := lines[0].GetConfig("counters"), support.String(); got != want {
		t.Errorf("counters config %q, want %q", got, want)
	}
	if note := support.Note(); note != "" {
		if n := strings.Count(stderr, note); n != 1 {
			t.Errorf("counter note said %d times on stderr, want once:\n%s", n, stderr)
		}
		if lines[0].GetConfig("counters-note") != note {
			t.Errorf("counters-note config %q, want %q", lines[0].GetConfig("counters-note"), note)
		}
	}
	if got, want := lines[0].GetConfig("oversubscribed"), "threads="+strconv.Itoa(over); got != want {
		t.Errorf("oversubscribed config %q, want %q", got, want)
	}
	if !strings.Contains(stderr, "(oversubscribed)") {
		t.Errorf("progress lines do not label the oversubscribed case:\n%s", stderr)
	}
}

// raceEnabled reports whether the test binary was built with -race (read
// from the build info, so that no build-tagged file is needed).
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// TestRunTiming: --timing bare times bare locks and counts in one
// instrumented repetition per case (inst-ns/page); --timing instrumented
// puts the lock units on every timed line and writes no counting line.
func TestRunTiming(t *testing.T) {
	tests := []struct {
		timing string
		reason string
	}{
		{"bare", "the default: ns/page on bare locks, counts from a counting line"},
		{"instrumented", "every repetition instrumented: counts on every line, no counting line"},
	}
	for _, tt := range tests {
		out := filepath.Join(t.TempDir(), "out")
		if _, se, code := execCLI(t, tinyRun(out, "--timing", tt.timing, "--locks", "mutex", "--modes", "page", "--threads", "1",
			"--count", "2", "--order", "interleaved", "--floor=false", "--no-report")...); code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.timing, code, se)
		}
		timed, counting := 0, 0
		for _, r := range readLines(t, filepath.Join(out, "results.txt")) {
			if r.GetConfig(schema.ConfTiming) != tt.timing {
				t.Errorf("%s: config timing %q", tt.reason, r.GetConfig(schema.ConfTiming))
			}
			if _, class := schema.ParseName(r.Name).Get(schema.KeyClass); class {
				continue
			}
			has := map[string]bool{}
			for _, v := range r.Values {
				has[v.Unit] = true
				if v.OrigUnit != "" {
					has[v.OrigUnit] = true
				}
			}
			switch {
			case has["inst-ns/page"]:
				counting++
			case has["ns/page"]:
				timed++
				if has["acq/page"] != (tt.timing == "instrumented") {
					t.Errorf("%s: timed line %s has acq/page %v", tt.reason, r.Name, has["acq/page"])
				}
			}
		}
		wantCounting := map[string]int{"bare": harness.CountingReps, "instrumented": 0}[tt.timing]
		if timed != 2 || counting != wantCounting {
			t.Errorf("%s: %d timed and %d counting lines, want 2 and %d", tt.reason, timed, counting, wantCounting)
		}
	}
}
