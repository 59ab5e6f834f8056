package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
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
		})
	}
}
