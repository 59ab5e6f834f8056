package footprint

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/results"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/perf/benchfmt"
)

// Timings are 1-thread ns/page samples by case name (Case.String,
// "PageCache/mode=batch/batch=16/lock=mutex/threads=1"): from a run's
// results file (LoadTimings) or timed beside the footprint (TimePages).
type Timings map[string][]float64

// LoadTimings reads the 1-thread ns/page samples of a run results file
// (the timed lines; class lines, counting lines and other thread counts
// are left out). name is the file's name for errors. A case of more than
// results.MaxSamples lines, or more than results.MaxCases cases, is an
// error: the caller opens the file with results.MaxInput's cap.
func LoadTimings(r io.Reader, name string) (Timings, error) {
	out := Timings{}
	rd := results.NewReader(r, name, "", nil) // the one reader of the results format (a torn last line is never parsed)
	unit := schema.PerUnit(schema.StemNS, schema.PerPage)
	for rd.Scan() {
		res, ok := rd.Record().(*benchfmt.Result)
		if !ok {
			if se, ok := rd.Record().(*benchfmt.SyntaxError); ok {
				return nil, se
			}
			continue
		}
		n := schema.ParseName(res.Name)
		if t, _ := n.Get(schema.KeyThreads); n.Base != schema.BasePageCache || t != "1" {
			continue
		}
		if _, ok := n.Get(schema.KeyClass); ok {
			continue
		}
		for _, v := range res.Values {
			// benchfmt tidies ns/page into sec/page; the unit as written
			// is OrigUnit.
			if v.OrigUnit == unit || (v.OrigUnit == "" && v.Unit == unit) {
				k := n.Without(schema.KeyRegime).Case()
				// The format's limits (results/limits.go), checked
				// before a sample is kept: memory follows the cases.
				if _, ok := out[k]; !ok && len(out) >= results.MaxCases {
					return nil, fmt.Errorf("%s: more than %d 1-thread page-cache cases, the format's limit (results.MaxCases)", name, results.MaxCases)
				}
				if len(out[k]) >= results.MaxSamples {
					return nil, fmt.Errorf("%s: %s has more than %d ns/page lines, the most a reader keeps of one case (results.MaxSamples): give a run of fewer repetitions", name, k, results.MaxSamples)
				}
				out[k] = append(out[k], cmp.Or(v.OrigValue, v.Value))
			}
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no 1-thread page-cache ns/page lines (a 'lockbench run' results file with --threads 1 in it)", name)
	}
	return out, nil
}

// A Row is one case of the summary: the medians of its repetitions'
// footprints and ns/page (NaN when not timed), and how many there were.
type Row struct {
	Footprint
	Reps int
}

func (r Row) lock() string    { return r.Case.Spec.Lock }
func (r Row) mode() string    { return string(r.Case.Spec.Mode) }
func (r Row) batch() int      { return r.Case.Spec.Batch }
func (r Row) timed() bool     { return !math.IsNaN(r.NS) }
func (r Row) key() rowKey     { return rowKey{r.lock(), r.mode(), r.batch()} }
func (k rowKey) page() rowKey { return rowKey{k.lock, string(workloads.ModePage), k.batch} }

type rowKey struct {
	lock, mode string
	batch      int
}

// A Fit is ns/page ≈ A + B · l1d-miss/page by least squares over one
// lock's timed cases (every mode and batch size measured).
type Fit struct {
	Lock string
	N    int     // cases fitted
	A, B float64 // B in ns per L1d miss
	R2   float64
}

// A Saving is what a batched mode saves over mode page at one batch size
// and one thread, and the part of it the fit charges to fewer L1d misses.
type Saving struct {
	Lock, Mode string
	Batch      int
	NS         float64 // ns/page saved
	Misses     float64 // l1d-miss/page saved
	Instr      float64 // instr/page saved
	Explained  float64 // Fit.B × Misses: ns/page the miss reduction accounts for
	Share      float64 // Explained / NS
}

// A Summary is the footprint's answer: the table, the fit per lock, the
// savings and the share the misses explain, and the batch-size curve.
type Summary struct {
	Meter    string    // "cachegrind" or "hardware"
	Geometry *Geometry // the simulated caches; nil on hardware
	Rows     []Row
	Fits     []Fit
	Savings  []Saving
	Notes    []string
}

// Summarize builds the summary of fps (repetitions of a case pooled by
// their medians), with the medians of timings as ns/page (nil: the NS of
// the footprints).
func Summarize(meter string, g *Geometry, fps []Footprint, timings Timings) *Summary {
	s := &Summary{Meter: meter, Geometry: g}
	byKey := map[rowKey]Row{}
	var reps [][]Footprint // by case, in order of first appearance
	index := map[string]int{}
	for _, f := range fps {
		i, ok := index[f.Case.String()]
		if !ok {
			i = len(reps)
			index[f.Case.String()] = i
			reps = append(reps, nil)
		}
		reps[i] = append(reps[i], f)
	}
	for _, rs := range reps {
		m := func(get func(Footprint) float64) float64 {
			var xs []float64
			for _, f := range rs {
				xs = append(xs, get(f))
			}
			return median(xs)
		}
		r := Row{Footprint: rs[0], Reps: len(rs)}
		r.L1DMiss = m(func(f Footprint) float64 { return f.L1DMiss })
		r.L1DRef = m(func(f Footprint) float64 { return f.L1DRef })
		r.LLMiss = m(func(f Footprint) float64 { return f.LLMiss })
		r.Instr = m(func(f Footprint) float64 { return f.Instr })
		r.NS = m(func(f Footprint) float64 { return f.NS })
		if timings != nil {
			r.NS = median(timings[r.Case.String()])
		}
		s.Rows = append(s.Rows, r)
		byKey[r.key()] = r
	}
	var locks []string
	for _, r := range s.Rows {
		if !slices.Contains(locks, r.lock()) {
			locks = append(locks, r.lock())
		}
	}
	for _, l := range locks {
		var xs, ys []float64
		for _, r := range s.Rows {
			if r.lock() == l && r.timed() {
				xs, ys = append(xs, r.L1DMiss), append(ys, r.NS)
			}
		}
		f := Fit{Lock: l, N: len(xs)}
		var err error
		if f.A, f.B, f.R2, err = leastSquares(xs, ys); err != nil {
			s.Notes = append(s.Notes, fmt.Sprintf("lock %s: no fit: %v", l, err))
			continue
		}
		s.Fits = append(s.Fits, f)
	}
	for _, r := range s.Rows {
		if r.mode() == string(workloads.ModePage) {
			continue
		}
		p, ok := byKey[r.key().page()]
		if !ok {
			continue
		}
		sv := Saving{Lock: r.lock(), Mode: r.mode(), Batch: r.batch(),
			NS: p.NS - r.NS, Misses: p.L1DMiss - r.L1DMiss, Instr: p.Instr - r.Instr}
		sv.Explained, sv.Share = explain(s, r.lock(), sv)
		s.Savings = append(s.Savings, sv)
	}
	s.Notes = append(s.Notes, s.morton(byKey)...)
	return s
}

// explain is the ns/page of sv the miss reduction accounts for, and its
// share of the saving. Misses that did not fall explain none of it
// (0); a fit whose slope is not positive (more misses, less time) cannot
// charge time to misses at all (NaN, with a note), nor can a saving that
// is not one.
func explain(s *Summary, lock string, sv Saving) (ns, share float64) {
	f, ok := s.fit(lock)
	switch {
	case !ok || sv.NS <= 0:
		return math.NaN(), math.NaN()
	case sv.Misses <= 0:
		return 0, 0
	case f.B <= 0:
		return math.NaN(), math.NaN()
	}
	return f.B * sv.Misses, f.B * sv.Misses / sv.NS
}

func (s *Summary) fit(lock string) (Fit, bool) {
	i := slices.IndexFunc(s.Fits, func(f Fit) bool { return f.Lock == lock })
	if i < 0 {
		return Fit{}, false
	}
	return s.Fits[i], true
}

// sameMisses is the relative difference of misses per page below which
// two modes miss alike: two invocations of the simulator reproduced
// l1d-miss/page within 1% (1.13 against 1.12 for mutex batch 16), so a
// 1.02 against 1.03 is no finding either way.
const sameMisses = 0.02

// morton checks Morton's prediction at each lock and batch size measured
// in modes page, batch and large: batch below page, large lowest, each
// by more than sameMisses.
func (s *Summary) morton(byKey map[rowKey]Row) []string {
	var out []string
	seen := map[rowKey]bool{}
	below := func(a, b float64) bool { return a < b*(1-sameMisses) }
	for _, r := range s.Rows {
		k := r.key().page()
		if seen[k] {
			continue
		}
		seen[k] = true
		p, okp := byKey[k]
		b, okb := byKey[rowKey{k.lock, string(workloads.ModeBatch), k.batch}]
		l, okl := byKey[rowKey{k.lock, string(workloads.ModeLarge), k.batch}]
		if !okp || !okb || !okl {
			continue
		}
		lowest := true
		for _, o := range s.Rows {
			if o.lock() == k.lock && o.batch() == k.batch && below(o.L1DMiss, l.L1DMiss) {
				lowest = false
			}
		}
		var verdict string
		switch {
		case below(b.L1DMiss, p.L1DMiss) && lowest:
			verdict = "as Morton's claim predicts: batch below page, large lowest"
		case below(p.L1DMiss, b.L1DMiss):
			verdict = "not as Morton's claim predicts: batch does not miss less than page (it misses more)"
		case !below(b.L1DMiss, p.L1DMiss):
			verdict = fmt.Sprintf("not as Morton's claim predicts: batch does not miss less than page (the same within %.0f%%)", 100*sameMisses)
		default:
			verdict = "partly as Morton's claim predicts: batch below page, but large is not the lowest"
		}
		out = append(out, fmt.Sprintf("lock %s, batch %d: l1d-miss/page page %s, batch %s, large %s: %s",
			k.lock, k.batch, num(p.L1DMiss), num(b.L1DMiss), num(l.L1DMiss), verdict))
	}
	return out
}

// leastSquares fits ns/page ≈ a + b·l1d-miss/page (stats.LeastSquares),
// its failures said in the summary's terms.
func leastSquares(xs, ys []float64) (a, b, r2 float64, err error) {
	a, b, r2, err = stats.LeastSquares(xs, ys)
	switch {
	case errors.Is(err, stats.ErrFewPoints):
		err = fmt.Errorf("%d timed cases, want 2 or more", len(xs))
	case errors.Is(err, stats.ErrSameX):
		err = errors.New("every case has the same l1d-miss/page")
	}
	return a, b, r2, err
}

// WorkingSet estimates the bytes one step of mode batch touches at batch
// size batch and touch bytes of data per page: per page, the struct page
// allocated and the one reclaimed (a cache line each) and the data lines
// written. Tree nodes, the bio and the lists' heads are left out, so the
// estimate is low; it marks where a batch can no longer stay in L1d.
func WorkingSet(batch, touch, line int) int {
	data := (touch + line - 1) / line * line
	return batch * (2*line + data)
}

// Curve is the batch-size curve of one lock in mode batch: its rows in
// batch order, and the first batch whose working set (WorkingSet) fills
// the simulated L1d (0 when none does, or no geometry is known).
func (s *Summary) Curve(lock string) (rows []Row, crosses int) {
	for _, r := range s.Rows {
		if r.lock() == lock && r.mode() == string(workloads.ModeBatch) {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b Row) int { return cmp.Compare(a.batch(), b.batch()) })
	if s.Geometry == nil {
		return rows, 0
	}
	for _, r := range rows {
		if WorkingSet(r.batch(), r.Case.Spec.Touch, s.Geometry.D1.Line) >= s.Geometry.D1.Size {
			return rows, r.batch()
		}
	}
	return rows, 0
}

// Locks lists the summary's locks in the order measured.
func (s *Summary) Locks() []string {
	var out []string
	for _, r := range s.Rows {
		if !slices.Contains(out, r.lock()) {
			out = append(out, r.lock())
		}
	}
	return out
}

// Write prints the summary: the table, the fits, the savings with the
// share explained, Morton's check and the batch-size curves.
func (s *Summary) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "footprint per page at 1 thread (medians of repetitions), %s", s.Meter)
	if s.Geometry != nil {
		fmt.Fprintf(&b, "; L1d %s, LL %s", s.Geometry.D1, s.Geometry.LL)
	}
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "%-8s %-8s %6s %14s %13s %13s %11s %9s\n", "lock", "mode", "batch", "l1d-miss/page", "l1d-ref/page", "ll-miss/page", "instr/page", "ns/page")
	for _, r := range s.Rows {
		fmt.Fprintf(&b, "%-8s %-8s %6d %14s %13s %13s %11s %9s\n", r.lock(), r.mode(), r.batch(),
			num(r.L1DMiss), num(r.L1DRef), num(r.LLMiss), num(r.Instr), num(r.NS))
	}
	if len(s.Fits) > 0 {
		b.WriteString("\nfit ns/page = a + b × l1d-miss/page over each lock's modes and batch sizes:\n")
		for _, f := range s.Fits {
			fmt.Fprintf(&b, "  %-8s a %s ns, b %s ns per miss, R² %.2f over %d cases\n", f.Lock, num(f.A), num(f.B), f.R2, f.N)
		}
	}
	if len(s.Savings) > 0 {
		b.WriteString("\n1-thread saving over mode page, and the part fewer L1d misses account for (b × misses saved):\n")
		for _, sv := range s.Savings {
			fmt.Fprintf(&b, "  %-8s %-8s batch %-4d saves %s ns/page, %s misses/page, %s instr/page: misses explain %s ns/page, %s of the saving\n",
				sv.Lock, sv.Mode, sv.Batch, num(sv.NS), num(sv.Misses), num(sv.Instr), num(sv.Explained), pct(sv.Share))
		}
		if slices.Contains(s.Locks(), "none") {
			b.WriteString("  lock none is the floor: its saving is the per-page work saving, without any lock.\n")
		}
		for _, f := range s.Fits {
			if f.B <= 0 {
				fmt.Fprintf(&b, "  lock %s: the fit's slope is not positive (fewer misses, more time): misses cannot account for its saving; its instructions can.\n", f.Lock)
			}
		}
		b.WriteString("  Misses that did not fall explain none of a saving (0%).\n")
		b.WriteString("  The fit charges to misses whatever varies with them across modes (instructions fall too): an upper bound, not a decomposition.\n")
	}
	if ans := s.Answer(); len(ans) > 0 {
		b.WriteString("\nanswer:\n")
		for _, a := range ans {
			b.WriteString("  " + a + "\n")
		}
	}
	for _, l := range s.Locks() {
		rows, crosses := s.Curve(l)
		if len(rows) < 3 {
			continue
		}
		fmt.Fprintf(&b, "\nbatch-size curve, lock %s, mode batch", l)
		if s.Geometry != nil {
			fmt.Fprintf(&b, " (working set ≈ batch × (2 struct pages + touched data); L1d %d B)", s.Geometry.D1.Size)
		}
		fmt.Fprintf(&b, ":\n  %6s %12s %14s %9s\n", "batch", "working set", "l1d-miss/page", "ns/page")
		for _, r := range rows {
			ws, mark := "", ""
			if s.Geometry != nil {
				ws = strconv.Itoa(WorkingSet(r.batch(), r.Case.Spec.Touch, s.Geometry.D1.Line)) + " B"
			}
			if r.batch() == crosses {
				mark = "  <- working set reaches L1d"
			}
			fmt.Fprintf(&b, "  %6d %12s %14s %9s%s\n", r.batch(), ws, num(r.L1DMiss), num(r.NS), mark)
		}
	}
	if len(s.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range s.Notes {
			b.WriteString(n + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// num formats a figure with 3 significant digits, "--" when NaN and 0
// below a thousandth (a differential's noise around zero, such as the
// last-level misses of a model that fits in the LL).
func num(v float64) string {
	if math.IsNaN(v) {
		return "--"
	}
	if math.Abs(v) < 1e-3 {
		return "0"
	}
	return strconv.FormatFloat(round3(v), 'f', -1, 64)
}

func round3(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "--"
	}
	return strconv.FormatFloat(round3(100*v), 'f', -1, 64) + "%"
}

// Answer states, for each batched mode and batch size measured with the
// floor (lock none), how much of the 1-thread work saving over mode page
// the L1d miss reduction explains; without the floor, the same of each
// lock's whole 1-thread saving.
func (s *Summary) Answer() []string {
	lock, what := "none", "work saving"
	if !slices.Contains(s.Locks(), lock) {
		lock, what = "", "saving"
	}
	var out []string
	for _, sv := range s.Savings {
		if lock != "" && sv.Lock != lock {
			continue
		}
		subject := fmt.Sprintf("the 1-thread %s of %s over page at batch %d", what, sv.Mode, sv.Batch)
		if lock == "" {
			subject += " (lock " + sv.Lock + ")"
		}
		var verdict string
		switch {
		case math.IsNaN(sv.NS) || sv.NS <= 0:
			verdict = "is no saving (or was not timed): nothing to explain"
		case sv.Misses <= 0:
			verdict = fmt.Sprintf("is %s ns/page; L1d misses per page did not fall (%s more), so the miss reduction explains none of it (0%%); instructions fell by %s/page",
				num(sv.NS), num(-sv.Misses), num(sv.Instr))
		case math.IsNaN(sv.Share):
			verdict = fmt.Sprintf("is %s ns/page; misses fell by %s/page but the fit's slope is not positive, so it charges no time to them", num(sv.NS), num(sv.Misses))
		default:
			verdict = fmt.Sprintf("is %s ns/page; L1d misses fell by %s/page, which at the fit's slope accounts for %s ns/page: %s of it (instructions fell by %s/page)",
				num(sv.NS), num(sv.Misses), num(sv.Explained), pct(sv.Share), num(sv.Instr))
		}
		out = append(out, subject+" "+verdict+".")
	}
	return out
}
