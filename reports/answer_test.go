package reports

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lockbench/lockbench/reports/headline"
	"github.com/lockbench/lockbench/reports/saving"
	"github.com/lockbench/lockbench/reports/stats"
)

func fp(f float64) *Float { v := Float(f); return &v }

// hl is a settled, significant headline of mode batch.
func hl(lock, threads, mode, batch string, delta float64) headline.Headline {
	return headline.Headline{Lock: lock, Threads: threads, Mode: mode, Batch: batch, Metric: "ns/page",
		Delta: Float(delta), DeltaLo: Float(delta - 0.02), DeltaHi: Float(delta + 0.02), Significant: true, Blocks: 12,
		Text: "batch=" + batch + " vs page, " + lock + ", " + threads + " threads: " + mode}
}

// TestHeadlineOrder: lock, threads as numbers, state, mode in the
// registry's order, batch as numbers; a sweep of 4,16,64 read 4, 64, 16
// in file order.
func TestHeadlineOrder(t *testing.T) {
	hs := []headline.Headline{hl("mutex", "2", "batch", "4", -0.5), hl("mcs", "16", "batch", "4", -0.5), hl("mcs", "2", "batch", "64", -0.5),
		hl("mcs", "2", "batch", "16", -0.5), hl("mcs", "2", "pagevec", "16", -0.5), hl("mcs", "2", "batch", "4", -0.5)}
	sortHeadlines(hs)
	var got []string
	for _, h := range hs {
		got = append(got, h.Lock+"/"+h.Threads+"/"+h.Mode+"/"+h.Batch)
	}
	want := "mcs/2/pagevec/16 mcs/2/batch/4 mcs/2/batch/16 mcs/2/batch/64 mcs/16/batch/4 mutex/2/batch/4"
	if strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

// TestBottomLine: the range over locks at the most threads, the
// contention share only where it holds, a provisional or insignificant
// headline never in it.
func TestBottomLine(t *testing.T) {
	mutex, mcs := hl("mutex", "2", "batch", "16", -0.68), hl("mcs", "2", "batch", "16", -0.82)
	mutex.Efficiency, mcs.Efficiency = fp(0.75), fp(0.87)
	split := func(total, cont, contLo float64) *saving.Split {
		return &saving.Split{TotalNS: Float(total), TotalLo: Float(total - 10), TotalHi: Float(total + 10),
			ContentionNS: Float(cont), ContentionLo: Float(contLo), ContentionHi: Float(cont + 10)}
	}
	mutex.Saving, mcs.Saving = split(300, 200, 190), split(300, 200, 180)
	rare := hl("mcs", "2", "batch", "16", -0.95)
	rare.Provisional, rare.Blocks = true, 2
	one := hl("mcs", "1", "batch", "16", -0.30)
	s := &Summary{Headlines: []headline.Headline{one, mutex, mcs, rare}}
	got := s.BottomLine()
	want := "Batching 16 pages saves 68% (mutex) to 82% (mcs) of ns/page at 2 threads on this machine; 67% of that is less contention; batch reaches 75–87% of one big page."
	if got != want {
		t.Errorf("bottom line\n%s\nwant\n%s", got, want)
	}
	// A contention part whose interval spans zero, or below zero, is no share.
	mcs.Saving = split(300, -50, -60)
	s.Headlines = []headline.Headline{mutex, mcs}
	if got := s.BottomLine(); strings.Contains(got, "contention") {
		t.Errorf("a negative part printed as a share: %s", got)
	}
	insig := hl("mcs", "2", "batch", "16", -0.1)
	insig.Significant = false
	if got := (&Summary{Headlines: []headline.Headline{insig}}).BottomLine(); got != "" {
		t.Errorf("an insignificant headline made a bottom line: %s", got)
	}
}

// TestHeadlineTableHolds: a part whose interval spans zero is ≈0, and
// every row fits in 100 columns.
func TestHeadlineTableHolds(t *testing.T) {
	h := hl("mutex", "2", "batch", "16", -0.68)
	h.AcqPage, h.AcqBatch, h.Efficiency = fp(8), fp(0.5), fp(0.8)
	h.Saving = &saving.Split{TotalNS: 300, TotalLo: 280, TotalHi: 320, LockNS: -5, LockLo: -40, LockHi: 30,
		ContentionNS: 250, ContentionLo: 200, ContentionHi: 300, WorkNS: 55, WorkLo: 40, WorkHi: 70}
	var b strings.Builder
	if err := writeHeadlineTable(&b, []headline.Headline{h}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "≈0") || strings.Contains(out, "-5") {
		t.Errorf("the lock part spans zero and must read ≈0:\n%s", out)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if n := utf8.RuneCountInString(l); n > 100 {
			t.Errorf("%d columns: %s", n, l)
		}
	}
	if strings.Contains(out, "no interval yet") {
		t.Errorf("every part has an interval, yet the legend explains '?':\n%s", out)
	}

	// A part with no interval (fewer than 6 blocks) is its value and "?",
	// never ≈0, and the legend says what "?" is.
	nan := stats.Float(math.NaN())
	h.Saving.LockNS, h.Saving.LockLo, h.Saving.LockHi = 17.2, nan, nan
	b.Reset()
	if err := writeHeadlineTable(&b, []headline.Headline{h}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "17.2 ?") || !strings.Contains(out, "?: no interval yet (fewer than 6 blocks)") {
		t.Errorf("a lock part without an interval must read '17.2 ?', with the legend:\n%s", out)
	}
}

// TestInstrumentationNoise: a cost below zero is called noise.
func TestInstrumentationNoise(t *testing.T) {
	got := instrumentationText([]InstrumentationCost{{Variant: "mutex", NSPerAcq: -4.6}, {Variant: "mcs", NSPerAcq: 7}})
	if !strings.Contains(got, "mutex ≈0 ns (measured -4.6: noise)") || !strings.Contains(got, "mcs 7.0 ns") {
		t.Errorf("instrumentation text: %s", got)
	}
}

// TestTightLine: a run that stopped with headlines wider than the target
// says which, in one line.
func TestTightLine(t *testing.T) {
	a, b := hl("mcs", "2", "batch", "16", -0.8), hl("mutex", "2", "batch", "16", -0.7)
	a.NotTight = "± 9% of the ratio after 40 blocks against a target of ± 5%: the budget ran out first"
	s := &Summary{Headlines: []headline.Headline{a, b}}
	var out strings.Builder
	if err := s.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	want := "wider than the target (1 headline of 2): batch=16 vs page, mcs, 2 threads; why in the details\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("no one-line target miss %q in:\n%s", want, out.String())
	}
}
