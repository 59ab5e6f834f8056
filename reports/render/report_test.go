package render

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/internal/golden"
	"github.com/lockbench/lockbench/internal/table"
	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/headline"
	"github.com/lockbench/lockbench/workloads"

	"golang.org/x/net/html"
	"golang.org/x/perf/benchfmt"
	"pgregory.net/rapid"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/report")

// loadReportdata reads testdata/report/NAME into a reports.Set.
func loadReportdata(t *testing.T, names ...string) *reports.Set {
	t.Helper()
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join("testdata", "report", n))
	}
	set, err := reports.Load(paths...)
	if err != nil {
		t.Fatalf("reports.Load(%v): %v", paths, err)
	}
	return set
}

func buildReport(t *testing.T, names ...string) *Report {
	t.Helper()
	r, err := New(loadReportdata(t, names...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// markdownOf renders the Markdown report of results held in memory,
// as lockbench run hands them over.
func markdownOf(t *testing.T, results []*benchfmt.Result) string {
	t.Helper()
	r, err := New(&reports.Set{Results: results, Files: []string{"results.txt"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// checkReportGolden compares got with testdata/report/NAME (see package golden).
func checkReportGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", "report", name), got, *update)
}

func TestReportMarkdownGolden(t *testing.T) {
	tests := []struct {
		input, golden string
		reason        string
	}{
		{"lockbench.txt", "report.md", "a lockbench sweep: every section filled"},
		{"gotest.txt", "gotest.md", "plain go test -bench output: each missing section says why"},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			var buf bytes.Buffer
			if err := buildReport(t, tt.input).WriteMarkdown(&buf); err != nil {
				t.Fatal(err)
			}
			checkReportGolden(t, tt.golden, buf.Bytes())
		})
	}
}

// parseHTML parses doc as HTML5 and returns the root.
func parseHTML(t *testing.T, doc []byte) *html.Node {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("report.html does not parse: %v", err)
	}
	return root
}

// elements returns the elements named tag under n.
func elements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// textOf returns the text content of n.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func TestReportHTML(t *testing.T) {
	r := buildReport(t, "lockbench.txt")
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	root := parseHTML(t, buf.Bytes())
	svgs := elements(root, "svg")
	plots := r.Plots()
	if len(plots) == 0 {
		t.Fatal("a full sweep must give plots")
	}
	if len(svgs) != len(plots) {
		t.Errorf("%d <svg> elements for %d plots: want one per plot", len(svgs), len(plots))
	}
	if n := len(elements(root, "figure")); n != len(plots) {
		t.Errorf("%d figures for %d plots", n, len(plots))
	}
	if n := len(elements(root, "script")); n != 0 {
		t.Errorf("%d <script> elements: the report must have no JavaScript", n)
	}
	// Self-contained: no external asset of any kind.
	for _, tag := range []string{"link", "img", "iframe", "object", "embed"} {
		if n := len(elements(root, tag)); n != 0 {
			t.Errorf("%d <%s> elements: the report must load nothing", n, tag)
		}
	}
	if bytes.Contains(buf.Bytes(), []byte("http://")) || bytes.Contains(buf.Bytes(), []byte("https://")) {
		for _, line := range strings.Split(buf.String(), "\n") {
			if strings.Contains(line, "://") && !strings.Contains(line, "www.w3.org") {
				t.Errorf("external reference in report: %q", line)
			}
		}
	}
	kinds := map[string]bool{}
	for _, p := range plots {
		kinds[strings.SplitN(strings.TrimSuffix(p.File, ".svg"), "-", 3)[2]] = true
	}
	for _, want := range []string{"ns-per-page", "throughput", "wait-p99", "decomposition", "saving-split", "regimes", "l1d-misses"} {
		if !kinds[want] {
			t.Errorf("no %s plot among %v", want, kinds)
		}
	}
	text := textOf(root)
	for _, want := range []string{
		"batch=16 vs page, mcs, 2 threads",   // the headline
		"95% CI",                             // with its interval
		"reaches",                            // the seed's claim
		"of the one-big-page ideal",          //
		"The knee",                           //
		"Intel(R) Xeon(R) Platinum 8375C",    // machine from the config lines
		"interleaved",                        // methodology
		"WARNING: the transfer cost changed", // the regime switch planted in the fixture
		"l1d-misses/page",                    // counters
		"vs base",                            // the benchstat table
		"from fewer lock instructions",       // the headline's split of the saving
		"Per-page work is the same mode",     // the decomposition, measured
		"The least-squares slope",            // says the slope is gone, and why
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report text lacks %q", want)
		}
	}
}

func TestReportHostileNames(t *testing.T) {
	const hostile = "<script>alert(1)</script>"
	r := buildReport(t, "hostile.txt")
	var hb, mb bytes.Buffer
	if err := r.WriteHTML(&hb); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&mb); err != nil {
		t.Fatal(err)
	}
	root := parseHTML(t, hb.Bytes())
	if n := len(elements(root, "script")); n != 0 {
		t.Fatalf("%d <script> elements: a benchmark name was not escaped", n)
	}
	if n := len(elements(root, "b")); n != 0 {
		t.Errorf("<b> from a config line became markup")
	}
	if !strings.Contains(textOf(root), hostile) {
		t.Errorf("the hostile name does not appear as text")
	}
	if !strings.Contains(hb.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the hostile name does not appear escaped in the HTML source")
	}
	// In the inline SVG (legends and titles come from the lock name).
	inSVG := false
	for _, svg := range elements(root, "svg") {
		if strings.Contains(textOf(svg), hostile) {
			inSVG = true
		}
	}
	if !inSVG {
		t.Errorf("no plot shows the hostile lock name as text: the SVG escaping is not exercised")
	}
	// CommonMark's backslash escapes keep < literal: "\<script" is text.
	if unescaped := strings.ReplaceAll(mb.String(), `\<`, ""); strings.Contains(unescaped, "<script") || strings.Contains(unescaped, "<b>") {
		t.Errorf("raw HTML from input in report.md")
	}
	if !strings.Contains(mb.String(), `\<script\>alert(1)\</script\>`) {
		t.Errorf("the hostile name does not appear escaped in report.md")
	}
}

