package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSignedRankNull(t *testing.T) {
	null := signedRankNull(6)
	if got := null[0]; math.Abs(got-1.0/64) > 1e-12 {
		t.Errorf("P(T+=0 | n=6) = %v, want 1/64", got)
	}
	sum := 0.0
	for _, p := range null {
		sum += p
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("null distribution sums to %v, want 1", sum)
	}
	// Known exact p: n=6, all positive: two-sided 2/64.
	if got := signedRankP([]float64{1, 2, 3, 4, 5, 6}); math.Abs(got-2.0/64) > 1e-12 {
		t.Errorf("p of six positive differences = %v, want 2/64 = 0.03125", got)
	}
}

// pairs draws n blocks of a machine whose speed moves by a factor of up
// to drift between blocks (two regimes, a slow drift), with x truly
// ratio times base and each slice +-noise around its block's speed.
func pairs(n int, ratio, drift, noise float64, seed uint64) (base, x []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range n {
		speed := 100.0
		if rng.IntN(3) == 0 {
			speed *= 3.5 // the slow regime
		}
		speed *= 1 + drift*float64(i)/float64(n)
		e := func() float64 { return 1 + noise*(2*rng.Float64()-1) }
		base = append(base, speed*e())
		x = append(x, speed*ratio*e())
	}
	return base, x
}

func TestPairedRatio(t *testing.T) {
	tests := []struct {
		n            int
		ratio        float64
		wantSig      bool
		maxHalfWidth float64
		reason       string
	}{
		{12, 0.25, true, 0.15, "a 4x saving under a machine switching 3.5x between blocks is found, and within its interval"},
		{12, 1.0, false, 0.15, "no change stays not significant however much the machine moves"},
		{5, 0.25, false, math.Inf(1), "five pairs can never reach p <= 0.05: no interval, not an infinite one"},
	}
	for _, tt := range tests {
		base, x := pairs(tt.n, tt.ratio, 0.3, 0.05, 42)
		p := PairedRatio(base, x, DefaultConfidence)
		if sig := p.P <= DefaultAlpha; sig != tt.wantSig {
			t.Errorf("%s: p=%v, significant %v, want %v", tt.reason, p.P, sig, tt.wantSig)
		}
		if p.N != tt.n {
			t.Errorf("%s: N=%d, want %d", tt.reason, p.N, tt.n)
		}
		if hw := p.HalfWidth() / tt.ratio; hw > tt.maxHalfWidth || (math.IsInf(tt.maxHalfWidth, 1) != math.IsInf(hw, 1)) {
			t.Errorf("%s: half-width %v, want <= %v", tt.reason, hw, tt.maxHalfWidth)
		}
		if !math.IsNaN(p.Lo) && (p.Lo > tt.ratio || p.Hi < tt.ratio) {
			t.Errorf("%s: interval [%v, %v] misses the true ratio %v", tt.reason, p.Lo, p.Hi, tt.ratio)
		}
		if math.Abs(p.Ratio/tt.ratio-1) > 0.1 {
			t.Errorf("%s: ratio %v, want within 10%% of %v", tt.reason, p.Ratio, tt.ratio)
		}
		if math.IsInf(p.Lo, 0) || math.IsInf(p.Hi, 0) {
			t.Errorf("%s: an infinite bound [%v, %v]", tt.reason, p.Lo, p.Hi)
		}
	}
	// The unpaired comparison of the same samples cannot see the 4x
	// saving through the machine's moves as well: its interval is wider.
	base, x := pairs(12, 0.25, 0.3, 0.05, 42)
	p := PairedRatio(base, x, DefaultConfidence)
	lo, hi := RatioCI(base, x, DefaultConfidence)
	if hi-lo <= p.Hi-p.Lo {
		t.Errorf("unpaired interval [%v, %v] is not wider than the paired [%v, %v] on a switching machine", lo, hi, p.Lo, p.Hi)
	}
}

// TestHodgesLehmann: the bootstrap's estimate is PairedCentre's.
func TestHodgesLehmann(t *testing.T) {
	for _, d := range [][]float64{{3}, {1, 5}, {-2, 0.5, 7, 1, 1}, {4, 8, 15, 16, 23, 42, -1}} {
		if got, want := HodgesLehmann(d), PairedCentre(d, 0.95).Ratio; got != want {
			t.Errorf("HodgesLehmann(%v) = %v, PairedCentre's estimate %v", d, got, want)
		}
	}
	if !math.IsNaN(HodgesLehmann(nil)) {
		t.Error("HodgesLehmann of nothing is not NaN")
	}
}
