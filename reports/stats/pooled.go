package stats

import (
	"math"

	moremath "github.com/aclements/go-moremath/stats"
)

// Pooled is what separate runs say together of one quantity: a
// random-effects mean of the runs' estimates with its interval, and how
// much the runs differ beyond their own intervals.
//
// Separate runs minutes apart are the units of replication that one run
// cannot see from inside: its blocks share the host's minute. On the
// 2-vCPU VM the mutex lock part of 48 runs (6 to 60 blocks each, over
// an hour) ranged 16.8-29.7 ns/page, and 8 of the 48 runs' Walsh
// intervals excluded the median of all their blocks, where 95%
// intervals of one unmoving machine would exclude it in about 2. The
// interval of one run is an interval for that run's minute; Pooled is
// the figure for the machine over the runs' span.
type Pooled struct {
	// Runs is how many runs were pooled: those with an estimate and an
	// interval of positive width.
	Runs int
	// Centre is the random-effects mean: each run weighted by the
	// inverse of its own variance plus Between², so that one tight run
	// does not outvote the others when the runs differ.
	Centre float64
	// Lo and Hi are the interval for Centre at the confidence asked
	// for: the Hartung-Knapp interval (its variance from the weighted
	// spread of the runs about Centre, never below the runs' own, and a
	// t quantile on Runs−1 degrees of freedom), which belongs to the
	// random-effects mean and keeps its coverage with few runs, where
	// the normal interval of DerSimonian and Laird does not. NaN below
	// two runs.
	Lo, Hi float64
	// Between is τ, the standard deviation between the runs' true values
	// beyond what their intervals carry (DerSimonian-Laird): 0 when the
	// runs differ by no more than chance, NaN below two runs.
	Between float64
}

// PoolRuns pools separate runs' estimates v with their intervals [lo,
// hi] at the confidence the intervals were given at (each run's
// standard error is taken as its interval's width over twice the normal
// quantile), returning the random-effects mean and its interval at that
// confidence. Runs without an estimate or an interval, or with an
// interval of zero width, are left out.
func PoolRuns(v, lo, hi []float64, confidence float64) Pooled {
	z := normalQuantile(1 - (1-confidence)/2)
	var ys, vs []float64 // estimates and their variances
	for i := range v {
		if i >= len(lo) || i >= len(hi) {
			break
		}
		se := (hi[i] - lo[i]) / (2 * z)
		if !Finite(v[i]) || !Finite(se) || !(se > 0) {
			continue
		}
		ys, vs = append(ys, v[i]), append(vs, se*se)
	}
	k := len(ys)
	p := Pooled{Runs: k, Centre: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Between: math.NaN()}
	switch k {
	case 0:
		return p
	case 1:
		p.Centre = ys[0]
		return p
	}
	// DerSimonian-Laird: the fixed-effect Q beyond its k−1 expected
	// under no difference, scaled to a variance.
	var sw, sw2, swy float64
	for i, y := range ys {
		w := 1 / vs[i]
		sw, sw2, swy = sw+w, sw2+w*w, swy+w*y
	}
	fixed := swy / sw
	var q float64
	for i, y := range ys {
		q += (y - fixed) * (y - fixed) / vs[i]
	}
	tau2 := max(0, (q-float64(k-1))/(sw-sw2/sw))
	p.Between = math.Sqrt(tau2)
	var rw, rwy float64
	for i, y := range ys {
		w := 1 / (vs[i] + tau2)
		rw, rwy = rw+w, rwy+w*y
	}
	p.Centre = rwy / rw
	// Hartung-Knapp, with its variance held at least at the
	// random-effects one: the plain form narrows when the runs happen to
	// agree more closely than their intervals say (Jackson et al. 2017
	// recommend the floor with few runs).
	var spread float64
	for i, y := range ys {
		spread += (y - p.Centre) * (y - p.Centre) / (vs[i] + tau2)
	}
	scale := max(1, spread/float64(k-1))
	half := tQuantile(1-(1-confidence)/2, float64(k-1)) * math.Sqrt(scale/rw)
	p.Lo, p.Hi = p.Centre-half, p.Centre+half
	return p
}

// tQuantile is the p quantile of Student's t with df degrees of freedom.
func tQuantile(p, df float64) float64 {
	return moremath.InvCDF(moremath.TDist{V: df})(p)
}

// Finite reports whether f is a number: neither NaN nor infinite.
func Finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
