package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lockbench/lockbench/internal/table"
	"github.com/lockbench/lockbench/reports/headline"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/workloads"
)

// The answer a reader sees first: one bottom line, then one short row per
// headline, every number one that holds; the intervals, tests and notes
// are in the details (summary.txt, --verbose). This file is the
// summary's presentation; the numbers are the headline engine's
// (packages headline and saving).

// sortHeadlines puts hs in the one order every output uses: lock, then
// threads (as numbers), then state, then mode in the registry's order
// (workloads.Modes), then batch size (as numbers), then the rest of the
// name. The engine finds them in case order, which is file order: a sweep
// of batch 4,16,64 would otherwise read 4, 64, 16.
func sortHeadlines(hs []headline.Headline) {
	modes := workloads.Modes()
	rank := func(m string) int {
		if i := slices.Index(modes, workloads.Mode(m)); i >= 0 {
			return i
		}
		return len(modes)
	}
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			return math.MaxInt
		}
		return n
	}
	slices.SortStableFunc(hs, func(a, b headline.Headline) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Workload, b.Workload),
			cmp.Compare(a.Lock, b.Lock),
			cmp.Compare(num(a.Threads), num(b.Threads)),
			cmp.Compare(a.Regime, b.Regime),
			cmp.Compare(rank(a.Mode), rank(b.Mode)),
			cmp.Compare(num(a.Batch), num(b.Batch)),
			cmp.Compare(a.Others, b.Others),
		)
	})
}

// part is one part of a saving split for the table: its value in
// thread-ns/page, "≈0" when its interval spans zero, or its value and
// noInterval when it has none (fewer than stats.MinPairs blocks).
func part(v, lo, hi Float) string {
	if !math.IsNaN(float64(v)) && (math.IsNaN(float64(lo)) || math.IsNaN(float64(hi))) {
		return stats.Short(float64(v)) + noInterval
	}
	if !stats.Holds(v, lo, hi) {
		return "≈0"
	}
	return stats.Short(float64(v))
}

// noInterval marks a part of the saving split without an interval, as
// "?" marks a headline without one.
const noInterval = " ?"

// BottomLine is the one sentence the summary starts with: what batching
// saves at the most threads the run has, over the locks, where the
// saving comes from and how close it gets to one big page, from the
// headlines of mode batch that hold (headline.Headline.Answerable). "" when no headline
// does: then the table says what there is.
func (s *Summary) BottomLine() string {
	var cand []*headline.Headline
	threads := -1
	for i := range s.Headlines {
		h := &s.Headlines[i]
		if h.Mode != string(workloads.ModeBatch) || !h.Answerable() {
			continue
		}
		t, _ := strconv.Atoi(h.Threads)
		if t > threads {
			threads, cand = t, cand[:0]
		}
		if t == threads {
			cand = append(cand, h)
		}
	}
	if len(cand) == 0 {
		return ""
	}
	// One batch size, the report's rule (its headline batch): 16 when
	// there, else the largest.
	batch := ""
	for _, h := range cand {
		if h.Batch == "16" || batch == "" || (batch != "16" && atoi(h.Batch) > atoi(batch)) {
			batch = h.Batch
		}
	}
	// One headline per lock: the one of the most blocks (the machine's
	// usual state).
	byLock := map[string]*headline.Headline{}
	var locks []string
	for _, h := range cand {
		if h.Batch != batch {
			continue
		}
		if o, ok := byLock[h.Lock]; !ok {
			locks = append(locks, h.Lock)
			byLock[h.Lock] = h
		} else if h.Blocks > o.Blocks {
			byLock[h.Lock] = h
		}
	}
	slices.SortFunc(locks, func(a, b string) int { return cmp.Compare(byLock[a].Delta, byLock[b].Delta) })
	hs := make([]*headline.Headline, len(locks))
	for i, l := range locks {
		hs[i] = byLock[l]
	}
	first, last := hs[len(hs)-1], hs[0] // the smallest saving, the largest
	metric := first.Metric
	what := "Batching"
	if batch != "" {
		what = fmt.Sprintf("Batching %s pages", batch)
	}
	verb := "saves"
	if first.Delta > 0 {
		verb = "costs"
	}
	amount := fmt.Sprintf("%s (%s)", stats.Pct(math.Abs(float64(first.Delta)), 0, false), lockName(first))
	if len(hs) > 1 && (first.Delta < 0) == (last.Delta < 0) {
		amount += fmt.Sprintf(" to %s (%s)", stats.Pct(math.Abs(float64(last.Delta)), 0, false), lockName(last))
	}
	t := fmt.Sprintf("%s %s %s of %s at %s on this machine", what, verb, amount, metric, threadsText(threads))
	if verb == "saves" {
		var shares []float64
		wait := map[string]bool{}
		for _, h := range hs {
			sh, ok := h.ContentionShare()
			if !ok {
				shares = nil
				break
			}
			shares = append(shares, sh)
			wait[h.WaitLock()] = true
		}
		if len(shares) > 0 && threads > 1 {
			t += fmt.Sprintf("; %s of that is less contention", pctRange(shares))
			if len(wait) == 1 && !wait[""] {
				for l := range wait {
					t += ", mostly the " + l + " lock"
				}
			}
		}
	}
	var effs []float64
	for _, h := range hs {
		if h.Efficiency == nil {
			effs = nil
			break
		}
		effs = append(effs, float64(*h.Efficiency))
	}
	if len(effs) > 0 {
		t += fmt.Sprintf("; batch reaches %s of one big page", pctRange(effs))
	}
	return t + "."
}

