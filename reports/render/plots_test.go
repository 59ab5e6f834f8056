package render

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/schema"
)

func TestXferPlotPoints(t *testing.T) {
	// mcs in two regimes at 2 threads and unstratified at 1 thread, the
	// floor, a batch size the plot does not show, and counting lines: one
	// in a timed case's regime, one in a regime no timed line ran in (a
	// counts-only case). Every timed line at batch 16 with xfer-ns is one
	// point, at (xfer-ns, ns/page); nothing else is.
	type point struct{ x, y float64 }
	var lines []*benchfmt.Result
	want := map[string][]point{} // series label -> points
	ns := 100.0
	timed := func(name, label string, xfer float64, shown bool) {
		ns++ // every timed line's ns/page is its own, so a point names its line
		lines = append(lines, result(name, ns, cases.NSPage, xfer, schema.UnitXfer, 1.0, schema.UnitBlock))
		if shown {
			want[label] = append(want[label], point{xfer, ns})
		}
	}
	counting := func(name string) {
		lines = append(lines, result(name, 999.0, cases.InstNSPage, 4.0, cases.AcqPage))
	}
	for _, mode := range []string{"page", "batch"} {
		label := map[string]string{"page": "page", "batch": "batch/16"}[mode]
		for i := range 3 {
			timed(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=2/regime=llc-2", mode), label+", 2 threads", 25+float64(i), true)
		}
		for i := range 2 {
			timed(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=2/regime=xllc-2", mode), label+", 2 threads", 165+float64(i), true)
			timed(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=1-2", mode), label+", 1 thread", 30+float64(i), true)
			timed(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=none/threads=1-2", mode), "", 30, false)
		}
		counting(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=2/regime=llc-2", mode))
		counting(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=2/regime=remote-2", mode))
		counting(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=1-2", mode))
	}
	timed("PageCache/mode=batch/batch=4/lock=mcs/threads=2/regime=llc-2", "", 25, false)

	m := cases.Group(lines)
	charts := probeCharts(m, headlineBatch(m), schema.UnitXfer)
	if len(charts) != 2 {
		t.Fatalf("%d charts, want lock=mcs at 1 and at 2 threads (the floor has none, regimes are pooled)", len(charts))
	}
	got := map[string][]point{}
	for i, c := range charts {
		if !c.Points {
			t.Error("the repetitions are joined by lines: want a scatter")
		}
		threads := []string{"1 thread", "2 threads"}[i]
		if !strings.HasSuffix(c.Title, threads) {
			t.Errorf("chart %d is %q, want the %s chart (1 thread first)", i, c.Title, threads)
		}
		for _, s := range c.Lines {
			for j := range s.X {
				got[s.Label+", "+threads] = append(got[s.Label+", "+threads], point{s.X[j], s.Y[j]})
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	byY := func(a, b point) int { return int(a.y - b.y) }
	for label, w := range want {
		g := slices.SortedFunc(slices.Values(got[label]), byY)
		slices.SortFunc(w, byY)
		if !slices.Equal(g, w) {
			t.Errorf("series %q: points %v, want %v (one per timed line, none for counting lines)", label, g, w)
		}
	}
}

// TestSpeedCharts: the speed scatter draws every timed 1-thread line,
// the floor's included (where the spread of uncontended cases was seen),
// at (speed-ns, ns/page).
func TestSpeedCharts(t *testing.T) {
	var lines []*benchfmt.Result
	for i := range 4 {
		speed := 150.0 + 50*float64(i%2)
		lines = append(lines,
			result("PageCache/mode=page/batch=16/lock=none/threads=1-2", 90+speed/2, cases.NSPage, speed, schema.UnitSpeed),
			result("PageCache/mode=page/batch=16/lock=mcs/threads=1-2", 100+speed/2, cases.NSPage, speed, schema.UnitSpeed))
	}
	m := cases.Group(lines)
	charts := probeCharts(m, headlineBatch(m), schema.UnitSpeed)
	floor := false
	for _, c := range charts {
		floor = floor || strings.Contains(c.Title, "none")
		if !strings.Contains(c.Title, "machine speed") {
			t.Errorf("chart %q: want the speed chart", c.Title)
		}
		for _, s := range c.Lines {
			if len(s.X) != 4 {
				t.Errorf("%s: %d points, want the 4 timed lines", c.Title, len(s.X))
			}
		}
	}
	if len(charts) != 2 || !floor {
		t.Errorf("%d charts (floor %v), want lock=mcs and the floor", len(charts), floor)
	}
}
