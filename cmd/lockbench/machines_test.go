package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeMerged writes a merged file: ten samples of one case on machine
// a around a ns/page, ten on machine b around b.
func writeMerged(t *testing.T, path string, a, b float64) {
	t.Helper()
	var s strings.Builder
	s.WriteString("goos: linux\nmachine-1: a\nmachine-2: b\n")
	for _, m := range []struct {
		name string
		ns   float64
	}{{"a", a}, {"b", b}} {
		fmt.Fprintf(&s, "\nmachine: %s\n", m.name)
		for i := range 10 {
			fmt.Fprintf(&s, "BenchmarkPageCache/mode=batch/batch=16/lock=mutex/threads=2 1000 %g ns/page\n", m.ns*(1+0.002*float64(i%5-2)))
		}
	}
	if err := os.WriteFile(path, []byte(s.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGateMergedMachines: baseline a=100 b=100, new a=100 b=130: the
// gate finds machine b's regression and exits 1, in text and JSON (it
// once pooled the machines: "+15% unconfirmed", PASS, exit 0).
func TestGateMergedMachines(t *testing.T) {
	dir := t.TempDir()
	base, head := filepath.Join(dir, "base.txt"), filepath.Join(dir, "new.txt")
	writeMerged(t, base, 100, 100)
	writeMerged(t, head, 100, 130)
	stdout, stderr, code := execCLI(t, "gate", "--baseline", base, head)
	if code != exitFailure || !strings.Contains(stdout+stderr, "threads=2 b") {
		t.Errorf("exit %d, want %d naming machine b; stdout:\n%s\nstderr:\n%s", code, exitFailure, stdout, stderr)
	}
	stdout, _, code = execCLI(t, "gate", "--json", "--baseline", base, head)
	if code != exitFailure || !strings.Contains(stdout, `"pass": false`) {
		t.Errorf("--json: exit %d, want %d with pass false; stdout:\n%s", code, exitFailure, stdout)
	}
	// Reason: compare puts the machines on rows of their own as well.
	stdout, _, _ = execCLI(t, "compare", head)
	if !strings.Contains(stdout, "threads=2 a") || !strings.Contains(stdout, "threads=2 b") {
		t.Errorf("compare pools the machines:\n%s", stdout)
	}
}
