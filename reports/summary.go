package reports

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/internal/table"
	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/headline"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
)

// A Float is a float64 that marshals to JSON null when it is not finite
// (a confidence interval with too few samples is infinite).
type Float = stats.Float

// A Spread describes a sample by its median and range; Bimodal is set
// when it falls into two clusters (see stats.Spread).
type Spread = stats.Spread

// A Summary is the answer `lockbench run` prints after a sweep: a row per
// case and the headline comparisons of each batched mode with per-page
// locking and with the one-big-page ideal.
type Summary struct {
	Rows      []SummaryRow        `json:"rows"`
	Headlines []headline.Headline `json:"headlines"`
	// Instrumentation is the instrumented wrapper's cost per
	// acquisition of each lock, measured in the run (see
	// InstrumentationCost); empty when the results have no instrumented
	// repetitions beside bare ones.
	Instrumentation []InstrumentationCost `json:"instrumentation,omitempty"`
	// Classes are the lock classes of every case with class lines,
	// lockstat's way (see WriteClasses): per case, sorted by total wait.
	Classes []ClassRow `json:"classes,omitempty"`
	// Warnings say what could not be answered (no page or large case to
	// compare with, a name reports cannot place) and what to distrust
	// (cases that ran in different machine regimes).
	Warnings []string `json:"warnings,omitempty"`
	// Regimes are the machine regimes the contended repetitions ran in,
	// fastest first, with their share of the blocks (of the lines, when
	// the run was not paired).
	Regimes []RegimeShare `json:"regimes,omitempty"`
	// Switched counts the blocks (lines, when not paired) whose machine
	// changed regime in flight: kept in the file, left out of every
	// statistic.
	Switched int `json:"switched,omitempty"`
	// Repeated is SummaryOptions.Repeated: the switched blocks and
	// counting repetitions the run ran again.
	Repeated int `json:"repeated,omitempty"`
	// Details are what a reader checking the run wants and a reader of
	// the answer does not: per-case probe clusters, 1-thread cases by
	// regime. summary.txt and --verbose show them.
	Details []string `json:"details,omitempty"`

	noFloor bool // the headlines found no floor case to split a saving with
	// judge is set for Pending, which reads only the headlines' intervals:
	// summarize then leaves out the saving splits (a bootstrap each), the
	// class rows and the instrumentation costs.
	judge bool
}

// A ConfigValue is one key and value: of the file configuration
// (compare.Comparison's Config) or of a name (SummaryRow's Keys).
type ConfigValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// A RegimeShare is one machine regime of a run.
type RegimeShare struct {
	Regime string `json:"regime"`
	XferNS Float  `json:"xfer_ns"` // median probe of the regime's lines
	Blocks int    `json:"blocks"`
	Share  Float  `json:"share"` // of the blocks with a regime
}

// SummaryOptions configure SummarizeWith.
type SummaryOptions struct {
	// TargetCI is the half-width an adaptive run aims for on each
	// headline (0.05 is "± 5%"); 0 means no target, and no headline is
	// said to miss it.
	TargetCI float64
	// Repeated is how much switched work the run ran again (blocks and
	// counting repetitions: harness.Outcome.Repeated); the regime line
	// says "run again" only when it is positive. A summary of a file
	// alone cannot know it, and says "left out".
	Repeated int
}

