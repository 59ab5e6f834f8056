package cases

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/results"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// result builds a result as the harness does: the name without
// "Benchmark", units as written.
func result(file, name string, kv ...any) *benchfmt.Result {
	r := &benchfmt.Result{Name: benchfmt.Name(name), Iters: 1000}
	if file != "" {
		r.SetConfig(".file", file)
	}
	for i := 0; i < len(kv); i += 2 {
		r.Values = append(r.Values, benchfmt.Value{Value: kv[i].(float64), Unit: kv[i+1].(string)})
	}
	return r
}

func TestGroupNames(t *testing.T) {
	tests := []struct {
		name           string
		mode           workloads.Mode
		variant, base  string
		batch, threads int
		pageCache      bool
		warning        string // substring of the one warning, "" for none
		reason         string
	}{
		{"PageCache/mode=batch/batch=16/lock=mcs/threads=2-2", workloads.ModeBatch, "lock=mcs", "PageCache", 16, 2, true, "",
			"lockbench's own form"},
		{"PageCache/mode=page/batch=4/lock=mcs/zone-lock=ticket/threads=1", workloads.ModePage, "lock=mcs zone-lock=ticket", "PageCache", 4, 1, true, "",
			"per-class overrides are part of the variant"},
		{"PageCache/mode=batch/batch=16/lock=<x>/y</x>/threads=1-2", workloads.ModeBatch, "lock=<x>/y</x>", "PageCache", 16, 1, true, "",
			"a value with slashes stays whole (schema.ParseName)"},
		{"PageCache/mode=bogus/batch=16/lock=mcs/threads=2", "", "lock=mcs", "PageCache", 0, 0, false, "mode=bogus in PageCache/mode=bogus/batch=16/lock=mcs/threads=2: not a mode of this lockbench (" + strings.Join(workloads.ModeStrings(workloads.Modes()), ", ") + ")",
			"an unknown mode is not placed, and says so"},
		{"PageCache/mode=batch/batch=x/lock=mcs/threads=2", "", "lock=mcs", "PageCache", 0, 0, false, "batch=x in",
			"a batch that is not a number is not placed, and says so"},
		{"PageCache/mode=page/lock=mcs", workloads.ModePage, "lock=mcs", "PageCache", 0, 0, false, "",
			"a mode case without threads pairs for a headline but is not in the report's per-thread tables"},
		{"Foo/mode=page/threads=1", workloads.ModePage, "Foo", "Foo", 0, 1, true, "",
			"another base name is part of the variant, so it never pairs with PageCache"},
		{"Mutex/sub-2", "", "Mutex/sub", "Mutex/sub", 0, 0, false, "",
			"go test sub-benchmarks stay in the base, silently"},
		{"CS/lock=mcs/lines=1/think=0/threads=2-2", "", "CS lock=mcs lines=1 think=0", "CS", 0, 2, false, "",
			"the cs workload has no mode: another benchmark, no warning"},
	}
	for _, tt := range tests {
		m := Group([]*benchfmt.Result{result("", tt.name, 1.0, NSPage)})
		c := m.Cases[0]
		if c.Mode != tt.mode || c.Variant != tt.variant || c.Name.Base != tt.base || c.Batch != tt.batch || c.Threads != tt.threads || c.PageCache() != tt.pageCache {
			t.Errorf("%s: got mode %q variant %q base %q batch %d threads %d page-cache %t; want %q %q %q %d %d %t (%s)",
				tt.name, c.Mode, c.Variant, c.Name.Base, c.Batch, c.Threads, c.PageCache(),
				tt.mode, tt.variant, tt.base, tt.batch, tt.threads, tt.pageCache, tt.reason)
		}
		switch {
		case tt.warning == "" && len(m.Warnings) > 0:
			t.Errorf("%s: unexpected warnings %q (%s)", tt.name, m.Warnings, tt.reason)
		case tt.warning != "" && (len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], tt.warning)):
			t.Errorf("%s: warnings %q, want one containing %q (%s)", tt.name, m.Warnings, tt.warning, tt.reason)
		}
	}
}

