package compare

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
	"golang.org/x/perf/benchunit"

	"github.com/lockbench/lockbench/internal/ghcmd"
	"github.com/lockbench/lockbench/internal/table"
	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
)

// GateOptions configure Gate.
type GateOptions struct {
	// Metric is the unit judged, as written in the files ("ns/page",
	// "ns/op", "B/op", "pages/s"); it is tidied as benchfmt tidies
	// units, so "ns/page" matches values read as "sec/page".
	Metric string
	// MaxRegress is the largest tolerated change for the worse, as a
	// fraction of the baseline's median (0.05 is 5%).
	MaxRegress float64
	// Alpha is the significance level of the Mann-Whitney U test.
	Alpha float64
	// Filter keeps matching benchmarks (benchproc syntax); "" or "*"
	// keeps all. Class lines (one lock class's share of a case, a
	// schema.KeyClass key) are judged only when Filter or Row names the
	// class key: "/class:lru" with Metric "wait-ns/page" gates the LRU
	// lock's wait.
	Filter string
	// Row identifies a benchmark across the two sets (benchproc
	// projection); default ".fullname".
	Row string
	// Ignore lists keys left out of Row (benchproc syntax):
	// "/gomaxprocs" matches BenchmarkX-2 with BenchmarkX-4.
	Ignore string
	// Better overrides the direction of Metric: -1 lower is better, +1
	// higher is better, 0 decides by Better (unit metadata, then rates
	// per second are higher-is-better).
	Better int
	// BetweenProcess is the spread of a process's offset that the gate
	// allows for when a side has too few processes to measure it
	// (fewer than stats.MinRepetitions), as the standard deviation of
	// ln(process median / true median): 0.05 is 5%. Repetitions of one
	// process share its memory layout and its host, so they can never
	// show how far another process of the same binary would land; the
	// gate widens the interval of the change by z·BetweenProcess·√(1/k1+1/k2)
	// (k processes a side) in quadrature, instead of treating
	// repetitions as replications. 0 trusts the repetitions.
	BetweenProcess float64
}

// DefaultBetweenProcess is the between-process spread the gate allows
// for by default: 15%, measured from 11 default runs of one binary a
// minute apart on the 2-vCPU VM lockbench was built on (per case, the
// spread of the run medians less their within-run part, docs/ab.md):
// 12-22% at one thread, where the memory side of the host moves a
// whole run by up to 1.7x (run 8 of 11: 117 -> 195 ns/page at 1 thread,
// every mode alike), 0-24% at two threads, median 14%. At the 5% it
// was, one of those 10 consecutive pairs failed the gate with exit 1;
// at 15%, none did. With one process a side the allowance is
// 1.645·0.15·√2 ≈ 35 points at alpha 0.05: two separate runs fail only
// for a change of about +40% or more. Compare builds with `lockbench
// ab`, which pairs them in time and replicates processes.
const DefaultBetweenProcess = 0.15

// DefaultGate are Gate's defaults: ns/page may grow by at most 5% at
// family-wise alpha 0.05, with DefaultBetweenProcess allowed for where
// the processes are too few to measure it.
var DefaultGate = GateOptions{Metric: schema.PerUnit(schema.StemNS, schema.PerPage), MaxRegress: 0.05, Alpha: 0.05, Filter: "*", Row: ".fullname", BetweenProcess: DefaultBetweenProcess}

// Gate statuses of a Check.
const (
	StatusOK           = "ok"           // no change beyond the threshold that is significant
	StatusImproved     = "improved"     // significantly better beyond the threshold
	StatusRegressed    = "regressed"    // significantly worse beyond the threshold
	StatusInsufficient = "insufficient" // too few samples for any change to be significant
	// StatusUnconfirmed is a change for the worse whose median is beyond
	// the threshold and significant, but whose interval reaches back
	// inside it: not shown to exceed the threshold, so it does not fail.
	StatusUnconfirmed = "unconfirmed"
	// StatusInconclusive is a benchmark that both sides ran, but in no
	// common machine regime (schema.KeyRegime): 25 ns against 170 ns is
	// two machines, and the gate judges like with like only.
	StatusInconclusive = "inconclusive"
	StatusOnlyBase     = "only-in-baseline"
	StatusOnlyNew      = "only-in-new"
)

// Unjudged reports whether c is a benchmark the gate was asked to judge
// and could not: too few samples (unless judged in another regime),
// regimes that differ, or a benchmark on one side only. Any such check
// keeps the verdict from passing (exit 3 of lockbench gate).
func (c Check) Unjudged() bool {
	switch c.Status {
	case StatusInsufficient:
		return c.Note == ""
	case StatusInconclusive, StatusOnlyBase, StatusOnlyNew:
		return true
	}
	return false
}

// reason is why an unjudged check was not judged, in a few words.
func (c Check) reason(alpha float64) string {
	switch c.Status {
	case StatusInsufficient:
		return fmt.Sprintf("n=%d+%d can at best reach p=%.3f > alpha %v", c.Old.N, c.New.N, float64(c.MinP), alpha)
	case StatusInconclusive:
		return c.Note + "; the change itself can move the probe, so rerun both sides interleaved (lockbench ab), or pool the regimes on purpose with --ignore /regime"
	case StatusOnlyBase:
		return "only in the baseline"
	case StatusOnlyNew:
		return "only in the new results"
	}
	return ""
}

