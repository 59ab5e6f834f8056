package reports

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/lockbench/lockbench/internal/table"
	"github.com/lockbench/lockbench/reports/headline"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
)

// Before a comparison is called stable it is run as three or more
// separate processes, minutes apart, and each run's estimate should lie
// inside the other runs' intervals: the process and the time block are
// the units of replication, and an interval that excludes the next run's
// estimate did not carry the spread that matters. Agree puts separate
// runs' summaries side by side and counts those checks, so that the
// table is a command's output and not a script's.
//
// What to expect of it: if nothing differs between the runs but chance,
// the next run's estimate falls inside a 95% interval about 83% of the
// time, not 95% (the two estimates' errors add: P(|Z| < 1.96/√2) when
// the runs are alike), and more where the interval is conservative, as
// a Walsh interval over few blocks is; three alike runs hold all six
// checks in only about 65% of series (TestAgreeExpectedShare). So the
// checks find runs that differ; the figure to sign across runs is the
// pooled one (AgreePool), whose interval carries the spread between
// them. Twenty processes of `lockbench
// run --locks mutex --modes page,batch --threads 1 --count 10`, three
// minutes in all, held 375 of 380 checks of the mutex lock part, where
// the same blocks shuffled across processes held 83%: the processes
// differed by less than their blocks, not more. A row that holds
// clearly fewer than the expected share says the runs differ by more
// than their intervals allow: the machine or the build moved between
// them.

// Agreed quantities: the headline's change and the parts of its saving
// split that have an interval.
const (
	AgreeChange     = "change"
	AgreeTotal      = "saved"
	AgreeLock       = "lock instructions"
	AgreeScaling    = "scaling"
	AgreeContention = "contention"
	AgreeWork       = "work"
)

// An AgreeRow is one quantity of one headline across runs, in the order
// the runs were given.
type AgreeRow struct {
	// Case is the headline's label (its text before the colon: batch,
	// lock, threads and, when the headlines are split by state, the
	// regime); headlines of the same label in every run make one row.
	Case     string      `json:"case"`
	Quantity string      `json:"quantity"`
	Unit     string      `json:"unit"` // "%" for the change; the split's unit for its parts
	Runs     []AgreeCell `json:"runs"`
	// Checks counts the ordered pairs of different runs (i, j) where run
	// i has an estimate and run j an interval; Held those where i's
	// estimate lies inside j's interval (its ends included).
	Checks int `json:"checks"`
	Held   int `json:"held"`
	// Misses are the checks that did not hold, by run number (1-based,
	// in the order given).
	Misses []AgreeMiss `json:"misses,omitempty"`
	// Pooled is the runs together, where two or more have an interval.
	Pooled *AgreePool `json:"pooled,omitempty"`
}

// An AgreePool is a row's runs pooled (stats.PoolRuns): the figure for
// the machine over the runs' span, with its 95% interval, and Between,
// the spread of the runs' true values beyond their own intervals (0
// when they differ by chance alone). A run's interval is an interval
// for its own minutes of the host; where the host moves between runs,
// Between says by how much and the pooled interval carries it.
type AgreePool struct {
	Runs    int         `json:"runs"`
	V       stats.Float `json:"v"`
	Lo      stats.Float `json:"lo"`
	Hi      stats.Float `json:"hi"`
	Between stats.Float `json:"between_sd"`
}

// An AgreeCell is one run's estimate and 95% interval; Lo and Hi are
// null where the run has no interval (too few blocks), V is null where
// the run has no such headline or part.
type AgreeCell struct {
	V  stats.Float `json:"v"`
	Lo stats.Float `json:"lo"`
	Hi stats.Float `json:"hi"`
}

func (c AgreeCell) estimate() bool { return finite(c.V) }
func (c AgreeCell) interval() bool { return finite(c.Lo) && finite(c.Hi) }

func finite(f stats.Float) bool { return stats.Finite(float64(f)) }

// An AgreeMiss is a check that did not hold: run Estimate's estimate
// lies outside run Interval's interval.
type AgreeMiss struct {
	Estimate int `json:"estimate"`
	Interval int `json:"interval"`
}

