package footprint

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/workloads"
)

// fp is a footprint of lock, mode and batch with l1d-miss/page miss and
// ns/page ns, instructions 10 per ns.
func fp(lock string, mode workloads.Mode, batch int, miss, ns float64) Footprint {
	return Footprint{Case: testCase(lock, mode, batch), Pages: 1000, L1DMiss: miss, L1DRef: 100, LLMiss: 0, Instr: 10 * ns, NS: ns}
}

func TestSummarizeFit(t *testing.T) {
	// none: ns = 20 + 40·miss exactly; page's saving is all misses.
	fps := []Footprint{
		fp("none", workloads.ModePage, 16, 3, 140),
		fp("none", workloads.ModeBatch, 16, 2, 100),
		fp("none", workloads.ModeLarge, 16, 1, 60),
	}
	s := Summarize("cachegrind", nil, fps, nil)
	if len(s.Fits) != 1 {
		t.Fatalf("fits %+v, want one per lock", s.Fits)
	}
	f := s.Fits[0]
	if math.Abs(f.A-20) > 1e-9 || math.Abs(f.B-40) > 1e-9 || math.Abs(f.R2-1) > 1e-9 || f.N != 3 {
		t.Errorf("fit %+v, want a 20, b 40, R² 1 over 3 cases", f)
	}
	if len(s.Savings) != 2 {
		t.Fatalf("savings %+v, want batch and large against page", s.Savings)
	}
	sv := s.Savings[0]
	if sv.Mode != "batch" || sv.NS != 40 || sv.Misses != 1 || math.Abs(sv.Explained-40) > 1e-9 || math.Abs(sv.Share-1) > 1e-9 {
		t.Errorf("batch saving %+v, want 40 ns saved, 1 miss saved, 40 ns explained: 100%%", sv)
	}
	ans := strings.Join(s.Answer(), "\n")
	if !strings.Contains(ans, "work saving of batch over page at batch 16 is 40 ns/page") || !strings.Contains(ans, "100% of it") {
		t.Errorf("answer %q, want the work saving and its share explained", ans)
	}
	if n := strings.Join(s.Notes, "\n"); !strings.Contains(n, "as Morton's claim predicts: batch below page, large lowest") {
		t.Errorf("notes %q, want Morton's prediction confirmed", n)
	}
}

func TestSummarizeMissesRise(t *testing.T) {
	tests := []struct {
		name       string
		fps        []Footprint
		explained  float64 // NaN: no figure
		morton     string
		answerPart string
		reason     string
	}{
		{"misses rise", []Footprint{
			fp("mutex", workloads.ModePage, 16, 1, 200),
			fp("mutex", workloads.ModeBatch, 16, 1.4, 60),
			fp("mutex", workloads.ModeLarge, 16, 1.2, 20),
		}, 0, "batch does not miss less than page", "explains none of it (0%)",
			"misses that rose cannot explain a saving, whatever the fit's slope"},
		{"slope negative", []Footprint{
			fp("mutex", workloads.ModePage, 16, 1, 100),
			fp("mutex", workloads.ModeBatch, 16, 0.5, 80),
			fp("mutex", workloads.ModeLarge, 16, 2, 20),
		}, math.NaN(), "large is not the lowest", "slope is not positive",
			"a fit where more misses go with less time charges no time to misses"},
		{"all alike", []Footprint{
			fp("mutex", workloads.ModePage, 16, 1.02, 200),
			fp("mutex", workloads.ModeBatch, 16, 1.015, 60),
			fp("mutex", workloads.ModeLarge, 16, 1.03, 20),
		}, math.NaN(), "the same within 2%", "charges no time to them",
			"misses within the simulator's reproducibility (1%) are no finding: batch 1 of 1.02 against 1.015 read as 'batch below page'"},
	}
	for _, tt := range tests {
		s := Summarize("cachegrind", nil, tt.fps, nil)
		sv := s.Savings[0]
		if math.IsNaN(tt.explained) != math.IsNaN(sv.Explained) || (!math.IsNaN(tt.explained) && sv.Explained != tt.explained) {
			t.Errorf("%s: explained %v, want %v (%s)", tt.name, sv.Explained, tt.explained, tt.reason)
		}
		if n := strings.Join(s.Notes, "\n"); !strings.Contains(n, tt.morton) {
			t.Errorf("%s: notes %q, want %q", tt.name, n, tt.morton)
		}
		if a := strings.Join(s.Answer(), "\n"); !strings.Contains(a, tt.answerPart) || !strings.Contains(a, "(lock mutex)") {
			t.Errorf("%s: answer %q, want %q, about lock mutex (no floor measured) (%s)", tt.name, a, tt.answerPart, tt.reason)
		}
	}
}

