package harness

import (
	"sort"
	"strconv"

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
	add(perPage(float64(r.Wall.Nanoseconds())), schema.PerUnit(schema.StemNS, per))
	add(perPage(float64(r.CPU.Nanoseconds())), schema.PerUnit(schema.StemCPUNS, per))
	if len(r.Classes) > 0 {
		t := r.Total()
		add(perPage(float64(t.Acquisitions)), schema.PerUnit(schema.StemAcq, per))
		add(perPage(float64(t.Contended)), schema.PerUnit(schema.StemContended, per))
		handoffs := 0.0
		if t.Acquisitions > 0 {
			handoffs = float64(t.Handoffs) / float64(t.Acquisitions)
		}
		add(handoffs, schema.UnitHandoffs)
		add(perPage(float64(t.WaitTotal)), schema.PerUnit(schema.StemWaitNS, per))
		add(float64(t.WaitQuantile(0.99)), schema.UnitWaitP99)
	}
	if r.XferNS > 0 { // 0: the probe did not run or no round finished
		add(r.XferNS, schema.UnitXfer)
	}
	add(r.Fairness(), schema.UnitFairness)
	add(float64(r.GCCycles), schema.UnitGCCycles)
	var units []string
	for u := range r.Counters {
		units = append(units, u)
	}
	sort.Strings(units)
	for _, u := range units {
		add(perPage(r.Counters[u]), schema.PerUnit(u, per))
	}
	return &benchfmt.Result{
		Config: cfg,
		Name:   r.Case.schemaName(max(r.GOMAXPROCS, 1)).Benchfmt(),
		Iters:  int(r.Pages),
		Values: vals,
	}
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
