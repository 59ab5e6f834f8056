package benchfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.txt")
	data := "cpu: x\nBenchmarkA/k=1-2 10 5 ns/op\nBenchmarkA/k=2-2 10 6 ns/op\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	rs := Read(t, path)
	if len(rs) != 2 || string(rs[0].Name) != "A/k=1-2" || string(rs[1].Name) != "A/k=2-2" {
		t.Fatalf("read %d results: %v", len(rs), rs)
	}
	a, b := rs[0].Values[0], rs[1].Values[0]
	if a.OrigUnit != "ns/op" || a.OrigValue != 5 || b.OrigValue != 6 {
		t.Errorf("values %+v and %+v: want 5 and 6 ns/op (tidied), each result its own: records must be cloned", a, b)
	}
}
