package harness

import (
	"sort"
	"strconv"

	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/schema"
	"golang.org/x/perf/benchfmt"
)

// Config is the file configuration of a results file, in order: machine
// lines first, then the run's knobs. Keys follow `go test`'s where they
// exist (goos, goarch, cpu).
type Config []benchfmt.Config

// Add appends key: value.
func (c *Config) Add(key, value string) {
	*c = append(*c, benchfmt.Config{Key: key, Value: []byte(value), File: true})
}

// Benchfmt renders r as one result line, with cfg as its file
// configuration (shared, not copied: do not change cfg afterwards).
func (r *Result) Benchfmt(cfg Config) *benchfmt.Result {
	per := r.Case.Per()
	pages := float64(r.Pages)
	perPage := func(x float64) float64 {
		if pages == 0 {
			return 0
		}
		return x / pages
	}
	var vals []benchfmt.Value
	add := func(v float64, unit string) {
		vals = append(vals, benchfmt.Value{Value: round(v), Unit: unit})
	}
	// A counting repetition's time is the instrumented locks': written as
	// its own unit, so that ns/page (and benchstat on it) stays the bare
	// time. Its run units (cpu time, fairness, GC, counters) and machine
	// units (probes, block) are left to the timed repetitions, which they
	// describe without the wrapper.
	counting := r.Case.Counting
	if counting {
		add(perPage(float64(r.Wall.Nanoseconds())), schema.PerUnit(schema.StemInstNS, per))
	} else {
		add(perPage(float64(r.Wall.Nanoseconds())), schema.PerUnit(schema.StemNS, per))
		add(perPage(float64(r.CPU.Nanoseconds())), schema.PerUnit(schema.StemCPUNS, per))
	}
	if len(r.Classes) > 0 {
		t := r.Total()
		vals = r.lockValues(vals, &t)
	}
	if !counting {
		vals = r.machineUnits(vals)
		vals = r.runUnits(vals, perPage, per)
	}
	return &benchfmt.Result{
		Config: cfg,
		Name:   r.name().Benchfmt(),
		Iters:  int(r.Pages),
		Values: vals,
	}
}

// machineUnits appends the state probes (transfer and speed) and the
// paired block. A
// counting repetition carries none of them (its regime is in its name):
// so that every unit a timed line carries has one value per timed line,
// and a case's ns/page, xfer-ns and block samples line up one to one
// (reports pairs blocks and sorts repetitions by regime on that).
func (r *Result) machineUnits(vals []benchfmt.Value) []benchfmt.Value {
	add := func(v float64, unit string) {
		vals = append(vals, benchfmt.Value{Value: round(v), Unit: unit})
	}
	if r.XferNS > 0 { // 0: the probe did not run or no round finished
		add(r.XferNS, schema.UnitXfer)
	}
	if r.XferEndNS > 0 {
		add(r.XferEndNS, schema.UnitXferEnd)
	}
	if r.Case.Block > 0 {
		add(float64(r.Case.Block), schema.UnitBlock)
	}
	if r.Speed.NS > 0 {
		add(r.Speed.NS, schema.UnitSpeed)
	}
	if r.SpeedEnd.NS > 0 {
		add(r.SpeedEnd.NS, schema.UnitSpeedEnd)
	}
	if r.Speed.MemNS > 0 {
		add(r.Speed.MemNS, schema.UnitMem)
	}
	if r.Speed.CacheNS > 0 {
		add(r.Speed.CacheNS, schema.UnitCache)
	}
	if r.Speed.CoreNS > 0 {
		add(r.Speed.CoreNS, schema.UnitCore)
	}
	return vals
}

// runUnits appends the units that describe the run rather than the
// locks: fairness, GC cycles, the perf counters per page, and what a
// kernel workload measured of the kernel.
func (r *Result) runUnits(vals []benchfmt.Value, perPage func(float64) float64, per string) []benchfmt.Value {
	add := func(v float64, unit string) {
		vals = append(vals, benchfmt.Value{Value: round(v), Unit: unit})
	}
	add(r.Fairness(), schema.UnitFairness)
	add(float64(r.GCCycles), schema.UnitGCCycles)
	if r.RunqNS >= 0 {
		add(r.RunqNS, schema.UnitRunq)
	}
	if r.DispatchNS > 0 {
		add(r.DispatchNS, schema.UnitDispatch)
	}
	var units []string
	for u := range r.Counters {
		units = append(units, u)
	}
	sort.Strings(units)
	for _, u := range units {
		add(perPage(r.Counters[u]), schema.PerUnit(u, per))
	}
	for _, m := range r.Metrics {
		add(m.Value, m.Unit)
	}
	return vals
}

