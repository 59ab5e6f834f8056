package render

import (
	"bytes"
	"cmp"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"golang.org/x/perf/benchunit"

	"github.com/lockbench/lockbench/internal/safefile"
	"github.com/lockbench/lockbench/internal/table"
	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/compare"
	"github.com/lockbench/lockbench/reports/headline"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/scaling"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// Options say what a report shows. The zero value means the
// defaults (DefaultOptions).
type Options struct {
	// Title heads the report; default "lockbench report".
	Title string
	// Knee is the fraction of the one-big-page ideal that a batch size
	// must reach to be the knee; default 0.9.
	Knee float64
	// Command is the command line that produced the results, shown under
	// Methodology when set (lockbench run passes its own).
	Command string
}

// DefaultOptions are the defaults of Options.
var DefaultOptions = Options{Title: "lockbench report", Knee: 0.9}

// The file names Write writes in its directory, besides the plots'
// (Plot.File).
const (
	HTMLFile     = "report.html"
	MarkdownFile = "report.md"
)

// A Report is the self-contained answer to lockbench's question for a Set
// of results: the headline and the efficiency of each batch size against
// the one-big-page ideal, the knee, plots, comparison tables, the machine
// and the method. Build it with New; write it with WriteHTML (one
// file: inline SVG and CSS, no JavaScript, no external assets) and
// WriteMarkdown (which links the plots as files beside it: write them
// from Plots, or use Write, which does all of it).
//
// Input that holds no lockbench page-cache case (plain `go test -bench`
// output) gives a report of what it has, each missing section saying
// why. Every string taken from input is escaped in both formats.
type Report struct {
	view  *view
	plots []Plot
}

// New builds the report of set. It fails only for a nil or empty set.
func New(set *reports.Set, opts Options) (*Report, error) {
	if set == nil || len(set.Results) == 0 {
		return nil, errors.New("report: no results to report on")
	}
	if opts.Title == "" {
		opts.Title = DefaultOptions.Title
	}
	if opts.Knee <= 0 || opts.Knee > 1 || math.IsNaN(opts.Knee) {
		opts.Knee = DefaultOptions.Knee
	}
	r := &Report{}
	r.plots, r.view = buildView(set, cases.Group(set.Results), opts)
	return r, nil
}

// Plots returns the report's plots in the order the report shows them.
func (r *Report) Plots() []Plot { return slices.Clone(r.plots) }

// WriteHTML writes the report as one self-contained HTML document.
func (r *Report) WriteHTML(w io.Writer) error {
	t, err := htmlTemplate()
	if err != nil {
		return err
	}
	if err := t.Execute(w, r.view); err != nil {
		return fmt.Errorf("report: writing html: %w", err)
	}
	return nil
}

// WriteMarkdown writes the report as Markdown. It links each plot by its
// Plot.File name, relative to the Markdown file.
func (r *Report) WriteMarkdown(w io.Writer) error {
	t, err := markdownTemplate()
	if err != nil {
		return err
	}
	if err := t.Execute(w, r.view); err != nil {
		return fmt.Errorf("report: writing markdown: %w", err)
	}
	return nil
}

// Write builds the report of set and writes report.html, report.md
// and the plots' SVG files (which report.md links) into dir, creating dir
// if needed. Each file is written to a temporary file and renamed into
// place (safefile.WriteFile): on an error, a file is old or absent, never
// cut short.
func Write(dir string, set *reports.Set, opts Options) error {
	r, err := New(set, opts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var html, md bytes.Buffer
	if err := r.WriteHTML(&html); err != nil {
		return err
	}
	if err := r.WriteMarkdown(&md); err != nil {
		return err
	}
	// Plots first, the documents that link them last. Each file is
	// replaced whole or not at all (safefile.WriteFile), so a full disk
	// leaves the old report or none, never a truncated one.
	type file struct {
		name string
		data []byte
	}
	var files []file
	for _, p := range r.plots {
		files = append(files, file{p.File, p.SVG})
	}
	files = append(files, file{MarkdownFile, md.Bytes()}, file{HTMLFile, html.Bytes()})
	for _, f := range files {
		err := safefile.WriteFile(filepath.Join(dir, f.name), 0o644, func(w io.Writer) error {
			_, err := w.Write(f.data)
			return err
		})
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return nil
}

// view is what the templates show: every value already formatted.
// Strings in it may come from input; the templates escape them.
type view struct {
	Title string
	Files []string

	Headlines []string
	// BottomLine is the summary's (reports.Summary.BottomLine): the
	// answer in one sentence, "" when no headline holds.
	BottomLine string
	// AllHeadlines is the terminal's headline table
	// (reports.Summary.HeadlineRows): every headline, provisional ones
	// said so.
	AllHeadlines  grid
	Curves        []string // the summary's batch curves and knees
	HeadlineNotes []string // reports.Summarize's warnings: regimes, cases without a page to compare with
	NoHeadline    string

	Claims     []claim // "batch=16 reaches 93% of the one-big-page ideal (...)"
	Efficiency grid
	// EfficiencyNotes explain efficiencies outside 0..100%.
	EfficiencyNotes []string
	NoEfficiency    string
	Knee            string // "90%"
	Knees           grid

	// Machines are the headlines of several machines side by side;
	// MachineDesc describes them side by side (a merged file's
	// per-machine lines).
	Machines    grid
	MachineDesc grid

	Scaling      grid
	ScalingNotes []string
	NoScaling    string

	Plots   []Plot
	NoPlots []string

	Decomposition   []string // paragraphs: derivation and limits
	DecompositionT  grid
	NoDecomposition string

	// Classes is the lockstat-style table of the lock classes (see
	// reports.Summary.WriteClasses) at the largest thread count and the
	// headline batch.
	Classes     grid
	ClassesNote string
	NoClasses   string

	Counters     grid
	CountersNote string
	NoCounters   string
	// UnknownUnits names the units of page-cache cases that the results
	// contract (package schema) does not declare: shown as unknown, not
	// as counters.
	UnknownUnits string

	Results   grid
	NoResults string

	Comparison   string // benchstat-style text tables
	ComparisonMD string // the same in Markdown (already escaped)
	NoComparison string

	Other grid

	Machine   []cases.Config
	NoMachine string

	Methodology []fact
	Warnings    []string
}

// grid is a table of formatted cells.
type grid struct {
	Header []string
	Rows   [][]string
}

// fact is one line of the methodology.
type fact struct {
	Label, Value string
}

// noPageCache explains the sections that need lockbench's cases.
const noPageCache = "The input has no lockbench page-cache cases (benchmark names with mode=, batch= and threads= keys, " +
	"as `lockbench run` writes them), so there is nothing to answer the batching question with. " +
	"What the input has is listed under Other benchmarks."

// needsPageCache stands in for noPageCache after its first use.
const needsPageCache = "Not available: this section needs lockbench page-cache cases, and the input has none (see The answer)."

// percent formats a fraction as a whole percentage.
func percent(f float64) string { return stats.Pct(f, 0, false) }

func buildView(set *reports.Set, m *cases.Model, opts Options) ([]Plot, *view) {
	v := &view{Title: opts.Title, Files: set.Files, Knee: percent(opts.Knee)}
	for _, w := range set.Warnings {
		v.Warnings = append(v.Warnings, w.Error())
	}
	v.Warnings = append(v.Warnings, m.Warnings...)
	hb := headlineBatch(m)
	sum := reports.SummarizeModel(m) // for the headlines and the machines' table
	v.fillAnswer(m, sum)
	v.fillEfficiency(m, efficiencies(m), provisionalVariants(sum), opts)
	v.Machines = machineHeadlines(m, sum, hb)
	v.MachineDesc = machineTable(m)
	plots := v.fillPlotsAndScaling(m, hb)
	v.fillDecomposition(m, hb)
	v.Classes, v.ClassesNote, v.NoClasses = classGrid(m)
	v.fillCounters(m, hb)
	v.fillResults(m)
	// Comparison tables: every mode against page, benchstat's way.
	v.Comparison, v.ComparisonMD, v.NoComparison = modeComparison(set, m)
	v.fillOther(m)
	v.fillMachine(m)
	v.Methodology = methodology(set, m, opts)
	return plots, v
}

// fillAnswer fills the headlines and the seed's claim from the summary of
// the case model, the same engine as `lockbench run`'s.
func (v *view) fillAnswer(m *cases.Model, sum *reports.Summary) {
	v.Headlines, v.HeadlineNotes = headlines(m, sum)
	v.BottomLine = sum.BottomLine()
	// Every headline the terminal prints, in its order and its short
	// form, pcp and pagevec too.
	v.AllHeadlines.Header, v.AllHeadlines.Rows = sum.HeadlineRows()
	v.Curves = sum.CurveLines()
	switch {
	case len(m.PageCache) == 0:
		v.NoHeadline = noPageCache
	case len(v.Headlines) == 0:
		v.NoHeadline = "No headline: it needs mode page and mode batch at the same lock and thread count " +
			fmt.Sprintf("(modes present: %s).", strings.Join(workloads.ModeStrings(m.Modes), ", "))
	}
}

// fillEfficiency fills the efficiency of each batch size against the
// one-big-page ideal, its notes, the claims and the knees.
func (v *view) fillEfficiency(m *cases.Model, effs []efficiencyRow, provisional map[string]int, opts Options) {
	v.Efficiency.Header = []string{schema.KeyLock, schema.KeyThreads, schema.KeyBatch, "page " + cases.NSPage, "batch " + cases.NSPage, "large " + cases.NSPage, "efficiency"}
	for _, e := range effs {
		v.Efficiency.Rows = append(v.Efficiency.Rows, []string{
			reports.VariantLabel(e.Variant), strconv.Itoa(e.Threads), strconv.Itoa(e.Batch),
			stats.Short(e.Page), stats.Short(e.Bat), stats.Short(e.Large), percent(e.Efficiency)})
	}
	v.Claims = claims(m, effs, provisional)
	var above, below bool
	for _, e := range effs {
		above = above || e.Efficiency > 1
		below = below || e.Efficiency < 0
	}
	if above {
		v.EfficiencyNotes = append(v.EfficiencyNotes, "Above 100%: batch measured faster than large. Large does the same work in one N-page unit, so this is noise "+
			"(compare the confidence intervals under Results) or a difference between the modes' work that is not locking.")
	}
	if below {
		v.EfficiencyNotes = append(v.EfficiencyNotes, "Below 0%: batch measured slower than page: batching cost more than it saved there.")
	}
	switch {
	case len(m.PageCache) == 0:
		v.NoEfficiency = needsPageCache
	case len(effs) == 0:
		v.NoEfficiency = "No efficiency: it needs modes page, batch and large at the same lock and thread count " +
			fmt.Sprintf("(modes present: %s).", strings.Join(workloads.ModeStrings(m.Modes), ", "))
	}
	v.Knees.Header = []string{schema.KeyLock, schema.KeyThreads, "knee (smallest batch reaching " + v.Knee + " of the ideal)"}
	for _, k := range knees(effs, opts.Knee) {
		var s string
		switch {
		case k.Batch > 0:
			s = fmt.Sprintf("batch=%d (%s)", k.Batch, percent(k.Eff))
		case k.BestBatch > 0:
			s = fmt.Sprintf("not reached: best %s at batch=%d", percent(k.Eff), k.BestBatch)
		default:
			s = "not reached: large is not faster than page"
		}
		v.Knees.Rows = append(v.Knees.Rows, []string{reports.VariantLabel(k.Variant), strconv.Itoa(k.Threads), s})
	}
}

// fillPlotsAndScaling fills the plots, the scaling fits' last, and the
// scaling table, and returns the plots.
func (v *view) fillPlotsAndScaling(m *cases.Model, hb int) []Plot {
	plots, missing := drawPlots(m)
	fits, fitNotes := scalingFits(m, hb)
	rp := &plotter{plots: plots, missing: missing}
	scalingPlots(rp, fits)
	plots, missing = rp.plots, rp.missing
	v.Plots, v.NoPlots = plots, missing
	v.Scaling, v.ScalingNotes = scalingGrid(fits), fitNotes
	switch {
	case len(m.PageCache) == 0:
		v.NoScaling = needsPageCache
	case len(fits) == 0:
		v.NoScaling = fmt.Sprintf("No scaling fit: it needs a lock and mode measured at %d or more thread counts on one machine, in one machine state (thread counts present: %s).",
			scaling.MinDistinctN, joinThreads(m.Threads))
		if len(m.Threads) < scaling.MinDistinctN {
			// The line says it all; with enough thread counts in the
			// input, the notes say which lock and mode lacked which.
			v.ScalingNotes = nil
		}
	}
	if len(m.PageCache) == 0 {
		v.NoPlots = append(v.NoPlots, needsPageCache)
	}
	return plots
}

// fillDecomposition fills the counterfactual decomposition of per-page
// time.
func (v *view) fillDecomposition(m *cases.Model, hb int) {
	if len(m.PageCache) == 0 {
		v.NoDecomposition = needsPageCache
	} else {
		v.Decomposition, v.DecompositionT = decomposition(m, hb)
	}
}

// fillCounters fills the counters per page and names the units the results
// contract does not declare.
func (v *view) fillCounters(m *cases.Model, hb int) {
	v.Counters, v.NoCounters = counters(m)
	if hb > 0 {
		v.CountersNote = fmt.Sprintf("Medians per page at batch=%d (the results table and file have the other batch sizes).", hb)
	}
	if unknown := m.Unknown(); len(unknown) > 0 {
		v.UnknownUnits = "Units that lockbench's results contract (package schema) does not declare, so neither counters nor any other known measure: " +
			strings.Join(unknown, ", ") + ". They were written by another version of lockbench or by another tool; the results file has their values."
	}
}

// fillResults fills the medians of every page-cache case.
func (v *view) fillResults(m *cases.Model) {
	units := []string{cases.CPUNSPage, cases.AcqPage, cases.ContendedPage, schema.UnitHandoffs, cases.WaitNSPage, schema.UnitWaitP99, schema.UnitXfer}
	v.Results.Header = append([]string{schema.KeyMode, schema.KeyBatch, schema.KeyLock, schema.KeyThreads, "n", cases.NSPage + " [95% CI]"}, units...)
	for _, c := range m.PageCache {
		row := []string{string(c.Mode), strconv.Itoa(c.Batch), reports.VariantLabel(c.Variant), strconv.Itoa(c.Threads), strconv.Itoa(c.N())}
		if e, ok := c.Estimate(cases.NSPage); ok {
			row = append(row, e.Interval(3))
		} else {
			row = append(row, stats.None)
		}
		for _, u := range units {
			row = append(row, stats.Short(c.Median(u)))
		}
		v.Results.Rows = append(v.Results.Rows, row)
	}
	if len(m.PageCache) == 0 {
		v.NoResults = needsPageCache
	}
}

// fillOther fills the benchmarks that are not page-cache cases.
func (v *view) fillOther(m *cases.Model) {
	v.Other.Header = []string{"benchmark", "unit", "n", "median [95% CI]"}
	for _, c := range m.Other {
		for _, u := range c.Units {
			e, _ := c.Estimate(u)
			v.Other.Rows = append(v.Other.Rows, []string{c.Name.Full(), u, strconv.Itoa(e.N), e.Interval(3)})
		}
	}
}

// fillMachine fills the machine's description.
func (v *view) fillMachine(m *cases.Model) {
	v.Machine = m.Config
	if len(v.Machine) == 0 {
		v.NoMachine = "The input has no file configuration lines (\"key: value\" before the results), so the machine is not described."
	}
}

// headlines are the answer: for each lock at the largest thread count,
// the summary's headline (the one engine, package headline) of the headline
// batch against page, so that the report and `lockbench run` agree.
// notes are the summary's warnings bar the model's, which the report
// shows with the input's.
func headlines(m *cases.Model, sum *reports.Summary) (out, notes []string) {
	if len(m.Threads) == 0 {
		return nil, nil
	}
	notes = sum.Warnings[len(m.Warnings):]
	// One per case when the machine switched regimes: the first few say
	// it; Methodology has the range.
	const maxNotes = 4
	if len(notes) > maxNotes {
		more := len(notes) - maxNotes
		notes = append(notes[:maxNotes:maxNotes], fmt.Sprintf("… and %d more like these.", more))
	}
	hb := headlineBatch(m)
	for _, v := range m.Variants {
		t := maxThreads(m, v)
		bc := m.Find(v, t, workloads.ModeBatch, hb)
		if bc == nil || bc.Batch != hb || !bc.Has(cases.NSPage) {
			continue
		}
		if pc := m.Page(bc); pc == nil || !pc.Has(cases.NSPage) {
			continue
		}
		for i := range sum.Headlines {
			h := &sum.Headlines[i]
			if h.BatchedCase() != bc {
				continue
			}
			// Full says "provisional" first when it is: one engine,
			// one answer.
			text := h.Full() + "."
			if len(h.Notes) > 0 {
				text += " Note: " + strings.Join(h.Notes, "; ") + "."
			}
			out = append(out, text)
		}
	}
	return out, notes
}

// claims test the seed's claim, one sentence per lock at the largest
// thread count: the headline batch's efficiency first, then the others'.
func claims(m *cases.Model, effs []efficiencyRow, provisional map[string]int) []claim {
	if len(m.Threads) == 0 {
		return nil
	}
	hb := headlineBatch(m)
	var out []claim
	for _, v := range m.Variants {
		if headline.FloorVariant(m, v) {
			continue // the per-page work floor is a reference, not an answer
		}
		maxT := maxThreads(m, v)
		var head string
		var others []string
		for _, e := range effs {
			if e.Variant != v || e.Threads != maxT {
				continue
			}
			if math.IsNaN(e.Efficiency) {
				others = append(others, fmt.Sprintf("batch=%d: no ideal to approach, large (%s ns/page) is not significantly faster than page (%s ns/page)",
					e.Batch, stats.Short(e.Large), stats.Short(e.Page)))
				continue
			}
			if e.Batch == hb {
				head = fmt.Sprintf("batch=%d reaches %s of the one-big-page ideal", e.Batch, percent(e.Efficiency))
			} else {
				others = append(others, fmt.Sprintf("batch=%d: %s", e.Batch, percent(e.Efficiency)))
			}
		}
		if head == "" && len(others) == 0 {
			continue
		}
		s := head
		if s == "" {
			s = fmt.Sprintf("batch=%d has no efficiency", hb)
		}
		s += fmt.Sprintf(" (%s, %s)", reports.VariantLabel(v), threadsLabel(maxT))
		if len(others) > 0 {
			s += "; " + strings.Join(others, "; ")
		}
		if n, ok := provisional[v]; ok {
			// A state seen in too few blocks: the terminal calls its
			// headline provisional, and so does the report, unbolded.
			out = append(out, claim{Text: fmt.Sprintf("Provisional (%s, no interval yet): %s.", stats.Plural(n, "block"), s)})
			continue
		}
		out = append(out, claim{Text: s + ".", Bold: true})
	}
	return out
}

// A claim is one sentence on the seed's claim; Bold when it rests on a
// settled headline.
type claim struct {
	Text string
	Bold bool
}

// provisionalVariants are the variants (cases.Case.Variant) whose
// headline of mode batch is provisional (headline.Headline.Provisional),
// with its blocks.
func provisionalVariants(sum *reports.Summary) map[string]int {
	out := map[string]int{}
	for i := range sum.Headlines {
		h := &sum.Headlines[i]
		if bc := h.BatchedCase(); h.Provisional && bc != nil && bc.Mode == workloads.ModeBatch {
			out[bc.Variant] = h.Blocks
		}
	}
	return out
}

// decomposition returns the derivation of the counterfactual
// decomposition (package saving) and its numbers as a table: every lock but
// the floor, every thread count and mode, at the headline batch.
func decomposition(m *cases.Model, hb int) ([]string, grid) {
	paras := []string{
		"Each row splits a case's thread time per page (ns/page × threads, since ns/page is wall time over the pages of all threads together) into three parts, each measured rather than fitted, that add up to the total by construction. " +
			"Per-page work is the same mode and batch with lock=none, no lock at all, at one thread: the floor. " +
			"Lock instructions are the lock at one thread minus that floor: what taking and releasing the locks costs with nobody else around. " +
			"Contention is the lock at T threads minus the lock at one thread, in thread time, so that a lock that scales perfectly shows 0 (and at one thread it is 0 by definition).",
		"Contention splits into waiting (wait-ns/page: the time contended acquisitions waited, summed over threads, from the instrumented repetitions) and the rest: cache-line transfers of the lock words and of the data they protect, handoffs, and whatever else the threads share. " +
			"The times are the bare repetitions' (ns/page); the counts come from instrumented repetitions of the same cases, interleaved with them.",
		"Limits: a part near zero, or negative, is a difference within noise, or a case faster than its reference (threads sharing a warm cache can scale better than linearly); the chart draws negative parts as zero, the table shows them. " +
			"For blocking locks waiting includes time off CPU. The lock part is uncontended: under contention the lock's extra cost is counted as contention. " +
			"The least-squares slope of ns/page against acq/page that earlier reports used is gone: it attributed to the locks all the work that scales with the mode, which the floor shows to be most of it.",
	}
	if m.ConfigValue(schema.ConfTiming) == schema.TimingInstrumented {
		paras = append(paras, "This input timed instrumented locks (timing: instrumented, a profiled run): every part carries the instrumentation's cost, the lock part most.")
	}
	t := grid{Header: []string{schema.KeyLock, schema.KeyThreads, schema.KeyMode, "total thread-ns/page", "per-page work", "lock instructions", "contention", "of which waiting", "contention rest"}}
	for _, v := range m.Variants {
		for _, th := range m.Threads {
			for _, mode := range m.Modes {
				c := m.Find(v, th, mode, hb)
				if c == nil || c.IsFloor() || !c.Has(cases.NSPage) {
					continue
				}
				p, why := headline.CaseParts(m, c)
				row := []string{reports.VariantLabel(v), strconv.Itoa(th), modeLabel(mode, c.Batch)}
				if why != "" {
					row = append(row, stats.Short(float64(c.Median(cases.NSPage))*float64(th)), stats.None, stats.None, stats.None, stats.None, why)
					t.Rows = append(t.Rows, row)
					continue
				}
				wait, rest := stats.None, stats.None
				if p.Waiting != nil {
					wait, rest = stats.Short(float64(*p.Waiting)), stats.Short(float64(p.Contention-*p.Waiting))
				}
				row = append(row, stats.Short(float64(p.Total)), stats.Short(float64(p.Work)), stats.Short(float64(p.Lock)), stats.Short(float64(p.Contention)), wait, rest)
				t.Rows = append(t.Rows, row)
			}
		}
	}
	return paras, t
}

// counters tabulates the perf counters per page (schema.KindCounter)
// and the cache footprint of 'lockbench footprint' lines
// (schema.KindFootprint) when the results carry them; a unit the contract
// does not declare is not one (see view.UnknownUnits).
func counters(m *cases.Model) (grid, string) {
	var units []string
	for _, u := range append(m.Counters(), m.Footprint()...) {
		for _, c := range m.PageCache {
			if c.Has(u) {
				units = append(units, u)
				break
			}
		}
	}
	if len(m.PageCache) == 0 {
		return grid{}, needsPageCache
	}
	if len(units) == 0 {
		return grid{}, "The results carry no counters per page: perf_event_open was not allowed on the machine " +
			"(see counters under Machine), or the results were not written by lockbench."
	}
	t := grid{Header: append([]string{schema.KeyMode, schema.KeyBatch, schema.KeyLock, schema.KeyThreads}, units...)}
	hb := headlineBatch(m)
	for _, c := range m.PageCache {
		if c.Batch != hb && hb != 0 { // the other batch sizes are in the results file
			continue
		}
		row := []string{string(c.Mode), strconv.Itoa(c.Batch), reports.VariantLabel(c.Variant), strconv.Itoa(c.Threads)}
		for _, u := range units {
			row = append(row, stats.Short(c.Median(u)))
		}
		t.Rows = append(t.Rows, row)
	}
	return t, ""
}

// comparedUnits are the units compared across modes.
func comparedUnits() []string { return []string{cases.NSPage, schema.UnitWaitP99} }

// modeComparison compares every mode with page (benchstat -col /mode)
// over the page-cache results.
func modeComparison(set *reports.Set, m *cases.Model) (text, md, missing string) {
	if len(m.PageCache) == 0 {
		return "", "", needsPageCache
	}
	if !slices.Contains(m.Modes, workloads.ModePage) || len(m.Modes) < 2 {
		return "", "", "No comparison: it needs mode page and at least one other mode."
	}
	sub := &reports.Set{Files: set.Files, Units: set.Units}
	for _, r := range set.Results {
		if c := m.CaseOf(r); c != nil && c.PageCache() {
			sub.Results = append(sub.Results, r)
		}
	}
	opts := compare.DefaultOptions
	opts.Col = "/" + schema.KeyMode + "@(" + strings.Join(workloads.ModeStrings(m.Modes), " ") + ")"
	cmp, err := compare.Tables(sub, opts)
	if err != nil {
		return "", "", fmt.Sprintf("No comparison: %v.", err)
	}
	var keep []string
	for _, u := range comparedUnits() {
		// Tidied as reports.Load reads it ("sec/page"), or as the harness
		// wrote it when the results come from memory ("ns/page").
		_, tidy := benchunit.Tidy(1, u)
		keep = append(keep, tidy, u)
	}
	var tables []*compare.Table
	for _, t := range cmp.Tables {
		if slices.Contains(keep, t.Unit) {
			tables = append(tables, t)
		}
	}
	slices.SortStableFunc(tables, func(a, b *compare.Table) int {
		return slices.Index(keep, a.Unit)/2 - slices.Index(keep, b.Unit)/2
	})
	cmp.Tables = tables
	cmp.Config = nil // the Machine section shows it
	var tb, mb bytes.Buffer
	if err := cmp.Write(&tb, compare.Text); err != nil {
		return "", "", fmt.Sprintf("No comparison: %v.", err)
	}
	if err := cmp.Write(&mb, compare.Markdown); err != nil {
		return "", "", fmt.Sprintf("No comparison: %v.", err)
	}
	return tb.String(), mb.String(), ""
}

// methodology says how the numbers were made, from the file
// configuration (schema's keys) and the results themselves.
func methodology(set *reports.Set, m *cases.Model, opts Options) []fact {
	notRecorded := "not recorded in the input"
	or := func(s string) string {
		if s == "" {
			return notRecorded
		}
		return s
	}
	// The class lines counted are those placed under their case
	// (cases.Model.ClassLines), as the classes command shows them; class
	// lines without their case are left out, as Warnings says.
	classLines := m.ClassLines + m.Orphans
	input := fmt.Sprintf("%d result lines from %s", len(set.Results)-classLines, strings.Join(set.Files, ", "))
	if m.ClassLines > 0 {
		input = fmt.Sprintf("%d result lines and %d lock-class lines (%s=) from %s", len(set.Results)-classLines, m.ClassLines, schema.KeyClass, strings.Join(set.Files, ", "))
	}
	if m.Orphans > 0 {
		input += fmt.Sprintf("; %d lock-class %s without their case line left out", m.Orphans, map[bool]string{true: "line", false: "lines"}[m.Orphans == 1])
	}
	facts := []fact{{"Input", input}}
	if opts.Command != "" {
		facts = append(facts, fact{"Command", opts.Command})
	}
	facts = append(facts, fact{"Cases", fmt.Sprintf("%d lockbench page-cache cases, %d other benchmarks", len(m.PageCache), len(m.Other))})
	minN, maxN := math.MaxInt, 0
	for _, c := range m.Cases {
		minN, maxN = min(minN, c.N()), max(maxN, c.N())
	}
	count := fmt.Sprintf("%d per case", maxN)
	if minN != maxN {
		count = fmt.Sprintf("%d to %d per case", minN, maxN)
	}
	if cfg := m.ConfigValue(schema.ConfCount); cfg != "" {
		count += " (count: " + cfg + ")"
	}
	facts = append(facts,
		fact{"Repetitions", count},
		fact{"Duration", or(m.ConfigValue(schema.ConfDuration))},
		fact{"Warm-up", or(m.ConfigValue(schema.ConfWarmup))},
		fact{"Order of repetitions", or(m.ConfigValue(schema.ConfOrder))},
		fact{"Pinning (affinity)", or(m.ConfigValue(schema.ConfAffinity))},
	)
	if files := m.ConfigValue(schema.ConfFiles); files != "" {
		facts = append(facts, fact{"Files", files + " (shared: all threads work on the same files and mapping locks; private: one file per thread)"})
	}
	if len(m.Threads) > 0 {
		var ts []string
		for _, t := range m.Threads {
			ts = append(ts, strconv.Itoa(t))
		}
		over := "unknown: the input does not record the CPU count"
		cpuStr := cmp.Or(m.ConfigValue(schema.ConfCPUs), m.ConfigValue(schema.ConfCores))
		if cpus, err := strconv.Atoi(strings.TrimSpace(cpuStr)); err == nil && cpus > 0 {
			var oversub []string
			for _, t := range m.Threads {
				if t > cpus {
					oversub = append(oversub, strconv.Itoa(t))
				}
			}
			if len(oversub) == 0 {
				over = fmt.Sprintf("none: at most one thread per CPU (%d CPUs)", cpus)
			} else {
				over = fmt.Sprintf("threads=%s exceed the %d CPUs: those cases are oversubscribed and time-share cores, so a spinning lock can burn its holder's time slice", strings.Join(oversub, ","), cpus)
			}
		}
		facts = append(facts, fact{"Threads", strings.Join(ts, ", ")}, fact{"Oversubscription", over})
	}
	counters := or(m.ConfigValue(schema.ConfCounters))
	if note := m.ConfigValue(schema.ConfCountNote); note != "" {
		counters += " (" + note + ")"
	}
	if cu := m.Counters(); len(cu) > 0 {
		counters += "; in the results: " + strings.Join(cu, ", ")
	} else {
		counters += "; no counters per page in the results"
	}
	facts = append(facts, fact{"Counters available", counters})
	var xfer []float64
	for _, c := range m.PageCache {
		xfer = append(xfer, c.Samples[schema.UnitXfer]...)
	}
	if len(xfer) > 0 {
		sp := stats.NewSpread(xfer)
		s := fmt.Sprintf("one-way cache-line transfer min %s, median %s, max %s ns over %d repetitions",
			stats.Short(float64(sp.Min)), stats.Short(float64(sp.Median)), stats.Short(float64(sp.Max)), len(xfer))
		if sp.Min > 0 && float64(sp.Max) > stats.RegimeRatio*float64(sp.Min) {
			s += "; WARNING: the transfer cost changed more than twofold during the sweep (the machine switched regimes): contended results of different cases may not be comparable"
		}
		facts = append(facts, fact{"Machine regime (" + schema.UnitXfer + ")", s})
	}
	bare := 0
	for _, c := range m.PageCache {
		if !c.Has(cases.AcqPage) {
			bare++
		}
	}
	if len(m.PageCache) > 0 {
		inst := "every case instrumented (lock counters present)"
		if bare > 0 {
			inst = fmt.Sprintf("%d of %d cases without lock counters (bare runs: no instrumented repetition)", bare, len(m.PageCache))
		}
		if b := m.ConfigValue(schema.ConfBare); b != "" {
			inst += "; bare: " + b
		}
		facts = append(facts, fact{"Instrumentation", inst})
	}
	facts = append(facts, fact{"Statistics",
		"medians with 95% confidence intervals assuming no distribution (golang.org/x/perf/benchmath); " +
			"modes compared by the Mann-Whitney U test at α = 0.05, as benchstat does; efficiency = (page − batch) / (page − large) on medians of ns/page"})
	return facts
}

//go:embed templates/report.html.tmpl templates/report.md.tmpl
var templates embed.FS

func htmlTemplate() (*htmltemplate.Template, error) {
	t, err := htmltemplate.New("report.html.tmpl").ParseFS(templates, "templates/report.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("report: parsing html template: %w", err)
	}
	return t, nil
}

func markdownTemplate() (*template.Template, error) {
	t, err := template.New("report.md.tmpl").Funcs(template.FuncMap{
		"md":      table.EscapeMarkdown,
		"mdtable": mdTable,
	}).ParseFS(templates, "templates/report.md.tmpl")
	if err != nil {
		return nil, fmt.Errorf("report: parsing markdown template: %w", err)
	}
	return t, nil
}

// mdTable renders a table in GitHub Markdown, every cell escaped.
func mdTable(t grid) string {
	var b strings.Builder
	table.Markdown(&b, t.Header, t.Rows) // a strings.Builder does not fail
	return b.String()
}

// joinThreads lists thread counts for a sentence.
func joinThreads(ts []int) string {
	var s []string
	for _, t := range ts {
		s = append(s, strconv.Itoa(t))
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
