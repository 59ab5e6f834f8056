package harness

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/lockbench/lockbench/schema"
	"golang.org/x/perf/benchfmt"
)

func TestPrepare(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(p *Plan, r *Runner)
		field  string // the FieldError's field; "" for none
		timing Timing // the prepared plan's Timing
		reason string
	}{
		{"defaults", func(*Plan, *Runner) {}, "", "", "an unprofiled run leaves the timing empty: TimeBare"},
		{"profiled", func(_ *Plan, r *Runner) { r.Labels = true }, "", TimeInstrumented, "contention stacks come from the wrapper: a profiled run times every repetition instrumented"},
		{"profiled instrumented", func(p *Plan, r *Runner) { p.Timing, r.Labels = TimeInstrumented, true }, "", TimeInstrumented, "asking for what profiling needs is fine"},
		{"profiled bare timing", func(p *Plan, r *Runner) { p.Timing, r.Labels = TimeBare, true }, FieldTiming, "", "a profiled run cannot time bare locks, and says so rather than change a timing given"},
		{"profiled bare base", func(p *Plan, r *Runner) { p.Base.Bare, r.Labels = true, true }, FieldLabels, "", "a profile of a bare run would have no contention stacks"},
		{"negative budget", func(p *Plan, _ *Runner) { p.Budget = -time.Second }, FieldBudget, "", "a budget is a time to spend"},
		{"no target", func(p *Plan, _ *Runner) { p.Target = 0 }, FieldTarget, "", "an adaptive run cannot reach a zero-width interval"},
		{"NaN target", func(p *Plan, _ *Runner) { p.Target = math.NaN() }, FieldTarget, "", "NaN compares false with every bound"},
		{"fixed, no target", func(p *Plan, _ *Runner) { p.Budget, p.Target = 0, 0 }, "", "", "a run without a budget needs no target"},
		{"runner", func(_ *Plan, r *Runner) { r.Duration = 0 }, FieldDuration, "", "Prepare validates the runner too: NewSweep's one validation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, r := DefaultPlan, testRunner()
			tt.edit(&p, &r)
			got, err := Prepare(p, r)
			fe, _ := errors.AsType[*FieldError](err)
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("Prepare: %v; want nil: %s", err, tt.reason)
			case tt.field != "" && (fe == nil || fe.Field != tt.field):
				t.Fatalf("Prepare: %v; want a *FieldError of %q: %s", err, tt.field, tt.reason)
			case err != nil:
				return
			}
			if got.Timing != tt.timing {
				t.Errorf("Timing %q, want %q: %s", got.Timing, tt.timing, tt.reason)
			}
			again, err := Prepare(got, r)
			if err != nil || again.Seed != got.Seed || again.Timing != got.Timing {
				t.Errorf("Prepare of a prepared plan changed it (seed %d -> %d, timing %q -> %q, %v)", got.Seed, again.Seed, got.Timing, again.Timing, err)
			}
		})
	}
}

// TestPrepareSeed: a plan without a seed gets one, never 0: every shard
// of a plan, on every machine, the same one (from the plan's ID), and an
// unsharded plan one of its own; a seed given is kept.
func TestPrepareSeed(t *testing.T) {
	prep := func(edit func(p *Plan, r *Runner)) uint64 {
		t.Helper()
		p, r := DefaultPlan, testRunner()
		edit(&p, &r)
		got, err := Prepare(p, r)
		if err != nil {
			t.Fatal(err)
		}
		if got.Seed == 0 {
			t.Fatal("Prepare left the seed 0, which means draw one")
		}
		return got.Seed
	}
	a := prep(func(p *Plan, r *Runner) { p.Shard, r.Machine = schema.Shard{K: 1, N: 2}, "box-a" })
	b := prep(func(p *Plan, r *Runner) { p.Shard, r.Machine = schema.Shard{K: 2, N: 2}, "box-b" })
	if a != b {
		t.Errorf("shards 1/2 on box-a and 2/2 on box-b drew seeds %d and %d; want one, from the plan's ID", a, b)
	}
	id := DefaultPlan
	id.Shard = schema.Shard{K: 1, N: 2}
	r := testRunner()
	if want, _ := strconv.ParseUint(id.ID(&r), 16, 64); a != max(want, 1) {
		t.Errorf("a shard's seed %d, want the plan's ID %s as a number", a, id.ID(&r))
	}
	if s := prep(func(p *Plan, _ *Runner) { p.Seed = 42 }); s != 42 {
		t.Errorf("seed 42 given, %d drawn", s)
	}
	if p := DefaultPlan; p.drawSeed(&r, func() time.Time { return time.Unix(0, 0) }) != 1 {
		t.Error("a clock reading 0 drew seed 0, which means draw one")
	}
}

// TestSweepAdaptiveConfig: an adaptive sweep writes its budget and target
// on every line; a sweep with a budget but no judge is not adaptive and
// writes neither.
func TestSweepAdaptiveConfig(t *testing.T) {
	for _, judged := range []bool{true, false} {
		p := pairedPlan(1, 3)
		p.Locks, p.Threads, p.Base.Bare = []string{"mutex"}, []int{1}, true
		p.Budget, p.Target = time.Hour, 0.05
		sw, err := NewSweep(p, testRunner(), filepath.Join(t.TempDir(), "out"), false)
		if err != nil {
			t.Fatal(err)
		}
		if judged {
			sw.Judge = &funcJudge{t: t, pending: func([]*benchfmt.Result, float64) []string { return nil }}
		}
		out, err := sw.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{schema.ConfBudget: "1h0m0s", schema.ConfTargetCI: "5%"}
		for _, l := range out.Lines {
			for k, v := range want {
				got, ok := "", false
				for _, c := range l.Config {
					if c.Key == k {
						got, ok = string(c.Value), true
					}
				}
				switch {
				case judged && got != v:
					t.Errorf("adaptive: %s %s=%q, want %q", l.Name, k, got, v)
				case !judged && ok:
					t.Errorf("not adaptive (no judge): %s has %s=%q", l.Name, k, got)
				}
			}
		}
		if wantStop := map[bool]StopReason{true: StopTight, false: NotStopped}[judged]; out.Stopped != wantStop {
			t.Errorf("judged %v: stopped %q, want %q", judged, out.Stopped, wantStop)
		}
	}
}

// TestSweepValidatesOnce: NewSweep validates the runner; its cases do
// not again. A runner broken after NewSweep (only this package's tests
// can) still runs: had each case validated it, Run would fail.
func TestSweepValidatesOnce(t *testing.T) {
	sw, err := NewSweep(sweepPlan(2), testRunner(), filepath.Join(t.TempDir(), "out"), false)
	if err != nil {
		t.Fatal(err)
	}
	sw.runner.Machine = "not a valid name"
	if _, err := sw.Run(context.Background()); err != nil {
		t.Errorf("Run validated its runner again: %v", err)
	}
	r := testRunner()
	r.Machine = "not a valid name"
	if _, err := r.Run(context.Background(), testCase(1)); err == nil {
		t.Error("Runner.Run ran a runner that does not validate")
	}
}

func TestTargetString(t *testing.T) {
	for in, want := range map[float64]string{0.05: "5%", 0.02: "2%", 0.07: "7%", 0.001: "0.1%", 0.125: "12.5%"} {
		if got := TargetString(in); got != want {
			t.Errorf("TargetString(%v) = %q, want %q", in, got, want)
		}
	}
}
