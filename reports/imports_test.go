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
// mode vocabulary) and schema. And the stack runs one way: reports (the
// reading and the case model) imports neither compare nor render, and
// compare does not import render, so that no two packages use each other.
// The saving split (reports/saving) stands below reports and reads plain
// samples: it imports no package of reports but stats.
func TestNoHarnessImport(t *testing.T) {
	const module = "github.com/lockbench/lockbench/"
	const (
		reports = module + "reports"
		compare = module + "reports/compare"
		render  = module + "reports/render"
		saving  = module + "reports/saving"
	)
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
	for _, p := range imports(saving) {
		if strings.HasPrefix(p, reports) && p != module+"reports/stats" {
			t.Errorf("%s imports %s: the split reads plain samples, and only reports/stats of the reports packages", saving, p)
		}
	}
	if !slices.Contains(imports(reports), saving) {
		t.Errorf("%s does not import %s: the headlines' saving split is computed there", reports, saving)
	}
	for _, root := range []string{reports, compare, render} {
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
		if !seen[module+"workloads"] || !seen[module+"schema"] {
			t.Errorf("%s does not import workloads and schema: the walk found %v", root, seen)
		}
		for _, above := range map[string][]string{reports: {compare, render}, compare: {render}}[root] {
			if seen[above] {
				t.Errorf("%s imports %s, which stands above it in the stack", root, above)
			}
		}
	}
}
