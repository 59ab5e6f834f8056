// Package cases groups benchmark results into cases, the one model that
// lockbench's summary, report and headlines read: a case is every
// repetition of one benchmark name in one input file, its name parsed
// once (schema.ParseName), its samples kept per unit as written, in file
// order.
//
// It is where the results contract is applied on the reading side. The
// page-cache modes, their order and their roles come from package
// workloads (Modes, ModePage, ModeLarge); the name keys and units from
// package schema; a mode, key value or unit the contract does not know is
// a Warning or an Unknown unit, never a silent "Other" or "counter".
//
// The stack, bottom up: package stats (samples to numbers), this package
// (results to cases), package reports (cases to summaries, headlines and
// reports; benchstat-style comparisons and the gate group results
// themselves with benchproc, since their rows are the user's choice).
// Like all of reports it never imports package harness: benchfmt is the
// seam.
package cases

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/results"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// Units the reports read by name, as harness writes them. TestUnits
// checks each against schema.PerUnit and schema.Lookup.
const (
	NSPage        = schema.StemNS + "/" + schema.PerPage
	NSOp          = schema.StemNS + "/" + schema.PerOp
	CPUNSPage     = schema.StemCPUNS + "/" + schema.PerPage
	AcqPage       = schema.StemAcq + "/" + schema.PerPage
	ContendedPage = schema.StemContended + "/" + schema.PerPage
	WaitNSPage    = schema.StemWaitNS + "/" + schema.PerPage
	// InstNSPage is the time of the instrumented repetitions of a case
	// whose ns/page ran bare locks (schema.TimingBare).
	InstNSPage = schema.StemInstNS + "/" + schema.PerPage
	// L1DMissesPage is the counter behind the seed's claim that batching
	// is "all about reducing the L1 cache footprint".
	L1DMissesPage = schema.CounterL1DMisses + "/" + schema.PerPage
)

// A Case is every repetition of one benchmark name in one input.
type Case struct {
	// File is the ".file" configuration of the case's results: the input
	// it came from (see reports.Load); "" for results made in memory.
	File string
	// Machine is the "machine" configuration of the case's results
	// (schema.ConfMachine): where it was measured; "" when unnamed. A
	// merged file holds several, and a case never pools two.
	Machine string
	// Name is the benchmark name, parsed once.
	Name schema.Name
	// Mode is the case's page-cache mode, one of workloads.Modes(); ""
	// when the name has no mode key, or one this lockbench does not know,
	// or a batch or threads value that is not a positive integer (each
	// said in Model.Warnings).
	Mode workloads.Mode
	// Batch and Threads are the batch and threads keys; 0 when absent.
	Batch, Threads int
	// Procs is the GOMAXPROCS the case's Variant carries (runProcs): its
	// name's, except where harness raised it to the thread count.
	Procs int
	// Variant is what tells the case apart besides mode, batch and
	// threads: the other keys in name order ("lock=mcs zone-lock=ticket"),
	// after the base name when it is not PageCache, led by "machine=..."
	// when the results come from several machines, and followed by
	// "gomaxprocs=N" when the results have several GOMAXPROCS and by
	// "file=..." when they come from several inputs, so that runs on
	// other machines or CPU counts, or a baseline and a new run, never
	// meet in one comparison.
	Variant string
	// Units are the units of the case as written ("ns/page", not the
	// tidied "sec/page"), in order of first appearance.
	Units []string
	// Samples are the values of each unit as written, in file order.
	Samples map[string][]float64

	// Class is the lock class of a class case ("lru": the value of the
	// name's schema.KeyClass key); "" for a case. A class case holds
	// one class's share of its case's lock units (schema.ClassUnits),
	// and is found only in its case's Classes, never among a Model's
	// Cases, PageCache or Other.
	Class string
	// Classes are the case's class cases, in order of first appearance
	// (the workload's path order as harness writes them): where each
	// lock unit goes, by lock class. Medians of a unit over the classes
	// need not add up to the case's median, since each is the median of
	// its own repetitions; their repetitions do (harness writes each
	// repetition's class lines from the same counts as its case line).
	// Empty for cases without lock counters (bare, go test output).
	Classes []*Case

	key       string
	estimates map[string]stats.Estimate
}

