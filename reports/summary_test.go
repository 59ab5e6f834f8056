package reports

import (
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// checkGolden compares got with testdata/name.stdout (see package golden);
// -update rewrites it.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".stdout"), []byte(got), *update)
}

func TestSummarizeGolden(t *testing.T) {
	set, err := Load("testdata/run.txt")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Summarize(set.Results)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	// summary.txt: the table and headlines, then the lock classes.
	b.WriteString("\n")
	if err := s.WriteClasses(&b); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "summary", b.String())
	if len(s.Classes) != 16*4 {
		t.Errorf("%d class rows; want 4 lock classes for each of the 16 cases", len(s.Classes))
	}
	if len(s.Rows) != 16 || len(s.Headlines) != 8 {
		t.Errorf("%d rows, %d headlines; want 16 and 8 (batch and pagevec per lock and thread count)", len(s.Rows), len(s.Headlines))
	}
	// testdata/run.txt has mutex's large case at 2 threads in the slow
	// regime (xfer-ns ~160 against ~30).
	if !strings.Contains(b.String(), "different machine regimes") {
		t.Error("no warning about the case that ran in another regime")
	}
	if _, err := json.Marshal(s); err != nil {
		t.Errorf("Summary does not marshal to JSON: %v", err)
	}
}

// result builds a result as the harness does: untidied units, the name
// without "Benchmark" (benchfmt.Writer adds it).
func result(name string, kv ...any) *benchfmt.Result {
	r := &benchfmt.Result{Name: benchfmt.Name(name), Iters: 1000}
	for i := 0; i < len(kv); i += 2 {
		r.Values = append(r.Values, benchfmt.Value{Value: kv[i].(float64), Unit: kv[i+1].(string)})
	}
	return r
}

// reps returns n results of name with ns/page around ns (±1%, fixed
// pattern) and the given acq/page and xfer-ns.
func reps(name string, n int, ns, acq, xfer float64) []*benchfmt.Result {
	var out []*benchfmt.Result
	for i := range n {
		d := 1 + 0.01*float64(i%3-1)
		out = append(out, result(name, ns*d, "ns/page", acq, "acq/page", xfer, "xfer-ns"))
	}
	return out
}

