package stats

import (
	"errors"
	"math"
	"testing"
)

func TestLeastSquares(t *testing.T) {
	a, b, r2, err := LeastSquares([]float64{0, 1, 2, 3}, []float64{1, 3, 5, 7})
	if err != nil || a != 1 || b != 2 || r2 != 1 {
		t.Errorf("y = 1 + 2x: a %v b %v R² %v err %v, want 1, 2, 1, nil", a, b, r2, err)
	}
	// A noisy line: the slope is cov/var, R² the squared correlation.
	a, b, r2, err = LeastSquares([]float64{0, 1, 2, 3}, []float64{0, 2, 1, 3})
	if err != nil || math.Abs(b-0.8) > 1e-12 || math.Abs(a-0.3) > 1e-12 || math.Abs(r2-0.64) > 1e-12 {
		t.Errorf("a %v b %v R² %v err %v, want 0.3, 0.8, 0.64", a, b, r2, err)
	}
	if _, _, _, err := LeastSquares([]float64{1}, []float64{1}); !errors.Is(err, ErrFewPoints) {
		t.Errorf("one point: %v, want ErrFewPoints", err)
	}
	if _, _, _, err := LeastSquares([]float64{2, 2, 2}, []float64{1, 2, 3}); !errors.Is(err, ErrSameX) {
		t.Errorf("one x: %v, want ErrSameX", err)
	}
}
