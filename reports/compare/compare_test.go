package compare

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/reports"
	"golang.org/x/perf/benchfmt"
)

func TestCompareModes(t *testing.T) {
	set, err := reports.Load("../testdata/run.txt")
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions
	opts.Col, opts.Row, opts.Filter = "/mode", "/lock,/threads", ".unit:ns/page"
	cmp, err := Tables(set, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.Tables) != 1 {
		t.Fatalf("%d tables, want 1", len(cmp.Tables))
	}
	tb := cmp.Tables[0]
	if strings.Join(tb.Cols, " ") != "page pagevec batch large" || tb.Unit != "sec/page" || tb.Better != -1 {
		t.Errorf("cols %q unit %q better %d", tb.Cols, tb.Unit, tb.Better)
	}
	if len(tb.Rows) != 4 || tb.Rows[0].Name != "mcs 1" {
		t.Fatalf("rows %d, first %q; want 4 rows by lock and threads", len(tb.Rows), tb.Rows[0].Name)
	}
	for _, r := range tb.Rows {
		d := r.Cells[2].Delta // batch vs page
		if d == nil || !d.Significant || d.Ratio > 0.65 || d.Ratio < 0.55 || d.N1 != 6 {
			t.Errorf("%s: batch vs page delta %+v, want about -40%%, significant, n=6", r.Name, d)
		}
	}
	if tb.Geomean == nil {
		t.Error("no geomean row")
	}
	for _, f := range []Format{Text, Markdown, CSV, JSON} {
		var b strings.Builder
		if err := cmp.Write(&b, f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if f == JSON && !json.Valid([]byte(b.String())) {
			t.Errorf("JSON output is not valid JSON")
		}
	}
}

func TestCompareHostileNames(t *testing.T) {
	path := t.TempDir() + "/h.txt"
	if err := os.WriteFile(path, []byte("BenchmarkX/name=a|b_<script>-2 100 10 ns/op\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	set, err := reports.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cmp, err := Tables(set, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	cmp.Write(&b, Markdown)
	if strings.Contains(b.String(), "a|b") || strings.Contains(b.String(), "<script>") {
		t.Errorf("markdown does not escape names from the input:\n%s", b.String())
	}
}

func TestCompareConfigDiffers(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/a.txt", []byte("goos: linux\nlockbench-version: v1\nBenchmarkX-2 100 10 ns/op\n"), 0o666)
	os.WriteFile(dir+"/b.txt", []byte("goos: linux\nlockbench-version: v2\nBenchmarkX-2 100 11 ns/op\n"), 0o666)
	set, err := reports.Load(dir+"/a.txt", dir+"/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	cmp, err := Tables(set, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.Tables) != 1 || len(cmp.Tables[0].Cols) != 2 {
		t.Errorf("files with different configuration must still be compared in one table")
	}
	if len(cmp.Config) != 1 || cmp.Config[0].Key != "goos" {
		t.Errorf("shared config %v, want goos only", cmp.Config)
	}
	if len(cmp.Warnings) != 1 || !strings.Contains(cmp.Warnings[0], `lockbench-version differs between inputs: "v1", "v2"`) {
		t.Errorf("warnings %v", cmp.Warnings)
	}
}

func ExampleTables() {
	set, err := reports.Load("old=testdata/gotest-old.txt", "new=testdata/gotest-new.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := DefaultOptions
	opts.Filter = ".name:Repeat .unit:ns/op"
	cmp, err := Tables(set, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	cmp.Write(os.Stdout, Text)
	// Output:
	// goos: linux
	// goarch: amd64
	// pkg: strings
	// cpu: Intel(R) Xeon(R) CPU @ 2.20GHz
	//
	//                   old          new
	//                sec/op       sec/op                vs base
	// Repeat-2  231.2n ± 1%  261.7n ± 1%  +13.19% (p=0.002 n=6)
}

func ExampleGate() {
	base, err := reports.Load("testdata/gotest-old.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	head, err := reports.Load("testdata/gotest-new.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := quietGate
	opts.Metric = "ns/op"
	v, err := Gate(base, head, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range v.Checks {
		fmt.Printf("%s: %s\n", c.Name, c.Status)
	}
	// Each file is one go test process: the between-run spread is
	// unknown, and the default allowance for it (5%) leaves Repeat's
	// +13% unconfirmed. Trusting the repetitions (BetweenProcess 0, for
	// benchmarks whose processes are known to agree) finds it.
	opts.BetweenProcess = 0
	if v, err = Gate(base, head, opts); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Err())
	// Output:
	// IndexByte/10-2: ok
	// IndexByte/32-2: ok
	// Repeat-2: unconfirmed
	// 1 benchmark(s) regressed beyond 5% in ns/op
}

func TestCompareRegimesDiffer(t *testing.T) {
	// Two files: page ran in llc in both (compared), batch in llc in the
	// old file only and in xllc in the new one only (nothing to compare:
	// inconclusive, named without its regime, with both probes), mutex
	// only in the old file (just missing, not inconclusive).
	const batch = "PageCache/mode=batch/batch=16/lock=mcs/threads=2/regime=%s-2"
	const page = "PageCache/mode=page/batch=16/lock=mcs/threads=2/regime=llc-2"
	set := &reports.Set{Files: []string{"old.txt", "new.txt"}, Units: benchfmt.UnitMetadataMap{}}
	add := func(file string, rs []*benchfmt.Result) {
		for _, r := range rs {
			r.SetConfig(".file", file)
			tidyValues(r)
			set.Results = append(set.Results, r)
		}
	}
	add("old.txt", reps(page, 6, 200, 8, 25))
	add("old.txt", reps(fmt.Sprintf(batch, "llc"), 6, 50, 0.5, 25))
	add("old.txt", reps("PageCache/mode=page/batch=16/lock=mutex/threads=2/regime=llc-2", 6, 300, 8, 25))
	add("new.txt", reps(page, 6, 201, 8, 25))
	add("new.txt", reps(fmt.Sprintf(batch, "xllc"), 6, 170, 0.5, 162))
	cmp, err := Tables(set, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	want := []Inconclusive{{Name: "PageCache/mode=batch/batch=16/lock=mcs/threads=2-2", Base: "old.txt", Col: "new.txt",
		Note: "regimes differ: llc 25 ns against xllc 162 ns"}}
	if !slices.Equal(cmp.Inconclusive, want) {
		t.Errorf("inconclusive %+v, want %+v", cmp.Inconclusive, want)
	}
	var b strings.Builder
	if err := cmp.Write(&b, Text); err != nil {
		t.Fatal(err)
	}
	line := "PageCache/mode=batch/batch=16/lock=mcs/threads=2-2: inconclusive (regimes differ: llc 25 ns against xllc 162 ns)\n"
	if !strings.Contains(b.String(), line) || strings.Index(b.String(), line) < strings.LastIndex(b.String(), "geomean") {
		t.Errorf("text output lacks %q after the tables:\n%s", line, b.String())
	}

	// Columns by regime compare llc with xllc on purpose: nothing is
	// inconclusive.
	opts := DefaultOptions
	opts.Col = "/regime"
	if cmp, err = Tables(set, opts); err != nil {
		t.Fatal(err)
	}
	if len(cmp.Inconclusive) != 0 {
		t.Errorf("with -col /regime: inconclusive %+v, want none (the user pooled them on purpose)", cmp.Inconclusive)
	}
}