// PageCache reports whether c is a case of the page-cache model that
// reports can place: a mode of workloads.Modes() and a thread count.
func (c *Case) PageCache() bool { return c.Mode != "" && c.Threads > 0 }

// ClassCase returns c's class case of class, or nil.
func (c *Case) ClassCase(class string) *Case {
	for _, cl := range c.Classes {
		if cl.Class == class {
			return cl
		}
	}
	return nil
}

// ClassShares returns each class's share of c's unit (a per-page lock
// unit: wait-ns/page, contended/page, acq/page), in the order of
// Classes: the class's median over the sum of the classes' medians. It
// is how the headline names the lock that dominates the remaining wait,
// and how a decomposition splits its contention part by class
// (share × the part). nil when c has no classes or they sum to 0.
func (c *Case) ClassShares(unit string) []float64 {
	var total float64
	vals := make([]float64, len(c.Classes))
	for i, cl := range c.Classes {
		if v := cl.Median(unit); v > 0 {
			vals[i] = v
			total += v
		}
	}
	if !(total > 0) {
		return nil
	}
	for i := range vals {
		vals[i] /= total
	}
	return vals
}

// N is the number of repetitions of c: the most values of any unit.
func (c *Case) N() int {
	n := 0
	for _, v := range c.Samples {
		n = max(n, len(v))
	}
	return n
}

// Has reports whether c has values of unit.
func (c *Case) Has(unit string) bool { return len(c.Samples[unit]) > 0 }

// Estimate is the median of unit with its 95% confidence interval
// (stats.MedianCI); ok is false when c has no such unit.
func (c *Case) Estimate(unit string) (e stats.Estimate, ok bool) {
	if e, ok := c.estimates[unit]; ok {
		return e, true
	}
	vals := c.Samples[unit]
	if len(vals) == 0 {
		return stats.MedianCI(nil, stats.DefaultConfidence), false
	}
	e = stats.MedianCI(vals, stats.DefaultConfidence)
	c.estimates[unit] = e
	return e, true
}

// Median is the median of unit, NaN when c has none.
func (c *Case) Median(unit string) float64 {
	e, _ := c.Estimate(unit)
	return float64(e.Median)
}

// Key returns the value of name key k.
func (c *Case) Key(k string) (string, bool) { return c.Name.Get(k) }

// A Config is one file configuration key with its distinct values.
type Config struct {
	Key    string
	Values []string
}

// Value is the configuration value, the distinct values joined when the
// inputs disagree.
func (c Config) Value() string { return strings.Join(c.Values, " | ") }

// A Model is results grouped into cases, with the page-cache cases
// indexed by variant, thread count, mode and batch size.
type Model struct {
	Cases     []*Case // every case, in order of first appearance
	PageCache []*Case // the page-cache cases, by variant, threads, mode (workloads order), batch
	Other     []*Case // the rest: go test benchmarks, the cs workload, names reports cannot place (not CountsOnly cases: they are in Cases only)
	Variants  []string
	Threads   []int            // distinct thread counts of the page-cache cases, ascending
	Batches   []int            // distinct batch sizes of the batched modes, ascending
	Modes     []workloads.Mode // modes present, in the order of workloads.Modes()
	Config    []Config         // file configuration, in order of first appearance
	Units     []string         // every unit present, as written, in order of first appearance
	Files     []string         // the distinct ".file" values, in order
	Procs     []int            // the distinct GOMAXPROCS suffixes, ascending (0: none)
	Machines  []string         // the distinct machine configurations, in order ("" unnamed)
	// Warnings say which names could not be placed, and why.
	Warnings []string
	// Switched are the lines left out because the machine changed regime
	// while they ran (name key schema.KeyRegime=schema.RegimeSwitched):
	// they are in the file, and in no case.
	Switched []*benchfmt.Result
	// ClassLines counts the class lines placed under their case; Orphans
	// the class lines left out because their case line is not in the
	// input (each case named once in Warnings). placeClasses alone decides
	// which is which, so that every reader (classes, report) counts and
	// says the same.
	ClassLines, Orphans int

	byKey map[string]*Case
	// groups holds the mode cases (page-cache cases and mode cases
	// without a thread count) by variant and threads, sorted by mode
	// and batch.
	groups map[group][]*Case
}

