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
	seq     int // lines kept so far, the file order
	sampled int // cases with more than MaxSamples lines
	max     int // results.MaxSamples; tests lower it
}

// kept is one case's kept lines: a max-heap by rank once full.
type kept struct {
	lines []keptLine
	n     int // lines of the case read
}

type keptLine struct {
	rank [2]uint64
	seq  int
	r    *benchfmt.Result
}

func (k *kept) Len() int           { return len(k.lines) }
func (k *kept) Less(i, j int) bool { return cmpRank(k.lines[i].rank, k.lines[j].rank) > 0 }
func (k *kept) Swap(i, j int)      { k.lines[i], k.lines[j] = k.lines[j], k.lines[i] }
func (k *kept) Push(x any)         { k.lines = append(k.lines, x.(keptLine)) }
func (k *kept) Pop() any {
	x := k.lines[len(k.lines)-1]
	k.lines = k.lines[:len(k.lines)-1]
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
		c = &kept{}
		k.cases[key] = c
	}
	rep := uint64(c.n)
	c.n++
	block := rep
	for _, v := range r.Values {
		if cmp.Or(v.OrigUnit, v.Unit) == schema.UnitBlock {
			block = uint64(cmp.Or(v.OrigValue, v.Value))
		}
	}
	l := keptLine{rank: [2]uint64{mix(block), mix(rep)}, seq: k.seq, r: r}
	k.seq++
	switch {
	case len(c.lines) < k.max:
		c.lines = append(c.lines, l)
		if len(c.lines) == k.max {
			heap.Init(c)
		}
	case cmpRank(l.rank, c.lines[0].rank) < 0:
		if c.n == k.max+1 {
			k.sampled++
		}
		c.lines[0] = l
		heap.Fix(c, 0)
	default:
		if c.n == k.max+1 {
			k.sampled++
		}
	}
	return nil
}

// results returns the kept lines in file order, and a warning when
// cases were sampled.
func (k *keeper) results(path string) ([]*benchfmt.Result, error) {
	var all []keptLine
	for _, c := range k.cases {
		all = append(all, c.lines...)
	}
	slices.SortFunc(all, func(a, b keptLine) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]*benchfmt.Result, len(all))
	for i, l := range all {
		out[i] = l.r
	}
	if k.sampled == 0 {
		return out, nil
	}
	return out, &InputError{FileName: path,
		Msg: fmt.Sprintf("%d benchmarks have more than %d lines, the most a reader keeps of one (results.MaxSamples): each is a uniform sample of %d of its lines, the same blocks in every benchmark, and its intervals are those of the sample", k.sampled, k.max, k.max)}
}
