package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/internal/bigfile"
)

// longSizes are the input sizes of the readers' memory benchmarks: a
// run's cases (testdata/run.txt) repeated; the peak heap stays flat from
// one to the next once every case has results.MaxSamples lines. The
// 1 GiB figure is measured on the commands (docs/DESIGN.md, "Limits").
var longSizes = []int64{4 << 20, 16 << 20, 64 << 20}

// longInput writes testdata/run.txt's cases repeated to about size
// bytes in a temporary folder.
func longInput(b *testing.B, size int64) string {
	b.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "run.txt"))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "long.txt")
	if _, err := bigfile.Write(path, src, size); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkLoadLong reads ever longer runs of the same cases, with Load
// and then the classes table (WriteClassTable): peak-heap-B is the most
// heap either took, which depends on the cases, not the lines.
func BenchmarkLoadLong(b *testing.B) {
	for _, size := range longSizes {
		b.Run(fmt.Sprintf("MB=%d", size>>20), func(b *testing.B) {
			path := longInput(b, size)
			benchLoad(b, path, size)
		})
	}
}

// manyShapes are the shapes of the readers' many-case memory benchmarks:
// a merged sweep of Machines machines, each repeating
// testdata/run.txt's 80 cases Reps times (6 lines each a time). The
// first keeps every line; the others pass results.MaxKept and keep a
// shrunk sample of every case (12, then results.MinSamples lines).
var manyShapes = []struct{ Machines, Reps int }{{10, 1}, {25, 4}, {28, 20}}

// manyInput writes testdata/run.txt's cases on machines machines, reps
// times each, in a temporary folder (bigfile.WriteMachines).
func manyInput(b *testing.B, machines, reps int) (string, int64) {
	b.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "run.txt"))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "fleet.txt")
	var body int64
	for line := range strings.Lines(string(src)) {
		if strings.HasPrefix(line, "Benchmark") {
			body += int64(len(line))
		}
	}
	size, n, err := bigfile.WriteMachines(path, src, reps, int64(len(src))-body+int64(machines)*(int64(reps)*body+32))
	if err != nil || n != machines {
		b.Fatalf("wrote %d machines, want %d: %v", n, machines, err)
	}
	return path, size
}

// BenchmarkLoadManyCases reads merged sweeps of ever more machines and
// cases (manyShapes), with Load and then the classes table: peak-heap-B
// is the most heap either took, bounded by results.MaxKept whatever the
// cases (it grew with cases × samples before).
func BenchmarkLoadManyCases(b *testing.B) {
	for _, shape := range manyShapes {
		b.Run(fmt.Sprintf("machines=%d/reps=%d", shape.Machines, shape.Reps), func(b *testing.B) {
			path, size := manyInput(b, shape.Machines, shape.Reps)
			benchLoad(b, path, size)
		})
	}
}

// benchLoad loads path and writes its classes table b.N times,
// reporting the most heap one took.
func benchLoad(b *testing.B, path string, size int64) {
	b.SetBytes(size)
	var peak uint64
	for b.Loop() {
		peak = max(peak, bigfile.PeakHeap(func() {
			set, err := Load(path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := WriteClassTable(io.Discard, set); err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(peak), "peak-heap-B")
}