type group struct {
	variant string
	threads int
}

// Group groups results into cases, each line in its machine state
// (LabelStates). Values may be tidied (read by
// reports.Load: "sec/page" with the original "ns/page") or not (made by
// the harness in memory); cases keep them as written.
func Group(results []*benchfmt.Result) *Model {
	results = LabelStates(results) // lines made in memory carry no state yet
	results, rescued := RescueCounts(results)
	m := &Model{byKey: map[string]*Case{}, groups: map[group][]*Case{}, Warnings: rescued}
	base := baseProcs(results)
	procs := map[int]bool{}
	for _, r := range results {
		f := r.GetConfig(".file")
		if !slices.Contains(m.Files, f) {
			m.Files = append(m.Files, f)
		}
		procs[runProcs(schema.ParseName(r.Name), base[f])] = true
		if mc := r.GetConfig(schema.ConfMachine); !slices.Contains(m.Machines, mc) {
			m.Machines = append(m.Machines, mc)
		}
	}
	configIdx := map[string]int{}
	badValues := map[string][]string{} // "mode=bogus" -> cases
	var badOrder []string
	var classLines []*benchfmt.Result
	for _, r := range results {
		n := schema.ParseName(r.Name)
		if n.IsSwitched() {
			if !n.IsClass() {
				m.Switched = append(m.Switched, r)
			}
			continue
		}
		if n.IsClass() {
			classLines = append(classLines, r) // placed under their case below
			continue
		}
		for _, cfg := range r.Config {
			if !cfg.File || strings.HasPrefix(cfg.Key, ".") {
				continue
			}
			i, ok := configIdx[cfg.Key]
			if !ok {
				i = len(m.Config)
				configIdx[cfg.Key] = i
				m.Config = append(m.Config, Config{Key: cfg.Key})
			}
			if v := string(cfg.Value); !slices.Contains(m.Config[i].Values, v) {
				m.Config[i].Values = append(m.Config[i].Values, v)
			}
		}
		key := caseKey(r)
		c := m.byKey[key]
		if c == nil {
			var bad string
			c, bad = newCase(r, base[r.GetConfig(".file")], len(m.Files) > 1, len(procs) > 1, len(m.Machines) > 1)
			c.key = key
			m.byKey[key] = c
			m.Cases = append(m.Cases, c)
			if bad != "" {
				if badValues[bad] == nil {
					badOrder = append(badOrder, bad)
				}
				badValues[bad] = append(badValues[bad], c.Name.Case())
			}
		}
		for _, unit := range c.add(r) {
			if !slices.Contains(m.Units, unit) {
				m.Units = append(m.Units, unit)
			}
		}
	}
	m.placeClasses(classLines)
	for _, bad := range badOrder {
		names := badValues[bad]
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s in %s: %s; listed with the other benchmarks",
			bad, plural(names), badReason(bad)))
	}
	m.index()
	return m
}

// add appends r's values to c's samples and returns its units.
func (c *Case) add(r *benchfmt.Result) []string {
	var units []string
	for _, v := range r.Values {
		unit, val := v.Unit, v.Value
		if v.OrigUnit != "" { // benchfmt tidies ns/page to sec/page; keep what was written
			unit, val = v.OrigUnit, v.OrigValue
		}
		if !c.Has(unit) {
			c.Units = append(c.Units, unit)
		}
		c.Samples[unit] = append(c.Samples[unit], val)
		units = append(units, unit)
	}
	return units
}