// A SummaryRow summarizes the repetitions of one case. Medians of the
// units lockbench writes; a unit absent from the results is nil.
type SummaryRow struct {
	// Case is the benchmark name without "Benchmark" and the GOMAXPROCS
	// suffix: "PageCache/mode=batch/batch=16/lock=mcs/threads=2".
	Case string `json:"case"`
	// Procs is the GOMAXPROCS suffix (0 when absent): runs at different
	// GOMAXPROCS are different rows.
	Procs int `json:"procs,omitempty"`
	// File is the input the case comes from, when the results come from
	// several (reports.Load's ".file"); cases of different inputs are
	// never pooled.
	File string `json:"file,omitempty"`
	// Keys are the case's key=value name parts, in name order.
	Keys []ConfigValue `json:"keys"`
	N    int           `json:"n"`
	// Metric is the time unit of Time: "ns/page", or "ns/op" for
	// workloads and benchmarks without pages.
	Metric string `json:"metric"`
	// Time is the median of Metric with its 95% confidence interval.
	Time stats.Estimate `json:"time"`
	// AcqPerPage and ContendedPerPage are per Metric's denominator:
	// acq/page, or acq/op for a case timed in ns/op (cs). The JSON names
	// keep "page" for compatibility.
	AcqPerPage       *Float `json:"acq_per_page,omitempty"`
	ContendedPerPage *Float `json:"contended_per_page,omitempty"`
	WaitP99Ns        *Float `json:"wait_p99_ns,omitempty"`
	HandoffsPerAcq   *Float `json:"handoffs_per_acq,omitempty"`
	// YieldsPerAcq and SleepsPerAcq are how often the spinning locks'
	// waiters gave up the CPU (yields/acq, sleeps/acq); nil for locks that
	// do not count them. A FIFO spinlock whose waiters sleep hands the
	// lock back to its holder: its result is a spin-then-sleep lock's.
	YieldsPerAcq *Float `json:"yields_per_acq,omitempty"`
	SleepsPerAcq *Float `json:"sleeps_per_acq,omitempty"`
	// InstNSPerPage is the median time of the instrumented repetitions
	// (inst-ns/page) when ns/page timed bare locks.
	InstNSPerPage *Float `json:"inst_ns_per_page,omitempty"`
	// CountsFrom, when set, is the regime whose case lent the lock counts
	// above (acq, contended, wait, handoffs): a contended case's one
	// counting repetition ran in that regime only (cases.Model.Counted).
	CountsFrom string `json:"counts_from,omitempty"`
	// Xfer is the machine-regime probe: the cross-core cache-line
	// transfer time measured before each repetition.
	Xfer *Spread `json:"xfer_ns,omitempty"`
}

// Summarize summarizes the results of a lockbench run (or any results in
// the Go benchmark format): a row per case (package cases: one name in
// one input) and a headline per batched case (every mode of
// workloads.Modes() but page and large) against the mode=page case of
// the same other keys (see headline.Headline). What cannot be compared is said in
// Warnings, never an error: the only error is having no results at all.
// Values may be tidied (read by Load) or not (straight from the harness).
func Summarize(results []*benchfmt.Result) (*Summary, error) {
	return SummarizeWith(results, SummaryOptions{})
}

// SummarizeWith is Summarize with options.
func SummarizeWith(results []*benchfmt.Result, opts SummaryOptions) (*Summary, error) {
	if len(results) == 0 {
		return nil, errors.New("no results to summarize")
	}
	s := summarize(cases.Group(results), false)
	s.target(opts.TargetCI)
	s.Repeated = opts.Repeated
	return s, nil
}

// SummarizeModel is Summarize of results already grouped into a case
// model (cases.Group), as the report groups them once for all its
// sections.
func SummarizeModel(m *cases.Model) *Summary { return summarize(m, false) }

