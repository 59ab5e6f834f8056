package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestDesignImportTable: docs/DESIGN.md's import table is the module's
// import graph, as `go list -f '{{.ImportPath}}: {{join .Imports " "}}'
// ./...` prints it (tests excluded): every package of the module is in
// one row, a row's imports of lockbench are exactly what its packages
// import (for a row of several, together), and none imports what its row
// says it must never import. A package moved, split or given a new
// import fails here until the table says so.
func TestDesignImportTable(t *testing.T) {
	const module = "github.com/lockbench/lockbench/"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	imports := modulePackages(t, root, module)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "DESIGN.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "| package | imports of lockbench | must never import |\n|---|---|---|\n")
	if !ok {
		t.Fatal("docs/DESIGN.md has no import table")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	tick := regexp.MustCompile("(bar )?`([^`]+)`")
	names := func(cell string) []string {
		var out []string
		for _, m := range tick.FindAllStringSubmatch(cell, -1) {
			out = append(out, m[2])
		}
		return out
	}
	aside := regexp.MustCompile(`\([^)]*\)`)
	rowOf := map[string]int{}
	for i, line := range strings.Split(strings.TrimSpace(table), "\n") {
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			t.Fatalf("table row %q: want 3 cells", line)
		}
		// A row's packages: `internal/*` is every internal package but
		// those after "bar".
		var row, barred []string
		wild := false
		for _, m := range tick.FindAllStringSubmatch(cells[0], -1) {
			switch {
			case m[1] != "":
				barred = append(barred, m[2])
			case m[2] == "internal/*":
				wild = true
			default:
				row = append(row, m[2])
			}
		}
		for p := range imports {
			if wild && strings.HasPrefix(p, "internal/") && !slices.Contains(barred, p) {
				row = append(row, p)
			}
		}
		got := map[string]bool{}
		for _, p := range row {
			if _, ok := imports[p]; !ok {
				t.Errorf("row %d names %s, which is no package of the module", i+1, p)
				continue
			}
			if j, dup := rowOf[p]; dup {
				t.Errorf("%s is in rows %d and %d", p, j, i+1)
			}
			rowOf[p] = i + 1
			for _, imp := range imports[p] {
				got[imp] = true
			}
		}
		want := map[string]bool{}
		for _, n := range names(aside.ReplaceAllString(cells[1], "")) { // (units, for `Check`) is no import
			want[n] = true
		}
		for imp := range got {
			if !want[imp] {
				t.Errorf("row %d (%s): imports %s, which the table does not list", i+1, strings.Join(row, ", "), imp)
			}
		}
		for imp := range want {
			if !got[imp] {
				t.Errorf("row %d (%s): the table lists %s, which it does not import", i+1, strings.Join(row, ", "), imp)
			}
		}
		// "anything but X" names what may be imported, not what may not.
		never, _, _ := strings.Cut(cells[2], "anything but")
		for _, n := range names(never) {
			prefix, wild := strings.CutSuffix(n, "*")
			for imp := range got {
				if imp == n || (wild && strings.HasPrefix(imp, prefix)) {
					t.Errorf("row %d (%s) imports %s, which it must never import", i+1, strings.Join(row, ", "), imp)
				}
			}
		}
	}
	for p := range imports {
		if _, ok := rowOf[p]; !ok {
			t.Errorf("package %s is in no row of docs/DESIGN.md's import table", p)
		}
	}
}

// modulePackages returns the module's packages under root, named
// relative to module ("reports/cases", "cmd/lockbench"), each with the
// module packages its non-test files import.
func modulePackages(t *testing.T, root, module string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rest, ok := strings.CutPrefix(p, module); ok && !slices.Contains(out[pkg], rest) {
				out[pkg] = append(out[pkg], rest)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