// placeClasses puts each class line (a schema.KeyClass key) under the
// case of its name without that key, in the same input and machine. A class line
// without its case is left out with a warning.
//
// Each line finds its class case in a map, not by a search of the case's
// Classes: a case with many classes is linear, not quadratic, in its
// class lines. A case keeps at most results.MaxClasses classes; lines of
// further classes are left out, with one warning per case.
func (m *Model) placeClasses(lines []*benchfmt.Result) {
	orphans := map[string]bool{}
	var orphanOrder []string
	type classKey struct {
		parent *Case
		class  string
	}
	byClass := map[classKey]*Case{}
	over := map[*Case]int{} // class lines left out, by case
	var overOrder []*Case
	for _, r := range lines {
		n := schema.ParseName(r.Name)
		class, _ := n.Get(schema.KeyClass)
		parent := m.byKey[r.GetConfig(".file")+"\x00"+r.GetConfig(schema.ConfMachine)+"\x00"+string(n.Without(schema.KeyClass).Benchfmt())]
		if parent == nil {
			m.Orphans++
			name := n.Without(schema.KeyClass).Case()
			if !orphans[name] {
				orphans[name] = true
				orphanOrder = append(orphanOrder, name)
			}
			continue
		}
		cl := byClass[classKey{parent, class}]
		if cl == nil && len(parent.Classes) >= results.MaxClasses {
			if over[parent] == 0 {
				overOrder = append(overOrder, parent)
			}
			over[parent]++
			continue
		}
		if cl == nil {
			cl = &Case{File: parent.File, Machine: parent.Machine, Name: n, Mode: parent.Mode, Batch: parent.Batch, Threads: parent.Threads,
				Variant: parent.Variant, Class: class, Samples: map[string][]float64{}, estimates: map[string]stats.Estimate{}}
			parent.Classes = append(parent.Classes, cl)
			byClass[classKey{parent, class}] = cl
		}
		m.ClassLines++
		cl.add(r)
	}
	for _, c := range overOrder {
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s has class lines of more than %d classes, the format's limit (results.MaxClasses): %d lines of further classes left out",
			c.Name.Case(), results.MaxClasses, over[c]))
	}
	for _, name := range orphanOrder {
		m.Warnings = append(m.Warnings, fmt.Sprintf("class lines (%s=...) of %s without its case line: left out", schema.KeyClass, name))
	}
}

func plural(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return fmt.Sprintf("%d cases (%s, ...)", len(names), names[0])
}

func badReason(bad string) string {
	if strings.HasPrefix(bad, schema.KeyMode+"=") {
		return "not a mode of this lockbench (" + strings.Join(workloads.ModeStrings(workloads.Modes()), ", ") + ")"
	}
	return "not a positive integer"
}

// caseKey identifies a result's case: its input, its machine and its
// name as written (with the -GOMAXPROCS suffix: runs at different
// GOMAXPROCS are different cases, as benchstat's .fullname keeps them
// apart).
func caseKey(r *benchfmt.Result) string {
	return r.GetConfig(".file") + "\x00" + r.GetConfig(schema.ConfMachine) + "\x00" + string(r.Name)
}

