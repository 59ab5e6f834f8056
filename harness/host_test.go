package harness

import (
	"errors"
	"testing"

	"github.com/lockbench/lockbench/host"
)

// TestHostNamesAreFields: package host refuses an unknown placement or
// affinity with a plain *host.NameError; harness owns the fields, so
// Validate must wrap it in the FieldError the CLI maps to its flag.
func TestHostNamesAreFields(t *testing.T) {
	for _, tt := range []struct {
		set    func(*Runner)
		field  string
		reason string
	}{
		{func(r *Runner) { r.Placement = "socket" }, FieldPlacement, "four placements exist"},
		{func(r *Runner) { r.Affinity = "far" }, FieldAffinity, "four affinities exist"},
	} {
		r := DefaultRunner
		tt.set(&r)
		err := r.Validate()
		fe, ok := errors.AsType[*FieldError](err)
		if !ok || fe.Field != tt.field {
			t.Errorf("Validate = %v, want a *FieldError on %s (%s)", err, tt.field, tt.reason)
			continue
		}
		if _, ok := errors.AsType[*host.NameError](err); !ok {
			t.Errorf("Validate = %v: the FieldError must wrap host's *NameError", err)
		}
	}
}

// TestRunnerPairedSettings: a setting that means something only beside
// another is refused without it, by Validate, so that a library runner
// refuses what `lockbench run` refuses instead of recording a setting it
// does not use.
func TestRunnerPairedSettings(t *testing.T) {
	for _, tt := range []struct {
		set    func(*Runner)
		field  string
		reason string
	}{
		{func(r *Runner) { r.Placement, r.Affinity = host.PlaceSMT, host.None }, FieldPlacement, "unpinned workers have no CPUs to pick"},
		{func(r *Runner) { r.ClassLabels = true }, FieldClassLabels, "class labels label a CPU profile that is not being taken"},
	} {
		r := DefaultRunner
		tt.set(&r)
		if fe, ok := errors.AsType[*FieldError](r.Validate()); !ok || fe.Field != tt.field {
			t.Errorf("Validate = %v, want a *FieldError on %s: %s", r.Validate(), tt.field, tt.reason)
		}
	}
	r := DefaultRunner
	r.Placement, r.Labels, r.ClassLabels = host.PlaceSMT, true, true
	if err := r.Validate(); err != nil {
		t.Errorf("pinned with a placement, profiled with class labels: %v", err)
	}
}
