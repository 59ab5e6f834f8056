package harness

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

func TestPlanTimeBare(t *testing.T) {
	p := testPlan() // mutex, page and batch, 1 and 2 threads, count 3
	p.Timing, p.Floor = TimeBare, true
	cs := p.Cases()
	const configs, floors = 4, 4
	if want := configs*(p.Count+CountingReps) + floors*p.Count; len(cs) != want {
		t.Fatalf("got %d cases, want %d: %d configurations x (3 timed + 3 counting) + 2 floor modes x 2 thread counts x 3", len(cs), want, configs)
	}
	var counting, timed, floor int
	for i, c := range cs {
		// Count 3: a counting round before each timed round, so rounds
		// alternate: configs counting cases, configs+floors timed ones.
		round, at := i/(2*configs+floors), i%(2*configs+floors)
		switch {
		case c.Counting:
			counting++
			if c.Spec.Bare {
				t.Errorf("case %d %s: a counting repetition runs bare; it exists for the lock counts", i, c)
			}
			if at >= configs || c.Rep != round || c.Count != CountingReps {
				t.Errorf("case %d %s: counting repetition %d of %d at place %d of round %d; want repetition k of %d first in round k, spread through the sweep",
					i, c, c.Rep, c.Count, at, round, CountingReps)
			}
		case c.Spec.Lock == FloorLock:
			floor++
			if c.Spec.Private != (c.Spec.Workers > 1) || !c.Spec.Bare || len(c.Spec.ClassLocks) > 0 {
				t.Errorf("case %d %s: a floor case is lock none, bare, no overrides, private instances above one thread", i, c)
			}
		default:
			timed++
			if !c.Spec.Bare {
				t.Errorf("case %d %s: a timed repetition of a TimeBare plan is not bare", i, c)
			}
		}
	}
	if counting != configs*CountingReps || timed != configs*p.Count || floor != floors*p.Count {
		t.Errorf("counting %d, timed %d, floor %d; want %d, %d, %d", counting, timed, floor, configs*CountingReps, configs*p.Count, floors*p.Count)
	}
	// The floor of a workload without modes, and one already in the plan,
	// is not added.
	cs2 := p
	cs2.Locks = []string{"mutex", "none"}
	cs2.Threads = []int{1}
	n := 0
	for _, c := range cs2.Cases() {
		if c.Spec.Lock == FloorLock && !c.Counting {
			n++
		}
	}
	if n != 2*p.Count { // 2 modes at the one thread count
		t.Errorf("%d timed floor cases with none in the plan's locks, want %d: the floor is not run twice", n, 2*p.Count)
	}
	cs3 := p
	cs3.Base = workloads.Spec{Workload: workloads.CS, Lines: 1}
	for _, c := range cs3.Cases() {
		if c.Spec.Lock == FloorLock {
			t.Errorf("cs got a floor case %s; it has no modes", c)
		}
	}
}

func TestPlanTimingOff(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*Plan)
		counting bool
		bare     bool
		reason   string
	}{
		{"zero value", func(p *Plan) { p.Timing = "" }, true, true, "the zero Timing is TimeBare"},
		{"instrumented", func(p *Plan) { p.Timing = TimeInstrumented }, false, false, "a profiled run times the instrumented locks"},
		{"base bare", func(p *Plan) { p.Timing, p.Base.Bare = TimeBare, true }, false, true, "--bare: nothing instrumented at all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlan()
			tt.edit(&p)
			var counting bool
			for _, c := range p.Cases() {
				counting = counting || c.Counting
				if !c.Counting && c.Spec.Bare != tt.bare {
					t.Errorf("%s: bare %v, want %v: %s", c, c.Spec.Bare, tt.bare, tt.reason)
				}
			}
			if counting != tt.counting {
				t.Errorf("counting repetitions %v, want %v: %s", counting, tt.counting, tt.reason)
			}
		})
	}
	p := testPlan()
	p.Timing = "sometimes"
	if fe, ok := errors.AsType[*FieldError](p.Validate()); !ok || fe.Field != FieldTiming {
		t.Errorf("Validate of timing %q = %v, want a FieldError on %s", p.Timing, p.Validate(), FieldTiming)
	}
}

