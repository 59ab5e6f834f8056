package reports

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/headline"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
)

// regimes counts the machine regimes of the contended cases: the blocks
// (schema.UnitBlock) of each regime, or its lines when the results are
// not paired, and the median probe of each.
func (s *Summary) regimes(m *cases.Model) {
	type blockKey struct {
		file  string
		block int
	}
	blocks := map[string]map[blockKey]bool{}
	xfer := map[string][]float64{}
	lines := map[string]int{}
	for _, c := range m.Cases {
		reg, ok := c.Key(schema.KeyRegime)
		if !ok || c.CountsOnly() {
			continue // a counting repetition is no block of the regime's
		}
		if blocks[reg] == nil {
			blocks[reg] = map[blockKey]bool{}
		}
		for _, b := range c.Samples[schema.UnitBlock] {
			blocks[reg][blockKey{c.File, int(b)}] = true
		}
		xfer[reg] = append(xfer[reg], c.Samples[schema.UnitXfer]...)
		lines[reg] += c.N()
	}
	total := 0
	for reg := range lines {
		n := len(blocks[reg])
		if n == 0 {
			n = lines[reg]
		}
		s.Regimes = append(s.Regimes, RegimeShare{Regime: reg, XferNS: Float(stats.Median(xfer[reg])), Blocks: n})
		total += n
	}
	slices.SortFunc(s.Regimes, func(a, b RegimeShare) int {
		switch {
		case schema.RegimeBefore(a.Regime, b.Regime):
			return -1
		case schema.RegimeBefore(b.Regime, a.Regime):
			return 1
		}
		return 0
	})
	for i := range s.Regimes {
		s.Regimes[i].Share = Float(float64(s.Regimes[i].Blocks) / float64(max(total, 1)))
	}
	switched := map[string]bool{}
	for _, r := range m.Switched {
		key := string(r.Name)
		for _, v := range r.Values {
			if unitOf(v) == schema.UnitBlock {
				key = fmt.Sprint(r.GetConfig(".file"), v.Value)
			}
		}
		switched[key] = true
	}
	s.Switched = len(switched)
}

func unitOf(v benchfmt.Value) string {
	if v.OrigUnit != "" {
		return v.OrigUnit
	}
	return v.Unit
}

// RegimeLine is one line about the machine's regimes: their probe
// values and share of the blocks, the blocks that switched in flight,
// and how many of those the run ran again (Repeated, when known); ""
// when no case carries a regime.
func (s *Summary) RegimeLine() string {
	if len(s.Regimes) == 0 && s.Switched == 0 {
		return ""
	}
	var parts []string
	for _, r := range s.Regimes {
		name := r.Regime
		if !schema.IsStateLabel(r.Regime) { // a band label of an earlier version: say its probe
			name += fmt.Sprintf(" (xfer %s ns)", stats.Format(float64(r.XferNS), 2))
		}
		parts = append(parts, fmt.Sprintf("%s in %s (%s)", name, stats.Plural(r.Blocks, "block"), stats.Pct(float64(r.Share), 0, false)))
	}
	var line string
	switch len(s.Regimes) {
	case 0: // the probes formed one cluster: one state, no label
		line = "machine state: one (its probes form one cluster)"
	case 1:
		line = "machine regime: " + parts[0] + "; it did not change"
	default:
		line = "machine regimes: " + strings.Join(parts, ", ")
	}
	if s.Switched > 0 {
		line += fmt.Sprintf("; %d switched in flight, left out", s.Switched)
	}
	if s.Repeated > 0 {
		line += fmt.Sprintf("; %d run again", s.Repeated)
	}
	return line
}

// uncontended adds a Detail per 1-thread case whose repetitions' probes
// fall in more than one regime: its median time in each, which shows
// whether uncontended work moves with the regime (it should not: one
// worker moves no cache line between cores).
func (s *Summary) uncontended(m *cases.Model) {
	for _, c := range m.PageCache {
		if c.Threads != 1 {
			continue
		}
		xs, ts := c.Samples[schema.UnitXfer], c.Samples[cases.NSPage]
		if len(xs) != len(ts) {
			continue
		}
		by := map[string][]float64{}
		for i, x := range xs {
			by[schema.RegimeOf(x)] = append(by[schema.RegimeOf(x)], ts[i])
		}
		if len(by) < 2 {
			continue
		}
		var parts []string
		var first float64
		for _, reg := range schema.Regimes() {
			if v := by[reg]; len(v) > 0 {
				med := stats.Median(v)
				p := fmt.Sprintf("%s %s (n=%d)", reg, num(med), len(v))
				if first == 0 {
					first = med
				} else {
					p += " " + stats.Pct(med/first-1, 0, true)
				}
				parts = append(parts, p)
			}
		}
		s.Details = append(s.Details, fmt.Sprintf("1 thread, %s: %s by the regime of its probe: %s", c.Name.Case(), cases.NSPage, strings.Join(parts, ", ")))
	}
}

// target marks the headlines whose interval, relative to their ratio
// (headline.Headline.RelHalfWidth), is wider than target, with the reason.
func (s *Summary) target(target float64) {
	if target <= 0 {
		return
	}
	for i := range s.Headlines {
		h := &s.Headlines[i]
		hw := h.RelHalfWidth()
		if hw <= target {
			continue
		}
		regime := "this case"
		if h.Regime != "" {
			regime = h.Regime + " regime"
		}
		switch {
		case h.Blocks > 0 && h.Blocks < stats.MinPairs:
			h.NotTight = fmt.Sprintf("%s seen in %s only (%d give an interval)", regime, stats.Plural(h.Blocks, "block"), stats.MinPairs)
		case math.IsInf(hw, 1):
			h.NotTight = "no interval: too few repetitions"
		default:
			h.NotTight = fmt.Sprintf("± %s of the ratio after %s against a target of ± %s: the budget ran out first",
				stats.Pct(hw, 0, false), stats.Plural(h.Blocks, "block"), stats.Pct(target, 0, false))
		}
	}
}

