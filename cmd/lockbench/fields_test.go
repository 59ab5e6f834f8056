package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/workloads"
)

// TestEveryFieldHasAFlag checks that every field a library error can name
// maps to a flag of 'lockbench run', so that no bad input is printed
// without the flag that sets it: the Plan and Runner fields, the knobs of
// Plan.Base (those harness does not map to a Plan field), and the class
// lock override of every class of a workload with more than one.
func TestEveryFieldHasAFlag(t *testing.T) {
	run := newRunCmd()
	fields := []string{harness.FieldWorkload, harness.FieldLocks, harness.FieldModes, harness.FieldBatches,
		harness.FieldThreads, harness.FieldCount, harness.FieldOrder, harness.FieldDuration, harness.FieldWarmup, harness.FieldTurn, harness.FieldRewarm,
		harness.FieldGrace, harness.FieldAffinity, harness.FieldTiming, harness.FieldBudget, harness.FieldTarget,
		harness.FieldLabels, harness.FieldShard, harness.FieldMachine}
	planFields := []workloads.Knob{workloads.KnobWorkload, workloads.KnobWorkers, workloads.KnobLock, workloads.KnobMode, workloads.KnobBatch}
	for _, k := range workloads.Knobs() {
		if !slices.Contains(planFields, k) {
			fields = append(fields, string(k))
		}
	}
	for _, w := range workloads.All() {
		if len(w.Classes) > 1 {
			for _, c := range w.Classes {
				fields = append(fields, harness.ClassLockField(c))
			}
		}
	}
	for _, f := range fields {
		flag, ok := fieldFlag(f)
		if !ok {
			t.Errorf("field %q has no flag: teach fieldFlag (fields.go) its flag", f)
			continue
		}
		if run.Flags().Lookup(flag) == nil {
			t.Errorf("field %q maps to --%s, which 'lockbench run' does not have", f, flag)
		}
	}
	for _, k := range knobFlags() {
		if run.Flags().Lookup(k.flag) == nil {
			t.Errorf("knob %s maps to --%s, which 'lockbench run' does not have", k.knob, k.flag)
		}
	}
}

// TestRunDefaultsAreTheLibrarys checks that the flags' defaults are
// harness.DefaultPlan and harness.DefaultRunner, so that the library and
// the command cannot drift apart again (DefaultRunner once said 250 ms
// where the command ran 200 ms).
func TestRunDefaultsAreTheLibrarys(t *testing.T) {
	fl := newRunCmd().Flags()
	p, r := harness.DefaultPlan, harness.DefaultRunner
	for flag, want := range map[string]string{
		"duration": r.Duration.String(), "warmup": r.Warmup.String(), "watchdog": r.Grace.String(),
		"affinity": string(r.Affinity), "count": strconv.Itoa(harness.DefaultBlocks), "order": string(p.Order),
		"budget": harness.DefaultBudget.String(), "locks": "mutex,mcs", "timing": string(harness.TimeBare),
		"modes": strings.Join(workloads.ModeStrings(harness.DefaultModes), ","), "batch": "16", "threads": joinInts(p.Threads), "workload": p.Base.Workload,
	} {
		if got := fl.Lookup(flag).DefValue; got != want {
			t.Errorf("--%s defaults to %q, want %q", flag, got, want)
		}
	}
	if v, err := parseFraction(fl.Lookup("target-ci").DefValue); err != nil || v != p.Target || p.Target != harness.DefaultTarget {
		t.Errorf("--target-ci defaults to %q (%v), want DefaultPlan.Target %v", fl.Lookup("target-ci").DefValue, v, p.Target)
	}
	if p.Budget != harness.DefaultBudget {
		t.Errorf("DefaultPlan.Budget = %v, want DefaultBudget %v: the default run is adaptive", p.Budget, harness.DefaultBudget)
	}
	if p.Count != harness.DefaultBlocks || p.Order != harness.Paired || !slices.Equal(p.Locks, []string{"mutex", "mcs"}) || !slices.Equal(p.Modes, harness.DefaultModes) {
		t.Errorf("DefaultPlan = %+v, want mutex and mcs, DefaultModes, %d paired blocks first", p, harness.DefaultBlocks)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("DefaultPlan does not validate: %v", err)
	}
}
