package reports

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// classFile writes a results file of cases cases, each repeated reps
// times with three class lines per repetition: the shape of a long
// sweep's class lines.
func classFile(tb testing.TB, cases, reps int) string { return classFileN(tb, cases, reps, 3) }

// classFileN is classFile with classes distinct classes per case line.
func classFileN(tb testing.TB, cases, reps, classes int) string {
	tb.Helper()
	var b bytes.Buffer
	b.WriteString("goos: linux\nworkload: pagecache\n")
	for r := range reps {
		for c := range cases {
			name := fmt.Sprintf("BenchmarkPageCache/mode=pcp/batch=16/lock=mutex/threads=%d", c+1)
			fmt.Fprintf(&b, "%s-2 69344 %d ns/page 2.1 acq/page 0.1 contended/page 10 wait-ns/page\n", name, 100+r%7)
			for cl := range classes {
				fmt.Fprintf(&b, "%s/class=c%d-2 69344 0.7 acq/page 0.03 contended/page 3 wait-ns/page 0 wait-p99-ns 50 hold-ns\n", name, cl)
			}
		}
	}
	p := filepath.Join(tb.TempDir(), "results.txt")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkClassTable measures lockbench classes (Load and
// WriteClassTable) against the number of class lines: per line, its time
// must stay flat as lines grow (it was quadratic: 10⁵ lines took 96 s).
func BenchmarkClassTable(b *testing.B) {
	for _, shape := range []struct{ cases, reps int }{{10, 300}, {10, 3000}, {1000, 30}, {10000, 3}} {
		b.Run(fmt.Sprintf("cases=%d/reps=%d", shape.cases, shape.reps), func(b *testing.B) {
			p := classFile(b, shape.cases, shape.reps)
			for b.Loop() {
				set, err := LoadContext(context.Background(), p)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := WriteClassTable(io.Discard, set); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(4*shape.cases*shape.reps), "ns/line")
		})
	}
}

// BenchmarkClassTableClasses is BenchmarkClassTable with many distinct
// classes per case, up to results.MaxClasses and beyond (the rest left
// out with a warning): the per-line time must stay flat.
func BenchmarkClassTableClasses(b *testing.B) {
	for _, classes := range []int{30, 300, 3000} {
		b.Run(fmt.Sprintf("classes=%d", classes), func(b *testing.B) {
			p := classFileN(b, 1, 10, classes)
			for b.Loop() {
				set, err := LoadContext(context.Background(), p)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := WriteClassTable(io.Discard, set); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(10*(classes+1)), "ns/line")
		})
	}
}