// WriteDetails writes the summary's Details, one a line, under a
// heading; nothing when there are none.
func (s *Summary) WriteDetails(w io.Writer) error {
	details := append(s.headlineDetails(), s.Details...)
	if len(details) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\ndetails:\n")
	for _, d := range details {
		b.WriteString("  " + d + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Pending is the judge of an adaptive paired run: it summarizes the
// lines so far and returns the groups (schema.Name.Group of the page case,
// as harness.Case.Group names them) that have a headline, in any regime,
// whose interval is wider than target (a half-width relative to the
// ratio: headline.Headline.RelHalfWidth), the group a block helps most
// first (needScore), then the group with fewer blocks. None when every
// headline is tight.
func Pending(results []*benchfmt.Result, target float64) []string {
	if len(results) == 0 {
		return nil
	}
	m := cases.Group(results)
	s := summarize(m, true)
	type need struct {
		group    string
		width    float64
		heads    [][2]float64   // per headline: its width and its blocks
		byRegime map[string]int // blocks per regime
		blocks   int            // over all regimes
	}
	byGroup := map[string]*need{}
	var order []*need
	for _, h := range s.Headlines {
		pn := schema.ParseName(benchfmt.Name(h.PageCase))
		g := pn.Group()
		reg, _ := pn.Get(schema.KeyRegime)
		n := byGroup[g]
		if n == nil {
			n = &need{group: g, byRegime: map[string]int{}}
			byGroup[g] = n
			order = append(order, n)
		}
		w := needWidth(&h)
		n.width = max(n.width, w)
		n.heads = append(n.heads, [2]float64{w, float64(h.Blocks)})
		n.byRegime[reg] = max(n.byRegime[reg], h.Blocks)
	}
	score := map[*need]float64{}
	for _, n := range order {
		for _, b := range n.byRegime {
			n.blocks += b
		}
		score[n] = needScore(n.heads, n.blocks)
	}
	var out []*need
	for _, n := range order {
		if n.width > target {
			out = append(out, n)
		}
	}
	slices.SortStableFunc(out, func(a, b *need) int {
		return cmp.Or(cmp.Compare(score[b], score[a]), cmp.Compare(a.blocks, b.blocks), cmp.Compare(a.group, b.group))
	})
	var names []string
	// The floor (lock=none at one thread) has no headline of its own, but
	// every saving split and every gate of a default run reads it: it gets
	// blocks first until it has as many as a paired headline needs.
	// A floor case counts its lines over its regimes (floorLines): per
	// regime, a state the machine rarely visits kept the 2-thread floor
	// short for the whole run, and one run gave it 38 blocks and every
	// 2-thread headline 1 or 2.
	if len(s.Headlines) > 0 {
		short := floorLines(m.PageCache)
		for _, c := range m.PageCache {
			if n, ok := short[c.Name.Without(schema.KeyRegime).Case()]; ok && n < stats.MinPairs {
				if g := c.Name.Group(); !slices.Contains(names, g) {
					names = append(names, g)
				}
			}
		}
	}
	for _, n := range out {
		names = append(names, n.group)
	}
	return names
}

// needWidth is the half-width Pending weighs a headline by: its own
// (RelHalfWidth), or +Inf while its saving split's lock part, paired
// with the floor in some of the group's blocks, has fewer than
// stats.MinPairs of them and so no interval (headline.LockPairs):
// a 1-thread headline is tight after 6 blocks, while its lock part needs
// 6 blocks in which none of the lock's and the floor's page and batched
// slices switched; three runs of `run --locks mutex,mcs --modes
// page,batch --threads 1,2` stopped mutex at 1 thread with the lock part
// from 3 blocks of 9, 7 of 7 and 5 of 8.
func needWidth(h *headline.Headline) float64 {
	if n := h.LockPairs(); n > 0 && n < stats.MinPairs {
		return math.Inf(1)
	}
	return h.RelHalfWidth()
}

// floorLines returns, per floor case named without its regime, its lines
// over all regimes (the most of any unit, as Case.N counts).
func floorLines(cs []*cases.Case) map[string]int {
	n := map[string]int{}
	for _, c := range cs {
		if c.IsFloor() {
			n[c.Name.Without(schema.KeyRegime).Case()] += c.N()
		}
	}
	return n
}

// maxNeedWidth caps a half-width in needScore: a headline without an
// interval counts as ± 100% of its ratio.
const maxNeedWidth = 1.0

// needScore is how much one more block of a group helps: over its
// headlines (width, blocks), the widest of width (capped at
// maxNeedWidth) times the share of the group's blocks that headline's
// state had, the chance that the next block lands in it. A state the
// machine rarely visits keeps its headline without an interval however
// many blocks the group gets; ranked by width alone it took the budget
// from every group more blocks would help (one run gave 35 blocks to one
// group and 3 to the rest; another, 70 to mutex at 2 threads, whose
// xfer-160ns state was seen in 3, and 6 to mcs, whose xfer-25ns headline
// was still ± 73%).
func needScore(heads [][2]float64, blocks int) float64 {
	s := 0.0
	for _, h := range heads {
		w := h[0]
		if !(w <= maxNeedWidth) {
			w = maxNeedWidth
		}
		share := 1.0
		if blocks > 0 {
			share = min(h[1]/float64(blocks), 1)
		}
		s = max(s, w*share)
	}
	return s
}
