package harness

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/lockbench/lockbench/internal/benchfile"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/perf/benchfmt"
)

// sweepPlan is a plan of n one-thread cases on the fake workload.
func sweepPlan(n int) Plan {
	return Plan{Base: workloads.Spec{Workload: workloads.PageCache}, Locks: []string{"mutex"},
		Modes: []workloads.Mode{workloads.ModeBatch}, Batches: []int{4}, Threads: []int{1}, Count: n, Order: Interleaved, Timing: TimeInstrumented}
}

func TestSweepStops(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name        string
		cancelAfter int // cancel the context after this many cases; 0: never
		failAfter   int // Record fails on this case (1-based); 0: never
		lines       int // lines kept
		interrupted bool
		reason      string
	}{
		{"complete", 0, 0, 3, false, "no failure runs every case"},
		{"record fails", 0, 2, 2, false, "a failing Record (profile) ends the sweep after its case's line is written"},
		{"cancelled", 1, 0, 1, true, "a cancelled context abandons the case under way and keeps the finished lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sw, err := NewSweep(sweepPlan(3), testRunner(), filepath.Join(t.TempDir(), "out"), false)
			if err != nil {
				t.Fatal(err)
			}
			done := 0
			sw.Progress = func(int, *Result) {
				if done++; done == tt.cancelAfter {
					cancel()
				}
			}
			sw.Record = func(*Result, *benchfmt.Result) error {
				if done == tt.failAfter {
					return boom
				}
				return nil
			}
			out, err := sw.Run(ctx)
			switch {
			case out.Done != tt.lines || len(out.Lines) != 2*tt.lines || out.Cases != 3:
				// Each repetition is its case line and one class line.
				t.Errorf("%d repetitions (%d lines) of %d cases, want %d of 3: %s", out.Done, len(out.Lines), out.Cases, tt.lines, tt.reason)
			case out.Partial() != (tt.lines < 3):
				t.Errorf("Partial() = %v with %d of 3 lines", out.Partial(), tt.lines)
			case out.Interrupted != tt.interrupted || tt.interrupted != errors.Is(err, context.Canceled):
				t.Errorf("Interrupted = %v, err %v; want interrupted %v: %s", out.Interrupted, err, tt.interrupted, tt.reason)
			case tt.failAfter > 0 && !errors.Is(err, boom):
				t.Errorf("err = %v, want Record's: %s", err, tt.reason)
			case tt.lines == 3 && err != nil:
				t.Errorf("err = %v, want nil", err)
			}
			// Every line the outcome counts is in the file, and the file
			// is closed: Close has nothing left to do.
			if n := len(readResults(t, sw.Path())); n != len(out.Lines) {
				t.Errorf("results file has %d lines, the outcome %d", n, len(out.Lines))
			}
			if err := sw.Close(); err != nil {
				t.Errorf("Close after Run = %v, want nil", err)
			}
			if _, err := sw.Run(context.Background()); err == nil {
				t.Error("a second Run succeeded; a sweep runs once")
			}
		})
	}
}

func TestNewSweepRefuses(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, ResultsFile), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	badRunner := testRunner()
	badRunner.Duration = 0
	tests := []struct {
		name   string
		plan   Plan
		runner Runner
		dir    string
		field  string // FieldError.Field, or "" for an *OutputError
		reason string
	}{
		{"runner", sweepPlan(1), badRunner, "new", FieldDuration, "the runner is checked first"},
		{"plan", Plan{}, testRunner(), "new", FieldWorkload, "the plan is checked before anything is created"},
		{"exists", sweepPlan(1), testRunner(), full, "", "a non-empty folder is refused without force"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir
			if dir == "new" {
				dir = filepath.Join(t.TempDir(), "out")
			}
			sw, err := NewSweep(tt.plan, tt.runner, dir, false)
			if sw != nil {
				sw.Close()
				t.Fatalf("NewSweep succeeded: %s", tt.reason)
			}
			if tt.field != "" {
				if fe, ok := errors.AsType[*FieldError](err); !ok || fe.Field != tt.field {
					t.Errorf("NewSweep = %v, want a *FieldError of %s: %s", err, tt.field, tt.reason)
				}
				if _, serr := os.Stat(dir); serr == nil {
					t.Errorf("bad input created %s", dir)
				}
				return
			}
			if !errors.Is(err, ErrOutputExists) {
				t.Errorf("NewSweep = %v, want ErrOutputExists: %s", err, tt.reason)
			}
		})
	}
}

func TestSweepOversubscribed(t *testing.T) {
	r := testRunner()
	topo, err := r.Topology()
	if err != nil {
		t.Fatal(err)
	}
	over := len(topo.CPUs) + 1
	p := sweepPlan(1)
	p.Threads = []int{1, over}
	sw, err := NewSweep(p, r, filepath.Join(t.TempDir(), "out"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Close()
	if got := sw.Oversubscribed(); !slices.Equal(got, []int{over}) {
		t.Errorf("Oversubscribed() = %v, want [%d]", got, over)
	}
	var got string
	for _, c := range sw.Config() {
		if c.Key == "oversubscribed" {
			got = string(c.Value)
		}
	}
	if want := "threads=" + strconv.Itoa(over); got != want {
		t.Errorf("oversubscribed config %q, want %q", got, want)
	}
	if len(sw.Cases()) != 2 || sw.CPUs() != len(topo.CPUs) {
		t.Errorf("%d cases on %d CPUs, want 2 on %d", len(sw.Cases()), sw.CPUs(), len(topo.CPUs))
	}
}

// readResults reads a results file whole (benchfile.Read).
func readResults(t *testing.T, path string) []*benchfmt.Result { return benchfile.Read(t, path) }
