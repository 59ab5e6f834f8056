package harness

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/sys/unix"
)

// testRunner runs tiny cases on the fake workload.
func testRunner() Runner {
	r := DefaultRunner
	r.Duration = 20 * time.Millisecond
	r.Warmup = 5 * time.Millisecond
	r.Grace = 2 * time.Second
	r.NewWorkload = fakeBuilder(nil, false)
	r.stateProbe = steadyState
	return r
}

// steadyState is a machine that never changes: the tests of the sweep's
// loops do not depend on the load of the machine running them.
func steadyState(cpus []int, workers int) (float64, host.Speed) {
	if workers < 2 {
		return 0, host.Speed{NS: 150, MemNS: 149}
	}
	return 25, host.Speed{NS: 150, MemNS: 149}
}

func testCase(threads int) Case {
	return Case{Spec: workloads.Spec{Workload: workloads.PageCache, Lock: "mutex", Mode: workloads.ModeBatch, Batch: 4, Workers: threads}, Count: 1}
}

// noHardware fails every hardware event as these VMs do and passes the
// rest to the kernel.
func noHardware(attr *unix.PerfEventAttr, pid, cpu, groupFd, flags int) (int, error) {
	if attr.Type == unix.PERF_TYPE_HARDWARE || attr.Type == unix.PERF_TYPE_HW_CACHE {
		return -1, unix.EOPNOTSUPP
	}
	return unix.PerfEventOpen(attr, pid, cpu, groupFd, flags)
}

func noCounters(*unix.PerfEventAttr, int, int, int, int) (int, error) { return -1, unix.EACCES }

