package reports

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/results"
	"github.com/lockbench/lockbench/schema"
)

// keeper keeps the results of one input while it is read: every line of
// a case (input, machine, name) up to its quota, and of a case with
// more, a uniform sample of that many. The quota is results.MaxSamples
// until the lines kept, with results.CaseWeight for each case, pass the
// keeper's budget (the input's share of results.MaxKept); then it falls
// for every case alike, down to results.MinSamples. It is what bounds
// Load's memory whatever the input (see results' limits).
//
// The sample is bottom-k: each line of a case gets a rank, a hash of its
// block number (schema.UnitBlock; its repetition in the case when it has
// none) and then of its repetition, and the case keeps the lines of the
// lowest ranks. The hash is the same for every case, so cases that ran
// in the same blocks keep the same blocks, and their paired estimates
// still find their pairs; and the kept lines are a uniform sample of the
// case's, not its first ones (a drift over a long run is sampled, not
// cut). Kept lines are returned in file order.
type keeper struct {
	cases  map[string]*kept
	out    []*benchfmt.Result // the kept lines in file order; nil where a sampled case let one go
	gaps   int                // nils in out
	max    int                // results.MaxSamples; tests lower it
	budget int                // the most kept lines, with results.CaseWeight a case (results.MaxKept, or a file's share of it)
	least  int                // results.MinSamples: quota never goes below it
	quota  int                // the most lines a case keeps now: max, until the budget makes it less
}

// kept is one case's lines: where they are in out until the case has
// the keeper's quota of them (or the quota falls below them), then a
// max-heap by rank (the line whose rank is highest
// goes first when a line of lower rank comes). A line of a sampled case
// replaces a kept one in k·ln(n/k) of n lines (bottom-k's replacements),
// so out's gaps stay few.
type kept struct {
	n    int           // lines of the case read
	name benchfmt.Name // the case's name, shared by its kept lines
	pos  []int32       // positions in out, until the heap is built
	heap []keptLine    // once the case has quota lines
}

type keptLine struct {
	rank [2]uint64
	pos  int32
}

func (k *kept) Len() int           { return len(k.heap) }
func (k *kept) Less(i, j int) bool { return cmpRank(k.heap[i].rank, k.heap[j].rank) > 0 }
func (k *kept) Swap(i, j int)      { k.heap[i], k.heap[j] = k.heap[j], k.heap[i] }
func (k *kept) Push(x any)         { k.heap = append(k.heap, x.(keptLine)) }
func (k *kept) Pop() any {
	x := k.heap[len(k.heap)-1]
	k.heap = k.heap[:len(k.heap)-1]
	return x
}

var _ heap.Interface = (*kept)(nil)

func cmpRank(a, b [2]uint64) int {
	return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
}

// mix is splitmix64's finalizer: a fixed, well-spread hash of a number.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// newKeeper returns a keeper of at most budget lines in all.
func newKeeper(budget int) *keeper {
	return &keeper{cases: map[string]*kept{}, max: results.MaxSamples, quota: results.MaxSamples,
		budget: budget, least: results.MinSamples}
}

// budgetError is an input whose cases need more lines than its budget
// even at results.MinSamples lines each.
func budgetError(path string, line, cases, budget int) error {
	return &InputError{FileName: path, Line: line,
		Msg: fmt.Sprintf("%d distinct benchmarks are more than a reader keeps of one input: it keeps %d lines, each benchmark counting as %d more (results.MaxKept, shared by the inputs read together; results.CaseWeight), and a benchmark keeps at least %d of its lines (results.MinSamples); split the input (by machine), or read fewer inputs at once", cases, budget, results.CaseWeight, results.MinSamples)}
}

// caseLimitError is an input with more cases than results.MaxCases.
func caseLimitError(path string, line int) error {
	return &InputError{FileName: path, Line: line,
		Msg: fmt.Sprintf("more than %d distinct benchmarks (input, machine and name) in one input, the format's limit (results.MaxCases): split it", results.MaxCases)}
}

// add keeps r, a result Load owns, or not; it returns an error when r
// is the first line of a case beyond results.MaxCases, or when the
// cases need more lines than the budget at k.least lines each.
//
// The budget: when the lines kept pass it, every case's quota falls to
// what the budget leaves each (never below k.least) and the cases over
// it drop their highest-ranked lines. A bottom-k sample of fewer is a
// subset of one of more, so a shrunk case is still the uniform sample
// of its lines, the same blocks in every case.
func (k *keeper) add(r *benchfmt.Result, path string) error {
	key := r.GetConfig(schema.ConfMachine) + "\x00" + string(r.Name)
	c := k.cases[key]
	if c == nil {
		if len(k.cases) >= results.MaxCases {
			_, line := r.Pos()
			return caseLimitError(path, line)
		}
		c = &kept{name: r.Name}
		k.cases[key] = c
	}
	r.Name = c.name // one copy of the name a case
	rep := c.n
	c.n++
	if c.heap == nil && len(c.pos) < k.quota {
		c.pos = append(c.pos, int32(len(k.out)))
		k.out = append(k.out, r)
		if k.used() > k.budget {
			return k.shrink(path, r)
		}
		return nil
	}
	if c.heap == nil {
		k.toHeap(c)
	}
	if l := rank(r, rep); cmpRank(l, c.heap[0].rank) < 0 {
		k.out[c.heap[0].pos] = nil
		k.gaps++
		c.heap[0] = keptLine{rank: l, pos: int32(len(k.out))}
		k.out = append(k.out, r)
		heap.Fix(c, 0)
		k.maybeCompact()
	}
	return nil
}

