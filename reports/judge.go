package reports

import (
	"cmp"
	"slices"

	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
	"golang.org/x/perf/benchfmt"
)

// A Judge is the judge of an adaptive paired run (harness.Judge, which
// cmd/lockbench checks it satisfies: reports does not import harness).
// It answers Pending's question about every line added so far, but
// incrementally: it keeps the lines and the last answer of each
// comparison group, and a block, whose lines are of one group (and, in a
// 1-thread lock's block, of the floor's), costs the summary of those
// groups alone, not of the whole run. The
// answer is Pending's, exactly (TestJudgeIsPending): a headline compares
// cases of one group only, and what Pending reads across groups (whether
// a floor is a reference, whether any headline exists, the order of
// first appearance) is kept here across groups.
type Judge struct {
	groups map[string]*judgeGroup
	first  map[string]int // case name (schema.Name.Case, regime included) -> order of its first line
}

// judgeGroup is one comparison group's lines and, unless dirty, what its
// summary said.
type judgeGroup struct {
	name  string
	lines []*benchfmt.Result
	// floorLines are the floor's lines of the group's own blocks (a
	// 1-thread lock's blocks hold the floor's slices): its headlines'
	// saving split pairs them, and Pending weighs its lock part
	// (needWidth). They do not make the group a floor.
	floorLines []*benchfmt.Result
	dirty      bool // lines were added since heads and floors were read

	heads  []judgeHead
	floor  bool  // it has page-cache cases, every one a floor case (lock=none)
	plain  bool  // it has a page-cache case that is not a floor case
	shortN []int // floor cases with fewer than stats.MinPairs lines over their regimes: their first-line order
}

// judgeHead is what Pending reads of one headline.
type judgeHead struct {
	regime    string
	halfWidth float64 // relative to the ratio (RelHalfWidth), as the target is
	blocks    int
	order     int // first-line order of the batched case: the headline's place in the summary
}

// NewJudge returns a Judge that has seen no line.
func NewJudge() *Judge {
	return &Judge{groups: map[string]*judgeGroup{}, first: map[string]int{}}
}

// Add takes the lines of one finished block (any lines: each goes to its
// group, named as harness.Case.Group names it).
func (j *Judge) Add(lines []*benchfmt.Result) {
	var floor []*benchfmt.Result // the block's floor lines, for its lock groups
	var groups []*judgeGroup     // the block's groups of a lock, not the floor
	defer func() {
		if len(floor) == 0 {
			return
		}
		for _, g := range groups {
			g.floorLines = append(g.floorLines, floor...)
			g.dirty = true
		}
	}()
	for _, r := range lines {
		n := schema.ParseName(r.Name)
		if !n.IsClass() && !n.IsSwitched() {
			// The summary orders its cases by their first line among
			// the lines it keeps (cases.Group).
			if name := n.Case(); !hasKey(j.first, name) {
				j.first[name] = len(j.first)
			}
		}
		name := n.Without(schema.KeyMode, schema.KeyBatch, schema.KeyRegime, schema.KeyClass).Case()
		g := j.groups[name]
		if g == nil {
			g = &judgeGroup{name: name}
			j.groups[name] = g
		}
		g.lines = append(g.lines, r)
		g.dirty = true
		if !n.IsClass() {
			if l, _ := n.Get(schema.KeyLock); l == schema.FloorLock {
				floor = append(floor, r)
			} else if !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
	}
}

func hasKey(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// Pending is Pending of every line added so far: the groups whose
// headlines are wider than target, most in need first, after the floor
// while its cases are short of stats.MinPairs lines.
func (j *Judge) Pending(target float64) []string {
	anyPlain := false
	for _, g := range j.groups {
		if g.dirty {
			j.read(g)
		}
		anyPlain = anyPlain || g.plain
	}
	type need struct {
		group  string
		width  float64
		score  float64
		blocks int
		order  int
	}
	var needs []need
	heads := 0
	for _, g := range j.groups {
		if g.floor && anyPlain {
			continue // a reference floor has no headline (referenceFloor)
		}
		if len(g.heads) == 0 {
			continue
		}
		heads += len(g.heads)
		n := need{group: g.name, order: g.heads[0].order}
		byRegime := map[string]int{}
		var heads [][2]float64
		for _, h := range g.heads {
			n.width = max(n.width, h.halfWidth)
			heads = append(heads, [2]float64{h.halfWidth, float64(h.blocks)})
			byRegime[h.regime] = max(byRegime[h.regime], h.blocks)
			n.order = min(n.order, h.order)
		}
		for _, b := range byRegime {
			n.blocks += b
		}
		n.score = needScore(heads, n.blocks)
		if n.width > target {
			needs = append(needs, n)
		}
	}
	slices.SortFunc(needs, func(a, b need) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.blocks, b.blocks), cmp.Compare(a.group, b.group))
	})
	var names []string
	if heads > 0 {
		type short struct {
			group string
			order int
		}
		var floors []short
		for _, g := range j.groups {
			if len(g.shortN) > 0 {
				floors = append(floors, short{g.name, slices.Min(g.shortN)})
			}
		}
		slices.SortFunc(floors, func(a, b short) int { return cmp.Compare(a.order, b.order) })
		for _, f := range floors {
			names = append(names, f.group)
		}
	}
	for _, n := range needs {
		names = append(names, n.group)
	}
	return names
}

// read summarizes g's lines alone, as Pending's summary would see them.
func (j *Judge) read(g *judgeGroup) {
	m := cases.Group(g.lines)
	s := summarize(m, true)
	if len(g.floorLines) > 0 {
		s = summarize(cases.Group(append(slices.Clip(g.lines), g.floorLines...)), true)
	}
	g.heads, g.shortN, g.floor, g.plain, g.dirty = nil, nil, false, false, false
	for i := range s.Headlines {
		h := &s.Headlines[i]
		if h.Lock == schema.FloorLock {
			continue // the paired floor's: its own group judges it
		}
		reg, _ := schema.ParseName(benchfmt.Name(h.PageCase)).Get(schema.KeyRegime)
		g.heads = append(g.heads, judgeHead{regime: reg, halfWidth: needWidth(h), blocks: h.Blocks, order: j.first[h.BatchCase]})
	}
	short := floorLines(m.PageCache)
	for _, c := range m.PageCache {
		if !c.IsFloor() {
			g.plain = true
			continue
		}
		g.floor = true
		if short[c.Name.Without(schema.KeyRegime).Case()] < stats.MinPairs {
			g.shortN = append(g.shortN, j.first[c.Name.Case()])
		}
	}
	g.floor = g.floor && !g.plain
}
