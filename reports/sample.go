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
// a case (input, machine, name) up to results.MaxSamples, and of a case
// with more, a uniform sample of that many. It is what bounds Load's
// memory by the cases, not the lines (see results' limits).
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
	cases   map[string]*kept
	out     []*benchfmt.Result // the kept lines in file order; nil where a sampled case let one go
	gaps    int                // nils in out
	sampled int                // cases with more than max lines
	max     int                // results.MaxSamples; tests lower it
}

// kept is one case's lines: where they are in out until the case has
// max of them, then a max-heap by rank (the line whose rank is highest
// goes first when a line of lower rank comes). A line of a sampled case
// replaces a kept one in k·ln(n/k) of n lines (bottom-k's replacements),
// so out's gaps stay few.
type kept struct {
	n    int           // lines of the case read
	name benchfmt.Name // the case's name, shared by its kept lines
	pos  []int32       // positions in out, until the heap is built
	heap []keptLine    // once the case has max lines
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

func newKeeper() *keeper { return &keeper{cases: map[string]*kept{}, max: results.MaxSamples} }

// caseLimitError is an input with more cases than results.MaxCases.
func caseLimitError(path string, line int) error {
	return &InputError{FileName: path, Line: line,
		Msg: fmt.Sprintf("more than %d distinct benchmarks (input, machine and name) in one input, the format's limit (results.MaxCases): split it", results.MaxCases)}
}

// add keeps r, a result Load owns, or not; it returns an error when r
// is the first line of a case beyond results.MaxCases.
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
	if rep < k.max {
		c.pos = append(c.pos, int32(len(k.out)))
		k.out = append(k.out, r)
		return nil
	}
	if rep == k.max {
		k.sampled++
		c.heap = make([]keptLine, len(c.pos))
		for i, p := range c.pos {
			c.heap[i] = keptLine{rank: rank(k.out[p], i), pos: p}
		}
		c.pos = nil
		heap.Init(c)
	}
	if l := rank(r, rep); cmpRank(l, c.heap[0].rank) < 0 {
		k.out[c.heap[0].pos] = nil
		k.gaps++
		c.heap[0] = keptLine{rank: l, pos: int32(len(k.out))}
		k.out = append(k.out, r)
		heap.Fix(c, 0)
		if k.gaps > 1024 && k.gaps > len(k.out)/2 {
			k.compact()
		}
	}
	return nil
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
	if k.sampled == 0 {
		return out, nil
	}
	return out, &InputError{FileName: path,
		Msg: fmt.Sprintf("%d benchmarks have more than %d lines, the most a reader keeps of one (results.MaxSamples): each is a uniform sample of %d of its lines, the same blocks in every benchmark, and its intervals are those of the sample", k.sampled, k.max, k.max)}
}