// newCase parses r's name into a case. bad is the key=value that keeps it
// from being a mode case ("mode=bogus", "batch=x"), or "".
func newCase(r *benchfmt.Result, base int, multiFile, multiProcs, multiMachine bool) (c *Case, bad string) {
	c = &Case{File: r.GetConfig(".file"), Machine: r.GetConfig(schema.ConfMachine), Name: schema.ParseName(r.Name),
		Samples: map[string][]float64{}, estimates: map[string]stats.Estimate{}}
	c.Procs = runProcs(c.Name, base)
	var mode string
	hasMode := false
	for _, kv := range c.Name.Keys {
		switch kv.Key {
		case schema.KeyMode:
			mode, hasMode = kv.Value, true
		case schema.KeyBatch, schema.KeyThreads:
			n, err := strconv.Atoi(kv.Value)
			if err != nil || n < 1 {
				bad = cmp.Or(bad, kv.Key+"="+kv.Value)
			} else if kv.Key == schema.KeyBatch {
				c.Batch = n
			} else {
				c.Threads = n
			}
		}
	}
	c.Variant = variantOf(c.named(), c.File, c.Machine, multiFile, multiProcs, multiMachine)
	if !hasMode {
		return c, "" // not a page-cache name: no warning
	}
	if !slices.Contains(workloads.Modes(), workloads.Mode(mode)) {
		bad = schema.KeyMode + "=" + mode
	}
	if bad != "" {
		c.Batch, c.Threads = 0, 0
		return c, bad
	}
	c.Mode = workloads.Mode(mode)
	return c, ""
}

// named is c's name with Procs for its GOMAXPROCS, for its variant.
func (c *Case) named() schema.Name {
	n := c.Name
	n.Procs = c.Procs
	return n
}

// runProcs is the GOMAXPROCS a case named n carries in its variant: its
// own, except where harness raised GOMAXPROCS to the thread count (more
// threads than CPUs: each worker gets a P; harness.Session), where it is
// base, its input's GOMAXPROCS (baseProcs). The thread counts of one
// run are one lock on one machine: with a variant per raised GOMAXPROCS,
// `run --locks mutex --modes page --threads 1,2,3,4` on 2 CPUs had
// threads 3 and 4 in variants of their own, no 1-thread case to
// compare them with, and no scaling fit.
func runProcs(n schema.Name, base int) int {
	if v, ok := n.Get(schema.KeyThreads); ok && base > 0 {
		if t, err := strconv.Atoi(v); err == nil && t == n.Procs && t > base {
			return base
		}
	}
	return n.Procs
}

// baseProcs is each input's GOMAXPROCS, by its .file: the smallest
// GOMAXPROCS of its names whose thread count differs from their
// GOMAXPROCS (or have none), else the smallest of all; 0 for an input
// without names.
func baseProcs(results []*benchfmt.Result) map[string]int {
	lowest := func(m map[string]int, f string, p int) {
		if q, ok := m[f]; !ok || p < q {
			m[f] = p
		}
	}
	kept, all := map[string]int{}, map[string]int{}
	for _, r := range results {
		n, f := schema.ParseName(r.Name), r.GetConfig(".file")
		lowest(all, f, n.Procs)
		if v, ok := n.Get(schema.KeyThreads); !ok || v != strconv.Itoa(n.Procs) {
			lowest(kept, f, n.Procs)
		}
	}
	for f, p := range all {
		if _, ok := kept[f]; !ok {
			kept[f] = p
		}
	}
	return kept
}

// variantOf is the Variant of a case named n in input file from machine:
// the machine first when the model has several (machines are never
// pooled), the keys besides mode, batch and threads, after the base name
// when it is not PageCache, then gomaxprocs and file when the model has
// several.
func variantOf(n schema.Name, file, machine string, multiFile, multiProcs, multiMachine bool) string {
	var variant []string
	if multiMachine {
		variant = append(variant, schema.ConfMachine+"="+machine)
	}
	if n.Base != schema.BasePageCache {
		variant = append(variant, n.Base)
	}
	for _, kv := range n.Keys {
		switch kv.Key {
		case schema.KeyMode, schema.KeyBatch, schema.KeyThreads:
		default:
			variant = append(variant, kv.Key+"="+kv.Value)
		}
	}
	if multiProcs {
		variant = append(variant, "gomaxprocs="+strconv.Itoa(n.Procs))
	}
	if multiFile {
		variant = append(variant, "file="+file)
	}
	return strings.Join(variant, " ")
}

