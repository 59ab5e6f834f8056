// Package stats is the statistics of lockbench's reports and the
// formatting of the numbers they give: a sample's median with its
// confidence interval (Estimate), the Mann-Whitney U test (Compare) and
// the smallest p-value it can reach (MinP), a percentile bootstrap
// interval for a ratio of medians (RatioCI), a sample's spread with a
// test for two clusters (Spread), a straight-line fit (LeastSquares),
// and one number formatter (Format) and
// one percentage formatter (Pct) for every table and sentence.
//
// It is the bottom of reports' stack, as benchmath is of benchstat's: it
// knows nothing of benchmarks, names or units, and imports of lockbench
// only schema.Median, the median the harness takes of its probes too, so
// that there is one (Median is it). Package cases groups
// results into samples; package reports judges and renders them with
// this package. Where golang.org/x/perf/benchmath does the job (the
// median's distribution-free interval, the U test, the "± 4%" and
// "p=0.002 n=6" texts) this package calls it and adds what it lacks.
//
// No function here modifies its arguments: benchmath.NewSample sorts
// the slice it is given in place, so every call copies first.
package stats

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/lockbench/lockbench/schema"
	"golang.org/x/perf/benchmath"
)

// A Float is a float64 that marshals to JSON null when it is not finite
// (a confidence interval of too few samples is infinite; an undefined
// ratio is NaN).
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

var _ json.Marshaler = Float(0)

// An Estimate is a sample's median with its confidence interval: the one
// "median ± CI" of reports (summary rows, gate checks, report tables).
type Estimate struct {
	Median Float `json:"median"`
	Lo     Float `json:"lo"`
	Hi     Float `json:"hi"`
	N      int   `json:"n"`
}

// MedianCI returns the median of vals with its distribution-free
// confidence interval at the given level (benchmath.AssumeNothing, as
// benchstat computes it). Fewer than 6 samples at 95% give an infinite
// interval. No values give NaN for all three.
func MedianCI(vals []float64, confidence float64) Estimate {
	if len(vals) == 0 {
		nan := Float(math.NaN())
		return Estimate{Median: nan, Lo: nan, Hi: nan}
	}
	s := benchmath.AssumeNothing.Summary(sample(vals, DefaultAlpha), confidence)
	return Estimate{Median: Float(s.Center), Lo: Float(s.Lo), Hi: Float(s.Hi), N: len(vals)}
}

// PctRange is the interval as benchstat prints it after "±": the larger
// distance from the median to an end of the interval in percent, "∞"
// for an unbounded interval, "?" when the interval crosses zero
// (benchmath.Summary.PctRangeString).
func (e Estimate) PctRange() string {
	return benchmath.Summary{Center: float64(e.Median), Lo: float64(e.Lo), Hi: float64(e.Hi)}.PctRangeString()
}

// PlusMinus formats e as benchstat does, "120.8 ± 4%", the median with
// digits significant digits.
func (e Estimate) PlusMinus(digits int) string {
	return Format(float64(e.Median), digits) + " ± " + e.PctRange()
}

// Interval formats e with its bounds, "41.2 [40.8, 42.0]", or
// "3.81 (n=3, no CI)" when the interval is unbounded.
func (e Estimate) Interval(digits int) string {
	if math.IsInf(float64(e.Lo), 0) || math.IsInf(float64(e.Hi), 0) {
		return fmt.Sprintf("%s (n=%d, no CI)", Format(float64(e.Median), digits), e.N)
	}
	return fmt.Sprintf("%s [%s, %s]", Format(float64(e.Median), digits), Format(float64(e.Lo), digits), Format(float64(e.Hi), digits))
}

// DefaultAlpha is the significance level reports use unless told
// otherwise, benchstat's.
const DefaultAlpha = 0.05

// DefaultConfidence is the level of reports' confidence intervals.
const DefaultConfidence = 0.95

// sample copies vals into a benchmath.Sample (which sorts its values).
func sample(vals []float64, alpha float64) *benchmath.Sample {
	return benchmath.NewSample(slices.Clone(vals), &benchmath.Thresholds{CompareAlpha: alpha})
}

// Median returns the median of vals, NaN when there are none. It does
// not reorder vals.
func Median(vals []float64) float64 { return schema.Median(vals) }

func sortInPlace(v []float64) []float64 {
	slices.Sort(v)
	return v
}

// medianSorted is the median of sorted, non-empty v (schema.MedianSorted).
func medianSorted(v []float64) float64 { return schema.MedianSorted(v) }

// Compare tests whether a and b come from one distribution by the
// two-sided Mann-Whitney U test (benchmath.AssumeNothing), at alpha.
// The result's String is benchstat's "p=0.002 n=6" and its FormatDelta
// benchstat's change cell.
func Compare(a, b []float64, alpha float64) benchmath.Comparison {
	return benchmath.AssumeNothing.Compare(sample(a, alpha), sample(b, alpha))
}

// Lower reports whether x is lower than base by more than noise: its
// median below base's and the U test significant at alpha. It is how
// reports decides that the one-big-page ideal is faster than per-page
// locking at all: otherwise page - large is noise, and an efficiency
// divided by it means nothing (at batch=1 a large unit is a page, and
// the ratio came out at 2017% on a real run).
func Lower(base, x []float64, alpha float64) bool {
	if len(base) == 0 || len(x) == 0 || Median(base) <= Median(x) {
		return false
	}
	return Compare(base, x, alpha).P <= alpha
}

