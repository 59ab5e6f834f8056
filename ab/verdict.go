package ab

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/lockbench/lockbench/internal/ghcmd"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
)

// Statuses of a Check.
const (
	StatusOK        = "ok"        // no change beyond the threshold shown
	StatusImproved  = "improved"  // shown better beyond the threshold
	StatusRegressed = "regressed" // shown worse beyond the threshold
	StatusUnjudged  = "unjudged"  // could not be judged; Reason says why
)

// JudgeOptions configure Judge.
type JudgeOptions struct {
	// MaxRegress is the largest tolerated change for the worse, as a
	// fraction (0.05 is 5%).
	MaxRegress float64
	// Alpha is the family-wise significance level: the regression tests
	// of the judged cases are Holm-adjusted, so that a sweep of 30
	// unchanged cases fails with probability at most Alpha, not 1.5
	// expected false alarms.
	Alpha float64
	// MinBlocks is the fewest blocks that judge a case (stats.MinPairs
	// when 0: fewer give no 95% interval).
	MinBlocks int
}

// DefaultJudge are Judge's defaults: ns per page may grow by at most 5%,
// family-wise alpha 0.05.
var DefaultJudge = JudgeOptions{MaxRegress: 0.05, Alpha: stats.DefaultAlpha, MinBlocks: stats.MinPairs}

// A Check is one case's judgement.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	// Reason says why a case is unjudged, or notes an estimate beyond
	// the threshold that was not shown to be.
	Reason string `json:"reason,omitempty"`
	// Base and New are the sides' median time per unit over the blocks.
	Base stats.Float `json:"base"`
	New  stats.Float `json:"new"`
	Unit string      `json:"unit,omitempty"`
	// Change is the Hodges-Lehmann estimate of new/base - 1 over the
	// blocks, Lo and Hi its 95% signed-rank interval.
	Change stats.Float `json:"change"`
	Lo     stats.Float `json:"lo"`
	Hi     stats.Float `json:"hi"`
	// P is the one-sided signed-rank p of "no worse" (the blocks' log
	// ratios centred at or below 0), Holm-adjusted over the family;
	// PImproved the same for "no better".
	P         stats.Float `json:"p"`
	PImproved stats.Float `json:"p_improved"`
	Blocks    int         `json:"blocks"`
	// Mismatched counts the blocks left out because their two slices ran
	// in different transfer states (Block.StatesDiffer).
	Mismatched int `json:"mismatched"`
	// Mixed counts the blocks in different transfer states that were
	// judged with the rest, because the case had too few in one state;
	// StateEffect is then the change of the case's time from the fast
	// transfer state to the slow one, estimated from its blocks and taken
	// out of the mixed ones (NaN without mixed blocks).
	Mixed       int         `json:"mixed,omitempty"`
	StateEffect stats.Float `json:"state_effect"`
	// Regimes counts the blocks by the new side's machine regime (a
	// record: pairing cancels the machine, nothing is stratified).
	Regimes map[string]int `json:"regimes,omitempty"`
}

// A Verdict is Judge's judgement of an Outcome.
type Verdict struct {
	// Pass is true only when every case asked for was judged and none
	// regressed (the exit status 0 of lockbench ab).
	Pass bool `json:"pass"`
	// Status is "regression" when a case regressed, else "unjudged"
	// when a case could not be judged, else "pass".
	Status     string  `json:"status"`
	MaxRegress float64 `json:"max_regress"`
	Alpha      float64 `json:"alpha"`
	// Family is the number of judged cases the Holm adjustment is over.
	Family    int `json:"family"`
	Regressed int `json:"regressed"`
	Improved  int `json:"improved"`
	Unjudged  int `json:"unjudged"`
	// Mismatched counts the blocks left out over all cases, Mixed those
	// judged in different states (Check.Mixed).
	Mismatched int `json:"mismatched"`
	Mixed      int `json:"mixed,omitempty"`
	// Whole are the cases measured in whole slices back to back though
	// turns were asked for (Outcome.Whole): their blocks share less of
	// the machine's state, and their intervals are wider.
	Whole   []string `json:"whole_slices,omitempty"`
	Seed    uint64   `json:"seed"`
	Stopped string   `json:"stopped,omitempty"`
	Checks  []Check  `json:"checks"`
}