// IsFloor reports whether c is a floor case: lock=none without class
// lock overrides.
func (c *Case) IsFloor() bool {
	if l, _ := c.Key(schema.KeyLock); l != schema.FloorLock {
		return false
	}
	for _, kv := range c.Name.Keys {
		if kv.Key != schema.KeyLock && schema.IsKey(kv.Key) && strings.HasSuffix(kv.Key, schema.ClassLockSuffix) {
			return false
		}
	}
	return true
}

// Alone returns c's case at one thread: the same variant, mode and batch
// (see Find), c itself when it runs one thread; nil when there is none.
// A contended case's regime key (schema.KeyRegime) is left out of the
// match: 1-thread cases have none, and one worker moves no cache line
// between cores, so every regime of c shares one case at one thread.
//
// Where the 1-thread cases are split by a speed state of their own
// (LabelStates: "speed-200ns"), c's case at one thread is the one in c's
// speed state when c's label names one, else the 1-thread state with the
// most repetitions.
func (m *Model) Alone(c *Case) *Case {
	if c.Mode == "" {
		return nil
	}
	if a := m.Find(m.Pooled(c), 1, c.Mode, c.Batch); a != nil {
		return a
	}
	if _, ok := c.Key(schema.KeyRegime); !ok && c.Threads == 1 {
		return nil
	}
	var best *Case
	want := c.Name.Without(schema.KeyRegime, schema.KeyThreads)
	reg, _ := c.Key(schema.KeyRegime)
	for _, x := range m.Cases {
		if x.Threads != 1 || x.Mode != c.Mode || x.File != c.File || x.Machine != c.Machine || x.Procs != c.Procs || x.CountsOnly() ||
			x.Name.Without(schema.KeyRegime, schema.KeyThreads).Case() != want.Case() {
			continue
		}
		xr, _ := x.Key(schema.KeyRegime)
		if xr != "" && strings.Contains("+"+reg+"+", "+"+xr+"+") {
			return x // c's own speed state
		}
		if best == nil || x.N() > best.N() {
			best = x
		}
	}
	return best
}

// Pooled returns c's Variant without its machine regime
// (schema.KeyRegime): the variant every regime of c shares, c.Variant
// itself when c has no regime key.
func (m *Model) Pooled(c *Case) string {
	if _, ok := c.Key(schema.KeyRegime); !ok {
		return c.Variant
	}
	return variantOf(c.named().Without(schema.KeyRegime), c.File, c.Machine, len(m.Files) > 1, len(m.Procs) > 1, len(m.Machines) > 1)
}

// CountsOnly reports whether c holds only the lock counts of a counting
// (instrumented) repetition, no timed value: a contended case whose one
// counting repetition ran in a regime none of its timed slices ran in.
// It is not a case to show or compare on its own; Counted lends its
// counts to the timed case of another regime.
func (c *Case) CountsOnly() bool {
	return c.Has(InstNSPage) && !c.Has(NSPage) && !c.Has(NSOp)
}

// Counted returns the case that holds c's lock counts (acq/page and
// the other lock units, and the class lines): c itself when it has them;
// otherwise, for a contended case, the same case in another machine
// regime (schema.KeyRegime), since its one counting repetition ran in
// one regime only; nil when no regime of c has them (a bare run).
func (m *Model) Counted(c *Case) *Case {
	counted := func(x *Case) bool { return x.Has(AcqPage) || len(x.Classes) > 0 }
	if counted(c) {
		return c
	}
	if _, ok := c.Key(schema.KeyRegime); !ok {
		return nil
	}
	want := c.Name.Without(schema.KeyRegime)
	for _, x := range m.Cases {
		if x != c && x.File == c.File && x.Machine == c.Machine && x.Procs == c.Procs &&
			x.Name.Without(schema.KeyRegime).Case() == want.Case() && counted(x) {
			return x
		}
	}
	return nil
}