// Agree lines up the headlines of separate runs' summaries, in the order
// given, and checks every run's estimate against every other run's
// interval. A headline of a run that saw one transfer state, so labelled
// none, joins the other runs' headlines of that state (stateLabel). Rows come in the order of the first run that has them. A
// headline some runs lack has null cells there, and its checks count
// only the runs that have it.
func Agree(runs []*Summary) []AgreeRow {
	var rows []AgreeRow
	index := map[[2]string]int{}
	labels := map[string]bool{}
	for _, s := range runs {
		for i := range s.Headlines {
			labels[agreeLabel(&s.Headlines[i])] = true
		}
	}
	for r, s := range runs {
		for i := range s.Headlines {
			h := &s.Headlines[i]
			label := agreeLabel(h)
			if l := stateLabel(h, label); labels[l] {
				label = l
			}
			for _, q := range agreeQuantities(h) {
				k := [2]string{label, q.name}
				at, ok := index[k]
				if !ok {
					at = len(rows)
					index[k] = at
					cells := make([]AgreeCell, len(runs))
					for j := range cells {
						cells[j] = AgreeCell{V: stats.Float(math.NaN()), Lo: stats.Float(math.NaN()), Hi: stats.Float(math.NaN())}
					}
					rows = append(rows, AgreeRow{Case: label, Quantity: q.name, Unit: q.unit, Runs: cells})
				}
				rows[at].Runs[r] = q.cell
			}
		}
	}
	for i := range rows {
		rows[i].check()
	}
	return rows
}

func (row *AgreeRow) check() {
	v, lo, hi := make([]float64, len(row.Runs)), make([]float64, len(row.Runs)), make([]float64, len(row.Runs))
	for i, c := range row.Runs {
		v[i], lo[i], hi[i] = float64(c.V), float64(c.Lo), float64(c.Hi)
	}
	if p := stats.PoolRuns(v, lo, hi, stats.DefaultConfidence); p.Runs >= 2 {
		row.Pooled = &AgreePool{Runs: p.Runs, V: stats.Float(p.Centre), Lo: stats.Float(p.Lo), Hi: stats.Float(p.Hi), Between: stats.Float(p.Between)}
	}
	for i, e := range row.Runs {
		if !e.estimate() {
			continue
		}
		for j, in := range row.Runs {
			if i == j || !in.interval() {
				continue
			}
			row.Checks++
			if e.V >= in.Lo && e.V <= in.Hi {
				row.Held++
			} else {
				row.Misses = append(row.Misses, AgreeMiss{Estimate: i + 1, Interval: j + 1})
			}
		}
	}
}

// agreeLabel is the headline's label: its text before the first colon
// (headline.Headline.Text starts with it), or its keys if the text has
// no label.
func agreeLabel(h *headline.Headline) string {
	if label, _, ok := strings.Cut(h.Text, ": "); ok && label != "" {
		return label
	}
	return strings.Join([]string{h.Workload, h.Mode, h.Batch, h.Lock, h.Threads, h.Others, h.Regime}, "/")
}

// stateLabel is the label h would have had in a run that saw its
// transfer state beside another: a run whose contended probes formed one
// cluster labels no state, and its headline is matched with the other
// runs' headlines of the state its xfer-ns median names
// (schema.StateLabel, as the readers label states). Three default runs,
// one of them in one state, otherwise kept its 2-thread headlines apart
// from the others' "xfer-25ns regime".
func stateLabel(h *headline.Headline, label string) string {
	if h.Regime != "" || h.XferNS == nil || !(*h.XferNS > 0) {
		return label
	}
	return label + ", " + schema.StateLabel(schema.StateXfer, float64(*h.XferNS), schema.XferFactor) + " regime"
}

type agreeQuantity struct {
	name, unit string
	cell       AgreeCell
}

// agreeQuantities are the quantities of h that have an estimate: the
// change (in percent), then the saving split's parts.
func agreeQuantities(h *headline.Headline) []agreeQuantity {
	pct := func(f stats.Float) stats.Float { return 100 * f }
	q := []agreeQuantity{{AgreeChange, "%", AgreeCell{pct(h.Delta), pct(h.DeltaLo), pct(h.DeltaHi)}}}
	if s := h.Saving; s != nil {
		for _, p := range []agreeQuantity{
			{AgreeTotal, s.Unit, AgreeCell{s.TotalNS, s.TotalLo, s.TotalHi}},
			{AgreeLock, s.Unit, AgreeCell{s.LockNS, s.LockLo, s.LockHi}},
			{AgreeScaling, s.Unit, AgreeCell{s.ScalingNS, s.ScalingLo, s.ScalingHi}},
			{AgreeContention, s.Unit, AgreeCell{s.ContentionNS, s.ContentionLo, s.ContentionHi}},
			{AgreeWork, s.Unit, AgreeCell{s.WorkNS, s.WorkLo, s.WorkHi}},
		} {
			if p.cell.estimate() {
				q = append(q, p)
			}
		}
	}
	return q
}

