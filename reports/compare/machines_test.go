package compare

import (
	"fmt"
	"strings"
	"testing"
)

// merged returns a merged file's text: machine a's ten samples around
// a ns/page, then machine b's around b.
func merged(a, b float64) string {
	var s strings.Builder
	s.WriteString("goos: linux\nmachine-1: a\nmachine-2: b\n")
	for _, m := range []struct {
		name string
		ns   float64
	}{{"a", a}, {"b", b}} {
		fmt.Fprintf(&s, "\nmachine: %s\n", m.name)
		for i := range 10 {
			fmt.Fprintf(&s, "BenchmarkPageCache/mode=batch/batch=16/lock=mutex/threads=2 1000 %g ns/page\n", m.ns*(1+0.002*float64(i%5-2)))
		}
	}
	return s.String()
}

// TestGateMachinesNotPooled: a merged file's machines are two
// benchmarks to the gate, as two regimes are: machine b's 30% regression
// is not averaged away by machine a (pooled, it once passed as
// "+15% unconfirmed").
func TestGateMachinesNotPooled(t *testing.T) {
	base := read(t, merged(100, 100), "base.txt")
	head := read(t, merged(100, 130), "new.txt")
	v, err := Gate(base, head, quietGate)
	if err != nil {
		t.Fatal(err)
	}
	if v.Pass {
		t.Errorf("gate passed: %+v", v.Checks)
	}
	var regressed []string
	for _, c := range v.Checks {
		if c.Status == StatusRegressed {
			regressed = append(regressed, c.Name)
		}
	}
	if len(regressed) != 1 || !strings.HasSuffix(regressed[0], " b") {
		t.Errorf("regressed %q, want machine b's benchmark only; checks %+v", regressed, v.Checks)
	}
	// Reason: --ignore machine pools the machines on purpose.
	opts := quietGate
	opts.Ignore = "machine"
	if v, err := Gate(base, head, opts); err != nil || len(v.Checks) != 1 {
		t.Errorf("with ignore machine: %d checks, %v; want 1 pooled", len(v.Checks), err)
	}
}

// TestCompareMachinesNotPooled: compare keeps a merged file's machines
// on rows of their own, unless a projection names the machine.
func TestCompareMachinesNotPooled(t *testing.T) {
	set := read(t, merged(100, 130), "m.txt")
	c, err := Tables(set, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Tables[0].Rows); n != 2 {
		t.Errorf("%d rows, want one per machine", n)
	}
	opts := DefaultOptions
	opts.Col = "machine"
	c, err = Tables(set, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Tables[0].Rows); n != 1 {
		t.Errorf("--col machine: %d rows, want 1 with the machines side by side", n)
	}
}
