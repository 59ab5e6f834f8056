package reports

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/results"
)

const tornHead = "goos: linux\n" +
	"BenchmarkPageCache/mode=page/lock=mcs/threads=2-2\t1000\t41.2 ns/page\t4.0 acq/page\t900 wait-p99-ns\n"

// TestTornLastLine: a last line without its newline is reported as
// incomplete and left out, wherever the cut falls; the rest is used
// (issue 13 item 6: a cut mid-unit invented a unit, a cut after a value
// lost the whole file).
func TestTornLastLine(t *testing.T) {
	tests := []struct {
		tail   string
		reason string
	}{
		{"BenchmarkPageCache/mode=page/lock=mcs/threads=2-2\t1000\t41.5 ns/page\t4.0 acq/page\t900 wait-p", "cut mid-unit: 'wait-p' must not become a unit"},
		{"BenchmarkPageCache/mode=page/lock=mcs/threads=2-2\t1000\t41.5 ns/page\t4.0", "cut after a value: a value without its unit must not cost the file"},
		{"BenchmarkPageCache/mode=pa", "cut inside the name"},
		{"BenchmarkPageCache/mode=page/lock=mcs/threads=2-2\t1000\t41.5 ns/page", "a line that would parse is still incomplete"},
	}
	for _, tt := range tests {
		set, err := Read(strings.NewReader(tornHead+tt.tail), "r.txt")
		if err != nil {
			t.Errorf("%s: Load = %v, want the whole lines used", tt.reason, err)
			continue
		}
		if len(set.Results) != 1 {
			t.Errorf("%s: %d results, want the 1 whole line", tt.reason, len(set.Results))
		}
		for _, v := range set.Results[0].Values {
			if v.Unit == "wait-p" {
				t.Errorf("%s: invented unit %q", tt.reason, v.Unit)
			}
		}
		if len(set.Warnings) != 1 || !strings.Contains(set.Warnings[0].Error(), "r.txt:3: is incomplete") || !strings.Contains(set.Warnings[0].Error(), "the rest is used") {
			t.Errorf("%s: warnings %v, want line 3 reported incomplete", tt.reason, set.Warnings)
		}
	}
	if _, err := Read(strings.NewReader("BenchmarkX 10 5 ns/op"), "only.txt"); err == nil || !strings.Contains(err.Error(), "only.txt:1: is incomplete") {
		t.Errorf("a file of one torn line: %v, want it called incomplete", err)
	}
}

// TestImpossibleValues: a negative time or count, and an iteration count
// below 1, are refused like NaN (item 16); a custom metric may be
// negative.
func TestImpossibleValues(t *testing.T) {
	tests := []struct {
		line   string
		ok     bool
		reason string
	}{
		{"BenchmarkPageCache/mode=page/lock=m/threads=1-2 10 -41.2 ns/page", false, "a negative time"},
		{"BenchmarkPageCache/mode=page/lock=m/threads=1-2 10 41.2 ns/page -1 acq/page", false, "a negative count of a schema unit"},
		{"BenchmarkX-2 10 -5 ns/op", false, "go test times cannot be negative"},
		{"BenchmarkX-2 10 -5 B/op", false, "nor sizes"},
		{"BenchmarkPageCache/mode=page/lock=m/threads=1-2 0 41.2 ns/page", false, "0 iterations measured nothing"},
		{"BenchmarkX-2 10 5 ns/op -3 drift", true, "a custom metric may be negative"},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(tt.line+"\n"), "v.txt")
		if (err == nil) != tt.ok {
			t.Errorf("%q: err %v, want ok=%v (%s)", tt.line, err, tt.ok, tt.reason)
		}
	}
}

// TestLoadRefusesNonRegularAndLarge: FIFOs and devices are refused before
// they are read; a file over the cap is an error, not an OOM (item 3).
func TestLoadRefusesNonRegularAndLarge(t *testing.T) {
	if _, err := Load("/dev/zero"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Load(/dev/zero) = %v, want refused as not a regular file", err)
	}
	p := filepath.Join(t.TempDir(), "big.txt")
	if err := os.WriteFile(p, []byte(strings.Repeat(tornHead, 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Set{Units: benchfmt.UnitMetadataMap{}}
	err := s.loadFile(context.Background(), p, p, 1024, results.MaxKept)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("loadFile over the cap = %v, want too large", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadContext(ctx, p); !errors.Is(err, context.Canceled) {
		t.Errorf("LoadContext(cancelled) = %v, want context.Canceled", err)
	}
}

// TestSummaryCSPerOp: cs cases show acq/op and contended/op, not "-"
// (item 16).
func TestSummaryCSPerOp(t *testing.T) {
	in := "BenchmarkCS/lock=mcs/lines=1/think=0/threads=2-2\t1000\t41.0 ns/op\t1 acq/op\t0.25 contended/op\n"
	set, err := Read(strings.NewReader(in+in+in), "cs.txt")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Summarize(set.Results)
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Rows[0]
	if r.AcqPerPage == nil || float64(*r.AcqPerPage) != 1 || r.ContendedPerPage == nil || float64(*r.ContendedPerPage) != 0.25 {
		t.Fatalf("cs row acq %v contended %v, want 1 and 0.25", r.AcqPerPage, r.ContendedPerPage)
	}
	var b strings.Builder
	if err := sum.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "acq/op") || !strings.Contains(b.String(), "contended/op") {
		t.Errorf("cs summary header does not say acq/op and contended/op:\n%s", b.String())
	}
}