func TestReportPlainGoTest(t *testing.T) {
	r := buildReport(t, "gotest.txt")
	var hb bytes.Buffer
	if err := r.WriteHTML(&hb); err != nil {
		t.Fatal(err)
	}
	root := parseHTML(t, hb.Bytes())
	if n := len(elements(root, "svg")); n != 0 || len(r.Plots()) != 0 {
		t.Errorf("%d svgs, %d plots from go test output: want none", n, len(r.Plots()))
	}
	text := textOf(root)
	for _, want := range []string{
		"no lockbench page-cache cases", // the explanation
		"Other benchmarks",              // what it has
		"MutexUncontended-2",
		"ns/op",
		"no counters per page",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report of go test output lacks %q", want)
		}
	}
}

func TestReportPartialSweep(t *testing.T) {
	// Only page and batch at one thread count: no large, so no efficiency
	// and no knee, but a headline; each gap is explained.
	set := loadReportdata(t, "lockbench.txt")
	var kept = set.Results[:0:0]
	for _, r := range set.Results {
		name := r.Name.String()
		if (strings.Contains(name, "mode=page/") || strings.Contains(name, "mode=batch/")) && strings.Contains(name, "threads=2") {
			kept = append(kept, r)
		}
	}
	set.Results = kept
	r, err := New(set, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{"batch=16 vs page", "No efficiency: it needs modes page, batch and large", "No knee"} {
		if !strings.Contains(md, want) {
			t.Errorf("partial sweep report lacks %q", want)
		}
	}
}

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	set := loadReportdata(t, "lockbench.txt")
	if err := Write(dir, set, Options{Command: "lockbench run --count 5"}); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, HTMLFile)); err != nil {
		t.Fatal(err)
	}
	r, _ := New(set, Options{})
	for _, p := range r.Plots() {
		if !bytes.Contains(md, []byte("]("+p.File+")")) {
			t.Errorf("report.md does not link %s", p.File)
		}
		data, err := os.ReadFile(filepath.Join(dir, p.File))
		if err != nil {
			t.Errorf("plot file: %v", err)
			continue
		}
		if !bytes.HasPrefix(data, []byte("<svg")) {
			t.Errorf("%s is not an SVG document", p.File)
		}
	}
	if !bytes.Contains(md, []byte("lockbench run --count 5")) {
		t.Errorf("the command is not under Methodology")
	}
}

