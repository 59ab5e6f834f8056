package stats

import (
	"math"
	"slices"
)

// A Paired is the change of x against base measured in pairs: blocks of
// a paired run, in which both ran back to back on the same machine.
// Estimate, interval and test are one statistic, the Wilcoxon signed
// rank of the per-pair log ratios d = ln(x/base):
//
//   - Ratio is exp of the Hodges-Lehmann estimate of their centre, the
//     median of the n(n+1)/2 Walsh averages (d[i]+d[j])/2, i <= j;
//   - Lo and Hi bound it by the signed-rank confidence interval, the
//     order statistics of the same Walsh averages (walshCI: exact null
//     distribution up to ExactPairs pairs without ties, the normal
//     approximation with tie correction beyond);
//   - P is the two-sided signed-rank test of "centre 0" (signedRankP:
//     exact in the same range, normal with tie and continuity
//     corrections beyond; zero differences are dropped, Wilcoxon's
//     convention).
//
// The Walsh interval and the signed-rank p belong to the pseudo-median
// that Hodges-Lehmann estimates, so the headline, its interval and its p
// agree: the interval excludes 1 exactly when p <= 1-confidence (up to
// the discreteness of the exact distribution). They assume the
// differences are symmetric about their centre, which a paired
// comparison of two exchangeable sides gives under "no change".
//
// With fewer than MinPairs pairs no interval at 95% exists: Lo and Hi
// are then NaN, never infinite, and P cannot reach 0.05.
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

// ExactPairs is the most pairs for which the signed-rank test and its
// interval use the exact null distribution (when no magnitudes are tied
// and, for the test, none is zero); beyond it the normal approximation
// is within one rank of the exact critical value (TestWalshCIAgreesWithExact)
// and costs no 2^n. R's wilcox.test draws the line at 50 too.
const ExactPairs = 50

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
	c := PairedCentre(d, confidence)
	return Paired{Ratio: math.Exp(c.Ratio), Lo: math.Exp(c.Lo), Hi: math.Exp(c.Hi), P: c.P, N: c.N}
}

// PairedCentre is PairedRatio on the differences themselves: Ratio holds
// the Hodges-Lehmann estimate of d's centre (not exponentiated), Lo and
// Hi its signed-rank interval (NaN with too few differences), P the
// signed-rank test of centre 0. No differences give NaN and P 1. It
// does not modify d.
func PairedCentre(d []float64, confidence float64) Paired {
	nan := math.NaN()
	out := Paired{Ratio: nan, Lo: nan, Hi: nan, P: 1, N: len(d)}
	if len(d) == 0 {
		return out
	}
	w := walsh(d)
	out.Ratio = medianSorted(w)
	out.P = signedRankP(d)
	if lo, hi, ok := walshCI(d, w, confidence); ok {
		out.Lo, out.Hi = lo, hi
	}
	return out
}

