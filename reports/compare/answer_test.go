package compare

import (
	"strings"
	"testing"
)

// TestSwitchedLeftOut: a line whose machine state changed in flight is
// left out of compare's tables, as of every other statistic, and said.
func TestSwitchedLeftOut(t *testing.T) {
	var b strings.Builder
	for i := range 6 {
		b.WriteString("BenchmarkPageCache/mode=page/lock=mcs/threads=2-2 1000 100 ns/page 4 acq/page\n")
		b.WriteString("BenchmarkPageCache/mode=batch/batch=16/lock=mcs/threads=2-2 1000 50 ns/page 0.25 acq/page\n")
		if i < 3 {
			b.WriteString("BenchmarkPageCache/mode=batch/batch=16/lock=mcs/threads=2/regime=switched-2 1000 900 ns/page 0.25 acq/page\n")
		}
	}
	set := read(t, b.String(), "r.txt")
	opts := DefaultOptions
	opts.Col = "/mode"
	cmp, err := Tables(set, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := cmp.Write(&out, Text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(cmp.Warnings, "\n"), "3 lines whose machine state changed") {
		t.Errorf("the switched lines left out are not said: warnings %q", cmp.Warnings)
	}
	if strings.Contains(out.String(), "900") { // the switched lines' ns/page
		t.Errorf("a switched row in the tables:\n%s", out.String())
	}
}

// TestUnitsDefault: Units keeps the units asked for, and every unit of
// files that have none of them.
func TestUnitsDefault(t *testing.T) {
	text := "BenchmarkPageCache/mode=page/threads=1-2 1000 100 ns/page 4 acq/page 30 xfer-ns\n" +
		"BenchmarkPageCache/mode=page/threads=1-2 1000 101 ns/page 4 acq/page 31 xfer-ns\n"
	opts := DefaultOptions
	opts.Units = []string{"ns/page", "acq/page"}
	cmp, err := Tables(read(t, text, "r.txt"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.Tables) != 2 {
		t.Errorf("%d tables, want ns/page and acq/page only", len(cmp.Tables))
	}
	cmp, err = Tables(read(t, "BenchmarkX-2 100 10 ns/op\nBenchmarkX-2 100 11 ns/op\n", "g.txt"), opts)
	if err != nil || len(cmp.Tables) != 1 {
		t.Errorf("plain go test output: %v, %d tables, want its ns/op", err, len(cmp.Tables))
	}
}
