package harness

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lockbench/lockbench/schema"
	"golang.org/x/sys/unix"
)

// fakeRunq is a schedstat stand-in: each thread's first reading is 0,
// its second waited, whatever the interleaving of the workers' calls.
func fakeRunq(waited time.Duration) (func() int64, func() int) {
	var mu sync.Mutex
	calls := map[int]int{}
	read := func() int64 {
		mu.Lock()
		defer mu.Unlock()
		tid := unix.Gettid()
		calls[tid]++
		if calls[tid] == 1 {
			return 0
		}
		return waited.Nanoseconds()
	}
	threads := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(calls)
	}
	return read, threads
}

// A repetition whose workers waited for their CPUs is marked by its
// runq-ns; over schema.DisturbedShare of the window, it is disturbed.
func TestRunqDelay(t *testing.T) {
	tests := []struct {
		name      string
		waited    time.Duration // per worker, in the window
		disturbed bool
		reason    string
	}{
		{"quiet", 0, false, "CPUs of their own: no wait"},
		{"ticks", 100 * time.Microsecond, false, "0.5% of a 20ms window: timer ticks and kernel threads"},
		{"shared", 10 * time.Second, true, "longer than any window: another process ran on the workers' CPUs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRunner()
			read, threads := fakeRunq(tt.waited)
			r.RunqDelay = read
			res, err := r.Run(context.Background(), testCase(2))
			if err != nil {
				t.Fatal(err)
			}
			if n := threads(); n != 2 {
				t.Errorf("read on %d threads, want each worker's own (2)", n)
			}
			if res.RunqNS != float64(tt.waited.Nanoseconds()) {
				t.Errorf("RunqNS %v, want %v", res.RunqNS, tt.waited.Nanoseconds())
			}
			// The window is at least Duration (20ms): the verdicts above
			// hold for any window from 20ms to 10s.
			if got := res.Disturbed(); got != tt.disturbed {
				t.Errorf("Disturbed() = %v with %v of %v waited, want %v (%s)", got, tt.waited, res.Wall, tt.disturbed, tt.reason)
			}
			v, ok := res.Benchfmt(nil).Value(schema.UnitRunq)
			if !ok || v != float64(tt.waited.Nanoseconds()) {
				t.Errorf("line's %s = %v (%v), want %v", schema.UnitRunq, v, ok, tt.waited.Nanoseconds())
			}
		})
	}
	t.Run("unreadable", func(t *testing.T) {
		r := testRunner()
		r.RunqDelay = func() int64 { return -1 }
		res, err := r.Run(context.Background(), testCase(2))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := res.Benchfmt(nil).Value(schema.UnitRunq); ok || res.Disturbed() {
			t.Errorf("no schedstat: the line has %s or is disturbed; want neither", schema.UnitRunq)
		}
	})
}

// The real reading: the calling thread's schedstat, where the kernel
// keeps it.
func TestSchedstatRunq(t *testing.T) {
	if v := schedstatRunq(); v < 0 {
		t.Skip("no /proc/thread-self/schedstat here (CONFIG_SCHED_INFO off)")
	}
}

// TestSweepCountsDisturbed: the sweep's Outcome counts its disturbed
// repetitions, so that a command says how many without watching every
// result itself.
func TestSweepCountsDisturbed(t *testing.T) {
	for _, tt := range []struct {
		waited time.Duration
		want   int
	}{{0, 0}, {10 * time.Second, 2}} {
		r := testRunner()
		r.RunqDelay, _ = fakeRunq(tt.waited)
		sw, err := NewSweep(sweepPlan(2), r, filepath.Join(t.TempDir(), "out"), false)
		if err != nil {
			t.Fatal(err)
		}
		out, err := sw.Run(context.Background())
		sw.Close()
		if err != nil {
			t.Fatal(err)
		}
		if out.Disturbed != tt.want || out.Done != 2 {
			t.Errorf("workers waiting %v: %d of %d disturbed, want %d of 2", tt.waited, out.Disturbed, out.Done, tt.want)
		}
	}
}
