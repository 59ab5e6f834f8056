package harness

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
)

func testPlan() Plan {
	return Plan{
		Base:    workloads.Spec{Workload: workloads.PageCache, Batch: 16},
		Locks:   []string{"mutex"},
		Modes:   []workloads.Mode{workloads.ModePage, workloads.ModeBatch},
		Batches: []int{16},
		Threads: []int{1, 2},
		Count:   3,
		Order:   Interleaved,
		Timing:  TimeInstrumented, // one repetition kind; TestPlanTimeBare covers the other
	}
}

func TestPlanCasesInterleaved(t *testing.T) {
	p := testPlan()
	cs := p.Cases()
	if len(cs) != 2*2*3 {
		t.Fatalf("got %d cases, want 12", len(cs))
	}
	// Interleaved: the four configurations in a row, three times.
	for i, c := range cs {
		if c.Rep != i/4 {
			t.Errorf("case %d: rep %d, want %d", i, c.Rep, i/4)
		}
		if c.Name() != cs[i%4].Name() {
			t.Errorf("case %d is %s, want %s", i, c.Name(), cs[i%4].Name())
		}
	}
	want := []string{
		"PageCache/mode=page/batch=16/lock=mutex/threads=1",
		"PageCache/mode=page/batch=16/lock=mutex/threads=2",
		"PageCache/mode=batch/batch=16/lock=mutex/threads=1",
		"PageCache/mode=batch/batch=16/lock=mutex/threads=2",
	}
	for i, w := range want {
		if got := cs[i].Name(); got != w {
			t.Errorf("name %d = %q, want %q", i, got, w)
		}
	}
}

func TestPlanCasesGrouped(t *testing.T) {
	p := testPlan()
	p.Order = Grouped
	cs := p.Cases()
	for i, c := range cs {
		if c.Rep != i%3 || c.Name() != cs[i/3*3].Name() {
			t.Errorf("case %d: %s rep %d; grouped order wants each configuration three times in a row", i, c.Name(), c.Rep)
		}
	}
}

func TestPlanCSIgnoresModesAndBatches(t *testing.T) {
	p := testPlan()
	p.Base = workloads.Spec{Workload: workloads.CS, Lines: 1, Think: 0}
	cs := p.Cases()
	if len(cs) != 2*3 {
		t.Fatalf("got %d cases, want 6 (modes and batches do not multiply cs)", len(cs))
	}
	if got, want := cs[1].Name(), "CS/lock=mutex/lines=1/think=0/threads=2"; got != want {
		t.Errorf("name = %q, want %q", got, want)
	}
	if cs[0].Per() != "op" {
		t.Errorf("cs unit denominator = %q, want op", cs[0].Per())
	}
}

func TestNameClassOverrides(t *testing.T) {
	c := Case{Spec: workloads.Spec{Workload: workloads.PageCache, Lock: "mutex", Mode: workloads.ModeBatch, Batch: 8, Workers: 2,
		ClassLocks: map[workloads.Class]string{workloads.ClassLRU: "tas", workloads.ClassZone: "mutex"}}}
	if got, want := c.Name(), "PageCache/mode=batch/batch=8/lock=mutex/lru-lock=tas/threads=2"; got != want {
		t.Errorf("name = %q, want %q (an override equal to --locks adds no key)", got, want)
	}
}

func TestPlanValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Plan)
		field  string // FieldError.Field, "" for no error
		want   string // substring of the error
		reason string
	}{
		{"ok", func(p *Plan) {}, "", "", "the test plan is valid"},
		{"unknown lock", func(p *Plan) { p.Locks = []string{"nosuch"} }, FieldLocks, `unknown lock "nosuch"`, "names come from the registry"},
		{"unknown mode", func(p *Plan) { p.Modes = []workloads.Mode{"huge"} }, FieldModes, `unknown mode "huge"`, "modes are registered (workloads.LookupMode)"},
		{"zero count", func(p *Plan) { p.Count = 0 }, FieldCount, "count 0: must be at least 1", "a sweep needs a repetition"},
		{"negative threads", func(p *Plan) { p.Threads = []int{-1} }, FieldThreads, "not -1", "threads are positive"},
		{"zero threads", func(p *Plan) { p.Threads = []int{1, 0} }, FieldThreads, "not 0", "a zero in the list is a mistake, not the default of one worker"},
		{"zero batch", func(p *Plan) { p.Batches = []int{0} }, FieldBatches, "not 0", "a zero in the list is a mistake, not the default batch"},
		{"empty mode", func(p *Plan) { p.Modes = []workloads.Mode{""} }, FieldModes, `unknown mode ""`, "an empty mode is a mistake, not the default mode"},
		{"unknown workload", func(p *Plan) { p.Base.Workload = "db" }, FieldWorkload, `unknown workload "db"`, "two workloads exist"},
		{"bad order", func(p *Plan) { p.Order = "random" }, FieldOrder, `unknown order "random"`, "two orders exist"},
		{"no locks", func(p *Plan) { p.Locks = nil }, FieldLocks, "none given", "an empty list runs nothing"},
		{"no modes", func(p *Plan) { p.Modes = nil }, FieldModes, "none given", "an empty list runs nothing"},
		{"cs ignores modes", func(p *Plan) { p.Base.Workload, p.Modes, p.Batches = workloads.CS, nil, nil }, "", "", "cs has no modes or batches to give"},
		{"none with 2", func(p *Plan) { p.Locks = []string{"none"} }, FieldLocks, "valid for at most 1", "the lock is refused for the plan's largest thread count"},
		{"override class", func(p *Plan) { p.Base.ClassLocks = map[workloads.Class]string{"disk": "mutex"} }, "disk-lock", "not a lock class", "overrides name a class of the workload"},
		{"override lock", func(p *Plan) { p.Base.ClassLocks = map[workloads.Class]string{workloads.ClassZone: "nosuch"} }, ClassLockField(workloads.ClassZone), `zone-lock: unknown lock "nosuch"`, "override names come from the registry"},
		{"delay class", func(p *Plan) { p.Base.Delay = map[workloads.Class]time.Duration{workloads.ClassCS: 1} }, string(workloads.KnobDelay), `delay: class "cs": not a lock class`, "delays name a class of the workload"},
		{"base knob", func(p *Plan) { p.Base.Touch = -1 }, string(workloads.KnobTouch), "touch: must be between", "a knob of the base is named by its workloads.Knob"},
		{"bad timing", func(p *Plan) { p.Timing = "fast" }, FieldTiming, `unknown timing "fast"`, "two timings exist"},
		{"instrumented but bare", func(p *Plan) { p.Timing, p.Base.Bare = TimeInstrumented, true }, FieldTiming, "the plan's base is bare", "bare would silently win over instrumented timing"},
		{"bare timing of a bare base", func(p *Plan) { p.Timing, p.Base.Bare = TimeBare, true }, "", "", "bare timing with no counting repetitions is a bare run"},
		{"memory", func(p *Plan) { p.Threads, p.Batches, p.Base.SharedFiles = []int{512}, []int{1}, false }, "", "the model would need", "a model too large names no single field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlan()
			tt.edit(&p)
			err := p.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil: %s", err, tt.reason)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want an error containing %q: %s", err, tt.want, tt.reason)
			case err != nil && strings.Contains(err.Error(), "\n"):
				t.Fatalf("Validate() = %q, want one line", err)
			}
			if err == nil {
				return
			}
			fe, ok := errors.AsType[*FieldError](err)
			switch {
			case tt.field == "" && ok:
				t.Errorf("Validate() = %v, a *FieldError of %q; want no field: %s", err, fe.Field, tt.reason)
			case tt.field != "" && !ok:
				t.Errorf("Validate() = %v, want a *FieldError of %q: %s", err, tt.field, tt.reason)
			case ok && fe.Field != tt.field:
				t.Errorf("Validate() = %v: field %q, want %q: %s", err, fe.Field, tt.field, tt.reason)
			case ok && strings.HasPrefix(fe.Err.Error(), fe.Field+":"):
				t.Errorf("FieldError.Err %q names the field again", fe.Err)
			}
		})
	}
}