// Judge judges every case of o. A case is regressed when its blocks show
// it worse (the one-sided signed-rank test of the per-block log ratios
// against 0, Holm-adjusted over the judged cases, at Alpha) and its
// Hodges-Lehmann estimate is beyond MaxRegress. Improved is the mirror
// image. A case with fewer than MinBlocks blocks, or run by one side
// only, is unjudged with its reason.
//
// A case is judged on its blocks whose sides ran in one transfer state
// (Block.StatesDiffer) when it has enough of them, and otherwise on all
// its blocks, saying how many were mixed (Check.Mixed). The order of the
// sides is random in every block, so a state change between the two
// slices slows or speeds either side alike, and the blocks' log ratios
// stay symmetric about the true change, as the signed-rank test and the
// Hodges-Lehmann interval assume. The state's own effect on the case is
// taken out of them: the slope of the log ratios on the blocks' state
// shifts (Block.StateShift), each block corrected by the slope of the
// others (Check.StateEffect). Without the correction the spread grows
// threefold (standard deviation 0.59 against 0.19 on the 2-vCPU VM):
// simulated with 7 blocks of 10 mixed, +60% was found in 68 of 300 runs;
// with it, +30% in 299 and +15% in 268, and A/A fails in 12 of 300. On
// the VM, in minutes when the transfer flips several times a second,
// 2-thread cases had 1-4 blocks of 10 in one state, and 5 of 20 A/A runs
// ended unjudged before mixed blocks were judged.
//
// Why the tolerance applies to the estimate and not to the interval's
// lower end: requiring the interval to clear +5% needed about 70 blocks
// a case to catch +10% on this project's 2-vCPU VM (per-block log-ratio
// spread about 0.1), far beyond a minute's budget; a +10% change of
// ns/page at 1 thread went uncaught at 11 blocks. Significance against
// no change keeps the false alarm rate at Alpha (A/A: nothing is worse),
// and the estimate keeps changes within the tolerance from failing.
func Judge(o *Outcome, opts JudgeOptions) *Verdict {
	if opts.MinBlocks <= 0 {
		opts.MinBlocks = stats.MinPairs
	}
	v := &Verdict{MaxRegress: opts.MaxRegress, Alpha: opts.Alpha, Seed: o.Seed, Stopped: o.Stopped, Whole: o.Whole}
	byCase := map[string][]Block{}
	for _, b := range o.Blocks {
		byCase[b.Case] = append(byCase[b.Case], b)
	}
	need := judgedMin(o, byCase, opts)
	nan := stats.Float(math.NaN())
	var pw, pb []float64 // per check: worse, better; NaN when unjudged
	tol := math.Log1p(opts.MaxRegress)
	for _, name := range o.Cases {
		c := Check{Name: name, Base: nan, New: nan, Change: nan, Lo: nan, Hi: nan, P: nan, PImproved: nan, StateEffect: nan}
		d, use, effect := Ratios(byCase[name], need)
		c.StateEffect = stats.Float(effect)
		var bv, nv []float64
		for _, b := range use {
			if b.Mismatched {
				c.Mixed++
			}
			bv, nv = append(bv, b.Base.Value), append(nv, b.New.Value)
			c.Unit = b.New.Unit
			if c.Regimes == nil {
				c.Regimes = map[string]int{}
			}
			r := b.New.Regime
			if r == "" {
				r = "none"
			}
			c.Regimes[r]++
		}
		c.Mismatched = withRatio(byCase[name]) - len(use) // left out: mismatched, when use is the blocks in one state
		c.Blocks = len(d)
		if len(d) > 0 {
			c.Base, c.New = stats.Float(stats.Median(bv)), stats.Float(stats.Median(nv))
			pc := stats.PairedCentre(d, stats.DefaultConfidence)
			c.Change = stats.Float(math.Expm1(pc.Ratio))
			c.Lo, c.Hi = stats.Float(math.Expm1(pc.Lo)), stats.Float(math.Expm1(pc.Hi))
		}
		w, b := math.NaN(), math.NaN()
		if len(d) < need {
			c.Status = StatusUnjudged
			c.Reason = fmt.Sprintf("%d blocks, the least that judge a case is %d", len(d), need)
			if need > opts.MinBlocks && len(d) >= opts.MinBlocks {
				c.Reason += fmt.Sprintf(" (fewer can never show a change at alpha %v over the judged cases, Holm's first step)", opts.Alpha)
			}
			if c.Mixed > 0 {
				c.Reason += fmt.Sprintf(" (%d of them with their sides in different transfer states)", c.Mixed)
			}
			if o.Stopped == "budget" {
				c.Reason += ": the budget ran out (give more --budget, or fewer cases)"
			}
		} else {
			w = stats.SignedRankGreater(d, 0)
			neg := make([]float64, len(d))
			for i, x := range d {
				neg[i] = -x
			}
			b = stats.SignedRankGreater(neg, 0)
		}
		v.Checks = append(v.Checks, c)
		pw, pb = append(pw, w), append(pb, b)
	}
	hw, hb := stats.Holm(pw), stats.Holm(pb)
	for i := range v.Checks {
		c := &v.Checks[i]
		if c.Status == StatusUnjudged {
			continue
		}
		v.Family++
		c.P, c.PImproved = stats.Float(hw[i]), stats.Float(hb[i])
		est := math.Log1p(float64(c.Change))
		switch {
		case hw[i] <= opts.Alpha && est > tol:
			c.Status = StatusRegressed
		case hb[i] <= opts.Alpha && est < -tol:
			c.Status = StatusImproved
		default:
			c.Status = StatusOK
			if est > tol {
				c.Reason = fmt.Sprintf("estimate %s beyond +%s, not shown worse (p=%.3f): more blocks would tell", stats.Pct(float64(c.Change), 1, true), threshold(opts.MaxRegress), hw[i])
			}
		}
	}
	for _, name := range o.OnlyBase {
		v.Checks = append(v.Checks, Check{Name: name, Status: StatusUnjudged, Reason: "only the base side has this case", Base: nan, New: nan, Change: nan, Lo: nan, Hi: nan, P: nan, PImproved: nan, StateEffect: nan})
	}
	for _, name := range o.OnlyNew {
		v.Checks = append(v.Checks, Check{Name: name, Status: StatusUnjudged, Reason: "only the new side has this case", Base: nan, New: nan, Change: nan, Lo: nan, Hi: nan, P: nan, PImproved: nan, StateEffect: nan})
	}
	for _, c := range v.Checks {
		v.Mismatched += c.Mismatched
		v.Mixed += c.Mixed
		switch c.Status {
		case StatusRegressed:
			v.Regressed++
		case StatusImproved:
			v.Improved++
		case StatusUnjudged:
			v.Unjudged++
		}
	}
	switch {
	case v.Regressed > 0:
		v.Status = "regression"
	case v.Unjudged > 0:
		v.Status = "unjudged"
	default:
		v.Status, v.Pass = "pass", true
	}
	return v
}

