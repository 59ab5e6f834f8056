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

// Get returns the value of key, "" if absent.
func (c Config) Get(key string) string {
	for _, kv := range c {
		if kv.Key == key {
			return string(kv.Value)
		}
	}
	return ""
}

// Benchfmt renders r as one result line, with cfg as its file
// configuration (shared, not copied: do not change cfg afterwards).
func (r *Result) Benchfmt(cfg Config) *benchfmt.Result {
	per := "/" + r.Case.Per()
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
	add(perPage(float64(r.Wall.Nanoseconds())), "ns"+per)
	add(perPage(float64(r.CPU.Nanoseconds())), "cpu-ns"+per)
	if len(r.Classes) > 0 {
		t := r.Total()
		add(perPage(float64(t.Acquisitions)), "acq"+per)
		add(perPage(float64(t.Contended)), "contended"+per)
		handoffs := 0.0
		if t.Acquisitions > 0 {
			handoffs = float64(t.Handoffs) / float64(t.Acquisitions)
		}
		add(handoffs, "handoffs/acq")
		add(perPage(float64(t.WaitTotal)), "wait-ns"+per)
		add(float64(t.WaitQuantile(0.99)), "wait-p99-ns")
	}
	if r.XferNS > 0 { // 0: the probe did not run or no round finished
		add(r.XferNS, "xfer-ns")
	}
	add(r.Fairness(), "fairness")
	add(float64(r.GCCycles), "gc-cycles")
	var units []string
	for u := range r.Counters {
		units = append(units, u)
	}
	sort.Strings(units)
	for _, u := range units {
		add(perPage(r.Counters[u]), u+per)
	}
	name := r.Case.Name() + "-" + strconv.Itoa(max(r.GOMAXPROCS, 1))
	return &benchfmt.Result{
		Config: cfg,
		Name:   benchfmt.Name(name),
		Iters:  int(r.Pages),
		Values: vals,
	}
}

// unitMetadata says which direction is better for units where lower is
// not (benchstat assumes lower is better).
func unitMetadata() []*benchfmt.UnitMetadata {
	return []*benchfmt.UnitMetadata{
		{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: "fairness", Key: "better"}, OrigUnit: "fairness", Value: "higher"},
	}
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
var ErrOutputExists = errors.New("output folder exists and is not empty")

// CreateOutput creates dir (and its parents) and dir/results.txt. An
// existing non-empty dir is refused unless force, which truncates
// results.txt and leaves other files alone.
func CreateOutput(dir string, force bool) (*Output, error) {
	if dir == "" {
		return nil, errors.New("output folder: empty name")
	}
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0 && !force:
		return nil, fmt.Errorf("%s: %w (use --force to overwrite, or another --out)", dir, ErrOutputExists)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("output folder: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating output folder: %w", err)
	}
	path := filepath.Join(dir, ResultsFile)
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating results file: %w", err)
	}
	return &Output{Dir: dir, Path: path, f: f, w: benchfmt.NewWriter(f), first: true}, nil
}

// Write appends one result line (preceded, the first time, by the unit
// metadata and the file configuration) and syncs the file.
func (o *Output) Write(r *benchfmt.Result) error {
	if o.first {
		o.first = false
		for _, m := range unitMetadata() {
			if err := o.w.Write(m); err != nil {
				return fmt.Errorf("writing %s: %w", o.Path, err)
			}
		}
	}
	if err := o.w.Write(r); err != nil {
		return fmt.Errorf("writing %s: %w", o.Path, err)
	}
	if err := o.f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", o.Path, err)
	}
	return nil
}

// Close closes the results file.
func (o *Output) Close() error {
	if err := o.f.Close(); err != nil {
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