// summarize is Summarize of a case model.
// For the judge of an adaptive run (Pending) it computes the headlines
// and what they need, and leaves out what only a reader of the summary
// uses (see Summary.judge).
func summarize(m *cases.Model, judge bool) *Summary {
	s := &Summary{judge: judge}
	s.Warnings = append(s.Warnings, m.Warnings...)
	s.regimes(m)
	for _, c := range m.Cases {
		if c.CountsOnly() {
			continue // its counts are lent to the timed case (Model.Counted)
		}
		row := summaryRow(c, m.Counted(c), len(m.Files) > 1)
		s.Rows = append(s.Rows, row)
		if w := sleptWarning(m.Label(c), c, row); w != "" {
			s.Warnings = append(s.Warnings, w)
		}
		if w := offCPUWarning(m.Label(c), c, row, m.ConfigValue(schema.ConfCPUs)); w != "" {
			s.Warnings = append(s.Warnings, w)
		}
		if sp := row.Xfer; sp != nil && sp.Bimodal {
			s.Details = append(s.Details, fmt.Sprintf("%s: %s samples fall into two clusters (%s .. %s ns): the machine switched regimes during the runs, so its repetitions are not alike",
				m.Label(c), schema.UnitXfer, num(float64(sp.Min)), num(float64(sp.Max))))
		}
	}
	found := headline.Find(m, headline.Options{MultiRegime: len(s.Regimes) > 1, NoSaving: judge})
	s.Headlines, s.noFloor = found.Headlines, found.NoFloor
	s.Warnings = append(s.Warnings, found.Warnings...)
	if !judge {
		sortHeadlines(s.Headlines) // the judge keeps case order, as Judge does
	}
	s.uncontended(m)
	if s.noFloor && !slices.ContainsFunc(m.PageCache, func(c *cases.Case) bool { return c.Threads == 1 }) {
		s.Warnings = append(s.Warnings, "no 1-thread case: the savings are not split into lock instructions, contention and per-page work (the split needs 1 among the threads, and then lockbench run adds the lock=none floor)")
	} else if s.noFloor {
		s.Warnings = append(s.Warnings, fmt.Sprintf("no %s=%s case at 1 thread (the per-page work floor): the savings are not split into lock instructions, contention and per-page work (a lockbench run adds the floor by default)",
			schema.KeyLock, schema.FloorLock))
	}
	if s.judge {
		return s
	}
	s.Instrumentation = instrumentationCosts(m)
	if m.ConfigValue(schema.ConfTiming) == schema.TimingInstrumented {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s: %s: every repetition ran the instrumented locks (chosen, or needed by a profile), so %s carries the instrumentation's cost, and the lock-instruction part of each saving with it",
			schema.ConfTiming, schema.TimingInstrumented, cases.NSPage))
	}
	s.classes(m)
	return s
}

// summaryRow is c's row; its lock units come from counted (c itself, or
// the same case in another regime, or nil).
func summaryRow(c, counted *cases.Case, multiFile bool) SummaryRow {
	row := SummaryRow{Case: c.Name.Case(), Procs: c.Name.Procs, N: c.N()}
	if multiFile {
		row.File = c.File
	}
	for _, kv := range c.Name.Keys {
		row.Keys = append(row.Keys, ConfigValue{kv.Key, kv.Value})
	}
	row.Metric = cases.NSPage
	if !c.Has(cases.NSPage) {
		row.Metric = cases.NSOp
	}
	if e, ok := c.Estimate(row.Metric); ok {
		row.Time, row.N = e, e.N
	} else {
		row.Time = stats.MedianCI(nil, stats.DefaultConfidence)
	}
	per := schema.PerPage
	if row.Metric == cases.NSOp {
		per = schema.PerOp // cs writes acq/op and contended/op
	}
	lc := c // the case holding the lock counts
	if counted != nil && counted != c {
		lc = counted
		row.CountsFrom, _ = counted.Key(schema.KeyRegime)
	}
	row.AcqPerPage = medianOf(lc, schema.PerUnit(schema.StemAcq, per))
	row.ContendedPerPage = medianOf(lc, schema.PerUnit(schema.StemContended, per))
	row.WaitP99Ns = medianOf(lc, schema.UnitWaitP99)
	row.HandoffsPerAcq = medianOf(lc, schema.UnitHandoffs)
	row.YieldsPerAcq = medianOf(lc, schema.UnitYields)
	row.SleepsPerAcq = medianOf(lc, schema.UnitSleeps)
	row.InstNSPerPage = medianOf(lc, cases.InstNSPage)
	if c.Has(schema.UnitXfer) {
		sp := stats.NewSpread(c.Samples[schema.UnitXfer])
		row.Xfer = &sp
	}
	return row
}

// SleptShare is the share of acquisitions (sleeps/acq, the median over a
// case's counting repetitions) above which the summary says a case's
// waiters slept: one acquisition in a thousand.
const SleptShare = 1e-3

// parksByDesign is the lock whose counted sleeps are its algorithm's
// parks (locks.SpinPark), not a spinning lock giving up.
const parksByDesign = "spinpark"