func TestCountingLine(t *testing.T) {
	c := Case{Spec: workloads.Spec{Workload: workloads.PageCache, Lock: "mutex", Mode: workloads.ModePage, Batch: 16, Workers: 1}, Count: 1, Counting: true}
	res := &Result{Case: c, GOMAXPROCS: 2, Pages: 1000, Wall: 100 * time.Microsecond, CPU: 90 * time.Microsecond, WorkerPages: []uint64{1000},
		Classes: []ClassStats{{Class: workloads.ClassZone, Lock: "mutex", Stats: locks.Stats{Acquisitions: 8000}}}, Counters: map[string]float64{"cycles": 1e6}}
	units := map[string]float64{}
	for _, v := range res.Benchfmt(nil).Values {
		units[v.Unit] = v.Value
	}
	if units["inst-ns/page"] != 100 || units["acq/page"] != 8 {
		t.Errorf("counting line %v: want inst-ns/page 100 and acq/page 8", units)
	}
	for _, u := range []string{"ns/page", "cpu-ns/page", "cycles/page", schema.UnitFairness} {
		if _, ok := units[u]; ok {
			t.Errorf("counting line carries %s: it belongs to the timed (bare) repetitions", u)
		}
	}
	res.Case.Counting = false
	units = map[string]float64{}
	for _, v := range res.Benchfmt(nil).Values {
		units[v.Unit] = v.Value
	}
	if _, ok := units["inst-ns/page"]; ok || units["ns/page"] != 100 {
		t.Errorf("timed line %v: want ns/page 100 and no inst-ns/page", units)
	}
	if !strings.Contains(c.String(), "instrumented") {
		t.Errorf("String() = %q: a counting repetition should say so in messages", c.String())
	}
}

func TestFileConfigTiming(t *testing.T) {
	r := DefaultRunner
	m := host.Machine{CPUs: 2}
	for _, tt := range []struct {
		timing Timing
		bare   bool
		want   string
		reason string
	}{
		{"", false, schema.TimingBare, "the default times bare locks"},
		{TimeInstrumented, false, schema.TimingInstrumented, "a profiled run says its ns/page carries the instrumentation"},
		{TimeBare, true, "", "with no instrumentation at all there is no split to describe"},
	} {
		p := testPlan()
		p.Timing, p.Base.Bare = tt.timing, tt.bare
		got := ""
		for _, c := range FileConfig(m, &r, p, CounterSupport{}) {
			if c.Key == schema.ConfTiming {
				got = string(c.Value)
			}
		}
		if got != tt.want {
			t.Errorf("timing %q bare %v: config timing %q, want %q: %s", tt.timing, tt.bare, got, tt.want, tt.reason)
		}
	}
}

func TestCalibrator(t *testing.T) {
	c := Calibrator{Locks: []string{"mutex", "none"}, Round: time.Millisecond, Rounds: 3, Affinity: host.None}
	cals, err := c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cals) != 2 || cals[0].Lock != "mutex" || cals[1].Lock != "none" {
		t.Fatalf("calibrations %+v, want mutex and none in order", cals)
	}
	for _, cal := range cals {
		if !(cal.BareNS > 0) || !(cal.InstNS > 0) || cal.Rounds != 3 || cal.Acquisitions < 1000 {
			t.Errorf("%+v: want positive times, 3 rounds and at least 1000 acquisitions a round", cal)
		}
		if cal.InstrumentationNS() != cal.InstNS-cal.BareNS {
			t.Errorf("%+v: InstrumentationNS is not the difference", cal)
		}
		// Both handles are known to locks.DirectLoop: the dispatch is
		// measured, as the difference (its sign is the machine's).
		if !(cal.DirectNS > 0) || cal.DispatchNS() != cal.BareNS-cal.DirectNS {
			t.Errorf("%+v: want a direct figure and DispatchNS = bare - direct", cal)
		}
	}
	if (Calibration{BareNS: 3}).DispatchNS() != 0 {
		t.Error("DispatchNS without a direct figure is not 0")
	}
	for _, tt := range []struct {
		edit   func(*Calibrator)
		field  string
		reason string
	}{
		{func(c *Calibrator) { c.Locks = []string{"nosuch"} }, FieldLocks, "lock names come from the registry"},
		{func(c *Calibrator) { c.Round = 0 }, FieldDuration, "a loop needs a length"},
		{func(c *Calibrator) { c.Rounds = 0 }, FieldCount, "a median needs a loop"},
		{func(c *Calibrator) { c.Affinity = "far" }, FieldAffinity, "three affinities exist"},
	} {
		bad := DefaultCalibrator
		tt.edit(&bad)
		if fe, ok := errors.AsType[*FieldError](bad.Validate()); !ok || fe.Field != tt.field {
			t.Errorf("Validate = %v, want a FieldError on %s: %s", bad.Validate(), tt.field, tt.reason)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context = %v, want context.Canceled", err)
	}
}