// HodgesLehmann is PairedCentre's estimate alone, the median of d's
// Walsh averages, without its interval and test: for a bootstrap that
// redraws the estimate thousands of times. NaN for no d. It does not
// modify d.
func HodgesLehmann(d []float64) float64 {
	if len(d) == 0 {
		return math.NaN()
	}
	return medianSorted(walsh(d))
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

// walsh returns the n(n+1)/2 Walsh averages of d, sorted.
func walsh(d []float64) []float64 {
	w := make([]float64, 0, len(d)*(len(d)+1)/2)
	for i := range d {
		for j := i; j < len(d); j++ {
			w = append(w, (d[i]+d[j])/2)
		}
	}
	slices.Sort(w)
	return w
}

// signedRankNull returns the exact null distribution of the signed-rank
// statistic T+ for n pairs without ties: P(T+ = t), t = 0..n(n+1)/2. The
// counts are exact in a float64 up to n = 53; past that they are exact
// to rounding, which is how the tests use it as a reference.
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

// ranks returns the mid-ranks of |v| (1-based; tied magnitudes share
// their mean rank) and the tie term Σ(t³-t) over the groups of tied
// magnitudes, which the variance of T+ loses to ties.
func ranks(v []float64) (r []float64, ties float64) {
	n := len(v)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch x, y := math.Abs(v[a]), math.Abs(v[b]); {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	r = make([]float64, n)
	for i := 0; i < n; {
		j := i
		for j+1 < n && math.Abs(v[idx[j+1]]) == math.Abs(v[idx[i]]) {
			j++
		}
		mid := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = mid
		}
		if t := float64(j - i + 1); t > 1 {
			ties += t*t*t - t
		}
		i = j + 1
	}
	return r, ties
}

// signedRankSD is the standard deviation of T+ under the null for n
// ranks with tie term ties (ranks): sqrt(n(n+1)(2n+1)/24 - ties/48).
func signedRankSD(n int, ties float64) float64 {
	fn := float64(n)
	return math.Sqrt(fn*(fn+1)*(2*fn+1)/24 - ties/48)
}

// signedRankP is the two-sided p-value of the Wilcoxon signed-rank test
// that d is centred on 0 (signedRankTails).
func signedRankP(d []float64) float64 {
	lower, upper := signedRankTails(d)
	return min(1, 2*min(lower, upper))
}

// SignedRankGreater is the one-sided p-value of the Wilcoxon signed-rank
// test of "d's centre is at most theta" against "greater": small when
// d lies mostly above theta. It is the test behind the lower end of
// PairedCentre's interval: at level alpha it rejects when the lower end
// of the 1-2·alpha interval lies above theta (up to the normal
// approximation's rounding). 1 when no difference differs from theta.
func SignedRankGreater(d []float64, theta float64) float64 {
	s := make([]float64, len(d))
	for i, v := range d {
		s[i] = v - theta
	}
	_, upper := signedRankTails(s)
	return min(1, upper)
}

// signedRankTails returns P(T+ <= t) and P(T+ >= t) for the observed
// signed-rank statistic t of d under "centred on 0". Zeros are dropped
// (Wilcoxon's convention). With at most ExactPairs differences left and
// no tied magnitudes the tails are exact; otherwise they are the normal
// approximation with the tie correction of the variance and a
// continuity correction of 1/2. No differences left give 1, 1.
func signedRankTails(d []float64) (lower, upper float64) {
	var nz []float64
	for _, v := range d {
		if v != 0 {
			nz = append(nz, v)
		}
	}
	n := len(nz)
	if n == 0 {
		return 1, 1
	}
	r, ties := ranks(nz)
	tp := 0.0
	for i, v := range nz {
		if v > 0 {
			tp += r[i]
		}
	}
	if n <= ExactPairs && ties == 0 {
		t := int(math.Round(tp)) // whole without ties
		for k, p := range signedRankNull(n) {
			if k <= t {
				lower += p
			}
			if k >= t {
				upper += p
			}
		}
		return min(1, lower), min(1, upper)
	}
	mu := float64(n*(n+1)) / 4
	sd := signedRankSD(n, ties)
	if sd == 0 {
		return 1, 1
	}
	phi := func(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
	return phi((tp + 0.5 - mu) / sd), 1 - phi((tp-0.5-mu)/sd)
}

// walshK returns k, the rank of the Walsh average that bounds the
// signed-rank interval of n differences at the confidence level (the
// k-th smallest and the k-th largest), 0 when no such interval exists.
// k-1 is the largest t with P(T+ <= t) <= (1-confidence)/2: exact for
// n <= ExactPairs without ties, else from the normal approximation with
// the tie correction and a continuity correction of 1/2 (Hollander and
// Wolfe, Nonparametric Statistical Methods, 3rd ed., eq. 3.27).
func walshK(n int, ties, confidence float64) int {
	if n == 0 {
		return 0
	}
	tail := (1 - confidence) / 2
	if n <= ExactPairs && ties == 0 {
		k, cum := 0, 0.0
		for _, p := range signedRankNull(n) {
			if cum+p > tail {
				break
			}
			cum += p
			k++
		}
		return k
	}
	mu := float64(n*(n+1)) / 4
	z := -normalQuantile(tail) // positive
	t := math.Floor(mu - 0.5 - z*signedRankSD(n, ties))
	if t < 0 {
		return 0
	}
	return int(t) + 1
}

// walshCI is the signed-rank confidence interval for the centre of d:
// the k-th smallest and largest of the sorted Walsh averages w of d
// (walshK). ok is false when even the extreme averages do not reach the
// confidence. Zeros stay in: the interval is for the centre of all the
// differences, zeros included.
func walshCI(d, w []float64, confidence float64) (lo, hi float64, ok bool) {
	_, ties := ranks(d)
	k := walshK(len(d), ties, confidence)
	if k == 0 || k > len(w) {
		return 0, 0, false
	}
	return w[k-1], w[len(w)-k], true
}

// normalQuantile is the standard normal quantile function, to double
// precision: Φ⁻¹(p) = -√2·erfcinv(2p).
func normalQuantile(p float64) float64 {
	return -math.Sqrt2 * math.Erfcinv(2*p)
}

// Holm returns the Holm-Bonferroni adjusted p-values of a family of
// tests (Holm, "A simple sequentially rejective multiple test
// procedure", Scand. J. Statist. 6, 1979), in the order given: a test is
// rejected at family-wise level alpha exactly when its adjusted p is <=
// alpha. NaN p-values (tests not run) stay NaN and do not count in the
// family. It does not modify p.
func Holm(p []float64) []float64 {
	idx := make([]int, 0, len(p))
	for i, v := range p {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	out := make([]float64, len(p))
	for i := range out {
		out[i] = math.NaN()
	}
	m, run := len(idx), 0.0
	for rank, i := range idx {
		run = max(run, min(1, float64(m-rank)*p[i]))
		out[i] = run
	}
	return out
}
