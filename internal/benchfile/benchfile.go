// Package benchfile is a test helper: it reads a results file in the Go
// benchmark format whole, failing the test on any syntax error, for the
// tests of packages that write results (harness, cmd/lockbench).
package benchfile

import (
	"os"
	"testing"

	"golang.org/x/perf/benchfmt"
)

// Read returns every result of the file at path, in order, each cloned
// (benchfmt reuses its records). A missing file or a syntax error fails t.
func Read(t testing.TB, path string) []*benchfmt.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*benchfmt.Result
	rd := benchfmt.NewReader(f, path)
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("%s: %v", path, rec)
		case *benchfmt.Result:
			out = append(out, rec.Clone())
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