// Ratios returns the log ratios a case is judged on, the blocks they
// come from, and the state's own effect taken out of them (NaN when
// none was): the blocks whose sides ran in one transfer state when there
// are at least need of them; otherwise every block with a ratio, each
// mixed one corrected by its state shift times the slope of the others
// (Judge's doc says why). The verdict and the adaptive loop both weigh a
// case on these.
func Ratios(blocks []Block, need int) (d []float64, use []Block, effect float64) {
	var one, all []Block
	for _, b := range blocks {
		if math.IsNaN(b.LogRatio()) {
			continue
		}
		all = append(all, b)
		if !b.Mismatched {
			one = append(one, b)
		}
	}
	if len(one) >= need || len(all) == len(one) {
		for _, b := range one {
			d = append(d, b.LogRatio())
		}
		return d, one, math.NaN()
	}
	shift := make([]float64, len(all))
	for i, b := range all {
		d, shift[i] = append(d, b.LogRatio()), b.StateShift()
	}
	adj := make([]float64, len(d))
	for i := range d {
		adj[i] = d[i] - stateSlope(d, shift, i)*shift[i]
	}
	return adj, all, math.Expm1(stateSlope(d, shift, -1))
}

// stateSlope is the least-squares slope of the blocks' log ratios d on
// their state shifts (stats.LeastSquares), leaving block skip out (none
// when skip < 0): the log of the case's change from the fast transfer
// state to the slow one. 0 when the shifts do not vary. Taking each
// block's own ratio out of the slope that corrects it keeps the
// correction from fitting that block's noise, which made simulated A/A
// fail in 17 of 300 runs instead of at most 5%.
func stateSlope(d, shift []float64, skip int) float64 {
	xs, ys := make([]float64, 0, len(d)), make([]float64, 0, len(d))
	for i := range d {
		if i != skip {
			xs, ys = append(xs, shift[i]), append(ys, d[i])
		}
	}
	_, b, _, err := stats.LeastSquares(xs, ys)
	if err != nil {
		return 0
	}
	return b
}

