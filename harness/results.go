package harness

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

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
	// time. Its run units (cpu time, fairness, GC, counters) are left to
	// the timed repetitions, which they describe without the wrapper.
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
	if r.XferNS > 0 { // 0: the probe did not run or no round finished
		add(r.XferNS, schema.UnitXfer)
	}
	if !counting {
		vals = r.runUnits(vals, perPage, per)
	}
	return &benchfmt.Result{
		Config: cfg,
		Name:   r.Case.schemaName(max(r.GOMAXPROCS, 1)).Benchfmt(),
		Iters:  int(r.Pages),
		Values: vals,
	}
}

// runUnits appends the units that describe the run rather than the
// locks: fairness, GC cycles and the perf counters per page.
func (r *Result) runUnits(vals []benchfmt.Value, perPage func(float64) float64, per string) []benchfmt.Value {
	add := func(v float64, unit string) {
		vals = append(vals, benchfmt.Value{Value: round(v), Unit: unit})
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
	return vals
}

// lockValues appends the lock units of st (schema.ClassUnits, in that
// order, hold-ns only where holds were sampled), per r's pages.
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
	return vals
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
		n := r.Case.schemaName(max(r.GOMAXPROCS, 1))
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

// ResultsFile is the name of the results file inside an output folder.
const ResultsFile = "results.txt"

// DefaultOutDir is the default output folder for a run started at t:
// lockbench-results/20060102-150405.
func DefaultOutDir(t time.Time) string {
	return filepath.Join("lockbench-results", t.Format("20060102-150405"))
}

// An Output is a results folder being written. Every Write reaches the
// disk (fsync) before it returns, so an interrupted sweep keeps every
// finished line.
type Output struct {
	Dir  string
	Path string // Dir/results.txt

	f     *os.File
	w     *benchfmt.Writer
	first bool
}

// ErrOutputExists is wrapped by CreateOutput's error for an existing
// non-empty folder without force.
var ErrOutputExists = errors.New("exists and is not empty")

// CreateOutput creates dir (and its parents) and dir/results.txt. An
// existing non-empty dir is refused unless force, which truncates
// results.txt and leaves other files alone. Errors are *OutputError.
func CreateOutput(dir string, force bool) (*Output, error) {
	fail := func(err error) (*Output, error) {
		if pe, ok := errors.AsType[*fs.PathError](err); ok && pe.Path == dir {
			err = pe.Err // the message names dir already
		}
		return nil, &OutputError{Dir: dir, Err: err}
	}
	if dir == "" {
		return fail(errors.New("empty name"))
	}
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0 && !force:
		return fail(ErrOutputExists)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fail(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	path := filepath.Join(dir, ResultsFile)
	f, err := os.Create(path)
	if err != nil {
		return fail(err)
	}
	return &Output{Dir: dir, Path: path, f: f, w: benchfmt.NewWriter(f), first: true}, nil
}

// Write appends result lines (preceded, the first time, by the unit
// metadata and the file configuration) and syncs the file once, after
// the last: a repetition's case and class lines cost one fsync.
func (o *Output) Write(rs ...*benchfmt.Result) error {
	if o.f == nil {
		return fmt.Errorf("writing %s: closed", o.Path)
	}
	if o.first {
		o.first = false
		for _, m := range unitMetadata() {
			if err := o.w.Write(m); err != nil {
				return fmt.Errorf("writing %s: %w", o.Path, err)
			}
		}
	}
	for _, r := range rs {
		if err := o.w.Write(r); err != nil {
			return fmt.Errorf("writing %s: %w", o.Path, err)
		}
	}
	if err := o.f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", o.Path, err)
	}
	return nil
}

// Close closes the results file. Closing a closed Output does nothing;
// writing to one fails.
func (o *Output) Close() error {
	if o.f == nil {
		return nil
	}
	f := o.f
	o.f = nil
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", o.Path, err)
	}
	return nil
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
