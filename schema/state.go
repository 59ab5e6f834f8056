package schema

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Machine states from the data (issue 20). A run's probes — the transfer
// between the workers' own CPUs (UnitXfer) and the speed of fixed
// single-core work on them (UnitSpeed) — are clustered per machine,
// placement and thread count (States): a probe series that forms one
// cluster is one state, and its lines get no label, however close its
// median sits to any value. Clusters are kept apart only when their
// medians differ by at least a documented factor (XferFactor,
// SpeedFactor); the label names the quantity and the cluster's median
// snapped to the Renard series of that factor ("xfer-25ns",
// "xfer-160ns", "speed-125ns"), so that a machine's states get the same
// labels in every run unless a cluster's median sits within a few
// percent of a grid midpoint. Because the grid step (10^(1/5) = 1.585
// for xfer, 10^(1/10) = 1.259 for speed) is below the factor, two
// clusters never snap to one label.
//
// The labels are given by readers (reports) to the lines of one file at
// a time; the harness writes only the raw probes, and KeyRegime itself
// only for a line whose probes moved in flight by the factor
// (RegimeSwitched) or a contended line with no transfer probe
// (RegimeUnprobed). Files of earlier versions carry band labels
// (RegimeOf) and keep them.
const (
	// XferFactor separates transfer states: the physical tiers of a
	// cache-line transfer (siblings ~5-15 ns, one LLC ~25-50 ns, separate
	// LLCs ~100-250 ns, sockets ~300+) are 2-6x apart, and one state's
	// own spread is about +-10% (a ratio of 1.2 at most).
	XferFactor = 1.6
	// SpeedFactor separates speed states: the memory side of a small VM
	// moved a 1-thread page between 91 and 195 ns; an 8 MB chase's
	// samples within one state span 140-170 ns (1.21x), and the medians
	// the probe records spread less.
	SpeedFactor = 1.26
	// XferMoved is how far one pair of transfer probes must move to
	// count as a change of state between them (a slice switched in
	// flight, the two sides of an ab block in different states). A
	// single probe is noisier than a cluster's median: of 3,660 probe
	// pairs (before and after one slice) in 20 ab runs and 11 default
	// runs on the 2-vCPU VM, those within one state spanned up to 2.4x
	// (one round at 40-48 ns among 25s), the flips 4.5x or more (25
	// against 160 ns), and none fell between 2.4 and 2.8. At XferFactor
	// the noise marked 68 pairs as switched that behaved like the rest
	// (their sides' log ratios spread no wider).
	XferMoved = 3.0
)

// Units of the state probes (the transfer is UnitXfer and UnitXferEnd).
const (
	UnitSpeed    = "speed-ns"     // one ALU step plus one step of a chase over 8 MB, on the workers' CPUs, before
	UnitSpeedEnd = "speed-end-ns" // the same after the repetition
	UnitMem      = "mem-ns"       // the chase's part of speed-ns
	UnitCache    = "cache-ns"     // a chase over 2 MB walked once, then timed: how much of the last-level cache is the workers'
	UnitCore     = "core-ns"      // a chase over 512 KB walked once, then timed: how much of the core's own caches is the workers' (a host's SMT sibling shares them)
)

// Moved reports whether a probe moved by at least factor between a and
// b (either way); false when either did not measure (<= 0).
func Moved(a, b, factor float64) bool {
	if !(a > 0 && b > 0) {
		return false
	}
	return max(a, b)/min(a, b) >= factor
}

// minState is the fewest probes a state holds: fewer are outliers (a
// probe thread descheduled once) and join the nearest cluster.
const minState = 3

// States clusters positive probe values: it splits the sorted values at
// the threshold that best separates them in log space (Otsu's rule) as
// long as the medians of the two sides differ by at least factor and
// each side holds minState values, and splits each side again the same
// way. It returns each value's state (0 the lowest; -1 for a value <= 0)
// and each state's median, ascending. One cluster returns one state.
func States(vals []float64, factor float64) (state []int, medians []float64) {
	type iv struct {
		v float64
		i int
	}
	var xs []iv
	for i, v := range vals {
		if v > 0 {
			xs = append(xs, iv{v, i})
		}
	}
	state = make([]int, len(vals))
	for i := range state {
		state[i] = -1
	}
	if len(xs) == 0 {
		return state, nil
	}
	slices.SortFunc(xs, func(a, b iv) int { return cmp.Compare(a.v, b.v) })
	logs := make([]float64, len(xs))
	for i, x := range xs {
		logs[i] = math.Log(x.v)
	}
	var cuts []int // indices into xs where a state starts
	var split func(lo, hi int)
	split = func(lo, hi int) {
		k, ok := otsu(logs[lo:hi])
		if !ok {
			return
		}
		k += lo
		if k-lo < minState || hi-k < minState {
			return
		}
		if sortedMedian(xs[k:hi], func(x iv) float64 { return x.v })/sortedMedian(xs[lo:k], func(x iv) float64 { return x.v }) < factor {
			return
		}
		split(lo, k)
		cuts = append(cuts, k)
		split(k, hi)
	}
	split(0, len(xs))
	bounds := append(append([]int{0}, cuts...), len(xs))
	for s := range len(bounds) - 1 {
		part := xs[bounds[s]:bounds[s+1]]
		medians = append(medians, sortedMedian(part, func(x iv) float64 { return x.v }))
		for _, x := range part {
			state[x.i] = s
		}
	}
	return state, medians
}

