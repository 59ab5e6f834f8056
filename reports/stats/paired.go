package stats

import (
	"math"
	"slices"
)

// A Paired is the change of x against base measured in pairs: blocks of
// a paired run, in which both ran back to back on the same machine.
// Ratio is exp of the median of the per-pair log ratios ln(x/base); Lo
// and Hi bound it by the Wilcoxon signed-rank confidence interval (the
// order statistics of the Walsh averages of the log ratios, exact for
// up to 60 pairs); P is the exact two-sided Wilcoxon signed-rank test
// of "no change". With fewer than MinPairs pairs no interval at 95%
// exists: Lo and Hi are then NaN, never infinite, and P cannot reach
// 0.05.
//
// Why pairs: on a machine that changes speed within seconds, two
// samples of independent repetitions differ by the machine's moves as
// much as by what is compared; within one block both sides see the same
// machine, and the per-block ratio cancels what they share (duet
// benchmarking, Bulej et al., ICPE 2020; randomized multiple interleaved
// trials, Abedi and Brecht, ICPE 2017).
type Paired struct {
	Ratio, Lo, Hi, P float64
	N                int
}

// MinPairs is the fewest pairs for which the signed-rank test can reach
// p <= 0.05 (two-sided, 2/2^6 = 0.031) and a 95% interval exists.
const MinPairs = 6

// PairedRatio compares x with base pair by pair (base[i] with x[i]);
// pairs with a value <= 0 are left out. It does not modify its
// arguments.
func PairedRatio(base, x []float64, confidence float64) Paired {
	var d []float64
	for i := range min(len(base), len(x)) {
		if base[i] > 0 && x[i] > 0 {
			d = append(d, math.Log(x[i]/base[i]))
		}
	}
	nan := math.NaN()
	out := Paired{Ratio: nan, Lo: nan, Hi: nan, P: 1, N: len(d)}
	if len(d) == 0 {
		return out
	}
	out.Ratio = math.Exp(Median(d))
	out.P = signedRankP(d)
	if lo, hi, ok := walshCI(d, confidence); ok {
		out.Lo, out.Hi = math.Exp(lo), math.Exp(hi)
	}
	return out
}

// HalfWidth is the interval's larger distance from the ratio, in
// percentage points of the change as the headline prints it: -75%
// (-82% .. -48%) is 0.27. It is +Inf without an interval.
func (p Paired) HalfWidth() float64 {
	if math.IsNaN(p.Lo) || math.IsNaN(p.Hi) || !(p.Ratio > 0) {
		return math.Inf(1)
	}
	return max(p.Hi-p.Ratio, p.Ratio-p.Lo)
}

// signedRankNull returns the null distribution of the signed-rank
// statistic T+ for n pairs: P(T+ = t), t = 0..n(n+1)/2.
func signedRankNull(n int) []float64 {
	m := n * (n + 1) / 2
	c := make([]float64, m+1)
	c[0] = 1
	for i := 1; i <= n; i++ {
		for t := m; t >= i; t-- {
			c[t] += c[t-i]
		}
	}
	total := math.Pow(2, float64(n))
	for t := range c {
		c[t] /= total
	}
	return c
}

// signedRankP is the exact two-sided p-value of the Wilcoxon signed-rank
// test that d is centred on 0. Zeros are dropped; tied magnitudes get
// their mean rank, and T+ is rounded to the nearest whole rank sum (the
// null distribution is then approximate, as in most implementations).
func signedRankP(d []float64) float64 {
	var nz []float64
	for _, v := range d {
		if v != 0 {
			nz = append(nz, v)
		}
	}
	n := len(nz)
	if n == 0 {
		return 1
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch x, y := math.Abs(nz[a]), math.Abs(nz[b]); {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	ranks := make([]float64, n)
	for i := 0; i < n; {
		j := i
		for j+1 < n && math.Abs(nz[idx[j+1]]) == math.Abs(nz[idx[i]]) {
			j++
		}
		r := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			ranks[idx[k]] = r
		}
		i = j + 1
	}
	tp := 0.0
	for i, v := range nz {
		if v > 0 {
			tp += ranks[i]
		}
	}
	t := int(math.Round(tp))
	null := signedRankNull(n)
	lower, upper := 0.0, 0.0
	for k, p := range null {
		if k <= t {
			lower += p
		}
		if k >= t {
			upper += p
		}
	}
	return min(1, 2*min(lower, upper))
}

// walshCI is the signed-rank confidence interval for the centre of d:
// the k-th smallest and largest of the n(n+1)/2 Walsh averages, with k
// the largest count whose tail stays within (1-confidence)/2. ok is
// false when even the extreme averages do not reach the confidence.
func walshCI(d []float64, confidence float64) (lo, hi float64, ok bool) {
	n := len(d)
	if n > 60 {
		n = 60 // the exact null's 2^n stays exact in a float64
	}
	null := signedRankNull(n)
	tail := (1 - confidence) / 2
	k, cum := 0, 0.0 // P(T+ <= k-1) <= tail
	for t := 0; t < len(null); t++ {
		if cum+null[t] > tail {
			break
		}
		cum += null[t]
		k = t + 1
	}
	if k == 0 {
		return 0, 0, false
	}
	var w []float64
	for i := range d {
		for j := i; j < len(d); j++ {
			w = append(w, (d[i]+d[j])/2)
		}
	}
	slices.Sort(w)
	return w[k-1], w[len(w)-k], true
}
