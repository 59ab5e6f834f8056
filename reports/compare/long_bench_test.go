package compare

import (
	"fmt"
	"os"
	"path/filepath"
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
			})
		}
	}
}