// TestNamesRoundTrip writes a result per case, reads the file back with
// benchfmt's reader and checks that benchproc's /mode and /threads
// projections see the keys, as `benchstat -col /mode -row /threads` needs.
func TestNamesRoundTrip(t *testing.T) {
	p := testPlan()
	p.Count = 1
	var buf bytes.Buffer
	w := benchfmt.NewWriter(&buf)
	var cfg Config
	cfg.Add("cpu", "test")
	for _, c := range p.Cases() {
		r := &Result{Case: c, GOMAXPROCS: 2, Pages: 100, WorkerPages: []uint64{100}}
		if err := w.Write(r.Benchfmt(cfg)); err != nil {
			t.Fatal(err)
		}
	}
	col, err := (&benchproc.ProjectionParser{}).Parse("/mode", nil)
	if err != nil {
		t.Fatal(err)
	}
	row, err := (&benchproc.ProjectionParser{}).Parse("/threads,/gomaxprocs", nil)
	if err != nil {
		t.Fatal(err)
	}
	modes, threads := map[string]bool{}, map[string]bool{}
	rd := benchfmt.NewReader(&buf, "results.txt")
	n := 0
	for rd.Scan() {
		res, ok := rd.Result().(*benchfmt.Result)
		if !ok {
			t.Fatalf("record %v is not a result", rd.Result())
		}
		n++
		if string(res.Name.Base()) != "PageCache" {
			t.Errorf("base name %q, want PageCache", res.Name.Base())
		}
		modes[col.Project(res).Get(col.FlattenedFields()[0])] = true
		rk := row.Project(res)
		threads[rk.Get(row.FlattenedFields()[0])+"-"+rk.Get(row.FlattenedFields()[1])] = true
		if res.GetConfig("cpu") != "test" {
			t.Errorf("file config cpu = %q, want test", res.GetConfig("cpu"))
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Fatalf("read %d results, want 4", n)
	}
	if !modes["page"] || !modes["batch"] || len(modes) != 2 {
		t.Errorf("/mode saw %v, want page and batch", modes)
	}
	if !threads["1-2"] || !threads["2-2"] || len(threads) != 2 {
		t.Errorf("/threads,/gomaxprocs saw %v, want 1-2 and 2-2", threads)
	}
}

// TestFloorOnlyWhereUsed: the floor feeds the saving split, which needs
// the lock at one thread too; a plan without 1 among its threads runs no
// floor (the README's --threads 2 sweep ran it for nothing).
func TestFloorOnlyWhereUsed(t *testing.T) {
	floors := func(p Plan) int {
		n := 0
		for _, c := range p.Cases() {
			if c.Spec.Lock == FloorLock {
				n++
			}
		}
		return n
	}
	p := testPlan()
	p.Floor = true
	if !p.FloorUsed() || floors(p) == 0 {
		t.Errorf("threads %v: FloorUsed %v, %d floor cases; want the floor", p.Threads, p.FloorUsed(), floors(p))
	}
	p.Threads = []int{2}
	if p.FloorUsed() || floors(p) != 0 {
		t.Errorf("threads %v: FloorUsed %v, %d floor cases; want none", p.Threads, p.FloorUsed(), floors(p))
	}
}

// TestCountingRoundSpread: the counting repetitions of a case go before
// distinct timed rounds whenever there are enough of them, in order, the
// first not after the first third and the last in the last third, so that
// they meet the machine of the whole fixed sweep and not of one moment.
func TestCountingRoundSpread(t *testing.T) {
	for count := 1; count <= 20; count++ {
		prev := -1
		for k := range CountingReps {
			r := CountingRound(k, count)
			if r < 0 || r >= count || r < prev {
				t.Errorf("count %d: counting repetition %d before round %d (previous %d); want rounds in 0..%d, in order", count, k, r, prev, count-1)
			}
			if count >= CountingReps && r == prev {
				t.Errorf("count %d: counting repetitions %d and %d both before round %d; want distinct rounds when there are %d or more", count, k-1, k, r, CountingReps)
			}
			prev = r
		}
		if first, last := CountingRound(0, count), CountingRound(CountingReps-1, count); count >= CountingReps && (first > count/CountingReps || last < count-count/CountingReps-1) {
			t.Errorf("count %d: counting rounds from %d to %d; want the first in the first third and the last in the last", count, first, last)
		}
	}
}
