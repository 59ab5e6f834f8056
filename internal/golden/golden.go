// Package golden compares test output with golden files, as x/perf's
// tests do: a mismatch of NAME.EXT fails the test with a unified line diff
// of the golden file against the output (bounded: see Diff) and writes the
// whole output beside it as NAME.got-EXT (gitignored); -update rewrites
// the golden file instead. Each test package defines its own -update flag
// (flags belong to a test binary) and passes its value.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Check compares got with the golden file at path. On a mismatch it
// writes got to GotPath(path) and fails t with the diff; on a match it
// removes a stale GotPath file. With update it writes got to path and
// passes.
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	gotPath := GotPath(path)
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(gotPath)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run '%s' -update to create it)", err, t.Name())
	}
	if bytes.Equal(got, want) {
		os.Remove(gotPath)
		return
	}
	if err := os.WriteFile(gotPath, got, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Errorf("output differs from %s (whole output in %s; run with -update if the change is intended):\n%s",
		path, gotPath, Diff(path, gotPath, want, got))
}

// GotPath is where Check writes a mismatching output for the golden file
// at path: testdata/x.stdout -> testdata/x.got-stdout.
func GotPath(path string) string {
	ext := filepath.Ext(path)
	if ext == "" {
		return path + ".got"
	}
	return strings.TrimSuffix(path, ext) + ".got-" + ext[1:]
}
