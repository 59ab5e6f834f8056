package headline

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/reports/cases"
)

// sweep is page and batch of mutex and of the floor (lock=none) at one
// thread, six repetitions each, batch 40% faster than page.
func sweep() *cases.Model {
	var rs []*benchfmt.Result
	for r := range 6 {
		j := 1 + 0.01*float64(r%3-1)
		for _, mode := range []string{"page", "batch"} {
			for _, lock := range []string{"none", "mutex"} {
				ns := map[string]float64{"page": 100, "batch": 60}[mode]
				if lock == "mutex" {
					ns += 20
				}
				rs = append(rs, &benchfmt.Result{Name: benchfmt.Name(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=%s/threads=1-2", mode, lock)),
					Iters: 1000, Values: []benchfmt.Value{{Value: ns * j, Unit: "ns/page"}}})
			}
		}
	}
	return cases.Group(rs)
}

// TestFindOptions: Find compares the mutex's batch with its page (the
// floor is a reference, no headline of its own), splits the saving
// unless told not to (the judge's NoSaving), and names the regime only
// when told the results saw several.
func TestFindOptions(t *testing.T) {
	tests := []struct {
		opts       Options
		wantSaving bool
		reason     string
	}{
		{Options{}, true, "the summary splits every ns/page saving that has its floor"},
		{Options{NoSaving: true}, false, "the judge reads only the intervals: no bootstrap of the split"},
	}
	for _, tt := range tests {
		f := Find(sweep(), tt.opts)
		if len(f.Headlines) != 1 {
			t.Fatalf("%+v: %d headlines (warnings %q), want one: mutex batch against page", tt.opts, len(f.Headlines), f.Warnings)
		}
		h := f.Headlines[0]
		if h.Lock != "mutex" || !strings.HasPrefix(h.Label(), "batch=16 vs page, mutex, 1 thread") || h.Delta > -0.3 {
			t.Errorf("%+v: headline %q (delta %v), want mutex batch=16 vs page about -33%%", tt.opts, h.Text, h.Delta)
		}
		if got := h.Saving != nil; got != tt.wantSaving || f.NoFloor {
			t.Errorf("%+v: saving split %v (no floor %v), want %v: %s", tt.opts, got, f.NoFloor, tt.wantSaving, tt.reason)
		}
	}
}

// TestPageInAnotherState: a batched case in a machine state where no
// page slice ran gets a warning about the state, not the advice to run
// with page among the modes (a default run printed that, with page in
// its plan).
func TestPageInAnotherState(t *testing.T) {
	var rs []*benchfmt.Result
	for b := 1; b <= 6; b++ {
		for _, l := range []struct{ mode, reg string }{{"page", "xfer-25ns"}, {"batch", "xfer-25ns"}, {"batch", "xfer-160ns"}} {
			rs = append(rs, &benchfmt.Result{Name: benchfmt.Name(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=2/regime=%s-2", l.mode, l.reg)),
				Iters: 1000, Values: []benchfmt.Value{{Value: 100, Unit: "ns/page"}, {Value: float64(b), Unit: "block"}}})
		}
	}
	f := Find(cases.Group(rs), Options{MultiRegime: true})
	if len(f.Headlines) != 1 || len(f.Warnings) != 1 {
		t.Fatalf("%d headlines, warnings %q; want the xfer-25ns headline and one warning", len(f.Headlines), f.Warnings)
	}
	if w := f.Warnings[0]; !strings.Contains(w, "no mode=page slice ran in the xfer-160ns state") || strings.Contains(w, "among the modes") {
		t.Errorf("warning %q; want it to name the state, not advise running page", w)
	}
}
