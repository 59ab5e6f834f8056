package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWalshKMatchesPublishedTable checks the exact critical values of
// the signed-rank statistic against a published table: the largest T
// with P(T+ <= T) <= 0.025 (two-sided alpha 0.05), from Wilcoxon, Katti
// and Wilcox, "Critical values and probability levels for the Wilcoxon
// rank sum test and the Wilcoxon signed rank test", Selected Tables in
// Mathematical Statistics vol. 1 (1973), reproduced as Table A.4 of
// Hollander and Wolfe, Nonparametric Statistical Methods, and in most
// textbooks ("n=10: 8, n=20: 52, n=30: 137"). The interval's rank k is
// that critical value + 1.
func TestWalshKMatchesPublishedTable(t *testing.T) {
	table := map[int]int{
		6: 0, 7: 2, 8: 3, 9: 5, 10: 8, 11: 10, 12: 13, 13: 17, 14: 21, 15: 25,
		16: 29, 17: 34, 18: 40, 19: 46, 20: 52, 21: 58, 22: 65, 23: 73, 24: 81,
		25: 89, 26: 98, 27: 107, 28: 116, 29: 126, 30: 137, 40: 264, 50: 434,
	}
	for n, crit := range table {
		if got := walshK(n, 0, 0.95); got != crit+1 {
			t.Errorf("n=%d: interval rank %d, want the table's critical value %d + 1", n, got, crit)
		}
	}
	if got := walshK(5, 0, 0.95); got != 0 {
		t.Errorf("n=5: rank %d, want 0 (no 95%% interval: 2/32 > 0.05)", got)
	}
}

// TestWalshKAgreesWithExactPastTheExactRange checks the normal
// approximation used past ExactPairs against the exact distribution,
// computed here the slow way: within one rank everywhere from 51 to 200
// pairs. The old code took k from the n=60 null for every larger n: at
// n=100 its interval was 3.9 times too wide.
func TestWalshKAgreesWithExactPastTheExactRange(t *testing.T) {
	for _, n := range []int{51, 60, 61, 80, 100, 150, 200} {
		exact, cum := 0, 0.0
		for _, p := range signedRankNull(n) {
			if cum+p > 0.025 {
				break
			}
			cum += p
			exact++
		}
		if got := walshK(n, 0, 0.95); math.Abs(float64(got-exact)) > 1 {
			t.Errorf("n=%d: normal rank %d, exact %d", n, got, exact)
		}
	}
	// The interval shrinks like 1/sqrt(n): 100 pairs from one
	// distribution give a narrower interval than 60.
	rng := rand.New(rand.NewPCG(7, 7))
	d := make([]float64, 200)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	w60, w100, w200 := PairedCentre(d[:60], 0.95), PairedCentre(d[:100], 0.95), PairedCentre(d, 0.95)
	if !(w100.Hi-w100.Lo < w60.Hi-w60.Lo && w200.Hi-w200.Lo < w100.Hi-w100.Lo) {
		t.Errorf("widths at n=60, 100, 200: %v, %v, %v; want shrinking", w60.Hi-w60.Lo, w100.Hi-w100.Lo, w200.Hi-w200.Lo)
	}
	if wd := w200.Hi - w200.Lo; wd > 2*2*1.96/math.Sqrt(200) {
		t.Errorf("n=200 width %v, want about 2·1.96/√200·1.02 = %v", wd, 2*1.96/math.Sqrt(200)*1.02)
	}
}

// TestSignedRankPPublished checks p against published examples.
func TestSignedRankPPublished(t *testing.T) {
	// Hollander and Wolfe's depression data (Hamilton scale, first and
	// second visit), the example of R's ?wilcox.test: V = 40, exact
	// one-sided p = 0.01953, two-sided 0.03906.
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	d := make([]float64, len(x))
	for i := range x {
		d[i] = x[i] - y[i]
	}
	if got := signedRankP(d); math.Abs(got-0.03906) > 5e-5 {
		t.Errorf("depression data: p = %v, want 0.03906", got)
	}
	// Normal approximation with ties and a zero (the formula of R's
	// wilcox.test(..., exact=FALSE, correct=TRUE), worked by hand): the
	// zero is dropped (n = 11); magnitudes 1,1 | 2,2,2 | 3,3,3 are tied
	// (mid-ranks 1.5, 4, 7; tie term 6+24+24 = 54); V = 60.5, mu = 33,
	// sd = sqrt(11·12·23/24 - 54/48) = sqrt(125.375); z = (27.5-0.5)/sd.
	ties := []float64{1, 2, 2, 3, 3, 3, -1, 0, 4, 5, 6, -2}
	want := normalTwoSided(27 / math.Sqrt(125.375))
	if got := signedRankP(ties); math.Abs(got-want) > 1e-12 || math.Abs(want-0.0159) > 1e-4 {
		t.Errorf("ties and a zero: p = %v, want %v (0.0159)", got, want)
	}
	if got := signedRankP([]float64{0, 0, 0}); got != 1 {
		t.Errorf("all zeros: p = %v, want 1", got)
	}
}