func TestNewEmpty(t *testing.T) {
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil) must fail")
	}
	if _, err := New(&reports.Set{}, Options{}); err == nil {
		t.Error("New of an empty set must fail")
	}
}

func TestReportKnees(t *testing.T) {
	effs := []efficiencyRow{
		{Variant: "a", Threads: 1, Batch: 4, Efficiency: 0.5},
		{Variant: "a", Threads: 1, Batch: 16, Efficiency: 0.92},
		{Variant: "a", Threads: 1, Batch: 64, Efficiency: 0.97},
		{Variant: "a", Threads: 2, Batch: 4, Efficiency: 0.3},
		{Variant: "a", Threads: 2, Batch: 16, Efficiency: 0.8},
	}
	got := knees(effs, 0.9)
	if len(got) != 2 {
		t.Fatalf("%d knees, want 2", len(got))
	}
	if got[0].Batch != 16 {
		t.Errorf("knee at 1 thread = batch %d, want 16 (the smallest reaching 90%%)", got[0].Batch)
	}
	if got[1].Batch != 0 || got[1].BestBatch != 16 || got[1].Eff != 0.8 {
		t.Errorf("knee at 2 threads = %+v, want not reached, best 80%% at 16", got[1])
	}
}

func TestMDEscape(t *testing.T) {
	got := table.EscapeMarkdown("a|b <i>*x*</i> [l](u) `c` _u_ & # ~s~\nrow")
	for _, bad := range []string{"<i>", "a|b", " *x", "[l]", " _u", " & ", " ~s", "\n", "``"} {
		if strings.Contains(got, bad) {
			t.Errorf("table.EscapeMarkdown left %q in %q", bad, got)
		}
	}
}

func TestReportInMemoryResults(t *testing.T) {
	// lockbench run hands over results built in memory: units as the
	// harness writes them (ns/page), not tidied by benchfmt's reader.
	var results []*benchfmt.Result
	for rep := range 6 {
		for _, c := range []struct {
			mode string
			ns   float64
			acq  float64
		}{{"page", 100, 4}, {"batch", 60, 0.25}, {"large", 50, 0.25}} {
			results = append(results, &benchfmt.Result{
				Name:  benchfmt.Name("PageCache/mode=" + c.mode + "/batch=16/lock=mcs/threads=2-2"),
				Iters: 1000,
				Values: []benchfmt.Value{
					{Value: c.ns + float64(rep), Unit: "ns/page"},
					{Value: c.acq, Unit: "acq/page"},
					{Value: 150 + float64(rep), Unit: "wait-p99-ns"},
				},
			})
		}
	}
	md := markdownOf(t, results)
	for _, want := range []string{"batch=16 vs page, mcs, 2 threads", "batch=16 reaches 80% of the one-big-page ideal", "vs base", "wait-p99"} {
		if !strings.Contains(md, want) {
			t.Errorf("report of in-memory results lacks %q", want)
		}
	}
}

