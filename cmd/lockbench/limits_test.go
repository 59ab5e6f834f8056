package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/results"
)

// TestReadersSayTheySampled: a case of more than results.MaxSamples
// lines is read in a sample of that many; compare, gate, classes and
// report each say so in one warning line on stderr, never silently.
func TestReadersSayTheySampled(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "long.txt")
	var b strings.Builder
	for i := range results.MaxSamples + 5 {
		fmt.Fprintf(&b, "BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=2 100 %d ns/page 2 acq/page %d block\n", 100+i%7, i+1)
		fmt.Fprintf(&b, "BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=2/class=lru 100 2 acq/page\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("2 benchmarks have more than %d lines", results.MaxSamples)
	for _, args := range [][]string{
		{"compare", path},
		{"gate", "--baseline", path, "--allow-unjudged", path},
		{"classes", path},
		{"report", "-o", filepath.Join(dir, "rep"), path},
	} {
		_, stderr, code := execCLI(t, args...)
		if code != 0 || strings.Count(stderr, want) < 1 || !strings.Contains(stderr, "results.MaxSamples") {
			t.Errorf("%s: exit %d, stderr %q; want 0 and a warning saying %q", args[0], code, stderr, want)
		}
	}
}

// TestReadersRefuseOverBudget: an input of more distinct benchmarks than
// results.MaxKept keeps even at their fewest lines (a merged fleet sweep
// too wide to read within the memory goal) is refused by compare, gate,
// classes and report alike: exit 2, one line on stderr naming the limit
// and what to do; before the budget, such an input took memory by
// cases × samples.
func TestReadersRefuseOverBudget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fleet.txt")
	var b strings.Builder
	for i := range results.MaxKept/(1+results.CaseWeight) + 1 {
		fmt.Fprintf(&b, "BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=%d 100 %d ns/page\n", i+1, 100+i%7)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"compare", path},
		{"gate", "--baseline", path, path},
		{"classes", path},
		{"report", "-o", filepath.Join(dir, "rep"), path},
	} {
		_, stderr, code := execCLI(t, args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "results.MaxKept") || !strings.Contains(stderr, "split the input") {
			t.Errorf("%s: exit %d, stderr %q; want 2 and one line naming results.MaxKept and saying to split the input", args[0], code, stderr)
		}
	}
}
