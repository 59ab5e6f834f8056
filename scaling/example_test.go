package scaling_test

import (
	"fmt"

	"github.com/lockbench/lockbench/scaling"
)

// Throughput in pages per second of one lock × mode on one machine, at
// 1 to 16 threads: it rises to about 5 threads and falls after 6.
func ExampleFit() {
	points := []scaling.Point{
		{N: 1, X: 1.00e7}, {N: 2, X: 1.29e7}, {N: 4, X: 1.47e7},
		{N: 6, X: 1.48e7}, {N: 8, X: 1.43e7}, {N: 16, X: 1.14e7},
	}
	m, err := scaling.Fit(points)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("σ = %.2f, κ = %.4f, peak at %.1f threads\n", m.Sigma, m.Kappa, m.Peak)
	for _, n := range []float64{12, 32} {
		note := ""
		if m.Extrapolated(n) {
			note = " (extrapolated)"
		}
		fmt.Printf("X(%v) = %.3g pages/s%s\n", n, m.X(n), note)
	}
	// Output:
	// σ = 0.46, κ = 0.0244, peak at 4.7 threads
	// X(12) = 1.28e+07 pages/s
	// X(32) = 8.02e+06 pages/s (extrapolated)
}
