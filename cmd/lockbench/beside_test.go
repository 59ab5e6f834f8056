package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBeside: one table puts the model's headlines and the kernel's side
// by side, with large against page and batch's efficiency for each.
func TestBeside(t *testing.T) {
	dir := t.TempDir()
	var model, kernel strings.Builder
	for _, b := range []*strings.Builder{&model, &kernel} {
		b.WriteString("goos: linux\n")
	}
	// Model: page 101, batch 41, large 21 (medians; efficiency 75%); kernel: page
	// 1801, batch 1401, large 501 (efficiency 31%).
	for i := range 6 {
		d := float64(i % 3)
		for _, r := range []struct {
			mode string
			ns   float64
		}{{"page", 100}, {"batch", 40}, {"large", 20}} {
			fmt.Fprintf(&model, "BenchmarkPageCache/mode=%s/batch=16/lock=mutex/threads=1-2\t1000\t%g ns/page\n", r.mode, r.ns+d)
		}
		for _, r := range []struct {
			mode string
			ns   float64
		}{{"page", 1800}, {"batch", 1400}, {"large", 500}} {
			fmt.Fprintf(&kernel, "BenchmarkFault/mode=%s/batch=16/threads=1-2\t1000\t%g ns/page\t%d folio-pages\n", r.mode, r.ns+d, map[string]int{"large": 16}[r.mode]|1)
		}
	}
	mp, kp := filepath.Join(dir, "model.txt"), filepath.Join(dir, "fault.txt")
	os.WriteFile(mp, []byte(model.String()), 0o644)
	os.WriteFile(kp, []byte(kernel.String()), 0o644)
	stdout, stderr, code := execCLI(t, "beside", mp, kp)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(stdout, "\n") {
		for _, w := range []string{"pagecache", "fault"} {
			if strings.Contains(l, "│ "+w+" ") {
				rows[w] = l
			}
		}
	}
	for w, want := range map[string][]string{"pagecache": {"-59%", "-79%", "75%"}, "fault": {"-22%", "-72%", "31%", "(kernel's)"}} {
		for _, x := range want {
			if !strings.Contains(rows[w], x) {
				t.Errorf("%s row %q lacks %s\n%s", w, rows[w], x, stdout)
			}
		}
	}
	wantUsageError(t, []string{"beside", filepath.Join(dir, "none.txt")}, "a missing file is bad input")
}