// Floor returns the per-page work floor of c: the case with c's mode and
// batch (see Find) and c's other keys, but lock=none, no class lock
// overrides and one thread; nil when there is none. Its variant is made
// with c's GOMAXPROCS and input, so pass the case at one thread (Alone).
func (m *Model) Floor(c *Case) *Case {
	if c.Mode == "" {
		return nil
	}
	if f := m.Find(m.floorVariant(c, true), 1, c.Mode, c.Batch); f != nil {
		return f
	}
	// The floor in no state of c's: any state of it, the most repeated.
	var best *Case
	want := m.floorVariant(c, false)
	for _, x := range m.Cases {
		if x.Threads == 1 && x.Mode == c.Mode && x.Batch == c.Batch && m.Pooled(x) == want && (best == nil || x.N() > best.N()) {
			best = x
		}
	}
	return best
}

// floorVariant is the variant of c's floor: c's keys with lock none and
// no class lock overrides, and c's regime only if regime.
func (m *Model) floorVariant(c *Case, regime bool) string {
	n := schema.Name{Base: c.Name.Base, Procs: c.Procs}
	for _, kv := range c.Name.Keys {
		switch {
		case kv.Key == schema.KeyLock:
			n.Keys = append(n.Keys, schema.KV{Key: kv.Key, Value: schema.FloorLock})
		case strings.HasSuffix(kv.Key, schema.ClassLockSuffix) && schema.IsKey(kv.Key):
		case kv.Key == schema.KeyRegime && !regime:
		default:
			n.Keys = append(n.Keys, kv)
		}
	}
	return variantOf(n, c.File, c.Machine, len(m.Files) > 1, len(m.Procs) > 1, len(m.Machines) > 1)
}

// FloorAt returns the no-lock scaling floor of c: lock none at c's thread
// count, each worker on a private instance of the model (the lines
// harness.Plan.Floor adds), with c's mode, batch and other keys; in c's
// machine regime when it ran in it, else in any regime (the first case
// in model order). At one thread it is Floor(c). Nil when there is none
// with ns/page.
func (m *Model) FloorAt(c *Case) *Case {
	if c.Mode == "" {
		return nil
	}
	if c.Threads <= 1 {
		return m.Floor(c)
	}
	if f := m.Find(m.floorVariant(c, true), c.Threads, c.Mode, c.Batch); f != nil && f.Has(NSPage) {
		return f
	}
	want := m.floorVariant(c, false)
	for _, x := range m.Cases {
		if x.Threads == c.Threads && x.Mode == c.Mode && x.Batch == c.Batch && x.Has(NSPage) && m.Pooled(x) == want {
			return x
		}
	}
	return nil
}

// modeIndex is m's position in workloads.Modes().
func modeIndex(m workloads.Mode) int { return slices.Index(workloads.Modes(), m) }

func (m *Model) index() {
	variants, threads, batches, modes := map[string]bool{}, map[int]bool{}, map[int]bool{}, map[workloads.Mode]bool{}
	for _, c := range m.Cases {
		if c.CountsOnly() {
			continue // no case of its own: Counted lends its counts
		}
		if c.Mode != "" {
			g := group{c.Variant, c.Threads}
			m.groups[g] = append(m.groups[g], c)
		}
		if !c.PageCache() {
			m.Other = append(m.Other, c)
			continue
		}
		m.PageCache = append(m.PageCache, c)
		variants[c.Variant], threads[c.Threads], modes[c.Mode] = true, true, true
		if c.Mode != workloads.ModePage && c.Batch > 0 {
			batches[c.Batch] = true
		}
	}
	procs := map[int]bool{}
	for _, c := range m.Cases {
		procs[c.Procs] = true
	}
	m.Procs = sortedKeys(procs, cmp.Compare[int])
	m.Variants = sortedKeys(variants, strings.Compare)
	m.Threads = sortedKeys(threads, cmp.Compare[int])
	m.Batches = sortedKeys(batches, cmp.Compare[int])
	for _, mode := range workloads.Modes() {
		if modes[mode] {
			m.Modes = append(m.Modes, mode)
		}
	}
	byModeBatch := func(a, b *Case) int {
		return cmp.Or(cmp.Compare(modeIndex(a.Mode), modeIndex(b.Mode)), cmp.Compare(a.Batch, b.Batch))
	}
	slices.SortStableFunc(m.PageCache, func(a, b *Case) int {
		return cmp.Or(strings.Compare(a.Variant, b.Variant), cmp.Compare(a.Threads, b.Threads), byModeBatch(a, b))
	})
	for _, g := range m.groups {
		slices.SortStableFunc(g, byModeBatch)
	}
}

