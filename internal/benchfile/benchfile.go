// Package benchfile is a test helper: it reads a results file in the Go
// benchmark format whole, failing the test on any syntax error, for the
// tests of packages that write results (harness, cmd/lockbench).
package benchfile

import (
	"os"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/results"
)

// Read returns every result of the file at path, in order, each cloned
// (benchfmt reuses its records), read by package results as every reader
// of the format reads it. A missing file, a syntax error or a torn last
// line fails t.
func Read(t testing.TB, path string) []*benchfmt.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*benchfmt.Result
	rd := results.NewReader(f, path, "", nil)
	for rd.Scan() {
		switch rec := rd.Record().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("%s: %v", path, rec)
		case *benchfmt.Result:
			out = append(out, rec.Clone())
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if torn := rd.Torn(); torn != nil {
		t.Fatal(torn)
	}
	return out
}