func TestSummarizeEdges(t *testing.T) {
	const p = "PageCache/mode=page/lock=mcs/threads=2-2"
	const b = "PageCache/mode=batch/batch=16/lock=mcs/threads=2-2"
	const l = "PageCache/mode=large/batch=16/lock=mcs/threads=2-2"
	tests := []struct {
		name      string
		results   []*benchfmt.Result
		headlines []string // substrings, one per headline
		warnings  []string // substrings of the warnings, in order
		reason    string
	}{
		{"full", slices.Concat(reps(p, 6, 100, 4, 30), reps(b, 6, 60, 0.25, 30), reps(l, 6, 55, 0.25, 30)),
			[]string{"batch=16 vs page, mcs, 2 threads: -40% ns/page (95% CI -41% .. -39%, p=0.002 n=6), 4.0 -> 0.25 acquisitions/page; reaches 89% of the large-page ideal"}, nil,
			"the question answered; harness results (untidied, no Benchmark prefix) are read alike"},
		{"no page", slices.Concat(reps(b, 6, 60, 0.25, 30), reps(l, 6, 55, 0.25, 30)),
			nil, []string{"batch=16 vs page, mcs, 2 threads: no mode=page case"},
			"nothing to compare with is explained"},
		{"no large", slices.Concat(reps(p, 6, 100, 4, 30), reps(b, 6, 60, 0.25, 30)),
			[]string{"-40% ns/page"}, nil,
			"without large there is no efficiency, but still a headline"},
		{"large slower", slices.Concat(reps(p, 6, 100, 4, 30), reps(b, 6, 60, 0.25, 30), reps(l, 6, 120, 0.25, 30)),
			[]string{"-40% ns/page"}, nil,
			"large slower than page: efficiency undefined, said in a note"},
		{"regimes", slices.Concat(reps(p, 6, 100, 4, 30), reps(b, 6, 60, 0.25, 160)),
			[]string{"-40% ns/page"}, []string{"different machine regimes (xfer-ns median 30.00 in PageCache/mode=page/lock=mcs/threads=2, 160.0 in"},
			"compared cases on different regimes are flagged"},
		{"bimodal", slices.Concat(reps(p, 3, 100, 4, 30), reps(p, 3, 100, 4, 160), reps(b, 6, 60, 0.25, 30)),
			[]string{"-40% ns/page"}, []string{"PageCache/mode=page/lock=mcs/threads=2: xfer-ns samples fall into two clusters"},
			"a case whose probe switched regimes is flagged"},
		{"few samples", slices.Concat(reps(p, 3, 100, 4, 30), reps(b, 3, 60, 0.25, 30)),
			[]string{"p=0.100 n=3) not significant"}, nil,
			"3 samples can never be significant, and the headline says so"},
		{"cs workload", []*benchfmt.Result{result("CS/lock=mcs/lines=1/think=0/threads=2-2", 55.0, "ns/op")},
			nil, []string{"no case names a mode"},
			"a workload without modes gets rows, and no headline, explained"},
		{"go test", []*benchfmt.Result{result("Mutex-2", 40.0, "ns/op", 0.0, "B/op")},
			nil, []string{"no case names a mode"},
			"plain go test output is summarized too"},
		{"only batch", reps(b, 3, 60, 0.25, 30),
			nil, []string{"no mode=page case"},
			"only a batched case"},
		{"only page", reps(p, 3, 60, 0.25, 30),
			nil, []string{"no batched case"},
			"only the page case"},
		{"pagevec and pcp", slices.Concat(reps(p, 6, 100, 4, 30), reps("PageCache/mode=pagevec/batch=16/lock=mcs/threads=2-2", 6, 90, 3.06, 30),
			reps("PageCache/mode=pcp/batch=16/lock=mcs/threads=2-2", 6, 70, 1.2, 30)),
			[]string{"pagevec batch=16 vs page, mcs, 2 threads: -10%", "pcp batch=16 vs page, mcs, 2 threads: -30%"}, nil,
			"every batched mode gets its headline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Summarize(tt.results)
			if err != nil {
				t.Fatal(err)
			}
			// The headlines in full, with their intervals, are in the
			// details (summary.txt, --verbose); WriteText has the short table.
			var b strings.Builder
			if err := s.WriteFull(&b); err != nil {
				t.Fatal(err)
			}
			if len(s.Headlines) != len(tt.headlines) {
				t.Errorf("%d headlines, want %d (%s):\n%s", len(s.Headlines), len(tt.headlines), tt.reason, b.String())
			}
			for _, want := range tt.headlines {
				if !strings.Contains(b.String(), want) {
					t.Errorf("output lacks %q (%s):\n%s", want, tt.reason, b.String())
				}
			}
			// Per-case probe clusters are details (summary.txt, --verbose).
			all := strings.Join(append(slices.Clone(s.Warnings), s.Details...), "\n")
			for _, want := range tt.warnings {
				if !strings.Contains(all, want) {
					t.Errorf("warnings lack %q (%s):\n%s", want, tt.reason, all)
				}
			}
			if ws := notFloor(s.Warnings); len(tt.warnings) == 0 && len(ws) > 0 {
				t.Errorf("unexpected warnings (%s): %v", tt.reason, ws)
			}
			if _, err := json.Marshal(s); err != nil {
				t.Errorf("JSON: %v", err)
			}
		})
	}
}

func TestSummarizeLargeSlower(t *testing.T) {
	s, _ := Summarize(append(append(reps("P/mode=page", 6, 100, 4, 0), reps("P/mode=batch", 6, 60, 1, 0)...), reps("P/mode=large", 6, 120, 1, 0)...))
	h := s.Headlines[0]
	if h.Efficiency != nil || !strings.Contains(strings.Join(h.Notes, " "), "efficiency undefined") {
		t.Errorf("efficiency %v notes %v: large slower than page must leave efficiency undefined, with a note", h.Efficiency, h.Notes)
	}
}

