package reports

import (
	"fmt"
	"os"
	"path/filepath"
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
// Load's budget (results.MaxKept) refuses such an input sooner
// (TestLoadBudget); the keeper checks the cases on their own all the
// same, whatever its budget.
func TestLoadCaseLimit(t *testing.T) {
	k := newKeeper(2 * (1 + results.CaseWeight) * results.MaxCases)
	var err error
	for i := range results.MaxCases + 1 {
		r := &benchfmt.Result{Name: benchfmt.Name(fmt.Sprintf("BenchmarkX/n=%d", i)), Iters: 1,
			Values: []benchfmt.Value{{Value: 1, Unit: "ns/op"}}}
		if err = k.add(r, "many.txt"); err != nil {
			break
		}
	}
	want := fmt.Sprintf("more than %d distinct benchmarks", results.MaxCases)
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "results.MaxCases") || len(k.cases) != results.MaxCases {
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
	k := newKeeper(results.MaxKept)
	k.max, k.quota = keep, keep
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

// manyCases is an input of cases distinct benchmarks (one machine each
// of a few, as a merged fleet sweep has them) of lines lines each, run
// in blocks 1..lines.
func manyCases(cases, lines int) string {
	var b strings.Builder
	for c := range cases {
		if c%100 == 0 {
			fmt.Fprintf(&b, "machine: m%d\n", c/100)
		}
		for blk := 1; blk <= lines; blk++ {
			fmt.Fprintf(&b, "BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=%d 100 %d ns/page %d block\n", c%100+1, 100+blk, blk)
		}
	}
	return b.String()
}

// TestLoadBudget: an input of many cases, each under results.MaxSamples
// lines but more than results.MaxKept lines in all (cases counting
// results.CaseWeight each), kept every line (memory by cases ×
// samples: 20 GB for a 1 GiB file). Now every case's sample shrinks
// evenly to what the budget leaves it, the lowest-ranked blocks, the
// same in every case, with a warning saying how many each keeps.
func TestLoadBudget(t *testing.T) {
	const n, lines = 2000, 30
	quota := results.MaxKept/n - results.CaseWeight
	if quota < results.MinSamples || quota >= lines {
		t.Fatalf("the test's shape no longer shrinks: quota %d", quota)
	}
	set, err := Read(strings.NewReader(manyCases(n, lines)), "fleet.txt")
	if err != nil {
		t.Fatal(err)
	}
	if used := len(set.Results) + results.CaseWeight*n; used > results.MaxKept {
		t.Errorf("kept %d lines of %d cases: %d of the budget, over results.MaxKept %d", len(set.Results), n, used, results.MaxKept)
	}
	// The lowest ranks of blocks 1..lines: what a bottom-quota sample keeps.
	all := make([]uint64, lines)
	for i := range all {
		all[i] = uint64(i + 1)
	}
	slices.SortFunc(all, func(a, b uint64) int { return cmpRank([2]uint64{mix(a)}, [2]uint64{mix(b)}) })
	want := slices.Sorted(slices.Values(all[:quota]))
	m := cases.Group(set.Results)
	if len(m.Cases) != n {
		t.Fatalf("%d cases, want %d: a case lost every line", len(m.Cases), n)
	}
	for _, c := range m.Cases {
		var got []uint64
		for _, v := range c.Samples[schema.UnitBlock] {
			got = append(got, uint64(v))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s kept blocks %v, want the %d lowest-ranked %v, in file order", c.Name.Case(), got, quota, want)
		}
	}
	wantWarn := fmt.Sprintf("%d benchmarks have more than %d lines", n, quota)
	if len(set.Warnings) != 1 || !strings.Contains(set.Warnings[0].Error(), wantWarn) || !strings.Contains(set.Warnings[0].Error(), "results.MaxKept") {
		t.Errorf("warnings %v, want one saying %q and naming results.MaxKept", set.Warnings, wantWarn)
	}
}

// TestLoadBudgetRefuses: an input whose cases need more than
// results.MaxKept even at results.MinSamples lines each (or one line
// each, for cases that short) is refused in one line naming the limit,
// when the line that passes it is read; two inputs read together share
// the budget, so one that fits alone is refused beside another.
func TestLoadBudgetRefuses(t *testing.T) {
	tests := []struct {
		name   string
		inputs []string
		reason string
	}{
		{"min samples", []string{manyCases(results.MaxKept/(results.MinSamples+results.CaseWeight)+100, results.MinSamples)},
			"every case at MinSamples lines is more than the budget"},
		{"one line each", []string{manyCases(results.MaxKept/(1+results.CaseWeight)+1, 1)},
			"one-line cases cannot shrink: their count alone is over the budget"},
		{"shared", []string{manyCases(results.MaxKept/(2*(1+results.CaseWeight))+1, 1), manyCases(1, 1)},
			"the first input fits the budget alone, not its half of it"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		var paths []string
		for i, in := range tt.inputs {
			p := filepath.Join(dir, fmt.Sprintf("in%d.txt", i))
			if err := os.WriteFile(p, []byte(in), 0o644); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
		}
		_, err := Load(paths...)
		if err == nil || !strings.Contains(err.Error(), "results.MaxKept") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line naming results.MaxKept (%s)", tt.name, err, tt.reason)
		}
		if len(paths) > 1 {
			if _, err := Load(paths[0]); err != nil {
				t.Errorf("%s: alone, %v; want it read", tt.name, err)
			}
		}
	}
}
