package reports

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/results"
	"github.com/lockbench/lockbench/schema"
)

// TestLoadKeepsASample: a case of more than results.MaxSamples lines
// keeps that many (Load kept every line: memory grew with the file), a
// uniform sample (not the first ones), the same blocks in the page and
// batch cases (their paired estimate still pairs), in file order, with
// a warning; a short case keeps every line.
func TestLoadKeepsASample(t *testing.T) {
	const blocks = 10 * results.MaxSamples
	var b strings.Builder
	b.WriteString("machine: m\n")
	for blk := 1; blk <= blocks; blk++ {
		fmt.Fprintf(&b, "BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=2 100 %d ns/page %d block\n", 100+blk, blk)
		fmt.Fprintf(&b, "BenchmarkPageCache/mode=batch/batch=16/lock=mutex/threads=2 100 %d ns/page %d block\n", 50+blk, blk)
	}
	for i := range 3 {
		fmt.Fprintf(&b, "BenchmarkPageCache/mode=page/batch=1/lock=mcs/threads=2 100 %d ns/page\n", 100+i)
	}
	set, err := Read(strings.NewReader(b.String()), "long.txt")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(set.Results); n != 2*results.MaxSamples+3 {
		t.Fatalf("kept %d lines, want %d: %d of each long case, all 3 of the short one", n, 2*results.MaxSamples+3, results.MaxSamples)
	}
	if len(set.Warnings) != 1 || !strings.Contains(set.Warnings[0].Error(), "2 benchmarks have more than 100 lines") {
		t.Errorf("warnings %v, want one saying 2 benchmarks were sampled", set.Warnings)
	}
	m := cases.Group(set.Results)
	var page, batch *cases.Case
	for _, c := range m.Cases {
		switch c.Name.Case() {
		case "PageCache/mode=page/batch=1/lock=mutex/threads=2":
			page = c
		case "PageCache/mode=batch/batch=16/lock=mutex/threads=2":
			batch = c
		}
	}
	pb, bb := page.Samples[schema.UnitBlock], batch.Samples[schema.UnitBlock]
	if !slices.Equal(pb, bb) {
		t.Errorf("page kept blocks %v, batch %v: paired cases must keep the same blocks", pb, bb)
	}
	if !slices.IsSorted(pb) {
		t.Errorf("kept blocks %v out of file order", pb)
	}
	// A uniform sample of 1..1000: each tenth holds some (a sample of the
	// first lines would hold the first tenth only).
	var tenths [10]int
	for _, blk := range pb {
		tenths[int(blk-1)*10/blocks]++
	}
	for i, n := range tenths {
		if n == 0 {
			t.Errorf("no kept block in tenth %d of the run: %v", i+1, tenths)
		}
	}
	// The drift's median (600.5 over all lines) is estimated, its
	// interval holding it.
	if e, _ := page.Estimate(cases.NSPage); !(float64(e.Lo) <= 600.5 && 600.5 <= float64(e.Hi)) {
		t.Errorf("page's median %v [%v, %v] from the sample misses 600.5", e.Median, e.Lo, e.Hi)
	}
}

// TestLoadCaseLimit: an input of more than results.MaxCases distinct
// benchmarks is refused, naming the limit, at the first line beyond it.
func TestLoadCaseLimit(t *testing.T) {
	var b strings.Builder
	for i := range results.MaxCases + 1 {
		fmt.Fprintf(&b, "BenchmarkX/n=%d 1 1 ns/op\n", i)
	}
	_, err := Read(strings.NewReader(b.String()), "many.txt")
	want := fmt.Sprintf("many.txt:%d: more than %d distinct benchmarks", results.MaxCases+1, results.MaxCases)
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "results.MaxCases") {
		t.Errorf("error %v, want one saying %q", err, want)
	}
}