func TestSummarizeEmpty(t *testing.T) {
	if _, err := Summarize(nil); err == nil {
		t.Error("Summarize(nil) gave no error")
	}
}

func ExampleSummarize() {
	// Results as `lockbench run` makes them (5 repetitions per case).
	var results []*benchfmt.Result
	add := func(name string, nsPerPage ...float64) {
		for _, ns := range nsPerPage {
			acq := 4.0
			if !strings.Contains(name, "mode=page") {
				acq = 0.25
			}
			results = append(results, &benchfmt.Result{Name: benchfmt.Name(name), Iters: 1e6,
				Values: []benchfmt.Value{{Value: ns, Unit: "ns/page"}, {Value: acq, Unit: "acq/page"}}})
		}
	}
	add("PageCache/mode=page/lock=mcs/threads=2-2", 100, 102, 99, 101, 100)
	add("PageCache/mode=batch/batch=16/lock=mcs/threads=2-2", 60, 59, 61, 60, 62)
	add("PageCache/mode=large/batch=16/lock=mcs/threads=2-2", 57, 56, 57, 58, 57)
	s, err := Summarize(results)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Headlines[0].Text)
	// Output:
	// batch=16 vs page, mcs, 2 threads: -40% ns/page (95% CI -41% .. -38%, p=0.008 n=5), 4.0 -> 0.25 acquisitions/page; reaches 93% of the large-page ideal
}

// TestSummarizeIdealUndefined: efficiency divides by page - large, so it
// is given only when large is significantly faster than page; otherwise a
// note says why, naming the real cause.
func TestSummarizeIdealUndefined(t *testing.T) {
	const p = "PageCache/mode=page/lock=mcs/threads=2-2"
	const b = "PageCache/mode=batch/batch=16/lock=mcs/threads=2-2"
	const l = "PageCache/mode=large/batch=16/lock=mcs/threads=2-2"
	tests := []struct {
		large  []*benchfmt.Result
		note   string
		reason string
	}{
		{reps(l, 6, 99.8, 0.25, 30), "not significantly faster than page", "a 0.2% gap between overlapping samples is noise (batch=1 made a 2017% knee of it)"},
		{reps(l, 2, 55, 0.25, 30), "n=6+2 samples are too few to show large faster than page", "6+2 samples can never reach p <= 0.05 (the least p is 2/C(8,2) = 0.071)"},
		{reps(l, 6, 120, 0.25, 30), "is not faster than page", "large slower than page"},
	}
	for _, tt := range tests {
		results := append(append(reps(p, 6, 100, 4, 30), reps(b, 6, 60, 0.25, 30)...), tt.large...)
		s, err := Summarize(results)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Headlines) != 1 {
			t.Fatalf("%d headlines, want 1 (%s)", len(s.Headlines), tt.reason)
		}
		h := s.Headlines[0]
		if h.Efficiency != nil || strings.Contains(h.Text, "reaches") {
			t.Errorf("efficiency given (%q) though %s", h.Text, tt.reason)
		}
		if notes := strings.Join(h.Notes, " | "); !strings.Contains(notes, tt.note) {
			t.Errorf("notes %q lack %q (%s)", notes, tt.note, tt.reason)
		}
	}
}

