package footprint

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/results"
)

// TestLoadTimingsBounded: LoadTimings kept every sample of a case, its
// memory growing with the file; past results.MaxSamples lines of one
// case it now stops with an error naming the limit.
func TestLoadTimingsBounded(t *testing.T) {
	var b strings.Builder
	for i := range results.MaxSamples + 1 {
		fmt.Fprintf(&b, "BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=1 100 %d ns/page\n", 100+i)
	}
	_, err := LoadTimings(strings.NewReader(b.String()), "long.txt")
	if err == nil || !strings.Contains(err.Error(), "results.MaxSamples") {
		t.Errorf("error %v, want one naming results.MaxSamples", err)
	}
	whole := strings.Join(strings.SplitAfter(b.String(), "\n")[:results.MaxSamples], "")
	tm, err := LoadTimings(strings.NewReader(whole), "ok.txt")
	if err != nil || len(tm["PageCache/mode=page/batch=1/lock=mutex/threads=1"]) != results.MaxSamples {
		t.Errorf("%d samples, %v; want all %d", len(tm["PageCache/mode=page/batch=1/lock=mutex/threads=1"]), err, results.MaxSamples)
	}
}
