package reports

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

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

// TestKeeperGapsBounded: block numbers fed in falling order of their
// hash make every line replace a kept one; out kept a gap per line (8
// bytes a line: memory by the lines again) until compact closed them.
// The kept lines are still the lowest-ranked, in file order.
func TestKeeperGapsBounded(t *testing.T) {
	const lines, keep = 20000, 10
	blocks := make([]uint64, lines)
	for i := range blocks {
		blocks[i] = uint64(i + 1)
	}
	slices.SortFunc(blocks, func(a, b uint64) int { return -cmpRank([2]uint64{mix(a)}, [2]uint64{mix(b)}) })
	k := newKeeper()
	k.max = keep
	longest := 0
	for _, blk := range blocks {
		r := &benchfmt.Result{Name: benchfmt.Name("BenchmarkX"), Iters: 1,
			Values: []benchfmt.Value{{Value: 1, Unit: "ns/op"}, {Value: float64(blk), Unit: schema.UnitBlock}}}
		if err := k.add(r, "x.txt"); err != nil {
			t.Fatal(err)
		}
		longest = max(longest, len(k.out))
	}
	if longest > 2*1024+2*keep {
		t.Errorf("out grew to %d slots for %d kept lines", longest, keep)
	}
	got, _ := k.results("x.txt")
	var kept []uint64
	for _, r := range got {
		kept = append(kept, uint64(r.Values[1].Value))
	}
	if want := blocks[lines-keep:]; !slices.Equal(kept, want) {
		t.Errorf("kept blocks %v, want the last %d fed (the lowest ranks) %v", kept, keep, want)
	}
}