// TestRunEndToEnd runs a small plan through the library's sweep, as
// `lockbench run` does, and reads the results file back.
func TestRunEndToEnd(t *testing.T) {
	r := testRunner()
	r.PerfEventOpen = noHardware
	dir := filepath.Join(t.TempDir(), "out")
	p := Plan{Base: workloads.Spec{Workload: workloads.PageCache}, Locks: []string{"mutex"},
		Modes: []workloads.Mode{workloads.ModePage, workloads.ModeBatch}, Batches: []int{4}, Threads: []int{1, 2}, Count: 2, Order: Interleaved, Timing: TimeInstrumented}
	sw, err := NewSweep(p, r, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	support := sw.Support()
	var progressed []int
	sw.Progress = func(i int, res *Result) {
		progressed = append(progressed, i)
		if res.Pages == 0 {
			t.Errorf("%s: no pages done", res.Case)
		}
		if len(res.Classes) != 1 || res.Classes[0].Stats.Acquisitions == 0 {
			t.Errorf("%s: class stats %+v, want one class with acquisitions", res.Case, res.Classes)
		}
	}
	recorded := 0
	sw.Record = func(res *Result, line *benchfmt.Result) error {
		recorded++
		n := schema.ParseName(line.Name)
		if want := res.Case.Name() + "-" + strconv.Itoa(res.GOMAXPROCS); n.Without(schema.KeyRegime).Full() != "Benchmark"+want {
			t.Errorf("Record got line %s for case %s", line.Name, want)
		}
		if reg, _ := n.Get(schema.KeyRegime); reg != res.Regime() {
			t.Errorf("line %s: regime %q, want the result's %q", line.Name, reg, res.Regime())
		}
		return nil
	}
	out, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Each repetition writes its case line and the cs workload's one
	// class line.
	if len(out.Lines) != 16 || out.Done != 8 || out.Cases != 8 || out.Partial() || out.Interrupted {
		t.Fatalf("outcome %d lines, %d done of %d cases, partial %v, interrupted %v; want all 8 and their 16 lines", len(out.Lines), out.Done, out.Cases, out.Partial(), out.Interrupted)
	}
	if !slices.Equal(progressed, []int{0, 1, 2, 3, 4, 5, 6, 7}) || recorded != 8 {
		t.Errorf("Progress saw cases %v and Record %d, want each of the 8 once, in order", progressed, recorded)
	}
	if sw.Path() != filepath.Join(dir, ResultsFile) {
		t.Errorf("Path() = %s, want %s", sw.Path(), filepath.Join(dir, ResultsFile))
	}

	data, err := os.ReadFile(sw.Path())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ns/page", "cpu-ns/page", "acq/page", "contended/page", "handoffs/acq", "wait-ns/page",
		"wait-p99-ns", "fairness", "gc-cycles"}
	if support.Software {
		want = append(want, "ctx-switches/page", "migrations/page", "page-faults/page")
	}
	rd := benchfmt.NewReader(bytes.NewReader(data), ResultsFile)
	n, classes, xfer := 0, 0, 0
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("syntax error: %v", rec)
		case *benchfmt.Result:
			at := n + classes
			if at < len(out.Lines) && string(rec.Name) != string(out.Lines[at].Name) {
				t.Errorf("line %d in the file is %s, the outcome's is %s", at, rec.Name, out.Lines[at].Name)
			}
			if cl, ok := schema.ParseName(rec.Name).Get(schema.KeyClass); ok {
				classes++
				if cl == "" || hasUnit(rec, "ns/page") || !hasUnit(rec, "acq/page") {
					t.Errorf("class line %s: want a class with acq/page and no ns/page", rec.Name)
				}
				continue
			}
			n++
			if hasUnit(rec, "xfer-ns") {
				xfer++
			}
			for _, u := range want {
				if !hasUnit(rec, u) {
					t.Errorf("%s: no %s", rec.Name, u)
				}
			}
			if hasUnit(rec, "cycles/page") {
				t.Errorf("%s: cycles/page written without hardware counters", rec.Name)
			}
			for _, k := range []string{"cpu", "cores", "smt", "numa-nodes", "kernel", "go", "lockbench", "counters", "duration", "warmup", "count", "affinity", "order"} {
				if rec.GetConfig(k) == "" {
					t.Errorf("no file config %q", k)
				}
			}
			if got := rec.GetConfig("counters"); strings.Contains(got, "hardware") {
				t.Errorf("counters = %q with hardware failing", got)
			}
			if !strings.Contains(rec.GetConfig("counters-note"), "hardware counters unavailable") {
				t.Errorf("counters-note = %q, want it to say hardware counters are unavailable", rec.GetConfig("counters-note"))
			}
		}
	}
	if n != 8 || classes != 8 {
		t.Fatalf("read %d case and %d class lines, want 8 of each:\n%s", n, classes, data)
	}
	// The probe leaves xfer-ns out when a busy machine let no round
	// finish within its budget; on 8 repetitions some must have it.
	if xfer == 0 && sw.CPUs() > 1 {
		t.Errorf("no line has xfer-ns:\n%s", data)
	}
}

func TestRunNoCounters(t *testing.T) {
	r := testRunner()
	r.PerfEventOpen = noCounters
	s := r.CounterSupport()
	if s.Hardware || s.Software || !errors.Is(s.SoftwareErr, unix.EACCES) {
		t.Fatalf("support = %+v, want none with EACCES", s)
	}
	if !strings.Contains(s.Note(), "unavailable") {
		t.Errorf("note %q does not say counters are unavailable", s.Note())
	}
	res, err := r.Run(context.Background(), testCase(2))
	if err != nil {
		t.Fatalf("run without counters: %v", err)
	}
	if res.Counters != nil {
		t.Errorf("counters %v without perf_event_open", res.Counters)
	}
}

func TestRunBare(t *testing.T) {
	r := testRunner()
	c := testCase(1)
	c.Spec.Bare = true
	res, err := r.Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	b := res.Benchfmt(nil)
	if _, ok := b.Value("acq/page"); ok {
		t.Errorf("bare line has acq/page")
	}
	if _, ok := b.Value("ns/page"); !ok {
		t.Errorf("bare line has no ns/page")
	}
}

