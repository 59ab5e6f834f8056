package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPoolRunsByHand: three runs' lock parts worked through by hand
// (each run's variance from its interval's width over 2×1.96; Q 4.74 on
// 2 degrees of freedom; τ 3.42; the random-effects mean 25.23; t(0.975,
// 2) = 4.303 times the Hartung-Knapp standard error).
func TestPoolRunsByHand(t *testing.T) {
	p := PoolRuns([]float64{21.2, 29.7, 24.0}, []float64{14.2, 25.1, 18.0}, []float64{26.6, 35.2, 30.0}, 0.95)
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"centre", p.Centre, 25.2279}, {"lo", p.Lo, 14.0426}, {"hi", p.Hi, 36.4133}, {"between", p.Between, 3.4222}} {
		if math.Abs(c.got-c.want) > 1e-3 {
			t.Errorf("%s %.4f, want %.4f", c.name, c.got, c.want)
		}
	}
	if p.Runs != 3 {
		t.Errorf("pooled %d runs, want 3", p.Runs)
	}
	if q := tQuantile(0.975, 1); math.Abs(q-12.7062) > 1e-3 {
		t.Errorf("t(0.975, 1) = %.4f, want 12.7062", q)
	}
}

// TestPoolRunsEdges: a run without an estimate or an interval, or with
// an interval of no width, is not pooled; one run is its own centre
// without an interval; runs that agree exactly have no spread between
// them.
func TestPoolRunsEdges(t *testing.T) {
	nan := math.NaN()
	p := PoolRuns([]float64{20, nan, 30, 25}, []float64{10, 0, nan, 25}, []float64{30, 1, nan, 25}, 0.95)
	if p.Runs != 1 || p.Centre != 20 || !math.IsNaN(p.Lo) || !math.IsNaN(p.Between) {
		t.Errorf("one poolable run of four: %+v, want its estimate 20 alone, no interval, no spread", p)
	}
	if p := PoolRuns(nil, nil, nil, 0.95); p.Runs != 0 || !math.IsNaN(p.Centre) {
		t.Errorf("no runs: %+v", p)
	}
	p = PoolRuns([]float64{20, 20}, []float64{15, 15}, []float64{25, 25}, 0.95)
	if p.Between != 0 || p.Centre != 20 || !(p.Lo < 15) || !(p.Hi > 25) {
		t.Errorf("two identical runs: %+v, want between 0, centre 20, an interval wider than either's (t on 1 degree of freedom)", p)
	}
}

// TestPoolRunsCoverage: the pooled interval holds the machine's value
// in about 95% of simulated series of runs, with or without a spread
// between runs, where one run's own interval does not once the machine
// moves between runs. Each run is six blocks (a 1-thread lock part's
// usual count) of normal noise with one block in ten three times as
// wide, its estimate and interval the saving split's (PairedCentre:
// Hodges-Lehmann with its Walsh interval); the runs' true values spread
// by tau about the machine's value 0.
func TestPoolRunsCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	block := func() float64 {
		if rng.IntN(10) == 0 {
			return 3 * rng.NormFloat64()
		}
		return rng.NormFloat64()
	}
	const series = 2000
	for _, c := range []struct {
		runs int
		tau  float64
	}{{3, 0}, {3, 0.5}, {3, 1}, {5, 0}, {5, 1}} {
		var held, runHeld, runs int
		for range series {
			v, lo, hi := make([]float64, c.runs), make([]float64, c.runs), make([]float64, c.runs)
			for r := range c.runs {
				theta := c.tau * rng.NormFloat64()
				d := make([]float64, 6)
				for i := range d {
					d[i] = theta + block()
				}
				pc := PairedCentre(d, 0.95)
				v[r], lo[r], hi[r] = pc.Ratio, pc.Lo, pc.Hi
				runs++
				if pc.Lo <= 0 && 0 <= pc.Hi {
					runHeld++
				}
			}
			if p := PoolRuns(v, lo, hi, 0.95); p.Lo <= 0 && 0 <= p.Hi {
				held++
			}
		}
		cover, runCover := float64(held)/series, float64(runHeld)/float64(runs)
		t.Logf("%d runs, tau %.1f: pooled interval held the machine's value in %.3f of series; one run's own interval in %.3f of runs", c.runs, c.tau, cover, runCover)
		if cover < 0.93 {
			t.Errorf("%d runs, tau %.1f: pooled coverage %.3f, want at least 0.93", c.runs, c.tau, cover)
		}
		if c.tau == 1 && runCover > 0.85 {
			t.Errorf("%d runs, tau 1: one run's interval held the machine's value in %.3f; the simulation no longer shows why runs are pooled", c.runs, runCover)
		}
	}
}