// TestSummarizeOneCaseModel: the cases the summary compares are the
// report's (package cases), so where the two once disagreed the summary
// now follows the one rule.
func TestSummarizeOneCaseModel(t *testing.T) {
	const b = "PageCache/mode=batch/batch=16/lock=mcs/threads=2-2"
	tests := []struct {
		name      string
		results   []*benchfmt.Result
		rows      int
		headlines []string
		warnings  []string
		reason    string
	}{
		{"page stands in", slices.Concat(reps("PageCache/mode=page/batch=4/lock=mcs/threads=2-2", 6, 100, 4, 30),
			reps("PageCache/mode=page/batch=64/lock=mcs/threads=2-2", 6, 101, 4, 30), reps(b, 6, 60, 0.25, 30)),
			3, []string{"batch=16 vs page, mcs, 2 threads: -40%"}, nil,
			"page's cost does not depend on its batch key: the smallest batch stands in, as in the report (the summary gave up)"},
		{"GOMAXPROCS apart", slices.Concat(reps("PageCache/mode=page/lock=mcs/threads=2-4", 6, 50, 4, 30),
			reps("PageCache/mode=page/lock=mcs/threads=2-2", 6, 100, 4, 30), reps(b, 6, 60, 0.25, 30)),
			3, []string{"batch=16 vs page, mcs, 2 threads, gomaxprocs=2: -40%"}, nil,
			"runs at another GOMAXPROCS are other cases, not repetitions (the summary pooled them)"},
		{"unknown mode", slices.Concat(reps("PageCache/mode=page/lock=mcs/threads=2-2", 6, 100, 4, 30),
			reps("PageCache/mode=folio/batch=16/lock=mcs/threads=2-2", 6, 60, 0.25, 30)),
			2, nil, []string{"mode=folio in PageCache/mode=folio/batch=16/lock=mcs/threads=2: not a mode of this lockbench"},
			"a mode workloads does not know is said, not compared as if batched (the summary compared it, the report hid it)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Summarize(tt.results)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			if err := s.WriteText(&out); err != nil {
				t.Fatal(err)
			}
			if len(s.Rows) != tt.rows || len(s.Headlines) != len(tt.headlines) {
				t.Errorf("%d rows, %d headlines; want %d, %d (%s):\n%s", len(s.Rows), len(s.Headlines), tt.rows, len(tt.headlines), tt.reason, out.String())
			}
			for i, want := range tt.headlines {
				if i < len(s.Headlines) && !strings.HasPrefix(s.Headlines[i].Text, want) {
					t.Errorf("headline %q, want %q... (%s)", s.Headlines[i].Text, want, tt.reason)
				}
			}
			// Per-case probe clusters are details (summary.txt, --verbose).
			all := strings.Join(append(slices.Clone(s.Warnings), s.Details...), "\n")
			for _, want := range tt.warnings {
				if !strings.Contains(all, want) {
					t.Errorf("warnings lack %q (%s):\n%s", want, tt.reason, all)
				}
			}
		})
	}
}

// notFloor drops the warning that results have no floor case (results
// made before the floor, as most fixtures are; TestSaving covers it).
func notFloor(ws []string) []string {
	var out []string
	for _, w := range ws {
		if !strings.HasPrefix(w, "no lock=none case at 1 thread") && !strings.HasPrefix(w, "no 1-thread case: the savings are not split") {
			out = append(out, w)
		}
	}
	return out
}

