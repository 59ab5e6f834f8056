package harness

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/perf/benchfmt"
)

// classRunner runs the real page-cache model, long enough for thousands
// of contended acquisitions on two threads.
func classRunner() Runner {
	r := DefaultRunner
	r.Duration = 150 * time.Millisecond
	r.Warmup = 20 * time.Millisecond
	r.Grace = 5 * time.Second
	r.Affinity = host.None // a busy shared box: let the scheduler place them
	return r
}

func classCase(delay map[workloads.Class]time.Duration) Case {
	s := workloads.DefaultSpec
	s.Mode, s.Batch, s.Workers, s.Delay = workloads.ModePage, 16, 2, delay
	return Case{Spec: s, Count: 1}
}

// classValue is unit of the class line of class among lines.
func classValue(t *testing.T, lines []*benchfmt.Result, class workloads.Class, unit string) float64 {
	t.Helper()
	for _, l := range lines {
		if v, ok := schema.ParseName(l.Name).Get(schema.KeyClass); ok && v == string(class) {
			if x, ok := l.Value(unit); ok {
				return x
			}
			t.Fatalf("class line %s has no %s", l.Name, unit)
		}
	}
	t.Fatalf("no class line for %s", class)
	return 0
}

// TestClassSums checks that a case's class lines split its totals: the
// merged per-class counts sum to Result.Total exactly, and the lines'
// per-page values to the case line's within the 6 significant digits
// written.
func TestClassSums(t *testing.T) {
	r := classRunner()
	res, err := r.Run(context.Background(), classCase(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.Classes), len(workloads.PageCacheClasses()); got != want {
		t.Fatalf("%d classes, want the page cache's %d", got, want)
	}
	var sum locks.Stats
	for i := range res.Classes {
		sum.Merge(&res.Classes[i].Stats)
	}
	tot := res.Total()
	if sum.Acquisitions != tot.Acquisitions || sum.Contended != tot.Contended || sum.Handoffs != tot.Handoffs ||
		sum.WaitTotal != tot.WaitTotal || sum.WaitMax != tot.WaitMax || sum.HoldSamples != tot.HoldSamples || sum.HoldTotal != tot.HoldTotal {
		t.Errorf("per-class counts %+v do not sum to the totals %+v", sum, tot)
	}
	if tot.Contended == 0 {
		t.Logf("no contended acquisition at 2 threads: the sums hold trivially for contended and wait")
	}

	lines := res.Lines(nil)
	caseLine, classLines := lines[0], lines[1:]
	if len(classLines) != len(res.Classes) {
		t.Fatalf("%d class lines for %d classes", len(classLines), len(res.Classes))
	}
	for _, unit := range []string{"acq/page", "contended/page", "wait-ns/page"} {
		want, _ := caseLine.Value(unit)
		got := 0.0
		for _, l := range classLines {
			if l.Iters != caseLine.Iters {
				t.Errorf("%s: %d iterations, the case line %d: per-page values would not add up", l.Name, l.Iters, caseLine.Iters)
			}
			v, _ := l.Value(unit)
			got += v
		}
		if math.Abs(got-want) > 1e-5*math.Max(want, 1e-3) {
			t.Errorf("class lines' %s sum to %g, the case line says %g", unit, got, want)
		}
	}
	max := 0.0
	for _, l := range classLines {
		v, _ := l.Value(schema.UnitWaitMax)
		max = math.Max(max, v)
	}
	if got, _ := caseLine.Value(schema.UnitWaitMax); got != max {
		t.Errorf("case line %s = %g, the largest class's is %g", schema.UnitWaitMax, got, max)
	}
}

// TestClassDelay sets a delay on the LRU class only and checks that the
// class lines put the added wait on the LRU lock. Robust on a busy
// 2-core box: it compares each class's share of the case's wait and
// counts that do not depend on timing, never absolute times.
func TestClassDelay(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the page-cache model for about a second")
	}
	r := classRunner()
	run := func(delay map[workloads.Class]time.Duration) []*benchfmt.Result {
		res, err := r.Run(context.Background(), classCase(delay))
		if err != nil {
			t.Fatal(err)
		}
		return res.Lines(nil)
	}
	// Interleaved, and the best of three for the LRU share: a
	// descheduled holder can make any one repetition's waits anyone's.
	var base, delayed []*benchfmt.Result
	bestShare, baseShare := 0.0, 1.0
	share := func(lines []*benchfmt.Result) float64 {
		total, _ := lines[0].Value("wait-ns/page")
		if total == 0 {
			return 0
		}
		return classValue(t, lines, workloads.ClassLRU, "wait-ns/page") / total
	}
	for range 3 {
		b := run(nil)
		d := run(map[workloads.Class]time.Duration{workloads.ClassLRU: 5 * time.Microsecond})
		if s := share(d); s >= bestShare {
			bestShare, delayed = s, d
		}
		if s := share(b); s <= baseShare {
			baseShare, base = s, b
		}
	}
	t.Logf("LRU share of wait: %.2f without the delay, %.2f with 5us in the LRU critical section", baseShare, bestShare)
	// More than the three other classes together (under -race, with
	// more preemption, about 3/4; bare, all of it).
	if bestShare < 0.5 {
		t.Errorf("with a delay on the LRU class only, the LRU lock has %.0f%% of the wait; want most of it (> 50%%)", bestShare*100)
	}
	if bestShare < baseShare+0.2 {
		t.Errorf("the LRU share of wait did not rise clearly with its delay: %.2f -> %.2f", baseShare, bestShare)
	}
	// Not LRU contended/page itself: sync.Mutex lets the holder re-take
	// the lock while the waiter sleeps, so a long hold can lower the
	// contended acquisitions per page (one worker runs alone). Where the
	// contention that remains sits is robust: on the LRU lock.
	contShare := func(lines []*benchfmt.Result) float64 {
		total, _ := lines[0].Value("contended/page")
		if total == 0 {
			return 0
		}
		return classValue(t, lines, workloads.ClassLRU, "contended/page") / total
	}
	if b, d := contShare(base), contShare(delayed); d <= b {
		t.Errorf("LRU share of contended acquisitions %.2f -> %.2f: want it to rise with the delay", b, d)
	}
	for _, c := range workloads.PageCacheClasses() {
		// Acquisitions per page are the mode's, whatever the timing (up
		// to where the window cuts a page's path).
		if a, b := classValue(t, base, c, "acq/page"), classValue(t, delayed, c, "acq/page"); math.Abs(a-b) > 0.01*math.Max(a, b) {
			t.Errorf("%s acq/page %g -> %g: the delay changed the work, not only the wait", c, a, b)
		}
		if c == workloads.ClassLRU {
			continue
		}
		// The other classes do not get a larger share of contended
		// acquisitions: time spent in the LRU section keeps threads off
		// the other locks, if anything.
		if b, d := classValue(t, base, c, "contended/page"), classValue(t, delayed, c, "contended/page"); d > 2*b+0.05 {
			t.Errorf("%s contended/page %g -> %g with a delay on LRU only: want it within noise", c, b, d)
		}
	}
}