// TestEveryModePlaced: every mode of workloads.Modes() must be a mode
// reports can place: its cases are page-cache cases in workloads' order,
// it is the baseline, the ideal or a batched mode, and a batched mode
// pairs with a page and a large case. A mode added to workloads that
// reports cannot file fails here, not as a silent "Other".
func TestEveryModePlaced(t *testing.T) {
	modes := workloads.Modes()
	if !slices.Contains(modes, workloads.ModePage) || !slices.Contains(modes, workloads.ModeLarge) {
		t.Fatalf("workloads.Modes() = %v lacks the baseline %q or the ideal %q that every headline compares with",
			modes, workloads.ModePage, workloads.ModeLarge)
	}
	var results []*benchfmt.Result
	for i := len(modes) - 1; i >= 0; i-- { // reversed: the order must come from workloads, not the input
		results = append(results, result("", fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=2-2", modes[i]), 100.0, NSPage))
	}
	m := Group(results)
	if len(m.Warnings) > 0 {
		t.Errorf("warnings for workloads' own modes: %q", m.Warnings)
	}
	if !slices.Equal(m.Modes, modes) {
		t.Errorf("modes present %v, want workloads.Modes() %v in its order", m.Modes, modes)
	}
	batched := 0
	for _, c := range m.Cases {
		if !c.PageCache() {
			t.Errorf("mode %q: case %s is not a page-cache case", c.Name.Keys[0].Value, c.Name.Case())
			continue
		}
		// Batched is reports' rule (every mode but page and large);
		// workloads' registry says which modes batch their steps.
		info, err := workloads.LookupMode(c.Mode)
		if err != nil {
			t.Errorf("mode %q: %v", c.Mode, err)
		} else if Batched(c.Mode) != info.Batched {
			t.Errorf("mode %q: Batched = %t, but workloads registers Batched %t", c.Mode, Batched(c.Mode), info.Batched)
		}
		if !Batched(c.Mode) {
			continue
		}
		batched++
		if p, l := m.Page(c), m.Large(c); p == nil || p.Mode != workloads.ModePage || l == nil || l.Mode != workloads.ModeLarge {
			t.Errorf("mode %q: page %v, large %v; want its baseline and ideal", c.Mode, p, l)
		}
	}
	if batched == 0 {
		t.Errorf("no batched mode among %v: nothing to compare with page", modes)
	}
}

func TestUnits(t *testing.T) {
	tests := []struct {
		got, stem, per string
		kind           schema.Kind
	}{
		{NSPage, schema.StemNS, schema.PerPage, schema.KindTime},
		{NSOp, schema.StemNS, schema.PerOp, schema.KindTime},
		{CPUNSPage, schema.StemCPUNS, schema.PerPage, schema.KindTime},
		{AcqPage, schema.StemAcq, schema.PerPage, schema.KindLock},
		{ContendedPage, schema.StemContended, schema.PerPage, schema.KindLock},
		{WaitNSPage, schema.StemWaitNS, schema.PerPage, schema.KindLock},
		{L1DMissesPage, "l1d-misses", schema.PerPage, schema.KindCounter},
	}
	for _, tt := range tests {
		if want := schema.PerUnit(tt.stem, tt.per); tt.got != want {
			t.Errorf("unit %q, want schema.PerUnit = %q", tt.got, want)
		}
		if u, ok := schema.Lookup(tt.got); !ok || u.Kind != tt.kind {
			t.Errorf("schema.Lookup(%q) = %+v, %t; want kind %d: the reading side names a unit the contract does not", tt.got, u, ok, tt.kind)
		}
	}
}

func TestUnitKinds(t *testing.T) {
	m := Group([]*benchfmt.Result{
		result("", "PageCache/mode=page/batch=1/lock=mcs/threads=1-2", 100.0, NSPage, 300.0, "cycles/page", 2.0, "x/page", 5.0, "B/op"),
		result("", "Mutex-2", 40.0, NSOp, 0.0, "B/op"),
	})
	if got := m.Counters(); !slices.Equal(got, []string{"cycles/page"}) {
		t.Errorf("Counters() = %v, want cycles/page only: a counter is what schema declares one", got)
	}
	if got := m.Unknown(); !slices.Equal(got, []string{"x/page", "B/op"}) {
		t.Errorf("Unknown() = %v, want x/page and B/op: units of page-cache cases the contract does not declare", got)
	}
}

func TestGroupKeepsFileOrder(t *testing.T) {
	var results []*benchfmt.Result
	vals := []float64{5, 1, 4, 2, 3, 9}
	for _, v := range vals {
		results = append(results, result("", "PageCache/mode=page/batch=1/lock=mcs/threads=1-2", v, NSPage))
	}
	m := Group(results)
	c := m.Cases[0]
	c.Estimate(NSPage)
	c.Median(NSPage)
	if !slices.Equal(c.Samples[NSPage], vals) {
		t.Errorf("samples %v after Estimate and Median, want file order %v", c.Samples[NSPage], vals)
	}
}

func TestPairing(t *testing.T) {
	const base = "PageCache/mode=%s/batch=%d/lock=mcs/threads=2-2"
	rs := func(file string, specs ...any) []*benchfmt.Result {
		var out []*benchfmt.Result
		for i := 0; i < len(specs); i += 2 {
			out = append(out, result(file, fmt.Sprintf(base, specs[i], specs[i+1]), 1.0, NSPage))
		}
		return out
	}
	tests := []struct {
		results     []*benchfmt.Result
		page, large string // the batch cases' pairs: names, "" for none
		reason      string
	}{
		{rs("", "page", 16, "batch", 16, "large", 16), "batch=16", "batch=16", "same batch size"},
		{rs("", "page", 64, "page", 4, "batch", 16, "large", 64, "large", 4), "batch=4", "",
			"page stands in from the smallest batch (its cost does not depend on it); large of other sizes is no ideal"},
		{rs("", "page", 4, "batch", 16, "large", 64), "batch=4", "batch=64", "large run at one size is the ideal"},
		{append(rs("a.txt", "page", 16), rs("b.txt", "batch", 16, "large", 16)...), "", "batch=16", "cases of different inputs never pair"},
	}
	for _, tt := range tests {
		m := Group(tt.results)
		var b *Case
		for _, c := range m.Cases {
			if c.Mode == workloads.ModeBatch {
				b = c
			}
		}
		name := func(c *Case) string {
			if c == nil {
				return ""
			}
			v, _ := c.Key(schema.KeyBatch)
			return schema.KeyBatch + "=" + v
		}
		if got := name(m.Page(b)); got != tt.page {
			t.Errorf("Page = %q, want %q (%s)", got, tt.page, tt.reason)
		}
		if got := name(m.Large(b)); got != tt.large {
			t.Errorf("Large = %q, want %q (%s)", got, tt.large, tt.reason)
		}
	}
}

func TestGroupKeepsRunsApart(t *testing.T) {
	m := Group([]*benchfmt.Result{
		result("", "X-2", 1.0, NSOp), result("", "X-4", 2.0, NSOp), result("", "X-2", 1.5, NSOp),
	})
	if len(m.Cases) != 2 || m.Cases[0].N() != 2 || m.Cases[1].N() != 1 {
		t.Errorf("%d cases; want X-2 (2 repetitions) and X-4 apart: runs at another GOMAXPROCS are not repetitions", len(m.Cases))
	}
}

// TestClassesBounded: a case keeps at most results.MaxClasses classes;
// further classes' lines are left out with one warning, not one per line
// (a case with 10⁵ classes made classes and report quadratic).
func TestClassesBounded(t *testing.T) {
	rs := []*benchfmt.Result{result("a", "PageCache/mode=pcp/batch=16/lock=mutex/threads=2-2", 1.0, "ns/page")}
	n := results.MaxClasses + 10
	for i := range n {
		rs = append(rs, result("a", fmt.Sprintf("PageCache/mode=pcp/batch=16/lock=mutex/threads=2/class=c%d-2", i), 0.5, "acq/page"))
	}
	rs = append(rs, result("a", "PageCache/mode=pcp/batch=16/lock=mutex/threads=2/class=c0-2", 0.7, "acq/page"))
	m := Group(rs)
	if len(m.Cases) != 1 {
		t.Fatalf("%d cases, want 1", len(m.Cases))
	}
	c := m.Cases[0]
	if len(c.Classes) != results.MaxClasses {
		t.Errorf("%d classes, want results.MaxClasses (%d)", len(c.Classes), results.MaxClasses)
	}
	// Reason: a known class's second line still joins it.
	if got := c.ClassCase("c0").N(); got != 2 {
		t.Errorf("class c0 has %d samples, want 2", got)
	}
	var warned int
	for _, w := range m.Warnings {
		if strings.Contains(w, "results.MaxClasses") && strings.Contains(w, "10 lines") {
			warned++
		}
	}
	if warned != 1 {
		t.Errorf("warnings %q, want one naming results.MaxClasses and 10 lines", m.Warnings)
	}
}

// TestRaisedGOMAXPROCS: harness raises GOMAXPROCS to the thread count
// when there are more threads than CPUs, so one run on 2 CPUs writes
// threads=3-3 and threads=4-4 beside threads=1-2. Those are one lock on
// one machine: one variant, the 1-thread case found for them, their
// names still saying the GOMAXPROCS they ran at. A case whose
// GOMAXPROCS differs from its thread count (threads=2-4 beside
// threads=2-2: another setting) stays a variant of its own.
func TestRaisedGOMAXPROCS(t *testing.T) {
	var res []*benchfmt.Result
	for _, n := range []string{"threads=1-2", "threads=2-2", "threads=3-3", "threads=4-4"} {
		res = append(res, result("", "PageCache/mode=page/lock=mcs/"+n, 100.0, "ns/page"))
	}
	m := Group(res)
	if len(m.Variants) != 1 || len(m.Procs) != 1 || m.Procs[0] != 2 {
		t.Fatalf("variants %q, GOMAXPROCS %v; want one variant at the run's GOMAXPROCS 2", m.Variants, m.Procs)
	}
	four := m.Find(m.Variants[0], 4, workloads.ModePage, 0)
	if four == nil || four.Name.Procs != 4 || four.Procs != 2 {
		t.Fatalf("the 4-thread case: %+v", four)
	}
	if a := m.Alone(four); a == nil || a.Threads != 1 {
		t.Errorf("the 4-thread case's 1-thread case: %+v, want threads=1-2", a)
	}
	if l := m.Label(four); !strings.HasSuffix(l, "threads=4-4") {
		t.Errorf("label %q, want the GOMAXPROCS it ran at (-4)", l)
	}

	m = Group(append(res, result("", "PageCache/mode=page/lock=mcs/threads=2-4", 50.0, "ns/page")))
	if len(m.Variants) != 2 {
		t.Errorf("variants %q; want threads=2-4 apart from the run at GOMAXPROCS 2", m.Variants)
	}
}