// TestReportNeverPanics builds reports from arbitrary small result sets:
// any names, modes, batch and thread values, units and values. The report
// must always be written, and its HTML must parse with no script.
func TestReportNeverPanics(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		modes := []string{"page", "pagevec", "batch", "pcp", "large", "bogus", ""}
		units := []string{"ns/page", "acq/page", "wait-ns/page", "wait-p99-ns", "xfer-ns", "l1d-misses/page", "ns/op", "B/op"}
		n := rapid.IntRange(1, 30).Draw(t, "n")
		var results []*benchfmt.Result
		for i := range n {
			name := fmt.Sprintf("PageCache/mode=%s/batch=%d/lock=%s/threads=%d-2",
				rapid.SampledFrom(modes).Draw(t, "mode"),
				rapid.IntRange(-1, 64).Draw(t, "batch"),
				rapid.SampledFrom([]string{"mcs", "<i>x</i>", "a/b", ""}).Draw(t, "lock"),
				rapid.IntRange(0, 4).Draw(t, "threads"))
			if rapid.Bool().Draw(t, "plain") {
				name = rapid.StringMatching(`[A-Za-z<>/=&-]{1,12}`).Draw(t, "name")
			}
			r := &benchfmt.Result{Name: benchfmt.Name(name), Iters: i + 1}
			for _, u := range rapid.SliceOfNDistinct(rapid.SampledFrom(units), 1, 4, rapid.ID[string]).Draw(t, "units") {
				r.Values = append(r.Values, benchfmt.Value{Value: rapid.Float64Range(0, 1000).Draw(t, "v"), Unit: u})
			}
			results = append(results, r)
		}
		rep, err := New(&reports.Set{Results: results, Files: []string{"x.txt"}}, Options{})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		var hb, mb bytes.Buffer
		if err := rep.WriteHTML(&hb); err != nil {
			t.Fatalf("WriteHTML: %v", err)
		}
		if err := rep.WriteMarkdown(&mb); err != nil {
			t.Fatalf("WriteMarkdown: %v", err)
		}
		root, err := html.Parse(&hb)
		if err != nil {
			t.Fatalf("html does not parse: %v", err)
		}
		if n := len(elements(root, "script")); n != 0 {
			t.Fatalf("%d script elements", n)
		}
		if n, want := len(elements(root, "svg")), len(rep.Plots()); n != want {
			t.Fatalf("%d svg elements for %d plots", n, want)
		}
	})
}

// TestReportKneeIgnoresNoiseIdeal: at batch=1 a large unit is one page, so
// page and large differ by noise; a tiny (page - large) must not turn a
// noisy batch=1 into the knee, as it did on a real run (2017%).
func TestReportKneeIgnoresNoiseIdeal(t *testing.T) {
	var results []*benchfmt.Result
	add := func(mode string, batch int, ns float64) {
		results = append(results, &benchfmt.Result{
			Name:   benchfmt.Name(fmt.Sprintf("PageCache/mode=%s/batch=%d/lock=mcs/threads=2-2", mode, batch)),
			Iters:  1000,
			Values: []benchfmt.Value{{Value: ns, Unit: "ns/page"}},
		})
	}
	jitter := []float64{0, 3, -2, 1, -1, 2}
	for _, j := range jitter {
		add("page", 1, 100+j)
		add("batch", 1, 99+j) // 1% faster than page: within noise
		add("large", 1, 99.9-j)
		add("page", 16, 100+j)
		add("batch", 16, 55+j)
		add("large", 16, 50+j)
	}
	md := markdownOf(t, results)
	if !strings.Contains(md, "batch=16 (90%)") {
		t.Errorf("knee is not batch=16 (90%%):\n%s", md)
	}
	if !strings.Contains(md, "batch=1: no ideal to approach") {
		t.Errorf("batch=1 is not explained as having no significant ideal:\n%s", md)
	}
}