// sleptWarning says that the waiters of a case slept, "" if they did not
// (or the lock does not count it, or parks by design).
func sleptWarning(label string, c *cases.Case, r SummaryRow) string {
	if r.SleepsPerAcq == nil || float64(*r.SleepsPerAcq) <= SleptShare {
		return ""
	}
	if l, _ := c.Key(schema.KeyLock); l == parksByDesign {
		return ""
	}
	return fmt.Sprintf("%s: waiters slept on %s of acquisitions (%s %s, %s %s): its result is that of a spin-then-sleep lock, not of the algorithm as written; oversubscribed, that is the price of progress; otherwise raise --%s",
		label, stats.Pct(float64(*r.SleepsPerAcq), 1, false), optNum(r.SleepsPerAcq), schema.UnitSleeps, optNum(r.YieldsPerAcq), schema.UnitYields, schema.ConfSpin)
}

// BusyShare is the share of its threads' time below which a contended
// case of a spinning lock is said to have been off the CPUs: its waiters
// spin, so cpu-ns over ns should be the thread count.
const BusyShare = 0.9

// offCPUWarning says that the workers of a spinning lock's contended
// case, with a CPU each, were not all running although its waiters did
// not sleep: the machine (other processes, the hypervisor) took the
// CPUs, and a low handoffs/acq is then one worker running alone, not
// the lock. "" otherwise, or when it cannot tell (no yields/acq: the
// lock does not count its waits; no cpu time; unknown CPU count).
func offCPUWarning(label string, c *cases.Case, r SummaryRow, cpus string) string {
	n, err := strconv.Atoi(cpus)
	if err != nil || c.Threads < 2 || c.Threads > n || r.YieldsPerAcq == nil {
		return ""
	}
	if l, _ := c.Key(schema.KeyLock); l == parksByDesign {
		return ""
	}
	if r.SleepsPerAcq != nil && float64(*r.SleepsPerAcq) > SleptShare {
		return "" // sleptWarning says why the threads were off the CPUs
	}
	per := schema.PerPage
	if r.Metric == cases.NSOp {
		per = schema.PerOp
	}
	cpu := schema.PerUnit(schema.StemCPUNS, per)
	wall := float64(r.Time.Median)
	if !c.Has(cpu) || !(wall > 0) {
		return ""
	}
	busy := c.Median(cpu) / wall
	if busy >= BusyShare*float64(c.Threads) {
		return ""
	}
	return fmt.Sprintf("%s: the %d spinning workers ran %s threads' worth of CPU time (%s ÷ %s) though their waiters slept on %s of acquisitions: the machine took the CPUs (other processes, the hypervisor), and %s %s is one worker running alone as much as the lock",
		label, c.Threads, num(busy), cpu, r.Metric, optNum(r.SleepsPerAcq), optNum(r.HandoffsPerAcq), schema.UnitHandoffs)
}

// medianOf is c's median of unit, nil when c has none
// (cases.Case.OptMedian).
func medianOf(c *cases.Case, unit string) *Float { return c.OptMedian(unit) }

// num formats a value of the summary and the gate: four significant
// digits.
func num(f float64) string { return stats.Format(f, 4) }

// optNum formats a value that may be absent.
func optNum(f *Float) string {
	if f == nil {
		return stats.None
	}
	return num(float64(*f))
}

