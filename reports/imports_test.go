package reports

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestNoHarnessImport: reports and the packages beside it read files,
// never the harness; benchfmt is the seam. They may import workloads (the
// mode vocabulary) and schema. And the stack runs one way, bottom to top:
// stats, cases, saving, headline, reports (the reading and the summary),
// compare, render. No package reaches one above it, so that no two
// packages use each other; and the saving split reads plain samples, not
// the case model.
func TestNoHarnessImport(t *testing.T) {
	const module = "github.com/lockbench/lockbench/"
	const (
		reports  = module + "reports"
		stats    = module + "reports/stats"
		cases    = module + "reports/cases"
		saving   = module + "reports/saving"
		headline = module + "reports/headline"
		compare  = module + "reports/compare"
		render   = module + "reports/render"
	)
	stack := []string{stats, cases, saving, headline, reports, compare, render}
	imports := func(pkg string) []string {
		dir := filepath.Join("..", strings.TrimPrefix(pkg, module))
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files for %s in %s", pkg, dir)
		}
		var out []string
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, module) && !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
		return out
	}
	if slices.Contains(imports(saving), cases) {
		t.Errorf("%s imports %s: the split reads plain samples (Input, BlockPairs), and package headline gathers them from the model", saving, cases)
	}
	for i, root := range stack {
		seen := map[string]bool{}
		var walk func(pkg, via string)
		walk = func(pkg, via string) {
			if seen[pkg] {
				return
			}
			seen[pkg] = true
			if pkg == module+"harness" {
				t.Errorf("%s imports harness (via %s)", root, via)
				return
			}
			for _, p := range imports(pkg) {
				walk(p, pkg)
			}
		}
		walk(root, "")
		if i >= slices.Index(stack, reports) && (!seen[module+"workloads"] || !seen[module+"schema"]) {
			t.Errorf("%s does not import workloads and schema: the walk found %v", root, seen)
		}
		for _, above := range stack[i+1:] {
			if seen[above] {
				t.Errorf("%s imports %s, which stands above it in the stack", root, above)
			}
		}
	}
}
