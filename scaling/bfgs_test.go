package scaling

import (
	"math"
	"testing"
)

func TestBFGS(t *testing.T) {
	tests := []struct {
		name   string
		fg     func(x, g []float64) float64
		x0     []float64
		want   []float64
		tol    float64
		reason string
	}{
		{
			name: "rosenbrock",
			fg: func(x, g []float64) float64 {
				a, b := 1-x[0], x[1]-x[0]*x[0]
				g[0] = -2*a - 400*x[0]*b
				g[1] = 200 * b
				return a*a + 100*b*b
			},
			x0: []float64{-1.2, 1}, want: []float64{1, 1}, tol: 1e-6,
			reason: "a curved valley: the inverse Hessian estimate and the line search must both work",
		},
		{
			name: "one variable",
			fg: func(x, g []float64) float64 {
				g[0] = 2 * (x[0] - 3) * 1e-6
				return (x[0] - 3) * (x[0] - 3) * 1e-6
			},
			x0: []float64{0}, want: []float64{3}, tol: 1e-6,
			reason: "a tiny gradient (a sum of squares of order 1e-6, as Fit's are) must not stop the search early",
		},
		{
			name: "badly scaled quadratic",
			fg: func(x, g []float64) float64 {
				g[0], g[1] = 2*x[0], 2e4*(x[1]-0.5)
				return x[0]*x[0] + 1e4*(x[1]-0.5)*(x[1]-0.5)
			},
			x0: []float64{5, -3}, want: []float64{0, 0.5}, tol: 1e-7,
			reason: "curvatures 1e4 apart, as σ's and κ's are before their rescaling",
		},
		{
			name: "start not finite",
			fg: func(x, g []float64) float64 {
				g[0] = math.NaN()
				return math.NaN()
			},
			x0: []float64{2}, want: []float64{2}, tol: 0,
			reason: "nothing to descend: the start comes back unchanged",
		},
	}
	for _, tt := range tests {
		got := bfgs(tt.fg, tt.x0)
		for i := range tt.want {
			if !(math.Abs(got[i]-tt.want[i]) <= tt.tol) {
				t.Errorf("%s: x = %v, want %v within %g (%s)", tt.name, got, tt.want, tt.tol, tt.reason)
				break
			}
		}
		if again := bfgs(tt.fg, tt.x0); !equalFloats(again, got) {
			t.Errorf("%s: a second run reached %v, the first %v: bfgs must be deterministic", tt.name, again, got)
		}
	}
}

func equalFloats(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return len(a) == len(b)
}