// AgreeHeld sums the checks of rows: how many there were and how many
// held.
func AgreeHeld(rows []AgreeRow) (held, checks int) {
	for _, r := range rows {
		held += r.Held
		checks += r.Checks
	}
	return held, checks
}

// WriteAgree writes rows as a table, a run per column ("v [lo, hi]";
// "v ?" without an interval, "—" without an estimate), the runs pooled
// and the spread between them (AgreePool), the checks that held, and which missed ("1 outside 3": run 1's estimate outside run
// 3's interval; with more than three misses, per run: "2 outside 4 of
// 5"); then the total and how to read it. names label the runs' columns.
func WriteAgree(w io.Writer, rows []AgreeRow, names []string) error {
	header := append([]string{"case", "quantity"}, names...)
	header = append(header, "pooled", "between", "held", "missed")
	body := make([][]string, 0, len(rows))
	last := ""
	for _, r := range rows {
		c := r.Case
		if c == last {
			c = ""
		}
		last = r.Case
		line := []string{c, r.Quantity + " (" + r.Unit + ")"}
		for _, cell := range r.Runs {
			line = append(line, cell.text())
		}
		held := "—"
		if r.Checks > 0 {
			held = fmt.Sprintf("%d/%d", r.Held, r.Checks)
		}
		pooled, between := "—", "—"
		if p := r.Pooled; p != nil {
			pooled = AgreeCell{p.V, p.Lo, p.Hi}.text()
			between = stats.Format(float64(p.Between), 2)
		}
		body = append(body, append(line, pooled, between, held, r.missText()))
	}
	if err := table.Left(w, header, body, 2); err != nil {
		return err
	}
	held, checks := AgreeHeld(rows)
	_, err := fmt.Fprintf(w, "\n%d of %d checks held: each run's estimate inside each other run's 95%% interval.\n"+
		"Alike runs hold about 83%% or more (two estimates' errors add); clearly fewer says the runs\n"+
		"differed by more than their intervals allow. \"?\": no interval (too few blocks); \"—\": no estimate.\n"+
		"pooled: the runs with an interval together, a random-effects mean with its 95%% interval\n"+
		"(Hartung-Knapp): the figure for the machine over the runs' span. between: the sd of the\n"+
		"runs' true values beyond their own intervals (DerSimonian-Laird), 0 when chance explains them.\n", held, checks)
	return err
}

// missText names the misses: each as "1 outside 3" (run 1's estimate
// outside run 3's interval) while there are few, else per run how many
// of the intervals it was checked against its estimate missed.
func (row *AgreeRow) missText() string {
	var parts []string
	if len(row.Misses) <= 3 {
		for _, m := range row.Misses {
			parts = append(parts, fmt.Sprintf("%d outside %d", m.Estimate, m.Interval))
		}
		return strings.Join(parts, ", ")
	}
	missed, checked := make([]int, len(row.Runs)), make([]int, len(row.Runs))
	for i, e := range row.Runs {
		for j, in := range row.Runs {
			if i != j && e.estimate() && in.interval() {
				checked[i]++
			}
		}
	}
	for _, m := range row.Misses {
		missed[m.Estimate-1]++
	}
	for i, n := range missed {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d outside %d of %d", i+1, n, checked[i]))
		}
	}
	return strings.Join(parts, ", ")
}

func (c AgreeCell) text() string {
	if !c.estimate() {
		return "—"
	}
	v := stats.Format(float64(c.V), 3)
	if !c.interval() {
		return v + " ?"
	}
	return fmt.Sprintf("%s [%s, %s]", v, stats.Format(float64(c.Lo), 3), stats.Format(float64(c.Hi), 3))
}
