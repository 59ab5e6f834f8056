package compare

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"

	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
)

// Options say how Tables groups and judges results. The projection and
// filter strings are benchstat's (golang.org/x/perf/benchproc syntax):
// "-col /mode", "-row /threads", "-filter '/lock:mcs .unit:ns/page'".
type Options struct {
	// Table splits results into separate tables by these keys; the
	// unit always splits tables. Empty means one table per unit.
	// (benchstat's default is ".config", which puts results whose
	// file configuration differs — a base and a head built from
	// different commits — into tables that never meet; lockbench prints
	// the configuration the files share instead and notes what
	// differs.)
	Table string
	// Row groups results into rows; default ".fullname" (minus any key
	// Col or Table uses, as benchproc does).
	Row string
	// Col groups results into columns, each compared with the first;
	// default ".file".
	Col string
	// Ignore lists keys not to group by at all.
	Ignore string
	// Filter keeps matching results and units; default "*". Class lines
	// (one lock class's share of a case, a schema.KeyClass key) are
	// compared only when Filter, Row, Col or Table names the class key
	// ("/class:lru", "-col /class").
	Filter string
	// Alpha is the significance level: a difference with p > Alpha is
	// shown as "~".
	Alpha float64
	// Confidence is the level of the intervals around medians.
	Confidence float64
	// Units, when set, are the only units compared (as written:
	// "ns/page", "acq/page"), unless no result has any of them (plain go
	// test output): then every unit is. Empty means every unit.
	Units []string
}

// DefaultOptions are benchstat's defaults, bar Table (see Options.Table).
var DefaultOptions = Options{Row: ".fullname", Col: ".file", Filter: "*", Alpha: 0.05, Confidence: 0.95}

// A Comparison is the result of Tables: benchstat-style tables, one per
// unit (and per Options.Table key).
type Comparison struct {
	// Config is the file configuration shared by every result, in order
	// of first appearance ("goos: linux").
	Config []reports.ConfigValue `json:"config,omitempty"`
	Tables []*Table              `json:"tables"`
	// Warnings concern the whole comparison (file configuration that
	// differs between files, a filter that matched nothing).
	Warnings []string `json:"warnings,omitempty"`
	// Inconclusive are the rows that the first column and another ran
	// in no common machine regime (schema.KeyRegime): the row is in
	// one column under one regime only and in the other under another,
	// so the tables hold two rows with nothing to compare. Gate's rule
	// (StatusInconclusive), applied to each column against the first.
	Inconclusive []Inconclusive `json:"inconclusive,omitempty"`
	Alpha        float64        `json:"alpha"`
}

// An Inconclusive is a row of a Comparison that a column and the first
// ran in different machine regimes only.
type Inconclusive struct {
	// Name is the row without its regime key.
	Name string `json:"name"`
	// Base and Col are the first column and the column compared with it.
	Base string `json:"base"`
	Col  string `json:"col"`
	// Note says which regimes, with their median probes: "regimes
	// differ: llc 25 ns against xllc 162 ns".
	Note string `json:"note"`
}

// A Table compares the columns of one unit, row by row.
type Table struct {
	// Key is the Options.Table key of this table besides the unit
	// ("" with the default Options).
	Key string `json:"key,omitempty"`
	// Unit is the tidied unit (benchunit.Tidy: "ns/page" is "sec/page",
	// in seconds).
	Unit string `json:"unit"`
	// Better is +1 if higher values are better, -1 if lower (see
	// Better).
	Better int `json:"better"`
	// Statistic names the center: "median".
	Statistic string   `json:"statistic"`
	Cols      []string `json:"cols"`
	Rows      []*Row   `json:"rows"`
	// Geomean is the geometric mean of each column's centers, and its
	// ratio to the first column's; nil when a center is not positive.
	Geomean *Row `json:"geomean,omitempty"`
}

// A Row is one benchmark (one Options.Row key) across the columns.
type Row struct {
	Name string `json:"name"`
	// Cells has one entry per column, nil where the row has no results.
	Cells []*Cell `json:"cells"`
}

