package main

import (
	"testing"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/perf/benchfmt"
)

// TestContract joins the two sides of the results contract: a line of
// every workload and mode, written by harness with every unit it can
// write, must be read back by reports' one case model with no unknown
// unit, no warning, and every page-cache case placed under its mode.
// harness's TestWriterContract checks the writer against package schema
// and reports/cases' tests check the reader; this one fails when both
// sides agree with schema but not with each other (a mode reports cannot
// place, a unit the reader classifies as unknown).
func TestContract(t *testing.T) {
	counters := map[string]float64{}
	for _, c := range schema.Counters() {
		counters[c] = 1
	}
	var lines []*benchfmt.Result
	for _, info := range workloads.All() {
		modes := []workloads.Mode{""}
		if info.Takes(workloads.KnobMode) {
			modes = info.ModeList()
		}
		for _, m := range modes {
			p := harness.DefaultPlan
			p.Base.Workload = info.Name
			p.Locks, p.Threads, p.Count = []string{"mutex"}, []int{2}, 1
			if m != "" {
				p.Modes, p.Batches = []workloads.Mode{m}, []int{16}
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("%s/%s: %v", info.Name, m, err)
			}
			r := harness.DefaultRunner
			cfg := harness.FileConfig(host.Machine{CPUModel: "x", CPUs: 2, Kernel: "k"}, &r, p, harness.CounterSupport{Hardware: true, Software: true})
			for _, c := range p.Cases() {
				res := &harness.Result{Case: c, GOMAXPROCS: 2, Pages: 100, WorkerPages: []uint64{50, 50}, XferNS: 40, Counters: counters}
				if len(info.Classes) > 0 {
					res.Classes = []harness.ClassStats{{Class: info.Classes[0], Lock: "mutex", Stats: locks.Stats{Acquisitions: 10, Contended: 1}}}
				}
				if info.Kernel() {
					res.Metrics = []workloads.Metric{{Unit: schema.UnitFolioPages, Value: 1}, {Unit: schema.PerUnit(schema.StemFaults, info.Per), Value: 1}}
				}
				lines = append(lines, res.Benchfmt(cfg))
			}
		}
	}
	model := cases.Group(lines)
	if u := model.Unknown(); len(u) > 0 {
		t.Errorf("reports does not know units harness writes: %v", u)
	}
	for _, w := range model.Warnings {
		t.Errorf("reports warns about a line harness wrote: %s", w)
	}
	placed := map[workloads.Mode]bool{}
	for _, c := range model.PageCache {
		placed[c.Mode] = true
	}
	for _, m := range workloads.Modes() {
		if !placed[m] {
			t.Errorf("mode %s: harness wrote it, reports did not place it as a page-cache case", m)
		}
	}
	// A case's timed and counting repetitions (harness.TimeBare) share a
	// name, and so one case.
	names := map[string]bool{}
	for _, l := range lines {
		names[string(l.Name)] = true
	}
	if len(model.Cases) != len(names) {
		t.Errorf("%d names became %d cases; want one case per distinct name", len(names), len(model.Cases))
	}
}
