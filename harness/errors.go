package harness

import (
	"fmt"
	"time"

	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// The fields of a FieldError: of a Plan, of a Runner, and of the output.
// A knob of Plan.Base other than those below is named by its
// workloads.Knob (zones, touch, file-pages, delay, lines, think); a class
// lock override by ClassLockField.
const (
	FieldWorkload  = "workload"  // Plan.Base.Workload
	FieldLocks     = "locks"     // Plan.Locks
	FieldModes     = "modes"     // Plan.Modes
	FieldBatches   = "batches"   // Plan.Batches
	FieldThreads   = "threads"   // Plan.Threads
	FieldCount     = "count"     // Plan.Count
	FieldOrder     = "order"     // Plan.Order
	FieldDuration  = "duration"  // Runner.Duration
	FieldWarmup    = "warmup"    // Runner.Warmup
	FieldTurn      = "turn"      // Runner.Turn
	FieldRewarm    = "rewarm"    // Runner.Rewarm
	FieldGrace     = "grace"     // Runner.Grace
	FieldAffinity  = "affinity"  // Runner.Affinity
	FieldPlacement = "placement" // Runner.Placement
	FieldTiming    = "timing"    // Plan.Timing
	FieldBudget    = "budget"    // Plan.Budget
	FieldTarget    = "target"    // Plan.Target
	FieldLabels    = "labels"    // Runner.Labels: profiling
	// FieldClassLabels is Runner.ClassLabels, which needs Labels.
	FieldClassLabels = "class-labels"
)

// ClassLockField is the Field of a lock override of class c in
// Plan.Base.ClassLocks: "zone-lock" (schema.ClassLockKey).
func ClassLockField(c workloads.Class) string { return schema.ClassLockKey(string(c)) }

// A FieldError is an invalid value of one field of a Plan or a Runner
// (see the Field constants). errors.As finds it, so that a command line
// can name its own setting for Field (cmd/lockbench says "--batch: ..."
// for FieldBatches); Err says what is wrong without naming the field.
type FieldError struct {
	Field string
	Value string // the value, when Err does not say it ("0s"); else ""
	Err   error
}

// Error is "field value: err", or "field: err" without a Value.
func (e *FieldError) Error() string {
	if e.Value != "" {
		return e.Field + " " + e.Value + ": " + e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

func (e *FieldError) Unwrap() error { return e.Err }

// planField turns a workloads.Spec error about one knob into the error of
// the Plan field the knob comes from: a case's Lock is one of
// Plan.Locks, its Workers one of Plan.Threads, and so on.
func planField(ke *workloads.KnobError) *FieldError {
	fe := &FieldError{Field: string(ke.Knob), Err: ke.Err}
	switch ke.Knob {
	case workloads.KnobWorkload:
		fe.Field = FieldWorkload
	case workloads.KnobWorkers:
		fe.Field = FieldThreads
	case workloads.KnobMode:
		fe.Field = FieldModes
	case workloads.KnobBatch:
		fe.Field = FieldBatches
	case workloads.KnobLock:
		fe.Field = FieldLocks
		if ke.Class != "" {
			fe.Field = ClassLockField(ke.Class)
		}
	case workloads.KnobDelay:
		fe.Err = fmt.Errorf("class %q: %w", ke.Class, ke.Err)
	}
	return fe
}

// A PlanError is a plan that cannot run for a reason no single field
// names: a model too large for memory. Plan.Validate returns it beside
// *FieldError; both are the caller's input, not the machine's.
type PlanError struct {
	Err error
}

func (e *PlanError) Error() string { return e.Err.Error() }

func (e *PlanError) Unwrap() error { return e.Err }

// An OutputError is a results folder that cannot be written: it exists
// and is not empty (the error wraps ErrOutputExists), or reading or
// creating it or its results file failed.
type OutputError struct {
	Dir string
	Err error
}

func (e *OutputError) Error() string {
	if e.Dir == "" {
		return "output folder: " + e.Err.Error()
	}
	return "output folder " + e.Dir + ": " + e.Err.Error()
}

func (e *OutputError) Unwrap() error { return e.Err }

// An EstimateError is a sweep estimated (Estimate) to take longer than
// MaxUnforced, which NewSweep runs only when forced: a plan of that
// length is more often a typo (a --duration of 2562047h) than a plan.
type EstimateError struct {
	Estimate time.Duration
}

func (e *EstimateError) Error() string {
	return fmt.Sprintf("the sweep would take about %v: over %v needs force", e.Estimate.Round(time.Minute), MaxUnforced)
}