// toHeap turns c's lines, all of its lines so far in file order, into
// its heap by rank.
func (k *keeper) toHeap(c *kept) {
	c.heap = make([]keptLine, len(c.pos))
	for i, p := range c.pos {
		c.heap[i] = keptLine{rank: rank(k.out[p], i), pos: p}
	}
	c.pos = nil
	heap.Init(c)
}

// shrink lowers the quota until the lines kept fit the budget, r being
// the line that passed it; at k.least lines a case, an input that still
// does not fit is an error.
func (k *keeper) shrink(path string, r *benchfmt.Result) error {
	for k.used() > k.budget {
		if k.quota <= k.least {
			_, line := r.Pos()
			return budgetError(path, line, len(k.cases), k.budget)
		}
		// What the budget leaves each case, and at least a step down, so
		// that the sweeps over the cases are few (at most max-least).
		k.quota = max(k.least, min(k.quota-1, k.budget/len(k.cases)-results.CaseWeight))
		for _, c := range k.cases {
			n := len(c.pos) + len(c.heap)
			if n <= k.quota {
				continue
			}
			if c.heap == nil {
				k.toHeap(c)
			}
			for len(c.heap) > k.quota {
				top := heap.Pop(c).(keptLine)
				k.out[top.pos] = nil
				k.gaps++
			}
			c.heap = slices.Clip(c.heap)
		}
	}
	k.maybeCompact()
	return nil
}

// used is the budget the kept lines and their cases take.
func (k *keeper) used() int { return len(k.out) - k.gaps + results.CaseWeight*len(k.cases) }

// maybeCompact compacts out once half of it is gaps.
func (k *keeper) maybeCompact() {
	if k.gaps > 1024 && k.gaps > len(k.out)/2 {
		k.compact()
	}
}

// compact closes out's gaps, moving every case's positions with its
// lines. Block numbers chosen against the hash could make every line
// replace a kept one; out then stays at most twice the kept lines.
func (k *keeper) compact() {
	moved := make([]int32, len(k.out))
	n := int32(0)
	for i, r := range k.out {
		moved[i] = n
		if r != nil {
			k.out[n] = r
			n++
		}
	}
	clear(k.out[n:])
	k.out = k.out[:n]
	k.gaps = 0
	for _, c := range k.cases {
		for i := range c.pos {
			c.pos[i] = moved[c.pos[i]]
		}
		for i := range c.heap {
			c.heap[i].pos = moved[c.heap[i].pos]
		}
	}
}

// rank is the rank of r, the case's line rep (0-based): a hash of its
// block number (of rep when it has none), then of rep.
func rank(r *benchfmt.Result, rep int) [2]uint64 {
	block := uint64(rep)
	for _, v := range r.Values {
		if cmp.Or(v.OrigUnit, v.Unit) == schema.UnitBlock {
			block = uint64(cmp.Or(v.OrigValue, v.Value))
		}
	}
	return [2]uint64{mix(block), mix(uint64(rep))}
}

// results returns the kept lines in file order, and a warning when
// cases were sampled.
func (k *keeper) results(path string) ([]*benchfmt.Result, error) {
	out := slices.DeleteFunc(k.out, func(r *benchfmt.Result) bool { return r == nil })
	sampled := 0
	for _, c := range k.cases {
		if c.n > len(c.pos)+len(c.heap) {
			sampled++
		}
	}
	switch {
	case sampled == 0:
		return out, nil
	case k.quota < k.max:
		return out, &InputError{FileName: path,
			Msg: fmt.Sprintf("%d benchmarks have more than %d lines, the most a reader keeps of each of %d benchmarks (results.MaxKept lines in all, shared by the inputs read together): each is a uniform sample of %d of its lines, the same blocks in every benchmark, and its intervals are those of the sample; read fewer benchmarks at once (split the input) for more", sampled, k.quota, len(k.cases), k.quota)}
	}
	return out, &InputError{FileName: path,
		Msg: fmt.Sprintf("%d benchmarks have more than %d lines, the most a reader keeps of one (results.MaxSamples): each is a uniform sample of %d of its lines, the same blocks in every benchmark, and its intervals are those of the sample", sampled, k.max, k.max)}
}