// sweepResults returns n repetitions of every mode of workloads.Modes() at
// batch 16, 2 threads, lock mcs: page 100 ns/page, large 50, the batched
// modes between.
func sweepResults(n int) []*benchfmt.Result {
	var results []*benchfmt.Result
	modes := workloads.Modes()
	for rep := range n {
		for i, mode := range modes {
			ns := 100 - 50*float64(i)/float64(len(modes)-1)
			switch mode {
			case workloads.ModePage:
				ns = 100
			case workloads.ModeLarge:
				ns = 50
			}
			results = append(results, &benchfmt.Result{
				Name:  benchfmt.Name(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=2-2", mode)),
				Iters: 1000,
				Values: []benchfmt.Value{
					{Value: ns + float64(rep%3), Unit: cases.NSPage},
					{Value: 1, Unit: cases.AcqPage},
				},
			})
		}
	}
	return results
}

// TestEveryModeReported: every mode of workloads.Modes(), written to a
// results file and read back, is placed by the summary and the report: a
// headline for each batched mode, a row in Results, a column in the
// comparison. A mode added to workloads that reports cannot place (or
// whose name does not survive the results format) fails here.
func TestEveryModeReported(t *testing.T) {
	var buf bytes.Buffer
	w := benchfmt.NewWriter(&buf)
	for _, r := range sweepResults(6) {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	set, err := reports.Read(&buf, "results.txt")
	if err != nil {
		t.Fatal(err)
	}
	s, err := reports.Summarize(set.Results)
	if err != nil {
		t.Fatal(err)
	}
	if ws := notFloor(s.Warnings); len(ws) > 0 {
		t.Errorf("warnings for workloads' own modes: %q", ws)
	}
	r, err := New(set, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range workloads.Modes() {
		if !slices.ContainsFunc(r.view.Results.Rows, func(row []string) bool { return row[0] == string(mode) }) {
			t.Errorf("mode %q has no row in the report's Results", mode)
		}
		if !strings.Contains(r.view.Comparison, " "+string(mode)+" ") && !strings.HasSuffix(strings.SplitN(r.view.Comparison, "\n", 2)[0], string(mode)) {
			t.Errorf("mode %q is not a column of the comparison:\n%s", mode, r.view.Comparison)
		}
		if !cases.Batched(mode) {
			continue
		}
		if !slices.ContainsFunc(s.Headlines, func(h headline.Headline) bool { return h.Mode == string(mode) && h.Efficiency != nil }) {
			t.Errorf("batched mode %q has no headline with an efficiency in %+v", mode, s.Headlines)
		}
	}
}

// TestReportUnknownUnit: a unit of a page-cache case that schema does not
// declare is shown as unknown, never as a hardware counter.
func TestReportUnknownUnit(t *testing.T) {
	results := sweepResults(6)
	for _, r := range results {
		r.Values = append(r.Values, benchfmt.Value{Value: 3, Unit: "x/page"}, benchfmt.Value{Value: 7, Unit: cases.L1DMissesPage})
	}
	md := markdownOf(t, results)
	counters := md[strings.Index(md, "## Counters per page"):strings.Index(md, "## Results")]
	if strings.Contains(counters, "| x/page |") || !strings.Contains(counters, "l1d-misses/page |") {
		t.Errorf("counters table must have l1d-misses/page and not x/page:\n%s", counters)
	}
	if !strings.Contains(counters, "does not declare") || !strings.Contains(counters, "x/page") {
		t.Errorf("the unknown unit is not said to be unknown:\n%s", counters)
	}
	if strings.Contains(md, "in the results: x/page") || strings.Contains(md, ", x/page") {
		t.Errorf("methodology lists x/page among the counters")
	}
}

// TestReportKeepsSampleOrder: building the summary and the report reads
// the model's samples without reordering them (median and
// benchmath.NewSample sorted them in place once).
func TestReportKeepsSampleOrder(t *testing.T) {
	results := sweepResults(6)
	set := &reports.Set{Results: results, Files: []string{"results.txt"}}
	m := cases.Group(results)
	want := map[*cases.Case][]float64{}
	for _, c := range m.Cases {
		want[c] = slices.Clone(c.Samples[cases.NSPage])
		if slices.IsSorted(want[c]) {
			t.Fatalf("%s: fixture samples %v are sorted already: the test could not fail", c.Name.Case(), want[c])
		}
	}
	reports.SummarizeModel(m)
	buildView(set, m, DefaultOptions)
	for c, w := range want {
		if got := c.Samples[cases.NSPage]; !slices.Equal(got, w) {
			t.Errorf("%s: samples %v after the report, want file order %v", c.Name.Case(), got, w)
		}
	}
}

// TestReportSeveralFiles: with a baseline and a new run the report answers
// for each input with the one headline engine (the bootstrap interval of
// the change), never pooling the two.
func TestReportSeveralFiles(t *testing.T) {
	set := loadReportdata(t, "lockbench.txt")
	two, err := reports.Load("base="+set.Files[0], "new="+set.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(two, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.view.Headlines) != 4 {
		t.Fatalf("%d headlines, want 4 (2 locks × 2 inputs): %q", len(r.view.Headlines), r.view.Headlines)
	}
	for _, h := range r.view.Headlines {
		if !strings.Contains(h, "95% CI") || !(strings.Contains(h, "file=base") || strings.Contains(h, "file=new")) {
			t.Errorf("headline %q: want the engine's interval and its input", h)
		}
	}
}
