package render

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/lockbench/lockbench/internal/bigfile"
	"github.com/lockbench/lockbench/reports"
)

// BenchmarkReportLong reads ever longer runs of the same cases
// (reports/testdata/run.txt repeated) and builds their report (New,
// WriteMarkdown): peak-heap-B is the most heap Load and the report took,
// which depends on the cases, not the lines (see reports'
// BenchmarkLoadLong).
func BenchmarkReportLong(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "run.txt"))
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int64{4 << 20, 16 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("MB=%d", size>>20), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "long.txt")
			if _, err := bigfile.Write(path, src, size); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			var peak uint64
			for b.Loop() {
				peak = max(peak, bigfile.PeakHeap(func() {
					set, err := reports.Load(path)
					if err != nil {
						b.Fatal(err)
					}
					r, err := New(set, DefaultOptions)
					if err != nil {
						b.Fatal(err)
					}
					if err := r.WriteMarkdown(io.Discard); err != nil {
						b.Fatal(err)
					}
				}))
			}
			b.ReportMetric(float64(peak), "peak-heap-B")
		})
	}
}