// TestSummarySlept checks that the summary says when a spinning lock's
// waiters slept, and stays quiet when they only spun or the lock does not
// count its waits.
func TestSummarySlept(t *testing.T) {
	const c = "CS/lock=ticket/threads=2-2"
	mk := func(sleeps float64, counted bool) []*benchfmt.Result {
		var out []*benchfmt.Result
		for i := range 3 {
			r := result(c, 100+float64(i), "ns/op", 1.0, "acq/op", 0.9, "handoffs/acq", 30.0, "xfer-ns")
			if counted {
				r.Values = append(r.Values, benchfmt.Value{Value: 2 * sleeps, Unit: "yields/acq"}, benchfmt.Value{Value: sleeps, Unit: "sleeps/acq"})
			}
			out = append(out, r)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		results []*benchfmt.Result
		warn    bool
		reason  string
	}{
		{"slept", mk(0.2, true), true, "a fifth of acquisitions slept: the lock was not the algorithm"},
		{"spun", mk(0, true), false, "no sleep: nothing to say"},
		{"rare", mk(SleptShare/2, true), false, "below one in a thousand: noise of a preempted holder"},
		{"uncounted", mk(0, false), false, "a lock that does not count its waits has no claim either way"},
		{"spinpark", func() []*benchfmt.Result {
			rs := mk(0.2, true)
			for _, r := range rs {
				r.Name = benchfmt.Name(strings.Replace(string(r.Name), "ticket", "spinpark", 1))
			}
			return rs
		}(), false, "spinpark's sleeps are its parks: the algorithm as written"},
	} {
		s, err := Summarize(tc.results)
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, w := range s.Warnings {
			if strings.Contains(w, "waiters slept on") {
				got = true
			}
		}
		if got != tc.warn {
			t.Errorf("%s: slept warning %v, want %v (%s); warnings %q", tc.name, got, tc.warn, tc.reason, s.Warnings)
		}
		if tc.name == "slept" && (s.Rows[0].SleepsPerAcq == nil || *s.Rows[0].SleepsPerAcq != 0.2) {
			t.Errorf("slept: row sleeps/acq = %v, want 0.2", s.Rows[0].SleepsPerAcq)
		}
	}
}

// TestSummaryOffCPU checks that a spinning lock's contended case whose
// workers were not all on a CPU, while its waiters did not sleep, is said
// to have lost the CPUs to the machine.
func TestSummaryOffCPU(t *testing.T) {
	const c = "CS/lock=ticket/threads=2-2"
	mk := func(cpuPerOp float64, cpus string) []*benchfmt.Result {
		var out []*benchfmt.Result
		for i := range 3 {
			out = append(out, result(c, 100+float64(i), "ns/op", cpuPerOp, "cpu-ns/op", 1.0, "acq/op", 0.1, "handoffs/acq", 0.0, "yields/acq", 0.0, "sleeps/acq"))
		}
		out[0].Config = append(out[0].Config, benchfmt.Config{Key: "cpus", Value: []byte(cpus), File: true})
		return out
	}
	for _, tc := range []struct {
		name   string
		cpu    float64
		cpus   string
		want   bool
		reason string
	}{
		{"off", 130, "2", true, "1.3 of 2 threads' time with no sleeps: the machine took a CPU"},
		{"busy", 199, "2", false, "both spinners ran the whole window"},
		{"oversubscribed", 130, "1", false, "more threads than CPUs: they cannot all run"},
	} {
		s, err := Summarize(mk(tc.cpu, tc.cpus))
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, w := range s.Warnings {
			got = got || strings.Contains(w, "the machine took the CPUs")
		}
		if got != tc.want {
			t.Errorf("%s: off-CPU warning %v, want %v (%s); warnings %q", tc.name, got, tc.want, tc.reason, s.Warnings)
		}
	}
}

// TestSummarizeKernelNoFloorWarning: a kernel workload (fault, shmem)
// takes no lock of ours, so a 1-thread run of it has no lock=none floor
// to miss; the summary must not ask for one.
func TestSummarizeKernelNoFloorWarning(t *testing.T) {
	in := append(append(reps("Fault/mode=page/batch=16/threads=1", 6, 3000, 0, 0), reps("Fault/mode=batch/batch=16/threads=1", 6, 2100, 0, 0)...), reps("Fault/mode=large/batch=16/threads=1", 6, 360, 0, 0)...)
	s, err := Summarize(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range s.Warnings {
		if strings.Contains(w, "lock=none") {
			t.Errorf("kernel workload warned about the lock=none floor: %s", w)
		}
	}
	// A lock's run without the floor still hears about it.
	s, _ = Summarize(append(reps("PageCache/mode=page/batch=16/lock=mcs/threads=1", 6, 100, 4, 0), reps("PageCache/mode=batch/batch=16/lock=mcs/threads=1", 6, 60, 1, 0)...))
	if !slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.Contains(w, "no lock=none case at 1 thread") }) {
		t.Errorf("a lock's 1-thread run without the floor: warnings %q, want the floor's", s.Warnings)
	}
}