// A Cell summarizes one sample: its median and confidence interval
// and, in every column but the first, its comparison with the first.
type Cell struct {
	N          int     `json:"n"`
	Center     Float   `json:"center"`
	Lo         Float   `json:"lo"`
	Hi         Float   `json:"hi"`
	Confidence float64 `json:"confidence,omitempty"`
	// Values are the sample, ascending.
	Values []float64 `json:"values,omitempty"`
	// Delta compares with the row's cell in the first column.
	Delta    *Delta   `json:"delta,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// A Delta compares a sample with a baseline sample by Mann-Whitney U.
type Delta struct {
	// Ratio is new center / old center (1.05 is 5% higher).
	Ratio Float `json:"ratio"`
	// P is the Mann-Whitney U test's p-value; Significant is P <= Alpha.
	P           Float `json:"p"`
	N1          int   `json:"n1"`
	N2          int   `json:"n2"`
	Significant bool  `json:"significant"`
	// MinP is the smallest p-value samples of these sizes can reach:
	// when MinP > Alpha no difference, however large, can be
	// significant.
	MinP Float `json:"min_p"`
}

// Tables groups the results of set as opts say and compares every column
// with the first, benchstat's way: medians with confidence intervals, the
// Mann-Whitney U test, geomeans. Errors are bad options (a projection or
// filter that does not parse) and a filter that keeps nothing.
func Tables(set *reports.Set, opts Options) (*Comparison, error) {
	opts.Row = withMachine(opts.Row, []*reports.Set{set}, opts.Col, opts.Table, opts.Ignore)
	g, err := newGrouping(opts)
	if err != nil {
		return nil, err
	}
	cmp := &Comparison{Alpha: opts.Alpha}
	kept := 0
	var filterErr error
	classes := namesClassKey(opts.Filter, opts.Row, opts.Col, opts.Table)
	units := unitFilter(set, opts.Units)
	switched := 0
	for _, r := range set.Results {
		if !classes && schema.IsClassLine(r.Name) {
			continue
		}
		if schema.IsSwitched(r.Name) {
			// Left out, as by every other reader (cases.Group, Gate):
			// the machine changed state while it ran.
			switched++
			continue
		}
		if units != nil {
			r = r.Clone()
			r.Values = slices.DeleteFunc(r.Values, func(v benchfmt.Value) bool { return !units[v.Unit] && !units[v.OrigUnit] })
			if len(r.Values) == 0 {
				continue
			}
		}
		orig := r
		r = r.Clone() // filter.Apply edits Values
		ok, err := g.filter.Apply(r)
		if !ok {
			if err != nil && filterErr == nil {
				filterErr = err
			}
			continue
		}
		kept++
		g.add(r)
		g.note(orig, r)
	}
	if kept == 0 {
		if filterErr != nil {
			return nil, fmt.Errorf("filter %q matched no results: %w", opts.Filter, filterErr)
		}
		return nil, fmt.Errorf("filter %q matched no results", opts.Filter)
	}
	cmp.Config, cmp.Warnings = sharedConfig(set.Results)
	if switched > 0 {
		cmp.Warnings = append(cmp.Warnings, fmt.Sprintf("%s whose machine state changed in flight (regime=%s or %s) left out, as in every statistic",
			stats.Plural(switched, "line"), schema.RegimeSwitched, schema.RegimeUnprobed))
	}
	cmp.Tables = g.tables(set.Units, opts)
	cmp.Inconclusive = g.inconclusive()
	return cmp, nil
}

// note records the row of result r (filtered: kept, the original
// with all its values) in r's column, with its regime and probes.
func (g *grouping) note(orig, r *benchfmt.Result) {
	col, row := g.colBy.Project(r), g.rowBy.Project(r).StringValues()
	if g.rows[col] == nil {
		g.rows[col] = map[string]rowMeta{}
		g.order[col] = nil
	}
	if _, ok := g.rows[col][row]; !ok {
		g.order[col] = append(g.order[col], row)
	}
	g.rows[col][row] = g.rows[col][row].note(orig, row)
}

// inconclusive applies Gate's rule (regimesDiffer) to every column
// against the first: a row of the first column only and a row of the
// other only, with the same name but for the regime and no common
// regime, is one Inconclusive.
func (g *grouping) inconclusive() []Inconclusive {
	cols := sortedKeys(g.colKeys())
	if len(cols) < 2 {
		return nil
	}
	present := func(col benchproc.Key) map[string][]float64 {
		m := map[string][]float64{}
		for name := range g.rows[col] {
			m[name] = []float64{}
		}
		return m
	}
	base := cols[0]
	var out []Inconclusive
	for _, col := range cols[1:] {
		for _, d := range regimesDiffer(g.order[base], g.order[col], present(base), present(col), g.rows[base], g.rows[col]) {
			out = append(out, Inconclusive{Name: d.Name, Base: base.StringValues(), Col: col.StringValues(), Note: d.Note})
		}
	}
	return out
}

func (g *grouping) colKeys() map[benchproc.Key]bool {
	keys := map[benchproc.Key]bool{}
	for col := range g.rows {
		keys[col] = true
	}
	return keys
}

// grouping projects results into tables, rows and columns.
type grouping struct {
	filter                         *benchproc.Filter
	tableBy, rowBy, colBy, residue *benchproc.Projection
	unitField                      *benchproc.Field
	tabs                           map[benchproc.Key]*groupTable
	// rows and order are each column's rows, by name, with their
	// regime and probes (for inconclusive), and in order of appearance.
	rows  map[benchproc.Key]map[string]rowMeta
	order map[benchproc.Key][]string
}

type groupTable struct {
	rows, cols map[benchproc.Key]bool
	cells      map[[2]benchproc.Key]*groupCell
}

type groupCell struct {
	values  []float64
	residue map[benchproc.Key]bool
}

func newGrouping(opts Options) (*grouping, error) {
	if !(opts.Alpha > 0 && opts.Alpha < 1) { // NaN too
		return nil, fmt.Errorf("alpha %v is not between 0 and 1 (try 0.05)", opts.Alpha)
	}
	if !(opts.Confidence > 0 && opts.Confidence < 1) {
		return nil, fmt.Errorf("confidence %v is not between 0 and 1 (try 0.95)", opts.Confidence)
	}
	filterStr := opts.Filter
	if strings.TrimSpace(filterStr) == "" {
		filterStr = "*"
	}
	filter, err := benchproc.NewFilter(filterStr)
	if err != nil {
		return nil, queryError("filter", filterStr, err)
	}
	g := &grouping{filter: filter, tabs: map[benchproc.Key]*groupTable{},
		rows: map[benchproc.Key]map[string]rowMeta{}, order: map[benchproc.Key][]string{}}
	var p benchproc.ProjectionParser
	if g.tableBy, g.unitField, err = p.ParseWithUnit(opts.Table, filter); err != nil {
		return nil, queryError("table projection", opts.Table, err)
	}
	if g.rowBy, err = p.Parse(orDefault(opts.Row, ".fullname"), filter); err != nil {
		return nil, queryError("row projection", opts.Row, err)
	}
	if g.colBy, err = p.Parse(orDefault(opts.Col, ".file"), filter); err != nil {
		return nil, queryError("column projection", opts.Col, err)
	}
	if _, err = p.Parse(opts.Ignore, filter); err != nil {
		return nil, queryError("ignore keys", opts.Ignore, err)
	}
	g.residue = p.Residue()
	return g, nil
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func (g *grouping) add(r *benchfmt.Result) {
	tableKeys := g.tableBy.ProjectValues(r)
	row, col, res := g.rowBy.Project(r), g.colBy.Project(r), g.residue.Project(r)
	for i, tk := range tableKeys {
		t := g.tabs[tk]
		if t == nil {
			t = &groupTable{rows: map[benchproc.Key]bool{}, cols: map[benchproc.Key]bool{}, cells: map[[2]benchproc.Key]*groupCell{}}
			g.tabs[tk] = t
		}
		ck := [2]benchproc.Key{row, col}
		c := t.cells[ck]
		if c == nil {
			c = &groupCell{residue: map[benchproc.Key]bool{}}
			t.cells[ck] = c
			t.rows[row], t.cols[col] = true, true
		}
		c.values = append(c.values, r.Values[i].Value)
		c.residue[res] = true
	}
}

func sortedKeys(m map[benchproc.Key]bool) []benchproc.Key {
	keys := make([]benchproc.Key, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	benchproc.SortKeys(keys)
	return keys
}

func (g *grouping) tables(units benchfmt.UnitMetadataMap, opts Options) []*Table {
	th := &benchmath.Thresholds{CompareAlpha: opts.Alpha}
	tkeys := make([]benchproc.Key, 0, len(g.tabs))
	for k := range g.tabs {
		tkeys = append(tkeys, k)
	}
	benchproc.SortKeys(tkeys)
	var out []*Table
	for _, tk := range tkeys {
		gt := g.tabs[tk]
		unit := tk.Get(g.unitField)
		assume := units.GetAssumption(unit)
		t := &Table{Unit: unit, Better: Better(units, unit), Statistic: assume.SummaryLabel()}
		var parts []string
		for _, f := range tk.Projection().FlattenedFields() {
			if f != g.unitField {
				parts = append(parts, f.Name+":"+tk.Get(f))
			}
		}
		t.Key = strings.Join(parts, " ")
		cols := sortedKeys(gt.cols)
		for _, c := range cols {
			t.Cols = append(t.Cols, c.StringValues())
		}
		for _, rk := range sortedKeys(gt.rows) {
			row := &Row{Name: rk.StringValues(), Cells: make([]*Cell, len(cols))}
			var base *benchmath.Sample
			for i, ck := range cols {
				gc := gt.cells[[2]benchproc.Key{rk, ck}]
				if gc == nil {
					continue
				}
				s := benchmath.NewSample(gc.values, th)
				sum := assume.Summary(s, opts.Confidence)
				cell := &Cell{N: len(s.Values), Center: Float(sum.Center), Lo: Float(sum.Lo), Hi: Float(sum.Hi),
					Confidence: sum.Confidence, Values: s.Values}
				cell.Warnings = appendErrs(cell.Warnings, s.Warnings)
				cell.Warnings = appendErrs(cell.Warnings, sum.Warnings)
				if nsf := benchproc.NonSingularFields(sortedKeys(gc.residue)); len(nsf) > 0 {
					names := make([]string, len(nsf))
					for j, f := range nsf {
						names[j] = f.Name
					}
					cell.Warnings = append(cell.Warnings, "benchmarks vary in "+strings.Join(names, ", "))
				}
				if i == 0 {
					base = s
				} else if base != nil {
					c := assume.Compare(base, s)
					cell.Warnings = appendErrs(cell.Warnings, c.Warnings)
					baseCenter := float64(row.Cells[0].Center)
					cell.Delta = &Delta{Ratio: Float(ratio(sum.Center, baseCenter)), P: Float(c.P), N1: c.N1, N2: c.N2,
						Significant: c.P <= opts.Alpha, MinP: Float(MinP(c.N1, c.N2))}
				}
				row.Cells[i] = cell
			}
			t.Rows = append(t.Rows, row)
		}
		t.Geomean = geomeanRow(t)
		out = append(out, t)
	}
	return out
}

func ratio(num, den float64) float64 {
	if num == den {
		return 1
	}
	return num / den
}

func appendErrs(dst []string, errs []error) []string {
	for _, e := range errs {
		dst = append(dst, e.Error())
	}
	return dst
}

// geomeanRow returns the geometric mean of each column's centers and of
// each column's ratios to the first, over the rows present in both; nil
// if there is a single row or a center is not positive.
func geomeanRow(t *Table) *Row {
	if len(t.Rows) < 2 {
		return nil
	}
	g := &Row{Name: "geomean", Cells: make([]*Cell, len(t.Cols))}
	for i := range t.Cols {
		var logSum, logRatio float64
		n, nr := 0, 0
		for _, r := range t.Rows {
			c := r.Cells[i]
			if c == nil {
				continue
			}
			if c.Center <= 0 {
				return nil
			}
			logSum += math.Log(float64(c.Center))
			n++
			if i > 0 && c.Delta != nil {
				logRatio += math.Log(float64(c.Delta.Ratio))
				nr++
			}
		}
		if n == 0 {
			continue
		}
		cell := &Cell{N: n, Center: Float(math.Exp(logSum / float64(n))), Lo: Float(math.NaN()), Hi: Float(math.NaN())}
		if nr > 0 {
			cell.Delta = &Delta{Ratio: Float(math.Exp(logRatio / float64(nr))), P: Float(math.NaN()), Significant: true}
			if nr != len(t.Rows) {
				cell.Warnings = append(cell.Warnings, "benchmark set differs from baseline; geomeans may not be comparable")
			}
		}
		g.Cells[i] = cell
	}
	return g
}

// MinP returns the smallest two-sided p-value the Mann-Whitney U test
// (benchmath.AssumeNothing) can give for samples of sizes n1 and n2: the
// p of two samples that do not overlap at all. When MinP(n1, n2) > alpha,
// no change can be found significant, however large: 3 against 3 gives
// 0.1, so 4 samples a side are the least for alpha 0.05. (It is
// stats.MinP, here for the users of Tables and Gate.)
func MinP(n1, n2 int) float64 { return stats.MinP(n1, n2) }

// Better reports whether higher (+1) or lower (-1) values of the tidied
// unit are better. Unit metadata ("Unit pages/s better=higher") decides
// when the files give it; otherwise rates — units per second, "/s" or
// "/sec" at the end, like B/s, pages/s, ops/s — are higher-is-better and
// everything else (times, sizes, counts per page or per op) is
// lower-is-better.
func Better(units benchfmt.UnitMetadataMap, unit string) int {
	if b := units.GetBetter(unit); b != 0 {
		return b
	}
	if strings.HasSuffix(unit, "/s") || strings.HasSuffix(unit, "/sec") {
		return +1
	}
	return -1
}

// sharedConfig returns the file configuration every result has with the
// same value, and a warning for each key whose value differs between
// results (a base and a head on different machines, Go versions).
func sharedConfig(results []*benchfmt.Result) ([]reports.ConfigValue, []string) {
	type kv struct {
		values map[string]bool
		first  string
		count  int
	}
	seen := map[string]*kv{}
	var order []string
	for _, r := range results {
		for _, c := range r.Config {
			if !c.File {
				continue
			}
			e := seen[c.Key]
			if e == nil {
				e = &kv{values: map[string]bool{}, first: string(c.Value)}
				seen[c.Key] = e
				order = append(order, c.Key)
			}
			e.values[string(c.Value)] = true
			e.count++
		}
	}
	var shared []reports.ConfigValue
	var warns []string
	for _, k := range order {
		e := seen[k]
		if len(e.values) == 1 && e.count == len(results) {
			shared = append(shared, reports.ConfigValue{Key: k, Value: e.first})
			continue
		}
		vals := make([]string, 0, len(e.values))
		for v := range e.values {
			vals = append(vals, strconv.Quote(v))
		}
		sort.Strings(vals)
		if len(vals) > 3 {
			vals = append(vals[:3], "...")
		}
		if e.count < len(results) && len(e.values) == 1 {
			warns = append(warns, fmt.Sprintf("configuration %s is %s in some inputs and absent in others", k, vals[0]))
			continue
		}
		warns = append(warns, fmt.Sprintf("configuration %s differs between inputs: %s", k, strings.Join(vals, ", ")))
	}
	return shared, warns
}

// A Float is a float64 that marshals to JSON null when it is not finite
// (stats.Float), for Comparison's and Verdict's fields.
type Float = stats.Float

// unitFilter is the set of units to keep (Options.Units), or nil to keep
// every unit: when units is empty or no result has any of them.
func unitFilter(set *reports.Set, units []string) map[string]bool {
	if len(units) == 0 {
		return nil
	}
	keep := map[string]bool{}
	for _, u := range units {
		keep[u] = true
	}
	for _, r := range set.Results {
		for _, v := range r.Values {
			if keep[v.Unit] || keep[v.OrigUnit] {
				return keep
			}
		}
	}
	return nil
}