func sortedKeys[K comparable](m map[K]bool, compare func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compare)
	return keys
}

// Find returns the mode case of variant and threads in mode at batch, or
// nil. Mode page, whose cost does not depend on the batch key (harness
// keeps the key only to line page up with the batched modes in
// benchstat's rows; workloads' page geometry steps one page whatever the
// batch), is stood in for by the page case of the smallest batch (no
// batch key first) when there is none at batch; so is any mode when
// batch is 0.
func (m *Model) Find(variant string, threads int, mode workloads.Mode, batch int) *Case {
	var stand *Case
	for _, c := range m.groups[group{variant, threads}] {
		if c.Mode != mode {
			continue
		}
		if c.Batch == batch {
			return c
		}
		if stand == nil && (mode == workloads.ModePage || batch == 0) {
			stand = c
		}
	}
	return stand
}

// Page returns the per-page baseline of c: the workloads.ModePage case
// with c's variant and threads (see Find for the batch).
func (m *Model) Page(c *Case) *Case { return m.Find(c.Variant, c.Threads, workloads.ModePage, c.Batch) }

// Large returns the one-big-page ideal of c: the workloads.ModeLarge
// case with c's variant and threads at c's batch size (one unit of that
// many pages), or the only large case when large was run at one size.
func (m *Model) Large(c *Case) *Case {
	var only *Case
	n := 0
	for _, x := range m.groups[group{c.Variant, c.Threads}] {
		if x.Mode != workloads.ModeLarge {
			continue
		}
		if x.Batch == c.Batch {
			return x
		}
		only = x
		n++
	}
	if n == 1 {
		return only
	}
	return nil
}

// Batched reports whether mode is compared with per-page locking: every
// mode but the baseline (workloads.ModePage) and the ideal
// (workloads.ModeLarge).
func Batched(mode workloads.Mode) bool {
	return mode != "" && mode != workloads.ModePage && mode != workloads.ModeLarge
}

// CaseOf returns the case of r, one of the results m was built from; nil
// for any other result.
func (m *Model) CaseOf(r *benchfmt.Result) *Case { return m.byKey[caseKey(r)] }

// ConfigValue returns the file configuration value of key, "" if absent.
func (m *Model) ConfigValue(key string) string {
	for _, c := range m.Config {
		if c.Key == key {
			return c.Value()
		}
	}
	return ""
}

// Counters returns the units of m that are perf counters
// (schema.KindCounter), in order of first appearance.
func (m *Model) Counters() []string {
	var out []string
	for _, u := range m.Units {
		if k, ok := schema.Lookup(u); ok && k.Kind == schema.KindCounter {
			out = append(out, u)
		}
	}
	return out
}

// Footprint returns the units of m that are cache footprints
// (schema.KindFootprint: 'lockbench footprint' lines), in order of first
// appearance.
func (m *Model) Footprint() []string {
	var out []string
	for _, u := range m.Units {
		if k, ok := schema.Lookup(u); ok && k.Kind == schema.KindFootprint {
			out = append(out, u)
		}
	}
	return out
}

// Unknown returns the units of the page-cache cases that the results
// contract does not declare (schema.Lookup): written by another version
// of lockbench, or by hand. Reports show them as unknown, never as
// counters.
func (m *Model) Unknown() []string {
	var out []string
	for _, u := range m.Units {
		if _, ok := schema.Lookup(u); ok {
			continue
		}
		for _, c := range m.PageCache {
			if c.Has(u) {
				out = append(out, u)
				break
			}
		}
	}
	return out
}
