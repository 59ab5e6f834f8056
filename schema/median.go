package schema

import (
	"math"
	"slices"
)

// Median is the median of vals, the mean of the two middle values when
// there are an even number of them; NaN when there are none. It does not
// reorder vals.
//
// It is the one median of lockbench: the writer's (harness's xfer-ns
// probe, which RegimeOf labels, and its calibration) and the readers'
// (reports/stats, whose medians judge the same xfer-ns) are one
// statistic, so that a probe and the regime of its lines agree.
func Median(vals []float64) float64 {
	if len(vals) == 0 {
		return math.NaN()
	}
	v := slices.Clone(vals)
	slices.Sort(v)
	return MedianSorted(v)
}

// MedianSorted is Median of v, already sorted ascending and not empty.
func MedianSorted(v []float64) float64 {
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
