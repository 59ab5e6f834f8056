package compare

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/internal/bigfile"
	"github.com/lockbench/lockbench/reports"
)

// BenchmarkLong reads ever longer runs of the same cases
// (reports/testdata/run.txt repeated) and compares them (Tables), or
// gates one against itself (Gate): peak-heap-B is the most heap Load and
// the comparison took, which depends on the cases, not the lines (see
// reports' BenchmarkLoadLong).
func BenchmarkLong(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "run.txt"))
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int64{4 << 20, 16 << 20, 64 << 20} {
		path := filepath.Join(b.TempDir(), "long.txt")
		if _, err := bigfile.Write(path, src, size); err != nil {
			b.Fatal(err)
		}
		for _, op := range []string{"compare", "gate"} {
			b.Run(fmt.Sprintf("%s/MB=%d", op, size>>20), func(b *testing.B) {
				benchRead(b, op, path, size)
			})
		}
	}
}

// BenchmarkManyCases compares (Tables) or gates (Gate, against itself)
// merged sweeps of ever more machines and cases, the shapes of reports'
// BenchmarkLoadManyCases: peak-heap-B is bounded by results.MaxKept
// whatever the cases.
func BenchmarkManyCases(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "run.txt"))
	if err != nil {
		b.Fatal(err)
	}
	var body int64
	for line := range strings.Lines(string(src)) {
		if strings.HasPrefix(line, "Benchmark") {
			body += int64(len(line))
		}
	}
	for _, shape := range []struct{ machines, reps int }{{10, 1}, {25, 4}, {28, 20}} {
		path := filepath.Join(b.TempDir(), "fleet.txt")
		size, n, err := bigfile.WriteMachines(path, src, shape.reps, int64(len(src))-body+int64(shape.machines)*(int64(shape.reps)*body+32))
		if err != nil || n != shape.machines {
			b.Fatalf("wrote %d machines, want %d: %v", n, shape.machines, err)
		}
		for _, op := range []string{"compare", "gate"} {
			b.Run(fmt.Sprintf("%s/machines=%d/reps=%d", op, shape.machines, shape.reps), func(b *testing.B) {
				benchRead(b, op, path, size)
			})
		}
	}
}

// benchRead loads path and compares it (op "compare") or gates it
// against itself ("gate") b.N times, reporting the most heap one took.
func benchRead(b *testing.B, op, path string, size int64) {
	b.SetBytes(size)
	var peak uint64
	for b.Loop() {
		peak = max(peak, bigfile.PeakHeap(func() {
			set, err := reports.Load(path)
			if err != nil {
				b.Fatal(err)
			}
			if op == "compare" {
				_, err = Tables(set, DefaultOptions)
			} else {
				_, err = Gate(set, set, DefaultGate)
			}
			if err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(peak), "peak-heap-B")
}