// otsu returns the index k (1 <= k < len) that splits sorted v into
// v[:k] and v[k:] with the largest between-class variance; ok is false
// when v has fewer than two distinct values.
func otsu(v []float64) (k int, ok bool) {
	n := len(v)
	if n < 2 || v[0] == v[n-1] {
		return 0, false
	}
	var total float64
	for _, x := range v {
		total += x
	}
	best := -1.0
	var sum float64
	for i := 1; i < n; i++ {
		sum += v[i-1]
		if v[i] == v[i-1] {
			continue // never split equal values
		}
		w0, w1 := float64(i), float64(n-i)
		m0, m1 := sum/w0, (total-sum)/w1
		if b := w0 * w1 * (m0 - m1) * (m0 - m1); b > best {
			best, k = b, i
		}
	}
	return k, best >= 0
}

func sortedMedian[T any](s []T, val func(T) float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return val(s[n/2])
	}
	return (val(s[n/2-1]) + val(s[n/2])) / 2
}

// The names of the probed quantities a state label starts with.
const (
	StateXfer  = "xfer"  // cache-line transfer (UnitXfer)
	StateSpeed = "speed" // fixed single-core work (UnitSpeed)
)

// StateLabel is the label of a state of quantity name (StateXfer, StateSpeed)
// whose median is median ns: the median snapped to the Renard series
// whose step is just below factor (R5 for XferFactor, R10 for
// SpeedFactor), "xfer-25ns". Values are rounded to the series' usual
// preferred numbers (1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8 per
// decade), so that every run of a machine says "xfer-160ns" for a
// cluster near 160.
func StateLabel(name string, median, factor float64) string {
	steps := 10.0 // R10
	if factor >= 1.585 {
		steps = 5 // R5
	}
	if !(median > 0) {
		return name
	}
	e := math.Round(math.Log10(median) * steps)
	v := math.Pow(10, e/steps)
	return name + "-" + preferred(v) + "ns"
}

// preferred rounds a value of the Renard series to its preferred number.
func preferred(v float64) string {
	decade := math.Pow(10, math.Floor(math.Log10(v)+1e-9))
	m := v / decade
	r10 := []float64{1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8, 10}
	best := r10[0]
	for _, x := range r10 {
		if math.Abs(math.Log(x/m)) < math.Abs(math.Log(best/m)) {
			best = x
		}
	}
	p := best * decade
	if p >= 10 {
		return strconv.FormatFloat(math.Round(p), 'f', -1, 64)
	}
	return fmt.Sprintf("%.3g", p)
}

// IsStateLabel reports whether l is a state label of StateLabel's form
// (parts joined by "+"), not a band label or switched.
func IsStateLabel(l string) bool {
	_, ok := parseState(l)
	return ok
}

// compareStates compares two state labels part by part (name, then
// value); ok is false unless both are state labels.
func compareStates(a, b string) (c int, ok bool) {
	pa, oka := parseState(a)
	pb, okb := parseState(b)
	if !oka || !okb {
		return 0, false
	}
	for i := range min(len(pa), len(pb)) {
		if c := cmp.Or(cmp.Compare(pa[i].name, pb[i].name), cmp.Compare(pa[i].ns, pb[i].ns)); c != 0 {
			return c, true
		}
	}
	return cmp.Compare(len(pa), len(pb)), true
}

type statePart struct {
	name string
	ns   float64
}

func parseState(l string) ([]statePart, bool) {
	var out []statePart
	for _, p := range strings.Split(l, "+") {
		name, v, ok := strings.Cut(p, "-")
		if !ok || !strings.HasSuffix(v, "ns") {
			return nil, false
		}
		ns, err := strconv.ParseFloat(strings.TrimSuffix(v, "ns"), 64)
		if err != nil {
			return nil, false
		}
		out = append(out, statePart{name, ns})
	}
	return out, len(out) > 0
}