func TestRunWatchdog(t *testing.T) {
	r := testRunner()
	r.Grace = 50 * time.Millisecond
	release := make(chan struct{})
	r.NewWorkload = fakeBuilder(func() locks.Lock { return &stuckLock{release: release} }, false)
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), testCase(2))
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("Run hung on a lock that never releases")
	}
	// Let the stuck workers go so that goleak sees no leftover goroutine.
	close(release)
	var we *WatchdogError
	if !errors.As(err, &we) {
		t.Fatalf("err = %v, want a *WatchdogError", err)
	}
	if we.Phase != "warm-up" || len(we.Workers) != 2 {
		t.Errorf("watchdog reported phase %q workers %v, want warm-up, both workers", we.Phase, we.Workers)
	}
	msg := err.Error()
	for _, s := range []string{"lock mutex", "PageCache/mode=batch/batch=4/lock=mutex/threads=2"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q does not name %q", msg, s)
		}
	}
	waitGoroutines(t)
}

func TestRunInvariantViolation(t *testing.T) {
	r := testRunner()
	r.NewWorkload = fakeBuilder(nil, true)
	res, err := r.Run(context.Background(), testCase(1))
	var ie *InvariantError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an *InvariantError", err)
	}
	if res == nil || !strings.Contains(err.Error(), "INVARIANT VIOLATED") || !strings.Contains(err.Error(), "page 7") {
		t.Errorf("err = %v, want it loud and carrying the workload's message", err)
	}
}

func TestRunCancel(t *testing.T) {
	r := testRunner()
	r.Duration = 10 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := r.Run(ctx, testCase(2))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("cancelled run took %v", time.Since(start))
	}
}

func TestRunRestoresGOMAXPROCS(t *testing.T) {
	r := testRunner()
	before := runtimeGOMAXPROCS()
	res, err := r.Run(context.Background(), testCase(before+1))
	if err != nil {
		t.Fatal(err)
	}
	if res.GOMAXPROCS != before+1 {
		t.Errorf("GOMAXPROCS during the run = %d, want %d (one P per worker)", res.GOMAXPROCS, before+1)
	}
	if after := runtimeGOMAXPROCS(); after != before {
		t.Errorf("GOMAXPROCS after the run = %d, want %d restored", after, before)
	}
	if len(res.WorkerPages) != before+1 {
		t.Errorf("%d worker counts, want %d", len(res.WorkerPages), before+1)
	}
}

func TestFairness(t *testing.T) {
	for _, tt := range []struct {
		pages []uint64
		want  float64
	}{
		{[]uint64{5, 5}, 1},
		{[]uint64{10, 0}, 0.5},
		{[]uint64{0, 0}, 0},
		{[]uint64{7}, 1},
	} {
		r := Result{WorkerPages: tt.pages}
		if got := r.Fairness(); got != tt.want {
			t.Errorf("Fairness(%v) = %v, want %v", tt.pages, got, tt.want)
		}
	}
}

func TestCreateOutput(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := CreateOutput(dir, false)
	if oe, ok := errors.AsType[*OutputError](err); !ok || !errors.Is(err, ErrOutputExists) || oe.Dir != dir {
		t.Fatalf("CreateOutput(non-empty) = %v, want an *OutputError for %s wrapping ErrOutputExists", err, dir)
	}
	o, err := CreateOutput(dir, true)
	if err != nil {
		t.Fatalf("CreateOutput(non-empty, force) = %v", err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Errorf("second Close = %v, want nil: closing a closed Output does nothing", err)
	}
	if err := o.Write(&benchfmt.Result{Name: benchfmt.Name("X"), Iters: 1}); err == nil {
		t.Error("Write after Close succeeded")
	}
	_, err = CreateOutput(filepath.Join(dir, "x", "sub"), false)
	if _, ok := errors.AsType[*OutputError](err); !ok || errors.Is(err, ErrOutputExists) {
		t.Fatalf("CreateOutput under a file = %v, want an *OutputError that is not ErrOutputExists", err)
	}
}

// hasUnit reports whether r has unit u as written (the reader tidies
// "ns" into "sec" in Unit and keeps the written unit in OrigUnit).
func hasUnit(r *benchfmt.Result, u string) bool {
	for _, v := range r.Values {
		if v.Unit == u || v.OrigUnit == u {
			return true
		}
	}
	return false
}

// TestRunClassLabels checks that the workload gets the label context for
// per-class labels only when ClassLabels asks for it: they cost ~13 ns an
// acquisition, so Labels alone must not switch them on.
func TestRunClassLabels(t *testing.T) {
	tests := []struct {
		labels, classLabels bool
		want                bool
		reason              string
	}{
		{false, false, false, "no profiling, no labels"},
		{true, false, false, "case labels are per goroutine; class labels stay off"},
		{true, true, true, "asked for"},
	}
	// ClassLabels without Labels is refused (TestRunnerPairedSettings):
	// class labels refine the goroutine labels and need them.
	for _, tt := range tests {
		r := testRunner()
		r.Labels, r.ClassLabels = tt.labels, tt.classLabels
		var got bool
		build := r.NewWorkload
		r.NewWorkload = func(s workloads.Spec) (workloads.Workload, error) {
			got = s.Labels != nil
			return build(s)
		}
		if _, err := r.Run(context.Background(), testCase(1)); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("Labels=%t ClassLabels=%t: workload got a label context %t, want %t (%s)", tt.labels, tt.classLabels, got, tt.want, tt.reason)
		}
	}
}

