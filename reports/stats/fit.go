package stats

import "errors"

// Errors of LeastSquares.
var (
	ErrFewPoints = errors.New("fewer than 2 points")
	ErrSameX     = errors.New("every point has the same x")
)

// LeastSquares fits y ≈ a + b·x by ordinary least squares and returns
// the fit's R², the share of y's variance it explains (1 when y does not
// vary). It needs two points with distinct x at least (ErrFewPoints,
// ErrSameX). It is the one straight-line fit of the project: footprint's
// misses against time, and ab's log ratios against the machine's state.
func LeastSquares(xs, ys []float64) (a, b, r2 float64, err error) {
	if len(xs) < 2 || len(ys) != len(xs) {
		return 0, 0, 0, ErrFewPoints
	}
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i], my+ys[i]
	}
	mx, my = mx/n, my/n
	var sxx, sxy, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxx, sxy, syy = sxx+dx*dx, sxy+dx*dy, syy+dy*dy
	}
	if sxx == 0 {
		return 0, 0, 0, ErrSameX
	}
	b = sxy / sxx
	a = my - b*mx
	r2 = 1.0
	if syy > 0 {
		r2 = sxy * sxy / (sxx * syy)
	}
	return a, b, r2, nil
}
