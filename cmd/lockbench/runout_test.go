package main

import (
	"maps"
	"testing"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/profiles"
	"github.com/lockbench/lockbench/workloads"
)

// TestProfileRecords: a repetition's records carry the case's labels, the
// class, and the lock that class ran, which --lru-lock and the like make
// differ from the case's.
func TestProfileRecords(t *testing.T) {
	spec := workloads.DefaultSpec
	spec.Lock, spec.Mode, spec.Batch, spec.Workers = "mcs", workloads.ModePage, 16, 2
	spec.ClassLocks = map[workloads.Class]string{workloads.ClassLRU: "ticket"}
	r := &harness.Result{
		Case: harness.Case{Spec: spec},
		Classes: []harness.ClassStats{
			{Class: workloads.ClassZone, Lock: "mcs", Stats: locks.Stats{Acquisitions: 1}},
			{Class: workloads.ClassLRU, Lock: "ticket", Stats: locks.Stats{Acquisitions: 2}},
		},
	}
	recs := profileRecords(r)
	if len(recs) != len(r.Classes) {
		t.Fatalf("%d records for %d classes", len(recs), len(r.Classes))
	}
	for i, rec := range recs {
		cl := &r.Classes[i]
		want := profiles.Labels(profiles.LabelLock, cl.Lock, profiles.LabelMode, "page", profiles.LabelBatch, "16",
			profiles.LabelThreads, "2", profiles.LabelClass, string(cl.Class))
		if !maps.Equal(rec.Labels, want) {
			t.Errorf("record %d labels %v, want %v (the class's own lock, not the case's)", i, rec.Labels, want)
		}
		if rec.Stats != &cl.Stats {
			t.Errorf("record %d does not point at its class's counts", i)
		}
	}
}