// MinP returns the smallest two-sided p-value the Mann-Whitney U test
// can give for samples of sizes n1 and n2: the p of two samples that do
// not overlap at all. When MinP(n1, n2) > alpha no change can be found
// significant, however large: 3 against 3 gives 0.1, so 4 samples a side
// are the least for alpha 0.05. It is 1 when a sample is empty.
func MinP(n1, n2 int) float64 {
	if n1 <= 0 || n2 <= 0 {
		return 1
	}
	a := make([]float64, n1)
	b := make([]float64, n2)
	for i := range a {
		a[i] = float64(i)
	}
	for i := range b {
		b[i] = float64(n1 + i)
	}
	return Compare(a, b, DefaultAlpha).P
}

// MinRepetitions returns the least n for which MinP(n, n) <= alpha: how
// many repetitions a side the U test needs to find any change
// significant at alpha (4 at 0.05).
func MinRepetitions(alpha float64) int {
	n := 1
	for MinP(n, n) > alpha {
		n++
	}
	return n
}

// BootstrapRounds is how many resamples RatioCI draws. 2000 puts the
// 2.5% and 97.5% percentiles 50 resamples from the ends: enough for the
// whole-percent intervals reports print, and under a millisecond for
// samples of 10.
const BootstrapRounds = 2000

// RatioCI returns a confidence interval at the given level for
// median(b)/median(a) by the percentile bootstrap: both samples are
// resampled with replacement BootstrapRounds times from a fixed seed,
// drawing from the values sorted, so the same samples always give the
// same interval, in whatever order the repetitions ran. It is NaN, NaN
// when a or b is empty or every resampled median of a is zero.
//
// benchmath has no interval for a change: benchstat gives each median
// its own interval and a p-value for the difference, and two
// overlapping intervals say little about the ratio. This one is an
// interval for the quantity the headline states.
func RatioCI(a, b []float64, confidence float64) (lo, hi float64) {
	l, h := MedianBootstrap([][]float64{a, b}, 1, confidence, func(med []float64) []float64 {
		if med[0] == 0 {
			return []float64{math.NaN()} // left out of the distribution
		}
		return []float64{med[1] / med[0]}
	})
	return l[0], h[0]
}

// RegimeRatio is how far apart two medians of the machine-regime probe
// (xfer-ns) must be to call them different regimes: more than 2x. On the
// small VMs lockbench runs on the probe switches several-fold (30 ns
// against 160 ns) within seconds, while within one regime it varies by
// a few percent.
const RegimeRatio = 2.0

// A Spread describes a sample by its median and range. Bimodal is set
// when the sample falls into two clusters: sorted, it has a gap of at
// least 1.5x between neighbours with a fifth of the sample (at least 2
// values) on each side, and its range exceeds RegimeRatio. For the
// regime probe that means the machine changed regime during the runs.
type Spread struct {
	Median  Float `json:"median"`
	Min     Float `json:"min"`
	Max     Float `json:"max"`
	Bimodal bool  `json:"bimodal,omitempty"`
}

// NewSpread returns the spread of vals, which must not be empty.
func NewSpread(vals []float64) Spread {
	v := sortInPlace(slices.Clone(vals))
	sp := Spread{Median: Float(medianSorted(v)), Min: Float(v[0]), Max: Float(v[len(v)-1])}
	minSide := max(2, len(v)/5)
	for i := minSide; i <= len(v)-minSide; i++ {
		if v[i-1] > 0 && v[i]/v[i-1] >= 1.5 && v[len(v)-1]/v[0] >= RegimeRatio {
			sp.Bimodal = true
			break
		}
	}
	return sp
}

// MedianBootstrap is the percentile bootstrap of any function of several
// samples' medians: every sample is resampled with replacement
// BootstrapRounds times from a fixed seed, drawing from the values
// sorted (the same input always gives the same interval, in whatever
// order the repetitions ran), f maps the resampled medians (one per
// sample, in order) to k figures, and lo and hi are each figure's
// confidence interval. A figure that is NaN in a round is left out of that
// figure's distribution. An empty sample gives NaN intervals.
func MedianBootstrap(samples [][]float64, k int, confidence float64, f func(medians []float64) []float64) (lo, hi []float64) {
	lo, hi = make([]float64, k), make([]float64, k)
	for i := range k {
		lo[i], hi[i] = math.NaN(), math.NaN()
	}
	sorted := make([][]float64, len(samples))
	re := make([][]float64, len(samples))
	for i, s := range samples {
		if len(s) == 0 {
			return lo, hi
		}
		sorted[i] = sortInPlace(slices.Clone(s))
		re[i] = make([]float64, len(s))
	}
	rng := rand.New(rand.NewPCG(0x10c4be4c, 0x5eed))
	dist := make([][]float64, k)
	meds := make([]float64, len(samples))
	for range BootstrapRounds {
		for i, s := range sorted {
			for j := range re[i] {
				re[i][j] = s[rng.IntN(len(s))]
			}
			meds[i] = medianSorted(sortInPlace(re[i]))
		}
		for i, v := range f(meds) {
			if i < k && !math.IsNaN(v) {
				dist[i] = append(dist[i], v)
			}
		}
	}
	PercentileIntervals(dist, confidence, lo, hi)
	return lo, hi
}

// PercentileIntervals sets lo[i] and hi[i] to the confidence interval of
// the bootstrap distribution dist[i] by the percentile rule (the values
// at (1-confidence)/2 and its complement, rounded to the nearest rank).
// An empty distribution leaves its bounds as they are. It sorts copies:
// no function of this package modifies its arguments' order.
func PercentileIntervals(dist [][]float64, confidence float64, lo, hi []float64) {
	tail := (1 - confidence) / 2
	for i, d := range dist {
		if len(d) == 0 {
			continue
		}
		d = slices.Sorted(slices.Values(d))
		at := func(q float64) float64 { return d[int(math.Round(q*float64(len(d)-1)))] }
		lo[i], hi[i] = at(tail), at(1-tail)
	}
}
