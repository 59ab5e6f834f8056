package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/workloads"
)

// delayCosts are the known parts of the delay workload, per page.
type delayCosts struct{ work, lock, contention time.Duration }

// delayWorkload spins its known costs per page: the work always, the
// lock cost unless the lock is none, the contention when more than one
// worker runs a lock. Nothing is shared between workers, so on free cores
// the threads run side by side, as a perfectly scaling lock would, plus
// the contention delay.
type delayWorkload struct{ workers []workloads.Worker }

type delayWorker struct{ d time.Duration }

func (w delayWorker) Step() int {
	for t0 := time.Now(); time.Since(t0) < w.d; {
	}
	return 1
}

func (f delayWorkload) Workers() []workloads.Worker  { return f.workers }
func (f delayWorkload) Locks() []workloads.ClassLock { return nil }
func (f delayWorkload) Check() error                 { return nil }

// TestSavingOnDelays runs the library's sweep (harness) and reads it with
// the headline engine (reports), on a workload whose per-page work, lock
// cost and contention are delays: a real, coarse check that the floor
// cases are added and the split comes out and adds up, each part with
// its sign and, at one thread, within a factor of two: wall time on a
// shared 2-core machine (load 10 while this was written) is only that
// good. The engine's 10% is TestSavingRecoversKnownParts', on known values.
func TestSavingOnDelays(t *testing.T) {
	costs := map[workloads.Mode]delayCosts{
		workloads.ModePage:  {work: 4 * time.Microsecond, lock: 2 * time.Microsecond, contention: 3 * time.Microsecond},
		workloads.ModeBatch: {work: 1500 * time.Nanosecond, lock: 200 * time.Nanosecond, contention: 300 * time.Nanosecond},
	}
	r := harness.DefaultRunner
	r.Duration, r.Warmup, r.Affinity, r.Counters, r.Probe = 20*time.Millisecond, 5*time.Millisecond, host.None, false, -1
	r.NewWorkload = func(s workloads.Spec) (workloads.Workload, error) {
		c := costs[s.Mode]
		d := c.work
		if s.Lock != harness.FloorLock {
			d += c.lock
			if s.Workers > 1 {
				d += c.contention
			}
		}
		var w delayWorkload
		for range s.Workers {
			w.workers = append(w.workers, delayWorker{d})
		}
		return w, nil
	}
	p := harness.DefaultPlan
	p.Locks, p.Modes, p.Threads, p.Count = []string{"mutex"}, []workloads.Mode{workloads.ModePage, workloads.ModeBatch}, []int{1, 2}, 5
	page, batch := costs[workloads.ModePage], costs[workloads.ModeBatch]
	wantLock, wantWork := float64(page.lock-batch.lock), float64(page.work-batch.work)
	wantCont := float64(page.contention - batch.contention)
	// A sweep on a machine this busy can lose a core to someone else's
	// build for most of its repetitions: up to three attempts, the first
	// that holds wins; a miss on a machine that was ours is a failure, and
	// three busy sweeps skip the size check, saying so. The structural
	// checks (parts add up, no contention at one thread, two headlines)
	// hold on every attempt, busy or not.
	var problems, missed []string
	for attempt := range 3 {
		sw, err := harness.NewSweep(p, r, filepath.Join(t.TempDir(), fmt.Sprint(attempt)), false)
		if err != nil {
			t.Fatal(err)
		}
		out, err := sw.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		s, err := reports.Summarize(out.Lines)
		if err != nil {
			t.Fatal(err)
		}
		problems = nil
		n := 0
		for _, h := range s.Headlines {
			if h.Mode != string(workloads.ModeBatch) {
				continue
			}
			n++
			if h.Saving == nil {
				t.Fatalf("%s: no saving split (notes %v)", h.Text, h.Notes)
			}
			sp := h.Saving
			if sum := sp.LockNS + sp.ContentionNS + sp.WorkNS + sp.ScalingNS; math.Abs(float64(sum-sp.TotalNS)) > 1e-6*math.Abs(float64(sp.TotalNS)) {
				t.Errorf("%s threads: parts add to %v, total %v", h.Threads, sum, sp.TotalNS)
			}
			if h.Threads == "1" && sp.ContentionNS != 0 {
				t.Errorf("1 thread: contention %v, want 0 by definition", sp.ContentionNS)
			}
			// Coarse: the known parts' sign and, at one thread, their size
			// within a factor of two.
			factor := func(got Float, want float64) bool { return float64(got) > want/2 && float64(got) < want*2 }
			if h.Threads == "1" && (!factor(sp.LockNS, wantLock) || !factor(sp.WorkNS, wantWork)) {
				problems = append(problems, fmt.Sprintf("1 thread: lock %v work %v thread-ns/page saved, want %v and %v", sp.LockNS, sp.WorkNS, wantLock, wantWork))
			}
			if h.Threads == "2" && !(sp.ContentionNS > 0) {
				problems = append(problems, fmt.Sprintf("2 threads: contention %v thread-ns/page saved, want about %v", sp.ContentionNS, wantCont))
			}
		}
		if n != 2 {
			t.Fatalf("%d batch headlines, want 2 (1 and 2 threads); warnings %q", n, s.Warnings)
		}
		if len(problems) == 0 {
			return
		}
		// The machine's own share of noise: the floor of mode page is a
		// known spin. When its median is far from it, the cores were not
		// ours, and no figure of this sweep says anything about the engine.
		if busy := busyCases(s, costs); len(busy) > 0 {
			t.Logf("attempt %d: 1-thread cases far from their known spin (%v): the machine is too busy for timing; %v", attempt+1, busy, problems)
			continue
		}
		t.Logf("attempt %d: %v", attempt+1, problems)
		missed = problems
	}
	if missed != nil {
		t.Fatalf("three sweeps missed the known parts: last on a machine that was ours %v", missed)
	}
	t.Skipf("the size check could not run: the machine was too busy for timing in all three sweeps (last %v); the structural checks held", problems)
}

// busyCases lists the 1-thread cases whose median ns/page is more than
// 1.5 times (or less than 2/3 of) their known spin: the machine's, not
// the engine's, error.
func busyCases(s *reports.Summary, costs map[workloads.Mode]delayCosts) []string {
	var out []string
	for _, r := range s.Rows {
		if !strings.Contains(r.Case, "/threads=1") {
			continue
		}
		for mode, c := range costs {
			if !strings.Contains(r.Case, "mode="+string(mode)+"/") {
				continue
			}
			want := float64(c.work)
			if !strings.Contains(r.Case, "lock="+harness.FloorLock+"/") {
				want += float64(c.lock)
			}
			if got := float64(r.Time.Median); got > 1.5*want || got < want/1.5 {
				out = append(out, fmt.Sprintf("%s %.0f ns/page for %.0f", r.Case, got, want))
			}
		}
	}
	return out
}

// Float is the reports' number type.
type Float = reports.Float
