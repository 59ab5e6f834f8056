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
