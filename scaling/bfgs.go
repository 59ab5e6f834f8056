package scaling

import "math"

// The stopping rules of bfgs, chosen for sums of squares of order one or
// smaller: stop when the gradient's largest component is below
// gradTol, when the value has not fallen by more than
// stallAbs + stallRel·|f| in stallIters iterations, or after maxIters.
const (
	gradTol    = 1e-14
	stallAbs   = 1e-16
	stallRel   = 1e-14
	stallIters = 50
	maxIters   = 5000
)

// bfgs minimises a smooth function of a few variables from x0 by the
// BFGS quasi-Newton method with a weak-Wolfe bisection line search
// (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithm 6.1 and
// eq. 6.20 for the first inverse Hessian; Lewis & Overton, "Nonsmooth
// optimization via quasi-Newton methods", 2013, for the line search).
// fg returns the value at x and stores the gradient in g.
//
// It returns the best point reached. A line search that can make no
// progress (at the optimum, within rounding) ends the search there: the
// point is still the best found, as with any other stopping rule.
// It is deterministic, and written here for the two-variable problems of
// Fit rather than taken from a numerical library, whose compile would cost
// every build of lockbench more than the rest of this package.
func bfgs(fg func(x, g []float64) float64, x0 []float64) []float64 {
	n := len(x0)
	x := append([]float64(nil), x0...)
	g := make([]float64, n)
	f := fg(x, g)
	if !finiteAll(f, g) {
		return x
	}
	h := identity(n) // inverse Hessian estimate, row-major n×n
	d, xn, gn := make([]float64, n), make([]float64, n), make([]float64, n)
	s, y := make([]float64, n), make([]float64, n)
	best, stall := f, 0
	for iter := 0; iter < maxIters; iter++ {
		if normInf(g) < gradTol {
			break
		}
		// d = −H g; a direction that does not descend restarts from the
		// gradient.
		for i := range d {
			d[i] = 0
			for j := range g {
				d[i] -= h[i*n+j] * g[j]
			}
		}
		slope := dot(g, d)
		if !(slope < 0) {
			h = identity(n)
			for i := range d {
				d[i] = -g[i]
			}
			slope = dot(g, d)
		}
		step := 1.0
		if iter == 0 {
			step = 1 / math.Max(normInf(g), 1e-300) // the first step moves x by about one
		}
		fn, ok := wolfe(fg, x, d, f, slope, step, xn, gn)
		if !ok {
			break
		}
		for i := range x {
			s[i], y[i] = xn[i]-x[i], gn[i]-g[i]
		}
		copy(x, xn)
		copy(g, gn)
		f = fn
		if sy := dot(s, y); sy > 0 {
			if iter == 0 {
				// Scale the identity to the curvature seen (eq. 6.20).
				scale := sy / dot(y, y)
				for i := range h {
					h[i] *= scale
				}
			}
			update(h, s, y, sy)
		}
		if f < best-(stallAbs+stallRel*math.Abs(best)) {
			best, stall = f, 0
		} else if stall++; stall >= stallIters {
			break
		}
	}
	return x
}

// wolfe searches along d from x (value f, directional derivative slope <
// 0) for a step satisfying the weak Wolfe conditions, by doubling and
// bisection, starting at step. It stores the point reached and its
// gradient in xn and gn and returns its value; ok is false when no step
// decreases f enough (within rounding of a minimum).
func wolfe(fg func(x, g []float64) float64, x, d []float64, f, slope, step float64, xn, gn []float64) (float64, bool) {
	const c1, c2 = 1e-4, 0.9
	lo, hi := 0.0, math.Inf(1)
	var fBest float64
	found := false // an xn that satisfies the sufficient decrease
	xb, gb := make([]float64, len(x)), make([]float64, len(x))
	for range 100 {
		for i := range x {
			xn[i] = x[i] + step*d[i]
		}
		fn := fg(xn, gn)
		switch {
		case !finiteAll(fn, gn) || fn > f+c1*step*slope:
			hi = step
		case dot(gn, d) < c2*slope:
			lo = step
			fBest, found = fn, true
			copy(xb, xn)
			copy(gb, gn)
		default:
			return fn, true
		}
		if math.IsInf(hi, 1) {
			step = 2 * lo
		} else {
			step = (lo + hi) / 2
		}
		if hi-lo < 1e-16*math.Max(1, lo) {
			break
		}
	}
	if found && fBest < f {
		copy(xn, xb)
		copy(gn, gb)
		return fBest, true
	}
	return f, false
}

// update applies the BFGS update of the inverse Hessian h with step s and
// gradient change y, s·y = sy > 0:
// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1/sy.
func update(h, s, y []float64, sy float64) {
	n := len(s)
	rho := 1 / sy
	hy := make([]float64, n) // H y
	for i := range n {
		for j := range n {
			hy[i] += h[i*n+j] * y[j]
		}
	}
	yhy := dot(y, hy)
	for i := range n {
		for j := range n {
			// H is symmetric: (H y)ᵢ = (yᵀ H)ᵢ.
			h[i*n+j] += -rho*(hy[i]*s[j]+s[i]*hy[j]) + (rho*rho*yhy+rho)*s[i]*s[j]
		}
	}
}

func identity(n int) []float64 {
	h := make([]float64, n*n)
	for i := range n {
		h[i*n+i] = 1
	}
	return h
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func normInf(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func finiteAll(f float64, g []float64) bool {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false
	}
	for _, x := range g {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
