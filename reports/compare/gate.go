package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
	"golang.org/x/perf/benchunit"

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
}

// DefaultGate are Gate's defaults: ns/page may grow by at most 5% at
// alpha 0.05.
var DefaultGate = GateOptions{Metric: schema.PerUnit(schema.StemNS, schema.PerPage), MaxRegress: 0.05, Alpha: 0.05, Filter: "*", Row: ".fullname"}

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

// A Verdict is Gate's judgement.
type Verdict struct {
	// Pass is false when a benchmark regressed. Insufficient samples do
	// not make Pass false: the caller decides (lockbench gate treats
	// them as bad input unless --allow-insufficient).
	Pass bool `json:"pass"`
	// Status sums up: "regression" when a benchmark regressed, else
	// "insufficient" when one could not be judged, else "pass".
	Status     string  `json:"status"`
	Metric     string  `json:"metric"`
	Better     string  `json:"better"` // "lower" or "higher"
	MaxRegress float64 `json:"max_regress"`
	Alpha      float64 `json:"alpha"`
	Checks     []Check `json:"checks"`
	// Counts of Checks by status.
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
	// P is the Mann-Whitney U p-value; MinP the smallest p samples of
	// these sizes can reach.
	P    Float `json:"p"`
	MinP Float `json:"min_p"`
	// Regime is the machine regime of the benchmark's lines, "" when they
	// carry none.
	Regime string `json:"regime,omitempty"`
	// Note says why a check is inconclusive ("regimes differ: 25 ns
	// against 170 ns"), or that an insufficient regime is not counted
	// because another regime of the benchmark was judged.
	Note string `json:"note,omitempty"`

	stem string // Name without its regime key
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
	common, differ, err := pairSides(base, head, old, cur)
	if err != nil {
		return nil, err
	}
	v.judgeAll(old, cur, differ, better, opts)
	if n := len(old.order) - common - len(differ); n > 0 {
		v.Warnings = append(v.Warnings, fmt.Sprintf("%d benchmark(s) of the baseline are missing from the new results and were not judged", n))
	}
	if n := len(cur.order) - common - len(differ); n > 0 {
		v.Warnings = append(v.Warnings, fmt.Sprintf("%d benchmark(s) are new (not in the baseline) and were not judged", n))
	}
	_, cfgWarn := sharedConfig(append(append([]*benchfmt.Result(nil), base.Results...), head.Results...))
	v.Warnings = append(v.Warnings, cfgWarn...)
	v.Pass = v.Regressed == 0
	switch {
	case !v.Pass:
		v.Status = "regression"
	case v.Insufficient > 0:
		v.Status = "insufficient"
	default:
		v.Status = "pass"
	}
	return v, nil
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
// inconclusive pairs; then the counts by status.
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
		c := Check{Name: name, Delta: nan, P: nan, MinP: nan, Regime: old.meta[name].regime, stem: old.meta[name].stem}
		c.Old = estimate(old.values[name])
		if cur.values[name] == nil {
			c.Status = StatusOnlyBase
		} else {
			c.New = estimate(cur.values[name])
			judgeRow(&c, old.values[name], cur.values[name], better, opts)
		}
		switch c.Status {
		case StatusRegressed:
			v.Regressed++
		case StatusUnconfirmed:
			v.Unconfirmed++
		case StatusImproved:
			v.Improved++
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
}

// judgeRow sets c's change, p-value and status: the samples old and cur
// of one benchmark, better +1 when higher values are better.
func judgeRow(c *Check, old, cur []float64, better int, opts GateOptions) {
	cmp := stats.Compare(old, cur, opts.Alpha)
	c.P = Float(cmp.P)
	c.MinP = Float(stats.MinP(c.Old.N, c.New.N))
	r := ratio(float64(c.New.Median), float64(c.Old.Median))
	c.Delta = Float(r - 1)
	worse := r - 1 // fraction for the worse
	if better > 0 {
		worse = 1 - r
	}
	switch {
	case float64(c.MinP) > opts.Alpha:
		c.Status = StatusInsufficient // counted by uncountedInsufficient
	case cmp.P <= opts.Alpha && worse > opts.MaxRegress:
		lo, hi := stats.RatioCI(old, cur, 1-2*opts.Alpha)
		bound := lo - 1 // the least change for the worse the data allow
		if better > 0 {
			bound = 1 - hi
		}
		if bound > opts.MaxRegress {
			c.Status = StatusRegressed
		} else {
			c.Status = StatusUnconfirmed
			c.Note = fmt.Sprintf("median beyond the threshold, but the %.0f%% interval of the change reaches %+.1f%%", 100*(1-2*opts.Alpha), 100*bound*sign(better))
		}
	case cmp.P <= opts.Alpha && -worse > opts.MaxRegress:
		c.Status = StatusImproved
	default:
		c.Status = StatusOK
	}
}

// samples returns the metric's values (in the metric's own unit) per
// benchmark of s, the benchmarks in order of appearance, and their
// regimes.
func (q gateQuery) samples(s *reports.Set, opts GateOptions) (side, error) {
	filter, rowBy, unit, factor := q.filter, q.rowBy, q.unit, q.factor
	samples := map[string][]float64{}
	meta := map[string]rowMeta{}
	var order []string
	unitsSeen := map[string]bool{}
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
		name := rowBy.Project(r).StringValues()
		meta[name] = meta[name].note(r, name)
		for _, val := range r.Values {
			if val.Unit == unit {
				if samples[name] == nil {
					order = append(order, name)
				}
				samples[name] = append(samples[name], val.Value/factor)
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
	return side{values: samples, order: order, meta: meta}, nil
}

// rowMeta is what the gate knows of a row besides its samples: its
// machine regime, its name without the regime, and its regime probes.
type rowMeta struct {
	regime, stem string
	xfer         []float64
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

// InsufficientError says which benchmarks have too few samples for the
// Mann-Whitney U test ever to reach significance at the verdict's alpha.
//
// It is nil when at least one benchmark was judged: the gate exits 2
// only when nothing at all could be compared (the insufficient ones are
// still listed, and Status says "insufficient").
func (v *Verdict) InsufficientError() error {
	if v.Insufficient == 0 {
		return nil
	}
	for _, c := range v.Checks {
		switch c.Status {
		case StatusOK, StatusImproved, StatusRegressed:
			return nil
		}
	}
	var worst Check
	for _, c := range v.Checks {
		if c.Status == StatusInsufficient && c.Note == "" {
			worst = c
			break
		}
	}
	need := stats.MinRepetitions(v.Alpha)
	return fmt.Errorf("%d benchmark(s) have too few samples for any change to be significant, e.g. %s with n=%d+%d can at best reach p=%.3f, but alpha is %v: run at least %d repetitions on each side",
		v.Insufficient, worst.Name, worst.Old.N, worst.New.N, float64(worst.MinP), v.Alpha, need)
}

// Err returns the regression as an error, nil when v passes.
func (v *Verdict) Err() error {
	if v.Pass {
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
	fmt.Fprintf(&b, "gate: %s (%s is better): fail on a change significant at alpha %v (Mann-Whitney U) and shown beyond %s%s (the %.0f%% interval of the change)\n\n",
		v.Metric, v.Better, v.Alpha, dir, threshold(v.MaxRegress), 100*(1-2*v.Alpha))
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
		if c.Status == StatusInsufficient && c.Note == "" {
			fmt.Fprintf(&b, "INSUFFICIENT %s: n=%d+%d can at best reach p=%.3f > alpha %v; this benchmark cannot be judged\n",
				c.Name, c.Old.N, c.New.N, float64(c.MinP), v.Alpha)
		}
	}
	for _, c := range v.Checks {
		if c.Status == StatusInconclusive {
			fmt.Fprintf(&b, "INCONCLUSIVE %s: %s; not judged, not failed\n", c.Name, c.Note)
		}
	}
	for _, c := range v.Checks {
		if c.Status == StatusUnconfirmed {
			fmt.Fprintf(&b, "UNCONFIRMED %s: %s; not failed\n", checkLine(v, c), c.Note)
		}
	}
	for _, warn := range v.Warnings {
		fmt.Fprintf(&b, "note: %s\n", warn)
	}
	judged := 0
	for _, c := range v.Checks {
		if c.Status != StatusOnlyBase && c.Status != StatusOnlyNew && c.Status != StatusInconclusive {
			judged++
		}
	}
	switch {
	case !v.Pass:
		fmt.Fprintf(&b, "FAIL: %d of %d benchmarks regressed beyond %s in %s\n", v.Regressed, judged, threshold(v.MaxRegress), v.Metric)
	case v.Insufficient > 0:
		fmt.Fprintf(&b, "NOT JUDGED: %d of %d benchmarks have too few samples; no regression found in the rest\n", v.Insufficient, judged)
	default:
		fmt.Fprintf(&b, "PASS: no significant regression beyond %s in %d benchmarks (%d improved)\n", threshold(v.MaxRegress), judged, v.Improved)
	}
	if v.Inconclusive > 0 {
		fmt.Fprintf(&b, "INCONCLUSIVE: %d benchmarks ran in no machine regime common to both sides; they were not judged\n", v.Inconclusive)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func checkLine(v *Verdict, c Check) string {
	return fmt.Sprintf("%s: %s -> %s %s (%s, p=%.3f n=%d+%d)", c.Name, stats.Format(float64(c.Old.Median), 4), stats.Format(float64(c.New.Median), 4),
		v.Metric, stats.Pct(float64(c.Delta), 2, true), float64(c.P), c.Old.N, c.New.N)
}

// WriteGitHub writes GitHub Actions workflow commands: an error
// annotation per regression, and per insufficient benchmark (a warning
// when allowInsufficient).
func (v *Verdict) WriteGitHub(w io.Writer, allowInsufficient bool) error {
	var b strings.Builder
	for _, c := range v.Checks {
		switch c.Status {
		case StatusRegressed:
			fmt.Fprintf(&b, "::error title=%s::%s\n", ghProperty("lockbench gate: "+v.Metric+" regression"), ghData(checkLine(v, c)))
		case StatusInsufficient:
			kind := "error"
			if allowInsufficient {
				kind = "warning"
			}
			fmt.Fprintf(&b, "::%s title=%s::%s\n", kind, ghProperty("lockbench gate: too few samples"),
				ghData(fmt.Sprintf("%s: n=%d+%d can at best reach p=%.3f > alpha %v", c.Name, c.Old.N, c.New.N, float64(c.MinP), v.Alpha)))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData and ghProperty escape workflow command text as the Actions
// runner expects (toolkit's escapeData and escapeProperty).
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
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
