package cases

import (
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/schema"
)

// TestLabelStates labels simulated runs: each line's state comes from the
// clusters of its file's probes at its thread count, not from bands.
func TestLabelStates(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 1))
	noise := func(m float64) float64 { return m * (1 + 0.05*rng.NormFloat64()) }
	var in []*benchfmt.Result
	want := map[int]string{} // index in in -> regime key ("" none)
	add := func(r *benchfmt.Result, key string) {
		want[len(in)] = key
		in = append(in, r)
	}
	const two, one = "PageCache/mode=page/batch=4/lock=mcs/threads=2-2", "PageCache/mode=page/batch=4/lock=none/threads=1-2"
	for i := range 40 {
		// 2 threads: transfers at 25 and 160 ns, one speed state.
		x, label := 25.0, "xfer-25ns"
		if i%3 == 0 {
			x, label = 160, "xfer-160ns"
		}
		add(result("a", two, 100.0, "ns/page", noise(x), schema.UnitXfer, noise(150), schema.UnitSpeed), label)
		add(result("a", two+"/class=zone", 2.0, "acq/page"), label)
		// 1 thread: two speed states, 1.33x apart.
		s, sl := 150.0, "speed-160ns"
		if i%2 == 0 {
			s, sl = 200, "speed-200ns"
		}
		add(result("a", one, 90.0, "ns/page", noise(s), schema.UnitSpeed), sl)
		// Another file: one state at 68 ns, next to the old band edge.
		add(result("b", two, 100.0, "ns/page", noise(68), schema.UnitXfer, noise(150), schema.UnitSpeed), "")
	}
	add(result("a", two+"/regime=switched", 100.0, "ns/page", 25.0, schema.UnitXfer, 150.0, schema.UnitSpeed), schema.RegimeSwitched)
	add(result("a", two, 100.0, "ns/page", 2.0, "acq/page"), "")       // a counting line: no probes
	add(result("a", two, 100.0, "ns/page", 25.0, schema.UnitXfer), "") // an earlier version's line: no speed probe
	names := make([]benchfmt.Name, len(in))
	for i, r := range in {
		names[i] = r.Name
	}
	out := LabelStates(in)
	for i, r := range out {
		got, _ := schema.ParseName(r.Name).Get(schema.KeyRegime)
		if got != want[i] {
			t.Errorf("line %d %s: regime %q, want %q", i, r.Name, got, want[i])
		}
		if string(in[i].Name) != string(names[i]) {
			t.Fatalf("line %d: LabelStates changed its input's name to %s", i, in[i].Name)
		}
	}
	if n := schema.ParseName(out[1].Name); n.Keys[len(n.Keys)-1].Key != schema.KeyClass {
		t.Errorf("class line %s: the class key must stay last", out[1].Name)
	}
	// Labelled once, the lines are kept as they are: LabelStates is idempotent.
	again := LabelStates(out)
	for i := range out {
		if string(again[i].Name) != string(out[i].Name) {
			t.Errorf("line %d relabelled %s -> %s", i, out[i].Name, again[i].Name)
		}
	}
}

// TestRescueCounts: a case whose every counting try switched keeps its
// lock counts (the last tries' lines, the regime key dropped, with their
// class lines) and a warning; a case with a clean counting line keeps
// only that one; switched timed lines stay left out.
func TestRescueCounts(t *testing.T) {
	const a, b = "PageCache/mode=page/batch=16/lock=mcs/threads=2", "PageCache/mode=batch/batch=16/lock=mcs/threads=2"
	in := []*benchfmt.Result{
		result("f", a+"/regime=switched-2", 600.0, InstNSPage, 8.0, AcqPage),
		result("f", a+"/regime=switched/class=zone-2", 2.0, AcqPage),
		result("f", a+"/regime=switched-2", 650.0, InstNSPage, 8.0, AcqPage),
		result("f", b+"/regime=switched-2", 300.0, InstNSPage, 0.5, AcqPage),
		result("f", b+"-2", 310.0, InstNSPage, 0.5, AcqPage),
		result("f", a+"/regime=switched-2", 500.0, NSPage),
	}
	out, warnings := RescueCounts(in)
	want := []bool{true, true, true, false, false, false} // rescued: the regime key dropped
	for i, r := range out {
		if rescued := string(in[i].Name) != string(r.Name); rescued != want[i] {
			t.Errorf("line %d %s: rescued %v, want %v", i, r.Name, rescued, want[i])
		}
		if _, has := schema.ParseName(r.Name).Get(schema.KeyRegime); want[i] && has {
			t.Errorf("line %d %s: rescued with its regime key", i, r.Name)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "mode=page") {
		t.Errorf("warnings %q, want one naming the page case", warnings)
	}
	m := Group(in)
	for _, c := range m.Cases {
		if c.Name.Case() == a && (!c.Has(AcqPage) || len(c.Classes) == 0) {
			t.Errorf("%s: acq/page %v, %d classes; want its rescued counts", a, c.Has(AcqPage), len(c.Classes))
		}
	}
}

// TestAloneInSpeedStates: when the 1-thread cases are split by speed
// state, a contended case's case at one thread is the one in its own
// speed state, else the most repeated; and so is the floor.
func TestAloneInSpeedStates(t *testing.T) {
	const base = "PageCache/mode=page/batch=16/lock=mcs"
	var in []*benchfmt.Result
	add := func(name string, n int) {
		for range n {
			in = append(in, result("f", name, 100.0, NSPage))
		}
	}
	add(base+"/threads=1/regime=speed-160ns-2", 5)
	add(base+"/threads=1/regime=speed-200ns-2", 2)
	add("PageCache/mode=page/batch=16/lock=none/threads=1/regime=speed-160ns-2", 4)
	add(base+"/threads=2/regime=xfer-25ns+speed-200ns-2", 3)
	add(base+"/threads=2/regime=xfer-160ns-2", 3)
	m := Group(in)
	for _, tt := range []struct {
		c, want, floor string
		reason         string
	}{
		{base + "/threads=2/regime=xfer-25ns+speed-200ns", "speed-200ns", "speed-160ns", "its own speed state; the floor has only the other one"},
		{base + "/threads=2/regime=xfer-160ns", "speed-160ns", "speed-160ns", "no speed part: the most repeated state"},
	} {
		var c *Case
		for _, x := range m.Cases {
			if x.Name.Case() == tt.c {
				c = x
			}
		}
		if c == nil {
			t.Fatalf("no case %s", tt.c)
		}
		a := m.Alone(c)
		if a == nil {
			t.Fatalf("Alone(%s) = nil, want the 1-thread case in %s: %s", tt.c, tt.want, tt.reason)
		}
		if got, _ := a.Key(schema.KeyRegime); got != tt.want {
			t.Errorf("Alone(%s) in %s, want %s: %s", tt.c, got, tt.want, tt.reason)
		}
		f := m.Floor(a)
		if f == nil {
			t.Fatalf("Floor(%s) = nil, want the floor in %s", a.Name.Case(), tt.floor)
		}
		if got, _ := f.Key(schema.KeyRegime); got != tt.floor {
			t.Errorf("Floor(%s) in %s, want %s", a.Name.Case(), got, tt.floor)
		}
	}
}