// TestRunResolvesSpin checks that a case's SpinAuto reaches the workload
// resolved against the CPUs this process may use: every worker with a
// CPU spins as the algorithm does, an oversubscribed case yields soon;
// an explicit budget is passed as given.
func TestRunResolvesSpin(t *testing.T) {
	topo, err := hostTopology("")
	if err != nil {
		t.Skip(err)
	}
	cpus := len(topo.CPUs)
	for _, tc := range []struct {
		workers int
		spin    locks.Spin
		want    locks.Spin
		reason  string
	}{
		{1, locks.SpinAuto, locks.DedicatedSpin, "one worker always has a CPU"},
		{cpus + 1, locks.SpinAuto, locks.SharedSpin, "more workers than CPUs: yield soon"},
		{cpus + 1, locks.SpinForever, locks.SpinForever, "an explicit budget is the user's"},
	} {
		r := testRunner()
		r.PerfEventOpen = noCounters
		var got locks.Spin
		build := fakeBuilder(nil, false)
		r.NewWorkload = func(s workloads.Spec) (workloads.Workload, error) {
			got = s.Spin
			return build(s)
		}
		c := testCase(tc.workers)
		c.Spec.Spin = tc.spin
		if _, err := r.Run(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%d workers on %d CPUs, spin %v: the workload got %v, want %v (%s)", tc.workers, cpus, tc.spin, got, tc.want, tc.reason)
		}
	}
}

// TestDispatchOnFloor: the lock-free floor at one thread, and no other
// case, carries the dispatch probe (schema.UnitDispatch), which the
// saving split needs to book the floor's lock calls apart from its work;
// an unprobed runner writes none.
func TestDispatchOnFloor(t *testing.T) {
	r := testRunner()
	r.NewWorkload = nil // the real workloads: the floor's lock is none
	for _, tt := range []struct {
		lock    string
		workers int
		probe   bool
		want    bool
		reason  string
	}{
		{FloorLock, 1, true, true, "the floor at one thread"},
		{FloorLock, 2, true, false, "the private floor at two threads: its calls are the floor's at one"},
		{"mutex", 1, true, false, "a lock's case: its dispatch cancels in lock = L − none"},
		{FloorLock, 1, false, false, "--probe=false: nothing probed"},
	} {
		rr := r
		if !tt.probe {
			rr.Probe = -1
		}
		spec := workloads.DefaultSpec
		spec.Lock, spec.Workers, spec.Mode, spec.Bare = tt.lock, tt.workers, workloads.ModePage, true
		spec.Private = tt.workers > 1
		res, err := rr.Run(context.Background(), Case{Spec: spec, Count: 1})
		if err != nil {
			t.Fatalf("%s: %v", tt.reason, err)
		}
		v, ok := res.Benchfmt(nil).Value(schema.UnitDispatch)
		if ok != tt.want || (ok && !(v > 0)) {
			t.Errorf("%s: %s = %v (written %v), want written %v and positive", tt.reason, schema.UnitDispatch, v, ok, tt.want)
		}
	}
}
