package render

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/reports"
)

// TestOrphanClassLinesOneRule: class lines whose case line is not in the
// input are left out by one rule (cases.Model's placeClasses), and the
// classes table and the report say the same of them: the same warning,
// and the report counts only the class lines it placed (it counted the
// orphan among its lock-class lines while the table left it out
// silently).
func TestOrphanClassLinesOneRule(t *testing.T) {
	const in = `machine: m1
BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=2 100 50 ns/page 2 acq/page 1 contended/page 10 wait-ns/page
BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=2/class=lru 100 1 acq/page 0.5 contended/page 5 wait-ns/page
BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=2/class=zone 100 1 acq/page 0.5 contended/page 5 wait-ns/page
BenchmarkPageCache/mode=page/batch=1/lock=mcs/threads=2/class=lru 100 1 acq/page 0.5 contended/page 5 wait-ns/page
`
	set, err := reports.Read(strings.NewReader(in), "orphans.txt")
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	warnings, err := reports.WriteClassTable(&table, set)
	if err != nil {
		t.Fatal(err)
	}
	const orphan = "of PageCache/mode=page/batch=1/lock=mcs/threads=2 without its case line: left out"
	i := slices.IndexFunc(warnings, func(w string) bool { return strings.Contains(w, orphan) })
	if i < 0 {
		t.Fatalf("classes gave warnings %q, none about the orphan class line", warnings)
	}
	if strings.Contains(table.String(), "lock=mcs") {
		t.Errorf("the classes table shows the orphan's case:\n%s", table.String())
	}
	r, err := New(set, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.view.Warnings, warnings[i]) {
		t.Errorf("the report's warnings %q lack the classes command's %q", r.view.Warnings, warnings[i])
	}
	var input string
	for _, f := range r.view.Methodology {
		if f.Label == "Input" {
			input = f.Value
		}
	}
	if !strings.Contains(input, "1 result lines and 2 lock-class lines") || !strings.Contains(input, "1 lock-class line without their case line left out") {
		t.Errorf("the report's input fact is %q, want 1 result line, 2 lock-class lines placed and 1 left out", input)
	}
}