// judgedMin is the fewest blocks that judge a case of o: MinBlocks, and
// at least PowerBlocks of the cases judged at that minimum (a fixed
// point: fewer judged cases need fewer blocks). Every block with a
// ratio counts, mismatched ones included: a case short of blocks in one
// state is judged on all of them. A case with fewer could
// never be shown worse: "ok" would say nothing about it, so it is
// unjudged and the exit status says so.
func judgedMin(o *Outcome, byCase map[string][]Block, opts JudgeOptions) int {
	n := make([]int, 0, len(o.Cases))
	for _, name := range o.Cases {
		n = append(n, withRatio(byCase[name]))
	}
	need := opts.MinBlocks
	for {
		judged := 0
		for _, k := range n {
			if k >= need {
				judged++
			}
		}
		next := max(opts.MinBlocks, PowerBlocks(judged, opts.Alpha))
		if next <= need {
			return need
		}
		need = next
	}
}

// withRatio counts the blocks that have a log ratio.
func withRatio(blocks []Block) int {
	k := 0
	for _, b := range blocks {
		if !math.IsNaN(b.LogRatio()) {
			k++
		}
	}
	return k
}

// Err returns the regression as an error, nil when none regressed.
func (v *Verdict) Err() error {
	if v.Regressed == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d cases regressed beyond +%s", v.Regressed, v.Family, threshold(v.MaxRegress))
}

// UnjudgedError says how many cases could not be judged, nil when all
// were.
func (v *Verdict) UnjudgedError() error {
	if v.Unjudged == 0 {
		return nil
	}
	for _, c := range v.Checks {
		if c.Status == StatusUnjudged {
			return fmt.Errorf("%d case(s) could not be judged, e.g. %s: %s", v.Unjudged, c.Name, c.Reason)
		}
	}
	return nil
}

func threshold(f float64) string { return strings.TrimPrefix(stats.Pct(f, 1, false), "+") }

