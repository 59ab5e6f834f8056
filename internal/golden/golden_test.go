package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of stopping.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Fatal(...any)          { r.failed = true }
func (r *recorder) Helper()               {}
func (r *recorder) Name() string          { return "TestX" }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.stdout")
	if err := os.WriteFile(path, []byte("want\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	r := &recorder{TB: t}
	Check(r, path, []byte("want\n"), false)
	if r.failed {
		t.Error("equal output failed")
	}

	r = &recorder{TB: t}
	Check(r, path, []byte("other\n"), false)
	if !r.failed {
		t.Error("different output passed")
	}
	if b, err := os.ReadFile(GotPath(path)); err != nil || string(b) != "other\n" {
		t.Errorf("mismatch left %q, %v in the .got file; want the output", b, err)
	}

	r = &recorder{TB: t}
	Check(r, path, []byte("other\n"), true)
	if b, _ := os.ReadFile(path); r.failed || string(b) != "other\n" {
		t.Errorf("-update: failed %t, golden file %q; want it rewritten", r.failed, b)
	}
	if _, err := os.Stat(GotPath(path)); !os.IsNotExist(err) {
		t.Error("-update left the .got file behind")
	}

	r = &recorder{TB: t}
	Check(r, filepath.Join(t.TempDir(), "missing"), []byte("x"), false)
	if !r.failed {
		t.Error("a missing golden file passed")
	}
}

func TestGotPath(t *testing.T) {
	for in, want := range map[string]string{
		"testdata/compare.stdout":   "testdata/compare.got-stdout",
		"testdata/report/report.md": "testdata/report/report.got-md",
		"testdata/plain":            "testdata/plain.got",
	} {
		if got := GotPath(in); got != want {
			t.Errorf("GotPath(%q) = %q, want %q", in, got, want)
		}
	}
}