// A Verdict is Gate's judgement.
type Verdict struct {
	// Pass is true only when every benchmark asked for was judged and
	// none regressed (exit 0 of lockbench gate).
	Pass bool `json:"pass"`
	// Status sums up: "regression" when a benchmark regressed, else
	// "unjudged" when one could not be judged (Check.Unjudged), else
	// "pass".
	Status     string  `json:"status"`
	Metric     string  `json:"metric"`
	Better     string  `json:"better"` // "lower" or "higher"
	MaxRegress float64 `json:"max_regress"`
	Alpha      float64 `json:"alpha"`
	// Family is the number of judged benchmarks whose p-values the
	// Holm adjustment is over.
	Family int     `json:"family"`
	Checks []Check `json:"checks"`
	// Counts of Checks by status; Unjudged counts Check.Unjudged.
	Unjudged     int      `json:"unjudged"`
	Regressed    int      `json:"regressed"`
	Improved     int      `json:"improved"`
	Insufficient int      `json:"insufficient"`
	Inconclusive int      `json:"inconclusive,omitempty"`
	Unconfirmed  int      `json:"unconfirmed,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
}

// A Check is one benchmark's comparison. Values are in Metric's unit as
// written (ns/page, not sec/page).
type Check struct {
	Name   string          `json:"name"`
	Status string          `json:"status"`
	Old    *stats.Estimate `json:"old,omitempty"`
	New    *stats.Estimate `json:"new,omitempty"`
	// Delta is new/old - 1 (+0.10 is 10% higher, whichever direction is
	// better).
	Delta Float `json:"delta"`
	// P is the Mann-Whitney U p-value, Holm-adjusted over the family of
	// judged benchmarks; MinP the smallest p samples of these sizes can
	// reach. PBeyond is the one-sided p of "worse by at most MaxRegress"
	// (normal, from the bootstrap interval of the change widened by the
	// between-process allowance), Holm-adjusted too; 1 where the change
	// is not significant or not beyond the threshold. A regression needs
	// both at most Alpha.
	P       Float `json:"p"`
	MinP    Float `json:"min_p"`
	PBeyond Float `json:"p_beyond"`
	// Procs are the processes each side's samples came from (an input
	// file, a proc configuration, a restart of block numbers). When
	// either side has fewer than stats.MinRepetitions, the between-run
	// spread is unknown and the gate allows GateOptions.BetweenProcess
	// for it; otherwise the samples are the processes' medians.
	OldProcs int `json:"old_procs,omitempty"`
	NewProcs int `json:"new_procs,omitempty"`
	// Regime is the machine regime of the benchmark's lines, "" when they
	// carry none.
	Regime string `json:"regime,omitempty"`
	// Note says why a check is inconclusive ("regimes differ: 25 ns
	// against 170 ns"), that an insufficient regime is not counted
	// because another regime of the benchmark was judged, or that one
	// side's regimes were pooled against a side without regime keys.
	Note string `json:"note,omitempty"`
	// Reason says why an unjudged check was not judged.
	Reason string `json:"reason,omitempty"`

	stem    string  // Name without its regime key
	p       float64 // unadjusted p, for Holm
	pBeyond float64 // p of "worse by at most MaxRegress" (with the allowance), for Holm
	bound   float64 // the least change for the worse the data allow (with the allowance)
	worse   float64 // the median change for the worse
}

// Gate compares the Metric of each benchmark in head with the same
// benchmark in base and fails (Pass false) only for a change for the
// worse that is significant (Mann-Whitney p <= Alpha) and shown to be
// beyond MaxRegress: the one-sided 1-Alpha bound of the ratio of medians
// (stats.RatioCI, the bootstrap interval at 1-2·Alpha) lies beyond it.
// A large change that may be noise, a significant one too small to
// matter, or one whose median crosses the threshold while its interval
// does not (StatusUnconfirmed) passes.
//
// Why the bound and not the median: two processes of one binary differ
// by a few percent (memory layout, the host), and a two-thread case's
// repetitions are many but alike within a process, so Mann-Whitney finds
// such a difference significant. Measured: four default runs of one
// binary on a 2-vCPU VM, 6 A/A pairs, one of them failed on the median
// rule (mcs page, 2 threads: +7.84%, p=0.010, n=50+12) whose ratio
// interval reached back below 5%.
//
// "Worse" follows the unit: for lower-is-better units (ns/page, B/op,
// acq/page) a regression is new > old·(1+MaxRegress); for higher-is-better
// units (pages/s, B/s) it is new < old·(1-MaxRegress). See Better.
//
// Errors (bad input, not verdicts): options out of range, a filter that
// does not parse, no Metric values in base or in head (the mismatch is
// named with the file and line of its first result and the units it does
// have), no benchmark common to both.
func Gate(base, head *reports.Set, opts GateOptions) (*Verdict, error) {
	if opts.Metric == "" {
		opts.Metric = DefaultGate.Metric
	}
	opts.Row = withMachine(opts.Row, []*reports.Set{base, head}, opts.Ignore)
	q, err := parseGateQuery(opts)
	if err != nil {
		return nil, err
	}
	better := opts.Better
	if better == 0 {
		better = Better(mergedUnits(base, head), q.unit)
	}
	v := &Verdict{Metric: opts.Metric, MaxRegress: opts.MaxRegress, Alpha: opts.Alpha, Better: "lower"}
	if better > 0 {
		v.Better = "higher"
	}
	old, err := q.samples(base, opts)
	if err != nil {
		return nil, err
	}
	cur, err := q.samples(head, opts)
	if err != nil {
		return nil, err
	}
	poolRegimeless(&old, &cur, "baseline")
	poolRegimeless(&cur, &old, "new results")
	common, differ, err := pairSides(base, head, old, cur)
	if err != nil {
		return nil, err
	}
	v.judgeAll(old, cur, differ, better, opts)
	if v.Family > 0 {
		for _, c := range v.Checks {
			if c.Status != StatusInsufficient && c.Status != StatusOnlyBase && c.Status != StatusOnlyNew && c.Status != StatusInconclusive &&
				(c.OldProcs < stats.MinRepetitions(opts.Alpha) || c.NewProcs < stats.MinRepetitions(opts.Alpha)) && opts.BetweenProcess > 0 {
				v.Warnings = append(v.Warnings, fmt.Sprintf("the between-run spread is unknown: a side has fewer than %d processes (e.g. %s: %d+%d); the gate allows a between-process spread of %s for it (GateOptions.BetweenProcess), so only a larger change can be shown; compare builds with lockbench ab, which replicates processes",
					stats.MinRepetitions(opts.Alpha), c.Name, c.OldProcs, c.NewProcs, stats.Pct(opts.BetweenProcess, 1, false)))
				break
			}
		}
	}
	if n := len(old.order) - common - len(differ); n > 0 {
		v.Warnings = append(v.Warnings, fmt.Sprintf("%d benchmark(s) of the baseline are missing from the new results and were not judged", n))
	}
	if n := len(cur.order) - common - len(differ); n > 0 {
		v.Warnings = append(v.Warnings, fmt.Sprintf("%d benchmark(s) are new (not in the baseline) and were not judged", n))
	}
	_, cfgWarn := sharedConfig(append(append([]*benchfmt.Result(nil), base.Results...), head.Results...))
	v.Warnings = append(v.Warnings, cfgWarn...)
	v.Pass = v.Regressed == 0 && v.Unjudged == 0
	switch {
	case v.Regressed > 0:
		v.Status = "regression"
	case v.Unjudged > 0:
		v.Status = "unjudged"
	default:
		v.Status = "pass"
	}
	return v, nil
}

// poolRegimeless compares a side without regime keys (plain go test
// -bench, harness.Benchmark) with one that has them: for each row of
// plain that carries no regime and that other lacks, the other side's
// rows of the same name but for the regime key are pooled into one row
// of that name, and both rows note it. Without this every contended
// benchmark would be on one side only, and nothing of it judged.
func poolRegimeless(plain, other *side, plainName string) {
	for _, name := range plain.order {
		if plain.meta[name].regime != "" || other.values[name] != nil {
			continue
		}
		var rows []string
		for _, o := range other.order {
			if m := other.meta[o]; m.regime != "" && m.stem == name {
				rows = append(rows, o)
			}
		}
		if len(rows) == 0 {
			continue
		}
		var regimes []string
		var vals []float64
		var procs []string
		for _, o := range rows {
			regimes = append(regimes, other.meta[o].regime)
			vals = append(vals, other.values[o]...)
			procs = append(procs, other.procs[o]...)
			delete(other.values, o)
		}
		other.values[name], other.procs[name] = vals, procs
		m := other.meta[rows[0]]
		m.regime, m.pooled = "", fmt.Sprintf("compared pooled: the %s has no regime keys, the other side's regimes %s are pooled", plainName, strings.Join(regimes, ", "))
		other.meta[name] = m
		order := other.order[:0:0]
		for _, o := range other.order {
			switch {
			case o == rows[0]:
				order = append(order, name)
			case slices.Contains(rows, o):
			default:
				order = append(order, o)
			}
		}
		other.order = order
	}
}

// gateQuery is what GateOptions select: the filter, the row projection,
// and the metric's tidied unit with the factor that tidied it.
type gateQuery struct {
	filter *benchproc.Filter
	rowBy  *benchproc.Projection
	unit   string
	factor float64
}

// parseGateQuery checks opts' thresholds and parses their filter and
// projections.
func parseGateQuery(opts GateOptions) (gateQuery, error) {
	var q gateQuery
	if !(opts.MaxRegress >= 0) || math.IsInf(opts.MaxRegress, 0) {
		return q, fmt.Errorf("maximum regression %v must be a fraction >= 0 (0.05 is 5%%)", opts.MaxRegress)
	}
	if !(opts.Alpha > 0 && opts.Alpha < 1) { // NaN too
		return q, fmt.Errorf("alpha %v is not between 0 and 1 (try 0.05)", opts.Alpha)
	}
	var err error
	if q.filter, err = benchproc.NewFilter(orDefault(opts.Filter, "*")); err != nil {
		return q, queryError("filter", opts.Filter, err)
	}
	var pp benchproc.ProjectionParser
	if q.rowBy, err = pp.Parse(orDefault(opts.Row, ".fullname"), q.filter); err != nil {
		return q, queryError("row projection", opts.Row, err)
	}
	if _, err := pp.Parse(opts.Ignore, q.filter); err != nil {
		return q, queryError("ignore keys", opts.Ignore, err)
	}
	q.factor, q.unit = benchunit.Tidy(1, opts.Metric)
	return q, nil
}

// mergedUnits is the unit metadata of both sides, the baseline's first.
func mergedUnits(base, head *reports.Set) benchfmt.UnitMetadataMap {
	units := benchfmt.UnitMetadataMap{}
	for k, v := range base.Units {
		units[k] = v
	}
	for k, v := range head.Units {
		if _, ok := units[k]; !ok {
			units[k] = v
		}
	}
	return units
}

// side is one side's metric samples per row, the rows in order of
// appearance, and what is known of each row besides its samples.
type side struct {
	values map[string][]float64
	procs  map[string][]string // the process of each value (processOf)
	order  []string
	meta   map[string]rowMeta
}

// pairSides counts the rows both sides have, finds those they ran in no
// common regime, and refuses a pair of sides with nothing to compare.
func pairSides(base, head *reports.Set, old, cur side) (common int, differ []inconclusive, err error) {
	for _, name := range old.order {
		if cur.values[name] != nil {
			common++
		}
	}
	differ = regimesDiffer(old.order, cur.order, old.values, cur.values, old.meta, cur.meta)
	if common == 0 && len(differ) > 0 {
		first := differ[0]
		return 0, nil, fmt.Errorf("nothing could be compared: every benchmark of the baseline (%s) and the new results (%s) ran in different machine regimes, e.g. %s: %s; rerun one side, or pool the regimes on purpose with ignore /%s",
			strings.Join(base.Files, ", "), strings.Join(head.Files, ", "), first.Name, first.Note, schema.KeyRegime)
	}
	if common == 0 {
		err := fmt.Errorf("no benchmark is in both the baseline (%s) and the new results (%s): baseline has %s; new has %s",
			strings.Join(base.Files, ", "), strings.Join(head.Files, ", "), listSome(old.order), listSome(cur.order))
		if sameButProcs(old.order, cur.order) {
			return 0, nil, &OptionError{Err: fmt.Errorf("%w (the names differ only in their -N GOMAXPROCS suffix: the runs had different CPU counts)", err),
				Remedy: "to compare anyway", Option: OptionIgnore, Value: "/gomaxprocs"}
		}
		return 0, nil, err
	}
	return common, differ, nil
}

// estimate is the median of vals with its 95% interval.
func estimate(vals []float64) *stats.Estimate {
	e := stats.MedianCI(vals, stats.DefaultConfidence)
	return &e
}

// judgeAll adds a Check for every row: each baseline row judged against
// the new one (judgeRow), the new rows the baseline lacks, and the
// inconclusive pairs; then the Holm adjustment over the judged rows,
// their statuses (decide), and the counts by status.
func (v *Verdict) judgeAll(old, cur side, differ []inconclusive, better int, opts GateOptions) {
	paired := map[string]bool{} // rows that are one side of an inconclusive check
	for _, c := range differ {
		paired[c.baseRow], paired[c.headRow] = true, true
	}
	nan := Float(math.NaN())
	for _, name := range old.order {
		if paired[name] {
			continue
		}
		c := Check{Name: name, Delta: nan, P: nan, MinP: nan, Regime: old.meta[name].regime, stem: old.meta[name].stem, Note: old.meta[name].pooled + cur.meta[name].pooled}
		c.Old = estimate(old.values[name])
		if cur.values[name] == nil {
			c.Status = StatusOnlyBase
		} else {
			c.New = estimate(cur.values[name])
			judgeRow(&c, old.values[name], cur.values[name], old.procs[name], cur.procs[name], better, opts)
		}
		v.Checks = append(v.Checks, c)
	}
	for _, name := range cur.order {
		if old.values[name] == nil && !paired[name] {
			v.Checks = append(v.Checks, Check{Name: name, Status: StatusOnlyNew, New: estimate(cur.values[name]),
				Delta: nan, P: nan, MinP: nan, Regime: cur.meta[name].regime})
		}
	}
	for _, d := range differ {
		d.Old, d.New = estimate(old.values[d.baseRow]), estimate(cur.values[d.headRow])
		v.Checks = append(v.Checks, d.Check)
		v.Inconclusive++
	}
	v.Insufficient = uncountedInsufficient(v.Checks)
	ps, pb := make([]float64, len(v.Checks)), make([]float64, len(v.Checks))
	for i, c := range v.Checks {
		ps[i], pb[i] = math.NaN(), math.NaN()
		if c.Status == statusJudging {
			ps[i], pb[i] = c.p, c.pBeyond
			v.Family++
		}
	}
	adj, adjB := stats.Holm(ps), stats.Holm(pb)
	for i := range v.Checks {
		c := &v.Checks[i]
		c.PBeyond = nan
		if c.Status == statusJudging {
			c.P, c.PBeyond = Float(adj[i]), Float(adjB[i])
			decide(c, better, opts)
		}
		switch c.Status {
		case StatusRegressed:
			v.Regressed++
		case StatusUnconfirmed:
			v.Unconfirmed++
		case StatusImproved:
			v.Improved++
		}
		if c.Unjudged() {
			c.Reason = c.reason(opts.Alpha)
			v.Unjudged++
		}
	}
}

// statusJudging marks a check judgeRow could judge, until Holm's
// adjustment over all of them lets decide set its status.
const statusJudging = "judging"

// judgeRow sets c's change, unadjusted p-value and the least change for
// the worse the data allow: the samples old and cur of one benchmark,
// from the processes oldProcs and curProcs (one id per sample), better
// +1 when higher values are better. When both sides have enough
// processes for the U test to reach significance on them, the samples
// are the processes' medians: the processes are the replications.
// Otherwise the repetitions are compared and the interval of the change
// is widened by the between-process allowance (GateOptions.BetweenProcess).
func judgeRow(c *Check, old, cur []float64, oldProcs, curProcs []string, better int, opts GateOptions) {
	need := stats.MinRepetitions(opts.Alpha)
	c.OldProcs, c.NewProcs = distinct(oldProcs), distinct(curProcs)
	byProcess := c.OldProcs >= need && c.NewProcs >= need
	if byProcess {
		old, cur = procMedians(old, oldProcs), procMedians(cur, curProcs)
	}
	cmp := stats.Compare(old, cur, opts.Alpha)
	c.p = cmp.P
	c.MinP = Float(stats.MinP(len(old), len(cur)))
	r := ratio(float64(c.New.Median), float64(c.Old.Median))
	c.Delta = Float(r - 1)
	c.worse = r - 1 // fraction for the worse
	if better > 0 {
		c.worse = 1 - r
	}
	if float64(c.MinP) > opts.Alpha {
		c.Status = StatusInsufficient // counted by uncountedInsufficient
		return
	}
	c.Status = statusJudging
	c.pBeyond, c.bound = 1, math.Inf(-1)
	if cmp.P > opts.Alpha || c.worse <= opts.MaxRegress {
		return // neither significant nor beyond: no bound needed (and no bootstrap spent)
	}
	lo, hi := stats.RatioCI(old, cur, 1-2*opts.Alpha)
	bound := lo - 1 // the least change for the worse the data allow
	if better > 0 {
		bound = 1 - hi
	}
	// In log terms, a normal approximation of the change: its standard
	// error from the bootstrap bound, and the between-process allowance
	// added in quadrature when the processes are too few to measure it.
	z := -math.Sqrt2 * math.Erfcinv(2*(1-opts.Alpha)) // one-sided normal quantile
	est, lb := math.Log1p(c.worse), math.Log1p(bound)
	se := max(est-lb, 0) / z
	if !byProcess && opts.BetweenProcess > 0 && c.OldProcs > 0 && c.NewProcs > 0 {
		se = math.Hypot(se, opts.BetweenProcess*math.Sqrt(1/float64(c.OldProcs)+1/float64(c.NewProcs)))
	}
	c.bound = math.Expm1(est - z*se)
	if se > 0 {
		c.pBeyond = 0.5 * math.Erfc((est-math.Log1p(opts.MaxRegress))/se/math.Sqrt2)
	} else if est > math.Log1p(opts.MaxRegress) {
		c.pBeyond = 0
	}
}

// decide sets the status of a judged check from its Holm-adjusted
// p-values: regressed when the change is significant (P) and shown
// beyond MaxRegress (PBeyond, with the allowance), unconfirmed when
// significant with the median but not shown beyond it, improved when
// significantly better beyond the threshold, ok otherwise.
func decide(c *Check, better int, opts GateOptions) {
	sig := float64(c.P) <= opts.Alpha
	switch {
	case sig && c.worse > opts.MaxRegress && float64(c.PBeyond) <= opts.Alpha:
		c.Status = StatusRegressed
	case sig && c.worse > opts.MaxRegress:
		c.Status = StatusUnconfirmed
		c.Note = fmt.Sprintf("median beyond the threshold, but the %.0f%% interval of the change reaches %+.1f%%", 100*(1-2*opts.Alpha), 100*c.bound*sign(better))
		if c.OldProcs < stats.MinRepetitions(opts.Alpha) || c.NewProcs < stats.MinRepetitions(opts.Alpha) {
			c.Note += fmt.Sprintf(" with the between-process allowance (%d+%d processes)", c.OldProcs, c.NewProcs)
		}
	case sig && -c.worse > opts.MaxRegress:
		c.Status = StatusImproved
	default:
		c.Status = StatusOK
	}
}

// distinct counts the distinct ids.
func distinct(ids []string) int {
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	return len(seen)
}

// procMedians returns the median of vals per process id, in order of
// first appearance.
func procMedians(vals []float64, ids []string) []float64 {
	by := map[string][]float64{}
	var order []string
	for i, v := range vals {
		if by[ids[i]] == nil {
			order = append(order, ids[i])
		}
		by[ids[i]] = append(by[ids[i]], v)
	}
	out := make([]float64, len(order))
	for i, id := range order {
		out[i] = stats.Median(by[id])
	}
	return out
}

// samples returns the metric's values (in the metric's own unit) per
// benchmark of s, the benchmarks in order of appearance, and their
// regimes.
func (q gateQuery) samples(s *reports.Set, opts GateOptions) (side, error) {
	filter, rowBy, unit, factor := q.filter, q.rowBy, q.unit, q.factor
	samples := map[string][]float64{}
	procs := map[string][]string{}
	meta := map[string]rowMeta{}
	var order []string
	unitsSeen := map[string]bool{}
	var proc processOf
	var unitList []string
	kept := 0
	classes := namesClassKey(opts.Filter, opts.Row)
	for _, r := range s.Results {
		if schema.IsSwitched(r.Name) {
			continue // the machine changed under it: two machines in one line
		}
		if !classes && schema.IsClassLine(r.Name) {
			continue
		}
		r = r.Clone()
		if ok, _ := filter.Apply(r); !ok {
			continue
		}
		kept++
		pid := proc.of(r)
		name := rowBy.Project(r).StringValues()
		meta[name] = meta[name].note(r, name)
		for _, val := range r.Values {
			if val.Unit == unit {
				if samples[name] == nil {
					order = append(order, name)
				}
				samples[name] = append(samples[name], val.Value/factor)
				procs[name] = append(procs[name], pid)
			}
			u := val.Unit
			if val.OrigUnit != "" {
				u = val.OrigUnit
			}
			if !unitsSeen[u] {
				unitsSeen[u] = true
				unitList = append(unitList, u)
			}
		}
	}
	files := strings.Join(s.Files, ", ")
	if kept == 0 {
		return side{}, &reports.InputError{FileName: files, Msg: fmt.Sprintf("no benchmark matches the filter %q", opts.Filter)}
	}
	if len(order) == 0 {
		file, line := s.Results[0].Pos()
		if file == "" {
			file = files
		}
		return side{}, &OptionError{Err: &reports.InputError{FileName: file, Line: line,
			Msg: fmt.Sprintf("no %s measurements; these results have %s (the baseline and the new results must measure the same metric)",
				opts.Metric, strings.Join(unitList, ", "))},
			Remedy: "to judge one of them", Option: OptionMetric}
	}
	return side{values: samples, procs: procs, order: order, meta: meta}, nil
}

// processOf tells the processes of a set's results apart: a process is
// one input file (the ".file" key Load sets), one "proc" configuration
// value within it (lockbench ab's results), and one run of increasing
// block numbers (a file concatenated from several runs restarts them).
// Results without any of these (plain go test -bench output) are one
// process per file.
type processOf struct {
	last    map[string]float64 // last block number per file and proc
	segment map[string]int
}

func (p *processOf) of(r *benchfmt.Result) string {
	if p.last == nil {
		p.last, p.segment = map[string]float64{}, map[string]int{}
	}
	key := r.GetConfig(".file") + "\x00" + r.GetConfig(schema.ConfProc)
	for _, v := range r.Values {
		if v.Unit != schema.UnitBlock {
			continue
		}
		if b, ok := p.last[key]; ok && v.Value < b {
			p.segment[key]++
		}
		p.last[key] = v.Value
	}
	return fmt.Sprintf("%s\x00%d", key, p.segment[key])
}

// rowMeta is what the gate knows of a row besides its samples: its
// machine regime, its name without the regime, and its regime probes.
type rowMeta struct {
	regime, stem string
	xfer         []float64
	pooled       string // a note when this row pools the other side's regimes
}

// note returns m with result r of row name added: the regime and stem
// from the first result of the row, and r's xfer-ns probe.
func (m rowMeta) note(r *benchfmt.Result, name string) rowMeta {
	if m.stem == "" {
		reg, _ := schema.ParseName(r.Name).Get(schema.KeyRegime)
		m.regime, m.stem = reg, name
		if reg != "" {
			m.stem = strings.Replace(name, "/"+schema.KeyRegime+"="+reg, "", 1)
		}
	}
	for _, val := range r.Values {
		if val.Unit == schema.UnitXfer || val.OrigUnit == schema.UnitXfer {
			x := val.Value
			if val.OrigUnit != "" {
				x = val.OrigValue
			}
			m.xfer = append(m.xfer, x)
		}
	}
	return m
}

// inconclusive is an inconclusive Check with the rows it joins.
type inconclusive struct {
	Check
	baseRow, headRow string
}

// regimesDiffer finds the benchmarks that both sides ran but in no common
// regime: a row of the baseline only and a row of the new results only
// with the same name but for the regime key, and no row of that name in
// a regime both saw. Each becomes one inconclusive check, named without
// the regime, noting both regimes' probes.
func regimesDiffer(baseOrder, headOrder []string, baseS, headS map[string][]float64, baseMeta, headMeta map[string]rowMeta) []inconclusive {
	shared := map[string]bool{} // stems judged in a common regime
	for _, n := range baseOrder {
		if headS[n] != nil {
			shared[baseMeta[n].stem] = true
		}
	}
	var out []inconclusive
	done := map[string]bool{}
	for _, b := range baseOrder {
		bm := baseMeta[b]
		if headS[b] != nil || bm.regime == "" || shared[bm.stem] || done[bm.stem] {
			continue
		}
		for _, h := range headOrder {
			hm := headMeta[h]
			if baseS[h] != nil || hm.regime == "" || hm.stem != bm.stem {
				continue
			}
			done[bm.stem] = true
			nan := Float(math.NaN())
			out = append(out, inconclusive{Check: Check{Name: bm.stem, Status: StatusInconclusive, Delta: nan, P: nan, MinP: nan,
				Regime: bm.regime + "/" + hm.regime, stem: bm.stem,
				Note: fmt.Sprintf("regimes differ: %s against %s", probeText(bm), probeText(hm))}, baseRow: b, headRow: h})
			break
		}
	}
	return out
}

// probeText is a row's regime with its median probe: "llc 25 ns".
func probeText(m rowMeta) string {
	if len(m.xfer) == 0 {
		return m.regime
	}
	return fmt.Sprintf("%s %s ns", m.regime, stats.Format(stats.Median(m.xfer), 2))
}

// uncountedInsufficient notes, on each insufficient check whose
// benchmark was judged in another regime, that it does not count, and
// returns the insufficient checks that do: a rare regime seen twice
// leaves the benchmark judged in its common one.
func uncountedInsufficient(checks []Check) int {
	judged := map[string]bool{}
	for _, c := range checks {
		switch c.Status {
		case StatusOK, StatusImproved, StatusRegressed:
			judged[c.stem] = true
		}
	}
	n := 0
	for i := range checks {
		c := &checks[i]
		if c.Status != StatusInsufficient {
			continue
		}
		if c.Regime != "" && judged[c.stem] {
			c.Note = "too few samples in the " + c.Regime + " regime; judged in another"
			continue
		}
		n++
	}
	return n
}

// sameButProcs reports whether two lists of benchmark names have a name
// in common once a trailing -N (GOMAXPROCS) is cut off.
func sameButProcs(a, b []string) bool {
	cut := func(n string) string {
		i := strings.LastIndexByte(n, '-')
		if i < 0 {
			return n
		}
		for _, c := range n[i+1:] {
			if c < '0' || c > '9' {
				return n
			}
		}
		return n[:i]
	}
	seen := map[string]bool{}
	for _, n := range a {
		seen[cut(n)] = true
	}
	for _, n := range b {
		if seen[cut(n)] {
			return true
		}
	}
	return false
}

func listSome(names []string) string {
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
	}
	return strings.Join(names, ", ")
}

// UnjudgedError says which benchmarks could not be judged
// (Check.Unjudged): too few samples, regimes that differ, a benchmark on
// one side only. It is nil only when every benchmark asked for was
// judged; lockbench gate exits 3 for it unless --allow-unjudged.
func (v *Verdict) UnjudgedError() error {
	if v.Unjudged == 0 {
		return nil
	}
	for _, c := range v.Checks {
		if c.Unjudged() {
			msg := fmt.Sprintf("%d benchmark(s) could not be judged, e.g. %s: %s", v.Unjudged, c.Name, c.Reason)
			if c.Status == StatusInsufficient {
				msg += fmt.Sprintf(": run at least %d repetitions on each side", stats.MinRepetitions(v.Alpha))
			}
			return errors.New(msg)
		}
	}
	return nil
}

// Err returns the regression as an error, nil when none regressed.
func (v *Verdict) Err() error {
	if v.Regressed == 0 {
		return nil
	}
	return fmt.Errorf("%d benchmark(s) regressed beyond %s in %s", v.Regressed, threshold(v.MaxRegress), v.Metric)
}

// threshold shows a fraction as the user gave it, with no more decimals
// than it needs: "5%", "0.5%", "5.25%".
func threshold(f float64) string {
	d := 0
	for ; d < 2; d++ {
		x := 100 * f * math.Pow10(d)
		if math.Abs(x-math.Round(x)) < 1e-6 {
			break
		}
	}
	return stats.Pct(f, d, false)
}

// WriteText writes the verdict for a reader: the rule, every benchmark's
// old and new median, change, p-value and status, and the offenders
// named once more at the end.
func (v *Verdict) WriteText(w io.Writer) error {
	var b strings.Builder
	dir := "+"
	if v.Better == "higher" {
		dir = "-"
	}
	fmt.Fprintf(&b, "gate: %s (%s is better): fail on a change significant at alpha %v (Mann-Whitney U, Holm over the %d judged benchmarks) and shown beyond %s%s (the %.0f%% interval of the change)\n\n",
		v.Metric, v.Better, v.Alpha, v.Family, dir, threshold(v.MaxRegress), 100*(1-2*v.Alpha))
	rows := [][]string{}
	for _, c := range v.Checks {
		rows = append(rows, []string{c.Name, sumString(c.Old), sumString(c.New), checkDelta(c), checkP(c), c.Status})
	}
	header := []string{"benchmark", "old " + v.Metric, "new " + v.Metric, "delta", "p", "status"}
	table.Plain(&b, header, rows)
	b.WriteString("\n")
	for _, c := range v.Checks {
		if c.Status == StatusRegressed {
			fmt.Fprintf(&b, "REGRESSION %s\n", checkLine(v, c))
		}
	}
	for _, c := range v.Checks {
		if c.Unjudged() {
			fmt.Fprintf(&b, "UNJUDGED %s: %s\n", c.Name, c.Reason)
		}
	}
	for _, c := range v.Checks {
		if c.Status == StatusUnconfirmed {
			fmt.Fprintf(&b, "UNCONFIRMED %s: %s; not failed\n", checkLine(v, c), c.Note)
		}
	}
	for _, c := range v.Checks {
		if strings.HasPrefix(c.Note, "compared pooled") {
			fmt.Fprintf(&b, "POOLED %s: %s\n", c.Name, c.Note)
		}
	}
	for _, warn := range v.Warnings {
		fmt.Fprintf(&b, "note: %s\n", warn)
	}
	switch {
	case v.Regressed > 0:
		fmt.Fprintf(&b, "FAIL: %d of %d judged benchmarks regressed beyond %s in %s\n", v.Regressed, v.Family, threshold(v.MaxRegress), v.Metric)
	case v.Unjudged > 0:
		fmt.Fprintf(&b, "NOT JUDGED: %d benchmark(s) could not be judged; no regression in the %d judged\n", v.Unjudged, v.Family)
	default:
		fmt.Fprintf(&b, "PASS: no significant regression beyond %s in %d benchmarks (%d improved)\n", threshold(v.MaxRegress), v.Family, v.Improved)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func checkLine(v *Verdict, c Check) string {
	return fmt.Sprintf("%s: %s -> %s %s (%s, p=%.3f n=%d+%d)", c.Name, stats.Format(float64(c.Old.Median), 4), stats.Format(float64(c.New.Median), 4),
		v.Metric, stats.Pct(float64(c.Delta), 2, true), float64(c.P), c.Old.N, c.New.N)
}

// WriteGitHub writes GitHub Actions workflow commands: an error
// annotation per regression, one per unjudged benchmark with its reason
// (a warning when allowUnjudged), and a warning per unconfirmed one.
func (v *Verdict) WriteGitHub(w io.Writer, allowUnjudged bool) error {
	var b strings.Builder
	for _, c := range v.Checks {
		switch {
		case c.Status == StatusRegressed:
			fmt.Fprintf(&b, "::error title=%s::%s\n", ghcmd.Property("lockbench gate: "+v.Metric+" regression"), ghcmd.Data(checkLine(v, c)))
		case c.Unjudged():
			kind := "error"
			if allowUnjudged {
				kind = "warning"
			}
			fmt.Fprintf(&b, "::%s title=%s::%s\n", kind, ghcmd.Property("lockbench gate: not judged"), ghcmd.Data(c.Name+": "+c.Reason))
		case c.Status == StatusUnconfirmed:
			fmt.Fprintf(&b, "::warning title=%s::%s\n", ghcmd.Property("lockbench gate: unconfirmed "+v.Metric+" regression"), ghcmd.Data(checkLine(v, c)+": "+c.Note))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the verdict as indented JSON.
func (v *Verdict) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func sumString(e *stats.Estimate) string {
	if e == nil {
		return stats.None
	}
	return e.PlusMinus(4)
}

func checkDelta(c Check) string { return stats.Pct(float64(c.Delta), 2, true) }

func checkP(c Check) string {
	if math.IsNaN(float64(c.P)) {
		return stats.None
	}
	return fmt.Sprintf("%.3f", float64(c.P))
}

// sign turns a change for the worse back into a signed change: + for a
// lower-is-better unit, - for a higher-is-better one.
func sign(better int) float64 {
	if better > 0 {
		return -1
	}
	return 1
}

// The options an OptionError names: GateOptions' (and Options') fields,
// in lower case.
const (
	OptionIgnore = "ignore" // GateOptions.Ignore, Options.Ignore
	OptionMetric = "metric" // GateOptions.Metric
)

// An OptionError is an error whose remedy is a setting of one of the
// caller's options, named in the library's terms (Option: OptionIgnore
// for GateOptions.Ignore), so that a command line can name its own flag
// for it, as cmd/lockbench does for harness.FieldError.
type OptionError struct {
	Err    error  // what is wrong
	Remedy string // what the setting would do: "to compare anyway"
	Option string // the option to set: OptionIgnore, OptionMetric
	Value  string // the value to set it to; "" when the caller must choose
}

// Error is "err; remedy, set option to value" (without "to value" when
// Value is empty).
func (e *OptionError) Error() string {
	s := fmt.Sprintf("%v; %s, set %s", e.Err, e.Remedy, e.Option)
	if e.Value != "" {
		s += " to " + e.Value
	}
	return s
}

func (e *OptionError) Unwrap() error { return e.Err }