// lockValues appends the lock units of st (schema.ClassUnits, in that
// order, hold-ns only where holds were sampled, yields and sleeps only
// where the lock counts them), per r's pages.
func (r *Result) lockValues(vals []benchfmt.Value, st *locks.Stats) []benchfmt.Value {
	per := r.Case.Per()
	perPage := func(x float64) float64 {
		if r.Pages == 0 {
			return 0
		}
		return x / float64(r.Pages)
	}
	add := func(v float64, unit string) {
		vals = append(vals, benchfmt.Value{Value: round(v), Unit: unit})
	}
	add(perPage(float64(st.Acquisitions)), schema.PerUnit(schema.StemAcq, per))
	add(perPage(float64(st.Contended)), schema.PerUnit(schema.StemContended, per))
	handoffs := 0.0
	if st.Acquisitions > 0 {
		handoffs = float64(st.Handoffs) / float64(st.Acquisitions)
	}
	add(handoffs, schema.UnitHandoffs)
	add(perPage(float64(st.WaitTotal)), schema.PerUnit(schema.StemWaitNS, per))
	add(float64(st.WaitQuantile(0.99)), schema.UnitWaitP99)
	add(float64(st.WaitMax), schema.UnitWaitMax)
	if st.HoldSamples > 0 {
		add(float64(st.HoldTotal)/float64(st.HoldSamples), schema.UnitHoldNS)
	}
	if st.WaitCounted && st.Acquisitions > 0 {
		acq := float64(st.Acquisitions)
		add(float64(st.Yields)/acq, schema.UnitYields)
		add(float64(st.Sleeps)/acq, schema.UnitSleeps)
	}
	return vals
}

// name is the name of r's lines: the case's, with its regime key
// (Regime) last when it has one.
func (r *Result) name() schema.Name {
	n := r.Case.schemaName(max(r.GOMAXPROCS, 1))
	if reg := r.Regime(); reg != "" {
		n.Keys = append(n.Keys, schema.KV{Key: schema.KeyRegime, Value: reg})
	}
	return n
}

// ClassLines renders r's lock classes as class lines, one per class in
// r.Classes' order: the case's name with schema.KeyClass appended last
// ("PageCache/mode=page/batch=16/lock=mutex/threads=2/class=lru-2"), the
// case's pages as iterations, and the class's lock units
// (schema.ClassUnits) per the case's pages, so that the classes' acq,
// contended and wait per page add up to the case line's. None when bare.
func (r *Result) ClassLines(cfg Config) []*benchfmt.Result {
	var out []*benchfmt.Result
	for i := range r.Classes {
		cl := &r.Classes[i]
		n := r.name()
		n.Keys = append(n.Keys, schema.KV{Key: schema.KeyClass, Value: string(cl.Class)})
		out = append(out, &benchfmt.Result{
			Config: cfg,
			Name:   n.Benchfmt(),
			Iters:  int(r.Pages),
			Values: r.lockValues(nil, &cl.Stats),
		})
	}
	return out
}

// Lines renders r as what a sweep writes for one repetition: the case
// line (Benchfmt), then its class lines (ClassLines).
func (r *Result) Lines(cfg Config) []*benchfmt.Result {
	return append([]*benchfmt.Result{r.Benchfmt(cfg)}, r.ClassLines(cfg)...)
}

// unitMetadata says which direction is better for units where lower is
// not (benchstat assumes lower is better): those schema marks Higher
// ("Unit fairness better=higher").
func unitMetadata() []*benchfmt.UnitMetadata {
	var out []*benchfmt.UnitMetadata
	seen := map[string]bool{}
	for _, per := range []string{schema.PerPage, schema.PerOp} {
		for _, u := range schema.Units(per) {
			if u.Higher && !seen[u.Name] {
				seen[u.Name] = true
				out = append(out, &benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u.Name, Key: "better"}, OrigUnit: u.Name, Value: "higher"})
			}
		}
	}
	return out
}

// round keeps 6 significant digits: more than any of these measurements
// resolves, and the lines stay readable.
func round(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	if err != nil {
		return v
	}
	return r
}