func TestCurve(t *testing.T) {
	g := &Geometry{D1: Cache{1, "Data", 32 << 10, 8, 64}, LL: Cache{3, "Unified", 32 << 20, 16, 64}}
	var fps []Footprint
	for i, b := range []int{1, 2, 4, 8, 16, 32, 64, 128, 256} {
		fps = append(fps, fp("mutex", workloads.ModeBatch, b, 1+float64(i)/10, 100-float64(i)))
	}
	fps = append(fps, fp("mutex", workloads.ModePage, 16, 1, 200))
	s := Summarize("cachegrind", g, fps, nil)
	rows, crosses := s.Curve("mutex")
	if len(rows) != 9 || rows[0].Case.Spec.Batch != 1 || rows[8].Case.Spec.Batch != 256 {
		t.Errorf("curve has %d rows, want the 9 batch-mode ones in batch order", len(rows))
	}
	// 64 B touched + 2 struct pages = 192 B a page: 32 KiB at 170.7 pages.
	if crosses != 256 {
		t.Errorf("crosses at batch %d, want 256, the first whose working set (192 B a page) reaches 32 KiB", crosses)
	}
	var b strings.Builder
	if err := s.Write(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "256      49152 B") || !strings.Contains(b.String(), "<- working set reaches L1d") {
		t.Errorf("summary's curve lacks the working set or the L1d mark:\n%s", b.String())
	}
	dir := t.TempDir()
	if err := s.WritePlots(dir); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(filepath.Join(dir, PlotFile("mutex")))
	if err != nil || !strings.Contains(string(svg), "<svg") || !strings.Contains(string(svg), "working set reaches L1d") {
		t.Errorf("plot: %v; want an SVG with the L1d mark", err)
	}
}

func TestLoadTimings(t *testing.T) {
	in := `goos: linux
timing: bare

BenchmarkPageCache/mode=page/batch=16/lock=mutex/threads=1-2 1000 200 ns/page 190 cpu-ns/page
BenchmarkPageCache/mode=page/batch=16/lock=mutex/threads=1-2 1000 210 ns/page 190 cpu-ns/page
BenchmarkPageCache/mode=page/batch=16/lock=mutex/threads=1-2 1000 230 inst-ns/page 1 acq/page
BenchmarkPageCache/mode=page/batch=16/lock=mutex/threads=1/class=lru-2 1000 1 acq/page
BenchmarkPageCache/mode=page/batch=16/lock=mutex/threads=2/regime=llc-2 1000 400 ns/page
BenchmarkCS/lock=mcs/lines=1/think=0/threads=1-2 1000 40 ns/op
`
	tm, err := LoadTimings(strings.NewReader(in), "results.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := tm[testCase("mutex", workloads.ModePage, 16).String()]
	if len(tm) != 1 || len(got) != 2 || got[0] != 200 || got[1] != 210 {
		t.Errorf("timings %v, want the two timed 1-thread ns/page of the page case only (not the counting line's inst-ns, a class line, 2 threads or cs)", tm)
	}
	if _, err := LoadTimings(strings.NewReader("BenchmarkX 1 2 ns/op\n"), "x.txt"); err == nil || !strings.Contains(err.Error(), "no 1-thread") {
		t.Errorf("LoadTimings of a file without page-cache lines = %v, want an error saying so", err)
	}
}

// TestSummarizeTimings: with a run's timings, ns/page is their median,
// not the native time on the footprints.
func TestSummarizeTimings(t *testing.T) {
	fps := []Footprint{fp("none", workloads.ModePage, 16, 2, 999), fp("none", workloads.ModeBatch, 16, 1, 999)}
	tm := Timings{
		testCase("none", workloads.ModePage, 16).String():  {100, 120, 110},
		testCase("none", workloads.ModeBatch, 16).String(): {60},
	}
	s := Summarize("cachegrind", nil, fps, tm)
	if s.Rows[0].NS != 110 || s.Rows[1].NS != 60 {
		t.Errorf("ns/page %v, %v; want the timings' medians 110 and 60", s.Rows[0].NS, s.Rows[1].NS)
	}
	if sv := s.Savings[0]; sv.NS != 50 || sv.Share != 1 {
		t.Errorf("saving %+v, want 50 ns saved, all of it explained by the one miss (b = 50)", sv)
	}
}

// TestSummarizeRepetitions: repetitions of a case pool by their medians.
func TestSummarizeRepetitions(t *testing.T) {
	fps := []Footprint{
		fp("mutex", workloads.ModeBatch, 16, 1.0, 50),
		fp("mutex", workloads.ModeBatch, 16, 1.3, 70),
		fp("mutex", workloads.ModeBatch, 16, 1.1, 60),
	}
	s := Summarize("cachegrind", nil, fps, nil)
	if len(s.Rows) != 1 || s.Rows[0].Reps != 3 || s.Rows[0].L1DMiss != 1.1 || s.Rows[0].NS != 60 {
		t.Errorf("rows %+v, want one row of 3 repetitions with medians 1.1 misses and 60 ns", s.Rows)
	}
}