// WriteText writes the verdict as a table, one row per case, then the
// offenders and the unjudged with their reasons, and the summary line.
func (v *Verdict) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "ab: fail on a change shown worse (one-sided signed-rank test of the per-block ratios, Holm over the %d judged cases at alpha %v) and estimated beyond +%s; change = Hodges-Lehmann estimate [95%% interval]\n\n",
		v.Family, v.Alpha, threshold(v.MaxRegress))
	rows := [][]string{{"case", "base", "new", "change [95% interval]", "blocks", "p", "status"}}
	for _, c := range v.Checks {
		st := c.Status
		if c.Status == StatusUnjudged {
			st += " (" + c.Reason + ")"
		}
		rows = append(rows, []string{c.Name, num(c.Base, c.Unit), num(c.New, c.Unit), change(c), fmt.Sprint(c.Blocks), pText(c.P), st})
	}
	writeTable(&b, rows)
	b.WriteString("\n")
	for _, c := range v.Checks {
		if c.Status == StatusRegressed {
			fmt.Fprintf(&b, "REGRESSION %s\n", line(c))
		}
	}
	for _, c := range v.Checks {
		if c.Status == StatusOK && c.Reason != "" {
			fmt.Fprintf(&b, "NOTE %s: %s\n", c.Name, c.Reason)
		}
	}
	for _, c := range v.Checks {
		if c.Status == StatusUnjudged {
			fmt.Fprintf(&b, "UNJUDGED %s: %s\n", c.Name, c.Reason)
		}
	}
	if v.Mismatched > 0 {
		fmt.Fprintf(&b, "%s left out: the two sides' slices ran in different transfer states (probes %gx apart or more), which pairing does not cancel\n",
			stats.Plural(v.Mismatched, "block"), schema.XferMoved)
	}
	if len(v.Whole) > 0 {
		fmt.Fprintf(&b, "%s in whole slices back to back, not in turns: a side cannot run %s in turns (a build from before turns, instrumented locks or a kernel workload), and %s wider for it\n",
			stats.Plural(len(v.Whole), "case"), map[bool]string{true: "it", false: "them"}[len(v.Whole) == 1], map[bool]string{true: "its interval is", false: "their intervals are"}[len(v.Whole) == 1])
	}
	if mc := mixedCases(v.Checks); mc != "" {
		fmt.Fprintf(&b, "judged with blocks whose sides ran in different transfer states, having too few in one state: %s\n", mc)
	}
	switch v.Status {
	case "regression":
		fmt.Fprintf(&b, "FAIL: %d of %d judged cases regressed beyond +%s\n", v.Regressed, v.Family, threshold(v.MaxRegress))
	case "unjudged":
		fmt.Fprintf(&b, "NOT JUDGED: %d case(s) could not be judged; no regression in the %d judged\n", v.Unjudged, v.Family)
	default:
		fmt.Fprintf(&b, "PASS: no regression beyond +%s in %d cases (%d improved)\n", threshold(v.MaxRegress), v.Family, v.Improved)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mixedCases names the cases judged on mixed blocks, with their count.
func mixedCases(cs []Check) string {
	var parts []string
	for _, c := range cs {
		if c.Mixed > 0 && c.Status != StatusUnjudged {
			parts = append(parts, fmt.Sprintf("%s (%d of %d blocks; the slow state's own %s taken out)", c.Name, c.Mixed, c.Blocks, stats.Pct(float64(c.StateEffect), 0, true)))
		}
	}
	return strings.Join(parts, ", ")
}

func line(c Check) string {
	return fmt.Sprintf("%s: %s -> %s, %s, p=%.3f, %d blocks", c.Name, num(c.Base, c.Unit), num(c.New, c.Unit), change(c), float64(c.P), c.Blocks)
}

func num(f stats.Float, unit string) string {
	if math.IsNaN(float64(f)) {
		return stats.None
	}
	return stats.Format(float64(f), 4) + " " + unit
}

func change(c Check) string {
	if math.IsNaN(float64(c.Change)) {
		return stats.None
	}
	s := stats.Pct(float64(c.Change), 1, true)
	if math.IsNaN(float64(c.Lo)) {
		return s + " (no interval)"
	}
	return fmt.Sprintf("%s [%s, %s]", s, stats.Pct(float64(c.Lo), 1, true), stats.Pct(float64(c.Hi), 1, true))
}

func pText(p stats.Float) string {
	if math.IsNaN(float64(p)) {
		return stats.None
	}
	return fmt.Sprintf("%.3f", float64(p))
}

// writeTable writes rows as left-aligned columns two spaces apart.
func writeTable(b *strings.Builder, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var l strings.Builder
		for i, c := range r {
			if i > 0 {
				l.WriteString("  ")
			}
			l.WriteString(c)
			if i < len(r)-1 {
				l.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))))
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
}

// WriteGitHub writes GitHub Actions workflow commands: an error per
// regression, and per unjudged case an error (a warning when
// allowUnjudged), a warning per estimate beyond the threshold that
// was not shown to be, and a notice per case judged on mixed states or
// measured in whole slices though turns were asked for.
func (v *Verdict) WriteGitHub(w io.Writer, allowUnjudged bool) error {
	var b strings.Builder
	for _, c := range v.Checks {
		switch {
		case c.Status == StatusRegressed:
			fmt.Fprintf(&b, "::error title=%s::%s\n", ghcmd.Property("lockbench ab: regression"), ghcmd.Data(line(c)))
		case c.Status == StatusUnjudged:
			kind := "error"
			if allowUnjudged {
				kind = "warning"
			}
			fmt.Fprintf(&b, "::%s title=%s::%s\n", kind, ghcmd.Property("lockbench ab: not judged"), ghcmd.Data(c.Name+": "+c.Reason))
		case c.Reason != "":
			fmt.Fprintf(&b, "::warning title=%s::%s\n", ghcmd.Property("lockbench ab: unconfirmed"), ghcmd.Data(c.Name+": "+c.Reason))
		}
		if c.Mixed > 0 && c.Status != StatusUnjudged {
			fmt.Fprintf(&b, "::notice title=%s::%s\n", ghcmd.Property("lockbench ab: mixed states"),
				ghcmd.Data(fmt.Sprintf("%s: judged on %d blocks, %d of them with their sides in different transfer states (too few in one state); the interval is wider", c.Name, c.Blocks, c.Mixed)))
		}
		if slices.Contains(v.Whole, c.Name) {
			fmt.Fprintf(&b, "::notice title=%s::%s\n", ghcmd.Property("lockbench ab: whole slices"),
				ghcmd.Data(c.Name+": measured in whole slices back to back, not in turns (a side cannot run it in turns: a build from before turns, instrumented locks or a kernel workload); the interval is wider"))
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