// lockName is the headline's lock for the bottom line, with its state
// when the run saw several.
func lockName(h *headline.Headline) string {
	l := h.Lock
	if l == "" {
		l = "all cases"
	}
	if h.Regime != "" {
		l += ", " + h.Regime
	}
	return l
}

// threadsText is "1 thread" or "N threads".
func threadsText(n int) string {
	if n == 1 {
		return "1 thread"
	}
	return strconv.Itoa(n) + " threads"
}

// pctRange is "68%" or "68–82%" for the smallest and largest of vs.
func pctRange(vs []float64) string {
	lo, hi := slices.Min(vs), slices.Max(vs)
	l, h := stats.Pct(lo, 0, false), stats.Pct(hi, 0, false)
	if l == h {
		return l
	}
	return strings.TrimSuffix(l, "%") + "–" + h
}

// HeadlineRows is the headline table, the summary's and the report's:
// one row per headline, the change, the acquisitions per page, the parts
// of the saving in thread-ns/page ("≈0" where an interval spans zero)
// and the share of the one-big-page ideal reached. Each row's label and
// cells stay short; the intervals are in the details (Full). A
// provisional headline's change says so ("-85% prov., 2 blocks").
func (s *Summary) HeadlineRows() (header []string, rows [][]string) {
	hs := s.Headlines
	if len(hs) == 0 {
		return nil, nil
	}
	split := slices.ContainsFunc(hs, func(h headline.Headline) bool { return h.Saving != nil })
	header = []string{"batched vs page", hs[0].Metric, "acq/page"}
	if split {
		header = append(header, "saved", "lock", "contention", "work")
	}
	header = append(header, "of ideal")
	for i := range hs {
		h := &hs[i]
		acq := stats.None
		if h.AcqPage != nil && h.AcqBatch != nil {
			acq = stats.Format(float64(*h.AcqPage), 2) + "→" + stats.Format(float64(*h.AcqBatch), 2)
		}
		change := h.Change()
		if h.Provisional {
			change = stats.Pct(float64(h.Delta), 0, true) + " prov. (" + stats.Plural(h.Blocks, "block") + ")"
		}
		row := []string{h.Label(), change, acq}
		if split {
			if sp := h.Saving; sp != nil {
				// The table's work holds the lock calls' dispatch, which the
				// headline's text books apart, so that its columns add up.
				row = append(row, part(sp.TotalNS, sp.TotalLo, sp.TotalHi), part(sp.LockNS, sp.LockLo, sp.LockHi),
					part(sp.ContentionNS, sp.ContentionLo, sp.ContentionHi), part(sp.WorkAndDispatch()))
			} else {
				row = append(row, stats.None, stats.None, stats.None, stats.None)
			}
		}
		eff := stats.None
		if h.Efficiency != nil {
			eff = stats.Pct(float64(*h.Efficiency), 0, false)
		}
		rows = append(rows, append(row, eff))
	}
	return header, rows
}