// WriteText writes the summary table, the headlines and the warnings.
func (s *Summary) WriteText(w io.Writer) error {
	metric := ""
	procs, files := map[int]bool{}, map[string]bool{}
	for _, r := range s.Rows {
		switch metric {
		case "":
			metric = r.Metric
		case r.Metric:
		default:
			metric = "time"
		}
		procs[r.Procs], files[r.File] = true, true
	}
	// The lock columns are per the time's denominator: acq/op beside
	// ns/op; "acq/unit" when pages and ops are mixed.
	per := "unit"
	switch metric {
	case "", cases.NSPage:
		metric, per = cases.NSPage, schema.PerPage
	case cases.NSOp:
		per = schema.PerOp
	}
	header := []string{"case", "n", metric, schema.PerUnit(schema.StemAcq, per), schema.PerUnit(schema.StemContended, per), "wait p99 ns", schema.UnitHandoffs, schema.UnitXfer}
	if len(files) > 1 {
		header = append([]string{"file"}, header...)
	}
	var rows [][]string
	var lent []string // regimes that lent lock counts to rows
	for _, r := range s.Rows {
		name := r.Case
		if len(procs) > 1 && r.Procs > 0 { // tell the GOMAXPROCS apart
			name += "-" + strconv.Itoa(r.Procs)
		}
		t := num(float64(r.Time.Median))
		if metric == "time" {
			t += " " + r.Metric
		}
		if !math.IsNaN(float64(r.Time.Median)) && !math.IsInf(float64(r.Time.Lo), 0) && !math.IsInf(float64(r.Time.Hi), 0) {
			t += " ± " + r.Time.PctRange()
		}
		xfer := stats.None
		if r.Xfer != nil {
			xfer = fmt.Sprintf("%s (%s..%s)", num(float64(r.Xfer.Median)), num(float64(r.Xfer.Min)), num(float64(r.Xfer.Max)))
			if r.Xfer.Bimodal {
				xfer += " bimodal"
			}
		}
		acq := optNum(r.AcqPerPage)
		if r.CountsFrom != "" {
			acq += "*"
			lent = append(lent, r.CountsFrom)
		}
		row := []string{name, strconv.Itoa(r.N), t, acq, optNum(r.ContendedPerPage),
			optNum(r.WaitP99Ns), optNum(r.HandoffsPerAcq), xfer}
		if len(files) > 1 {
			row = append([]string{r.File}, row...)
		}
		rows = append(rows, row)
	}
	var b strings.Builder
	if line := s.BottomLine(); line != "" {
		b.WriteString(line + "\n\n")
	} else if len(s.Headlines) > 0 {
		// Never silent: a run that measured headlines but settled none of
		// batch's says so first, rather than leading with a table of
		// provisional figures.
		b.WriteString("No bottom line yet: no batch headline is settled and significant (see the provisional and wider-than-target lines below; a longer --budget gives more blocks).\n\n")
	}
	if line := s.RegimeLine(); line != "" {
		b.WriteString(line + "\n\n")
	}
	if err := writeHeadlineTable(&b, s.Headlines); err != nil {
		return err
	}
	for _, line := range s.CurveLines() {
		b.WriteString(line + "\n")
	}
	var provisional []string
	for _, h := range s.Headlines {
		if h.Provisional {
			provisional = append(provisional, fmt.Sprintf("%s %s (%s)", h.Label(), stats.Pct(float64(h.Delta), 0, true), stats.Plural(h.Blocks, "block")))
		}
	}
	if len(provisional) > 0 {
		fmt.Fprintf(&b, "provisional, in a regime seen in fewer than %d blocks (no paired interval yet): %s\n",
			stats.MinPairs, strings.Join(provisional, "; "))
	}
	if line := s.tightLine(); line != "" {
		b.WriteString(line + "\n")
	}
	if len(s.Headlines) > 0 {
		b.WriteString("\n")
	}
	if err := table.Plain(&b, header, rows); err != nil {
		return err
	}
	if len(lent) > 0 {
		slices.Sort(lent)
		fmt.Fprintf(&b, "* lock counts from the case's one instrumented repetition, which ran in the %s regime\n", strings.Join(slices.Compact(lent), " or "))
	}
	if t := instrumentationText(s.Instrumentation); t != "" {
		b.WriteString("\n" + t + "\n")
	}
	if len(s.Warnings) > 0 {
		b.WriteString("\n")
	}
	for _, warn := range s.Warnings {
		b.WriteString("warning: " + warn + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// VariantLabel names a variant (cases.Case.Variant) for a reader: the
// variant itself, or "all cases" for the one variant of results without
// one.
func VariantLabel(v string) string {
	if v == "" {
		return "all cases"
	}
	return v
}