func normalTwoSided(z float64) float64 { return math.Erfc(z / math.Sqrt2) }

func TestHolm(t *testing.T) {
	got := Holm([]float64{0.01, 0.04, math.NaN(), 0.03, 0.2})
	want := []float64{0.04, 0.09, math.NaN(), 0.09, 0.2}
	for i := range want {
		if math.IsNaN(want[i]) != math.IsNaN(got[i]) || (!math.IsNaN(want[i]) && math.Abs(got[i]-want[i]) > 1e-12) {
			t.Errorf("Holm[%d] = %v, want %v (family of 4: 4·0.01, max(3·0.03, ...), 2·0.04 raised to 0.09, 0.2)", i, got[i], want[i])
		}
	}
}

// TestPairedCoverage simulates the code path the gate and ab use
// (PairedRatio) from fixed seeds: the 95% interval holds the true ratio
// in about 95% of runs and p <= 0.05 in about 5% under no change, for
// symmetric and for skewed per-block noise around the true log ratio,
// in and past the exact range.
func TestPairedCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	type noise func(*rand.Rand) float64
	sym := func(r *rand.Rand) float64 { return 0.05 * r.NormFloat64() }
	// Skewed: each side's slice is slowed by an exponential amount (the
	// host's hiccups hit one slice, not both); the difference of two
	// such is symmetric only in distribution of the sides, so the
	// blocks' log ratios have heavy tails both ways.
	skew := func(r *rand.Rand) float64 { return 0.08*r.ExpFloat64() - 0.08*r.ExpFloat64() }
	// Bimodal machine, as measured: a third of the slices 1.5x slower,
	// on either side independently.
	bimodal := func(r *rand.Rand) float64 {
		f := func() float64 {
			if r.IntN(3) == 0 {
				return math.Log(1.5)
			}
			return 0.03 * r.NormFloat64()
		}
		return f() - f()
	}
	tests := []struct {
		name  string
		noise noise
		n     int
	}{
		{"symmetric n=12", sym, 12}, {"symmetric n=40", sym, 40}, {"symmetric n=100", sym, 100},
		{"skewed n=12", skew, 12}, {"skewed n=40", skew, 40}, {"skewed n=100", skew, 100},
		{"bimodal n=20", bimodal, 20}, {"bimodal n=80", bimodal, 80},
	}
	const runs = 1000
	for _, tt := range tests {
		rng := rand.New(rand.NewPCG(19, uint64(tt.n)))
		for _, ratio := range []float64{1, 1.1} {
			covered, sig := 0, 0
			for range runs {
				base, x := make([]float64, tt.n), make([]float64, tt.n)
				for i := range base {
					speed := 100 * math.Exp(0.5*rng.NormFloat64()) // the machine moves between blocks
					base[i] = speed
					x[i] = speed * ratio * math.Exp(tt.noise(rng))
				}
				p := PairedRatio(base, x, DefaultConfidence)
				if p.Lo <= ratio && ratio <= p.Hi {
					covered++
				}
				if p.P <= DefaultAlpha {
					sig++
				}
			}
			cov := float64(covered) / runs
			if cov < 0.93 || cov > 0.975 {
				t.Errorf("%s, ratio %v: coverage %.3f, want 0.95 ± 0.02", tt.name, ratio, cov)
			}
			if ratio == 1 {
				if rate := float64(sig) / runs; rate > 0.065 || rate < 0.03 {
					t.Errorf("%s: p <= 0.05 in %.3f of null runs, want about 0.05", tt.name, rate)
				}
			}
		}
	}
}

func TestSignedRankGreater(t *testing.T) {
	d := []float64{0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.17}
	if p := SignedRankGreater(d, 0.05); math.Abs(p-1.0/128) > 1e-12 {
		t.Errorf("seven differences all above 0.05: p = %v, want 1/128", p)
	}
	if p := SignedRankGreater(d, 0.2); p < 0.99 {
		t.Errorf("seven differences all below 0.2: p = %v, want 1", p)
	}
	// Consistent with the interval: the lower end of the 90% interval
	// above theta exactly when the one-sided p at 0.05 is.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		n := 6 + rng.IntN(60)
		d := make([]float64, n)
		for i := range d {
			d[i] = 0.05 + 0.05*rng.NormFloat64()
		}
		c := PairedCentre(d, 0.90)
		theta := 0.03
		if byCI, byP := c.Lo > theta, SignedRankGreater(d, theta) <= 0.05; byCI != byP && math.Abs(c.Lo-theta) > 1e-3 {
			t.Errorf("n=%d: lower end %v > %v is %t, p<=0.05 is %t", n, c.Lo, theta, byCI, byP)
		}
	}
}