// writeHeadlineTable writes the settled headlines' rows (HeadlineRows;
// the provisional ones have their own line) and what the saving columns
// mean.
func writeHeadlineTable(b *strings.Builder, hs []headline.Headline) error {
	settled := slices.DeleteFunc(slices.Clone(hs), func(h headline.Headline) bool { return h.Provisional })
	header, rows := (&Summary{Headlines: settled}).HeadlineRows()
	if len(rows) == 0 {
		return nil
	}
	if err := table.Plain(b, header, rows); err != nil {
		return err
	}
	if len(header) > 4 {
		b.WriteString("saved, lock, contention, work: thread-ns/page (ns/page × threads); ≈0: its 95% interval spans zero")
		if slices.ContainsFunc(rows, func(r []string) bool {
			return slices.ContainsFunc(r[1:], func(c string) bool { return strings.HasSuffix(c, noInterval) })
		}) {
			fmt.Fprintf(b, "; ?: no interval yet (fewer than %d blocks)", stats.MinPairs)
		}
		b.WriteString("\n")
	}
	return nil
}

// headlineDetails are the headlines in full (Full) with their notes and
// why each missed the target, for the details.
func (s *Summary) headlineDetails() []string {
	var out []string
	for i := range s.Headlines {
		h := &s.Headlines[i]
		out = append(out, h.Full())
		for _, n := range h.Notes {
			out = append(out, "  note: "+n)
		}
		if h.NotTight != "" {
			out = append(out, "  not tight: "+h.NotTight)
		}
	}
	return out
}

// tightLine is the one line an adaptive run that stopped with headlines
// wider than its target prints: which, by label; "" when none is.
func (s *Summary) tightLine() string {
	var wide []string
	for i := range s.Headlines {
		if h := &s.Headlines[i]; h.NotTight != "" {
			wide = append(wide, h.Label())
		}
	}
	if len(wide) == 0 {
		return ""
	}
	// One line: the first few by name, the count of the rest.
	const named = 2
	list := strings.Join(wide[:min(named, len(wide))], "; ")
	if len(wide) > named {
		list += fmt.Sprintf(" and %d more", len(wide)-named)
	}
	return fmt.Sprintf("wider than the target (%s of %d): %s; why in the details", stats.Plural(len(wide), "headline"), len(s.Headlines), list)
}

// atoi is the number s says, or -1.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// KneeOf is the share of the one-big-page ideal a batch size must reach
// to be the knee, as the report's default (render.DefaultOptions.Knee).
const KneeOf = 0.9

// CurveLines are the batch curves of mode batch, one line per lock,
// threads and state with several batch sizes: the change at each size
// and the knee, the smallest size reaching KneeOf of the ideal. A
// provisional headline is left out of its curve.
func (s *Summary) CurveLines() []string {
	type key struct{ file, workload, lock, threads, regime, others string }
	var keys []key
	curves := map[key][]*headline.Headline{}
	for i := range s.Headlines {
		h := &s.Headlines[i]
		if h.Mode != string(workloads.ModeBatch) || h.Provisional || h.Batch == "" {
			continue
		}
		k := key{h.File, h.Workload, h.Lock, h.Threads, h.Regime, h.Others}
		if _, ok := curves[k]; !ok {
			keys = append(keys, k)
		}
		curves[k] = append(curves[k], h)
	}
	var out []string
	for _, k := range keys {
		hs := curves[k]
		if len(hs) < 2 {
			continue
		}
		var pts []string
		knee := ""
		for _, h := range hs { // sorted by batch (sortHeadlines)
			pts = append(pts, h.Batch+" "+h.Change())
			if knee == "" && h.Efficiency != nil && float64(*h.Efficiency) >= KneeOf {
				knee = h.Batch
			}
		}
		if knee == "" {
			knee = "none reaches " + stats.Pct(KneeOf, 0, false) + " of the ideal"
		} else {
			knee = "batch=" + knee + " (the smallest reaching " + stats.Pct(KneeOf, 0, false) + " of the ideal)"
		}
		label := hs[0].Lock
		if label == "" {
			label = "all cases"
		}
		label += ", " + threadsText(atoi(k.threads))
		if k.regime != "" {
			label += ", " + k.regime + " regime"
		}
		out = append(out, fmt.Sprintf("batch curve, %s: %s; knee %s", label, strings.Join(pts, ", "), knee))
	}
	return out
}
