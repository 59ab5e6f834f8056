package host

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsBelowHarness: host describes the machine and nothing of a
// run, so it sits below harness. Of lockbench it may import only schema
// (the results' names) and internal packages; a harness, reports or
// workloads import would put a run's types into the machine's facts, and
// harness's import of host would become a cycle.
func TestImportsBelowHarness(t *testing.T) {
	const module = "github.com/lockbench/lockbench/"
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			rel, ours := strings.CutPrefix(p, module)
			if ours && rel != "schema" && !strings.HasPrefix(rel, "internal/") {
				t.Errorf("%s imports %s: host may import only schema and internal packages of lockbench", f, p)
			}
		}
	}
}
