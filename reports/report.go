package reports

import (
	"bytes"
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

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// ReportOptions say what a report shows. The zero value means the
// defaults (DefaultReportOptions).
type ReportOptions struct {
	// Title heads the report; default "lockbench report".
	Title string
	// Knee is the fraction of the one-big-page ideal that a batch size
	// must reach to be the knee; default 0.9.
	Knee float64
	// Command is the command line that produced the results, shown under
	// Methodology when set (lockbench run passes its own).
	Command string
}

// DefaultReportOptions are the defaults of ReportOptions.
var DefaultReportOptions = ReportOptions{Title: "lockbench report", Knee: 0.9}

// The file names WriteReport writes in its directory, besides the plots'
// (ReportPlot.File).
const (
	ReportHTMLFile     = "report.html"
	ReportMarkdownFile = "report.md"
)

// A Report is the self-contained answer to lockbench's question for a Set
// of results: the headline and the efficiency of each batch size against
// the one-big-page ideal, the knee, plots, comparison tables, the machine
// and the method. Build it with NewReport; write it with WriteHTML (one
// file: inline SVG and CSS, no JavaScript, no external assets) and
// WriteMarkdown (which links the plots as files beside it: write them
// from Plots, or use WriteReport, which does all of it).
//
// Input that holds no lockbench page-cache case (plain `go test -bench`
// output) gives a report of what it has, each missing section saying
// why. Every string taken from input is escaped in both formats.
type Report struct {
	view  *reportView
	plots []ReportPlot
}

// NewReport builds the report of set. It fails only for a nil or empty set.
func NewReport(set *Set, opts ReportOptions) (*Report, error) {
	if set == nil || len(set.Results) == 0 {
		return nil, errors.New("report: no results to report on")
	}
	if opts.Title == "" {
		opts.Title = DefaultReportOptions.Title
	}
	if opts.Knee <= 0 || opts.Knee > 1 || math.IsNaN(opts.Knee) {
		opts.Knee = DefaultReportOptions.Knee
	}
	m := newReportModel(set.Results)
	r := &Report{}
	r.plots, r.view = reportBuildView(set, m, opts)
	return r, nil
}

// Plots returns the report's plots in the order the report shows them.
func (r *Report) Plots() []ReportPlot { return slices.Clone(r.plots) }

// WriteHTML writes the report as one self-contained HTML document.
func (r *Report) WriteHTML(w io.Writer) error {
	t, err := reportHTMLTemplate()
	if err != nil {
		return err
	}
	if err := t.Execute(w, r.view); err != nil {
		return fmt.Errorf("report: writing html: %w", err)
	}
	return nil
}

// WriteMarkdown writes the report as Markdown. It links each plot by its
// ReportPlot.File name, relative to the Markdown file.
func (r *Report) WriteMarkdown(w io.Writer) error {
	t, err := reportMarkdownTemplate()
	if err != nil {
		return err
	}
	if err := t.Execute(w, r.view); err != nil {
		return fmt.Errorf("report: writing markdown: %w", err)
	}
	return nil
}

// WriteReport builds the report of set and writes report.html, report.md
// and the plots' SVG files (which report.md links) into dir, creating dir
// if needed.
func WriteReport(dir string, set *Set, opts ReportOptions) error {
	r, err := NewReport(set, opts)
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
	files := map[string][]byte{ReportHTMLFile: html.Bytes(), ReportMarkdownFile: md.Bytes()}
	for _, p := range r.plots {
		files[p.File] = p.SVG
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return nil
}

// reportView is what the templates show: every value already formatted.
// Strings in it may come from input; the templates escape them.
type reportView struct {
	Title string
	Files []string

	Headlines     []string
	HeadlineNotes []string // Summarize's warnings: regimes, cases without a page to compare with
	NoHeadline    string

	Claims     []string // "batch=16 reaches 93% of the one-big-page ideal (...)"
	Efficiency reportTable
	// EfficiencyNotes explain efficiencies outside 0..100%.
	EfficiencyNotes []string
	NoEfficiency    string
	Knee            string // "90%"
	Knees           reportTable

	Plots   []ReportPlot
	NoPlots []string

	Decomposition   []string // paragraphs: derivation and limits
	DecompositionT  reportTable
	NoDecomposition string

	Counters     reportTable
	CountersNote string
	NoCounters   string

	Results   reportTable
	NoResults string

	Comparison   string // benchstat-style text tables
	ComparisonMD string // the same in Markdown (already escaped)
	NoComparison string

	Other reportTable

	Machine   []reportConfig
	NoMachine string

	Methodology []reportFact
	Warnings    []string
}

// reportTable is a table of formatted cells.
type reportTable struct {
	Header []string
	Rows   [][]string
}

// reportFact is one line of the methodology.
type reportFact struct {
	Label, Value string
}

// reportNoPageCache explains the sections that need lockbench's cases.
const reportNoPageCache = "The input has no lockbench page-cache cases (benchmark names with mode=, batch= and threads= keys, " +
	"as `lockbench run` writes them), so there is nothing to answer the batching question with. " +
	"What the input has is listed under Other benchmarks."

// reportNeedsPageCache stands in for reportNoPageCache after its first use.
const reportNeedsPageCache = "Not available: this section needs lockbench page-cache cases, and the input has none (see The answer)."

func reportBuildView(set *Set, m *reportModel, opts ReportOptions) ([]ReportPlot, *reportView) {
	v := &reportView{Title: opts.Title, Files: set.Files, Knee: reportPercent(opts.Knee)}
	for _, w := range set.Warnings {
		v.Warnings = append(v.Warnings, w.Error())
	}
	effs := m.efficiencies()
	hb := m.headlineBatch()

	// Headlines and the seed's claim.
	v.Headlines, v.HeadlineNotes = m.headlines(set.Results, effs, len(set.Files) > 1)
	switch {
	case len(m.PageCache) == 0:
		v.NoHeadline = reportNoPageCache
	case len(v.Headlines) == 0:
		v.NoHeadline = "No headline: it needs mode page and mode batch at the same lock and thread count " +
			fmt.Sprintf("(modes present: %s).", strings.Join(m.Modes, ", "))
	}
	v.Efficiency.Header = []string{"lock", "threads", "batch", "page ns/page", "batch ns/page", "large ns/page", "efficiency"}
	for _, e := range effs {
		v.Efficiency.Rows = append(v.Efficiency.Rows, []string{
			reportVariantLabel(e.Variant), strconv.Itoa(e.Threads), strconv.Itoa(e.Batch),
			reportFormat(e.Page), reportFormat(e.Bat), reportFormat(e.Large), reportPercent(e.Efficiency)})
	}
	v.Claims = m.claims(effs)
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
		v.NoEfficiency = reportNeedsPageCache
	case len(effs) == 0:
		v.NoEfficiency = "No efficiency: it needs modes page, batch and large at the same lock and thread count " +
			fmt.Sprintf("(modes present: %s).", strings.Join(m.Modes, ", "))
	}
	v.Knees.Header = []string{"lock", "threads", "knee (smallest batch reaching " + v.Knee + " of the ideal)"}
	for _, k := range reportKnees(effs, opts.Knee) {
		var s string
		switch {
		case k.Batch > 0:
			s = fmt.Sprintf("batch=%d (%s)", k.Batch, reportPercent(k.Eff))
		case k.BestBatch > 0:
			s = fmt.Sprintf("not reached: best %s at batch=%d", reportPercent(k.Eff), k.BestBatch)
		default:
			s = "not reached: large is not faster than page"
		}
		v.Knees.Rows = append(v.Knees.Rows, []string{reportVariantLabel(k.Variant), strconv.Itoa(k.Threads), s})
	}

	// Plots.
	plots, missing := m.plots()
	v.Plots, v.NoPlots = plots, missing
	if len(m.PageCache) == 0 {
		v.NoPlots = append(v.NoPlots, reportNeedsPageCache)
	}

	// Decomposition.
	if len(m.PageCache) == 0 {
		v.NoDecomposition = reportNeedsPageCache
	} else {
		v.Decomposition, v.DecompositionT = m.decomposition(hb)
	}

	// Counters per page.
	v.Counters, v.NoCounters = m.counters()
	if hb > 0 {
		v.CountersNote = fmt.Sprintf("Medians per page at batch=%d (the results table and file have the other batch sizes).", hb)
	}

	// Results: the medians of every page-cache case.
	v.Results.Header = []string{"mode", "batch", "lock", "threads", "n", "ns/page [95% CI]", "cpu-ns/page", "acq/page", "contended/page", "handoffs/acq", "wait-ns/page", "wait-p99-ns", "xfer-ns"}
	for _, c := range m.PageCache {
		row := []string{c.Mode, strconv.Itoa(c.Batch), reportVariantLabel(c.Variant), strconv.Itoa(c.Threads), strconv.Itoa(c.N())}
		if s, ok := c.Summary("ns/page"); ok {
			row = append(row, reportCI(s, len(c.Samples["ns/page"])))
		} else {
			row = append(row, "—")
		}
		for _, u := range []string{"cpu-ns/page", "acq/page", "contended/page", "handoffs/acq", "wait-ns/page", "wait-p99-ns", "xfer-ns"} {
			row = append(row, reportFormat(c.Median(u)))
		}
		v.Results.Rows = append(v.Results.Rows, row)
	}
	if len(m.PageCache) == 0 {
		v.NoResults = reportNeedsPageCache
	}

	// Comparison tables: every mode against page, benchstat's way.
	v.Comparison, v.ComparisonMD, v.NoComparison = reportComparison(set, m)

	// Other benchmarks.
	v.Other.Header = []string{"benchmark", "unit", "n", "median [95% CI]"}
	for _, c := range m.Other {
		for _, u := range c.Units {
			s, _ := c.Summary(u)
			v.Other.Rows = append(v.Other.Rows, []string{"Benchmark" + c.Name, u, strconv.Itoa(len(c.Samples[u])), reportCI(s, len(c.Samples[u]))})
		}
	}

	// Machine and method.
	v.Machine = m.Config
	if len(v.Machine) == 0 {
		v.NoMachine = "The input has no file configuration lines (\"key: value\" before the results), so the machine is not described."
	}
	v.Methodology = m.methodology(set, opts)
	return plots, v
}

// headlines are the answer: for each lock at the largest thread count,
// the headline batch against page. The text is Summarize's (what
// `lockbench run` prints: the change with its bootstrap 95% CI, the
// Mann-Whitney p-value, acquisitions per page, the efficiency), so that
// the report and the run agree; the report's own wording (the medians'
// CIs) stands in when Summarize has no such headline or the input is
// several files (Summarize pools cases by name across files). notes are
// Summarize's warnings.
func (m *reportModel) headlines(results []*benchfmt.Result, effs []reportEfficiency, multiFile bool) (out, notes []string) {
	if len(m.Threads) == 0 {
		return nil, nil
	}
	var sum *Summary
	if !multiFile {
		sum, _ = Summarize(results) // errs only without results, which NewReport excludes
	}
	if sum != nil {
		notes = sum.Warnings
		// One per case when the machine switched regimes: the first
		// few say it; Methodology has the range.
		const maxNotes = 4
		if len(notes) > maxNotes {
			more := len(notes) - maxNotes
			notes = append(notes[:maxNotes:maxNotes], fmt.Sprintf("… and %d more like these.", more))
		}
	}
	hb := m.headlineBatch()
	t := m.Threads[len(m.Threads)-1]
	for _, v := range m.Variants {
		pc, bc := m.find(v, t, "page", hb), m.find(v, t, "batch", hb)
		if pc == nil || bc == nil || bc.Batch != hb || !pc.Has("ns/page") || !bc.Has("ns/page") {
			continue
		}
		if h := reportFindHeadline(sum, bc.Name); h != nil {
			text := h.Text + "."
			if len(h.Notes) > 0 {
				text += " Note: " + strings.Join(h.Notes, "; ") + "."
			}
			out = append(out, text)
			continue
		}
		out = append(out, reportOwnHeadline(pc, bc, v, t, hb, effs))
	}
	return out, notes
}

// reportFindHeadline returns the headline of sum whose batched case is the
// benchmark name (Summarize's case names drop the -GOMAXPROCS suffix).
func reportFindHeadline(sum *Summary, name string) *Headline {
	if sum == nil {
		return nil
	}
	for i := range sum.Headlines {
		h := &sum.Headlines[i]
		if rest, ok := strings.CutPrefix(name, h.BatchCase); ok && (rest == "" || rest[0] == '-') {
			return h
		}
	}
	return nil
}

// reportOwnHeadline words the headline from the report's own model: the
// change of medians with the Mann-Whitney p-value and both medians' 95%
// confidence intervals.
func reportOwnHeadline(pc, bc *reportCase, v string, t, hb int, effs []reportEfficiency) string {
	ps, _ := pc.Summary("ns/page")
	bs, _ := bc.Summary("ns/page")
	pv, bv := pc.Samples["ns/page"], bc.Samples["ns/page"]
	cmp := benchmath.AssumeNothing.Compare(benchmath.NewSample(pv, &benchmath.DefaultThresholds), benchmath.NewSample(bv, &benchmath.DefaultThresholds))
	var b strings.Builder
	fmt.Fprintf(&b, "batch=%d vs page, %s, %s: ", hb, reportVariantLabel(v), reportThreadsLabel(t))
	delta := (bs.Center/ps.Center - 1) * 100
	switch {
	case cmp.P <= 0.05:
		fmt.Fprintf(&b, "%+.0f%% ns/page (p=%.3f, n=%d+%d)", delta, cmp.P, len(pv), len(bv))
	default:
		fmt.Fprintf(&b, "%+.0f%% ns/page, not significant (p=%.3f, n=%d+%d", delta, cmp.P, len(pv), len(bv))
		if minP := MinP(len(pv), len(bv)); minP > 0.05 {
			fmt.Fprintf(&b, "; too few repetitions: the smallest p they can give is %.3f", minP)
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, "; page %s → batch %s ns/page (medians, 95%% CI)", reportCI(ps, len(pv)), reportCI(bs, len(bv)))
	if pc.Has("acq/page") && bc.Has("acq/page") {
		fmt.Fprintf(&b, "; %s → %s acquisitions/page", reportFormat(pc.Median("acq/page")), reportFormat(bc.Median("acq/page")))
	}
	for _, e := range effs {
		if e.Variant == v && e.Threads == t && e.Batch == hb && !math.IsNaN(e.Efficiency) {
			fmt.Fprintf(&b, "; reaches %s of the large-page ideal", reportPercent(e.Efficiency))
		}
	}
	b.WriteString(".")
	return b.String()
}

// claims test the seed's claim, one sentence per lock at the largest
// thread count: the headline batch's efficiency first, then the others'.
func (m *reportModel) claims(effs []reportEfficiency) []string {
	if len(m.Threads) == 0 {
		return nil
	}
	hb, maxT := m.headlineBatch(), m.Threads[len(m.Threads)-1]
	var out []string
	for _, v := range m.Variants {
		var head string
		var others []string
		for _, e := range effs {
			if e.Variant != v || e.Threads != maxT {
				continue
			}
			if math.IsNaN(e.Efficiency) {
				others = append(others, fmt.Sprintf("batch=%d: no ideal to approach, large (%s ns/page) is not significantly faster than page (%s ns/page)",
					e.Batch, reportFormat(e.Large), reportFormat(e.Page)))
				continue
			}
			if e.Batch == hb {
				head = fmt.Sprintf("batch=%d reaches %s of the one-big-page ideal", e.Batch, reportPercent(e.Efficiency))
			} else {
				others = append(others, fmt.Sprintf("batch=%d: %s", e.Batch, reportPercent(e.Efficiency)))
			}
		}
		if head == "" && len(others) == 0 {
			continue
		}
		s := head
		if s == "" {
			s = fmt.Sprintf("batch=%d has no efficiency", hb)
		}
		s += fmt.Sprintf(" (%s, %s)", reportVariantLabel(v), reportThreadsLabel(maxT))
		if len(others) > 0 {
			s += "; " + strings.Join(others, "; ")
		}
		out = append(out, s+".")
	}
	return out
}

// decomposition returns the derivation of the stacked plot and its
// numbers as a table.
func (m *reportModel) decomposition(hb int) ([]string, reportTable) {
	paras := []string{
		"Each bar is the thread time spent per page: ns/page × threads, since ns/page is wall time over the pages of all threads together. " +
			"Waiting is wait-ns/page as measured: the time contended acquisitions spent waiting, summed over threads. " +
			"Lock acquire/release is acq/page × c, where c is the cost of one acquisition estimated per lock as the least-squares slope of ns/page against acq/page over that lock's 1-thread cases (the modes differ mainly in how many acquisitions each page needs, and with one thread nothing waits). " +
			"The rest is what remains: the page work itself, cache misses, scheduling.",
		"Limits: c includes whatever work batching removes together with the acquisitions (list and tree operations done once per batch, the L1 footprint the seed talks about), so lock acquire/release is an upper bound on the lock instructions alone; " +
			"c is measured without contention, so under contention the cache-line transfers of the lock word show up partly in waiting and partly in the rest; " +
			"for blocking locks waiting includes time off CPU, which cpu-ns/page does not count. Where lock + waiting exceed the total the rest is shown as zero and the row is marked.",
	}
	t := reportTable{Header: []string{"lock", "c (ns/acq)", "threads", "mode", "total thread-ns/page", "lock acquire/release", "waiting", "the rest"}}
	for _, v := range m.Variants {
		cost, n, ok := m.lockCost(v)
		cs := "—"
		if ok {
			cs = fmt.Sprintf("%s (from %d cases)", reportFormat(cost), n)
		}
		for _, th := range m.Threads {
			for _, mode := range m.Modes {
				c := m.find(v, th, mode, hb)
				if c == nil || !c.Has("ns/page") {
					continue
				}
				d := reportDecompose(c, cost, ok)
				lock := "—"
				if ok && c.Has("acq/page") {
					lock = reportFormat(d.lock)
				}
				rest := reportFormat(d.rest)
				if d.over {
					rest += " (clamped: lock + waiting > total)"
				}
				t.Rows = append(t.Rows, []string{reportVariantLabel(v), cs, strconv.Itoa(th), reportModeLabel(mode, c.Batch),
					reportFormat(d.total), lock, reportFormat(d.wait), rest})
			}
		}
	}
	return paras, t
}

// reportKnownUnits are lockbench's own units; every other unit of a
// page-cache case is a counter.
func reportKnownUnits() []string {
	return []string{"ns/page", "cpu-ns/page", "acq/page", "contended/page", "handoffs/acq", "wait-ns/page",
		"wait-p99-ns", "xfer-ns", "fairness", "gc-cycles", "hold-ns", "hold-ns/page"}
}

// counters tabulates the hardware and software counters per page.
func (m *reportModel) counters() (reportTable, string) {
	var units []string
	for _, u := range m.Units {
		if slices.Contains(reportKnownUnits(), u) || !strings.HasSuffix(u, "/page") {
			continue
		}
		for _, c := range m.PageCache {
			if c.Has(u) {
				units = append(units, u)
				break
			}
		}
	}
	if len(m.PageCache) == 0 {
		return reportTable{}, reportNeedsPageCache
	}
	if len(units) == 0 {
		return reportTable{}, "The results carry no counters per page: perf_event_open was not allowed on the machine " +
			"(see counters under Machine), or the results were not written by lockbench."
	}
	t := reportTable{Header: append([]string{"mode", "batch", "lock", "threads"}, units...)}
	hb := m.headlineBatch()
	for _, c := range m.PageCache {
		if c.Batch != hb && hb != 0 { // the other batch sizes are in the results file
			continue
		}
		row := []string{c.Mode, strconv.Itoa(c.Batch), reportVariantLabel(c.Variant), strconv.Itoa(c.Threads)}
		for _, u := range units {
			row = append(row, reportFormat(c.Median(u)))
		}
		t.Rows = append(t.Rows, row)
	}
	return t, ""
}

// reportComparisonUnits are the units compared across modes.
func reportComparisonUnits() []string { return []string{"ns/page", "wait-p99-ns"} }

// reportComparison compares every mode with page (benchstat -col /mode)
// over the page-cache results.
func reportComparison(set *Set, m *reportModel) (text, md, missing string) {
	if len(m.PageCache) == 0 {
		return "", "", reportNeedsPageCache
	}
	if !slices.Contains(m.Modes, "page") || len(m.Modes) < 2 {
		return "", "", "No comparison: it needs mode page and at least one other mode."
	}
	sub := &Set{Files: set.Files, Units: set.Units}
	for _, r := range set.Results {
		if reportParseName(r.Name.String()).PageCache() {
			sub.Results = append(sub.Results, r)
		}
	}
	opts := DefaultOptions
	opts.Col = "/mode@(" + strings.Join(m.Modes, " ") + ")"
	cmp, err := Compare(sub, opts)
	if err != nil {
		return "", "", fmt.Sprintf("No comparison: %v.", err)
	}
	var keep []string
	for _, u := range reportComparisonUnits() {
		// Tidied as Load reads it ("sec/page"), or as the harness
		// wrote it when the results come from memory ("ns/page").
		_, tidy := benchunit.Tidy(1, u)
		keep = append(keep, tidy, u)
	}
	var tables []*Table
	for _, t := range cmp.Tables {
		if slices.Contains(keep, t.Unit) {
			tables = append(tables, t)
		}
	}
	slices.SortStableFunc(tables, func(a, b *Table) int {
		return slices.Index(keep, a.Unit)/2 - slices.Index(keep, b.Unit)/2
	})
	cmp.Tables = tables
	cmp.Config = nil // the Machine section shows it
	var tb, mb bytes.Buffer
	if err := cmp.Write(&tb, Text); err != nil {
		return "", "", fmt.Sprintf("No comparison: %v.", err)
	}
	if err := cmp.Write(&mb, Markdown); err != nil {
		return "", "", fmt.Sprintf("No comparison: %v.", err)
	}
	return tb.String(), mb.String(), ""
}

// configValue returns the value of the first of keys present, "" if none.
func (m *reportModel) configValue(keys ...string) string {
	for _, k := range keys {
		for _, c := range m.Config {
			if c.Key == k {
				return c.Value()
			}
		}
	}
	return ""
}

// methodology says how the numbers were made, from the file
// configuration and the results themselves.
func (m *reportModel) methodology(set *Set, opts ReportOptions) []reportFact {
	notRecorded := "not recorded in the input"
	or := func(s string) string {
		if s == "" {
			return notRecorded
		}
		return s
	}
	lines := len(set.Results)
	facts := []reportFact{{"Input", fmt.Sprintf("%d result lines from %s", lines, strings.Join(set.Files, ", "))}}
	if opts.Command != "" {
		facts = append(facts, reportFact{"Command", opts.Command})
	}
	facts = append(facts, reportFact{"Cases", fmt.Sprintf("%d lockbench page-cache cases, %d other benchmarks", len(m.PageCache), len(m.Other))})
	minN, maxN := math.MaxInt, 0
	for _, c := range m.Cases {
		minN, maxN = min(minN, c.N()), max(maxN, c.N())
	}
	count := fmt.Sprintf("%d per case", maxN)
	if minN != maxN {
		count = fmt.Sprintf("%d to %d per case", minN, maxN)
	}
	if cfg := m.configValue("count"); cfg != "" {
		count += " (count: " + cfg + ")"
	}
	facts = append(facts,
		reportFact{"Repetitions", count},
		reportFact{"Duration", or(m.configValue("duration"))},
		reportFact{"Warm-up", or(m.configValue("warmup", "warm-up"))},
		reportFact{"Order of repetitions", or(m.configValue("order"))},
		reportFact{"Pinning (affinity)", or(m.configValue("affinity", "pinning"))},
	)
	if files := m.configValue("files"); files != "" {
		facts = append(facts, reportFact{"Files", files + " (shared: all threads work on the same files and mapping locks; private: one file per thread)"})
	}
	if len(m.Threads) > 0 {
		var ts []string
		for _, t := range m.Threads {
			ts = append(ts, strconv.Itoa(t))
		}
		over := "unknown: the input does not record the CPU count"
		cpuStr := m.configValue("cpus", "ncpu", "cores")
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
		facts = append(facts, reportFact{"Threads", strings.Join(ts, ", ")}, reportFact{"Oversubscription", over})
	}
	var counterUnits []string
	for _, u := range m.Units {
		if !slices.Contains(reportKnownUnits(), u) && strings.HasSuffix(u, "/page") {
			counterUnits = append(counterUnits, u)
		}
	}
	counters := or(m.configValue("counters"))
	if note := m.configValue("counters-note"); note != "" {
		counters += " (" + note + ")"
	}
	if len(counterUnits) > 0 {
		counters += "; in the results: " + strings.Join(counterUnits, ", ")
	} else {
		counters += "; no counters per page in the results"
	}
	facts = append(facts, reportFact{"Counters available", counters})
	var xfer []float64
	for _, c := range m.PageCache {
		xfer = append(xfer, c.Samples["xfer-ns"]...)
	}
	if len(xfer) > 0 {
		slices.Sort(xfer)
		s := fmt.Sprintf("one-way cache-line transfer min %s, median %s, max %s ns over %d repetitions",
			reportFormat(xfer[0]), reportFormat(xfer[len(xfer)/2]), reportFormat(xfer[len(xfer)-1]), len(xfer))
		if xfer[0] > 0 && xfer[len(xfer)-1] > 2*xfer[0] {
			s += "; WARNING: the transfer cost changed more than twofold during the sweep (the machine switched regimes): contended results of different cases may not be comparable"
		}
		facts = append(facts, reportFact{"Machine regime (xfer-ns)", s})
	}
	bare := 0
	for _, c := range m.PageCache {
		if !c.Has("acq/page") {
			bare++
		}
	}
	if len(m.PageCache) > 0 {
		inst := "every case instrumented (lock counters present)"
		if bare > 0 {
			inst = fmt.Sprintf("%d of %d cases without lock counters (run --bare, uninstrumented)", bare, len(m.PageCache))
		}
		if b := m.configValue("bare"); b != "" {
			inst += "; bare: " + b
		}
		facts = append(facts, reportFact{"Instrumentation", inst})
	}
	facts = append(facts, reportFact{"Statistics",
		"medians with 95% confidence intervals assuming no distribution (golang.org/x/perf/benchmath); " +
			"modes compared by the Mann-Whitney U test at α = 0.05, as benchstat does; efficiency = (page − batch) / (page − large) on medians of ns/page"})
	return facts
}

//go:embed templates/report.html.tmpl templates/report.md.tmpl
var reportTemplates embed.FS

func reportHTMLTemplate() (*htmltemplate.Template, error) {
	t, err := htmltemplate.New("report.html.tmpl").ParseFS(reportTemplates, "templates/report.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("report: parsing html template: %w", err)
	}
	return t, nil
}

func reportMarkdownTemplate() (*template.Template, error) {
	t, err := template.New("report.md.tmpl").Funcs(template.FuncMap{
		"md":      reportMDEscape,
		"mdtable": reportMDTable,
	}).ParseFS(reportTemplates, "templates/report.md.tmpl")
	if err != nil {
		return nil, fmt.Errorf("report: parsing markdown template: %w", err)
	}
	return t, nil
}

// reportMDEscape keeps text from input from being read as Markdown or
// HTML: a backslash before Markdown's punctuation, entities for < > &.
func reportMDEscape(s string) string {
	r := strings.NewReplacer(
		`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "#", `\#`, "~", `\~`,
		"<", "&lt;", ">", "&gt;", "&", "&amp;", "\n", " ", "\r", " ")
	return r.Replace(s)
}

// reportMDTable renders a table in GitHub Markdown, every cell escaped.
func reportMDTable(t reportTable) string {
	var b strings.Builder
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" ")
			b.WriteString(reportMDEscape(c))
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	row(t.Header)
	b.WriteString("|")
	for range t.Header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		row(r)
	}
	return b.String()
}
