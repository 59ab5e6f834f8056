package main

import (
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBinaryImportsStayLight: `go run ./cmd/lockbench run` on a fresh
// clone compiles everything lockbench imports, the standard library
// included, before the sweep starts, and the README promises the whole
// within a minute. These packages were each a large share of that compile
// for little use, and were replaced; one coming back (often through a new
// library's own imports) fails here, naming the path that brings it.
func TestBinaryImportsStayLight(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the imports with")
	}
	heavy := []struct {
		prefix string
		reason string
	}{
		{"gonum.org/", "plotting and numerics: reports/plot writes its SVG and scaling fits with the standard library"},
		{"golang.org/x/image/", "fonts and rasters of a plotting library"},
		{"net/http", "the network stack (crypto/tls, x509) for nothing lockbench does; it came with a progress-bar library"},
		{"crypto/tls", "the network stack"},
		{"math/big", "crypto/rand's, for temporary file names that need no cryptography"},
		{"image/", "raster images: the charts are SVG"},
		{"encoding/xml", "the charts' SVG is written as text, not marshalled"},
		{"github.com/yuin/goldmark", "a test dependency (the report's Markdown is checked by rendering it)"},
		{"k8s.io/", "deploy's dependency, not the binary's"},
		{"sigs.k8s.io/", "deploy's dependency, not the binary's"},
		{"go.yaml.in/", "deploy's dependency, not the binary's"},
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	importers := map[string][]string{} // package -> the packages importing it
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imps, _ := strings.Cut(line, ": ")
		if _, ok := importers[pkg]; !ok {
			importers[pkg] = nil
		}
		for _, imp := range strings.Fields(imps) {
			importers[imp] = append(importers[imp], pkg)
		}
	}
	if len(importers) < 50 {
		t.Fatalf("go list -deps listed %d packages: not the binary's graph", len(importers))
	}
	pkgs := slices.Sorted(maps.Keys(importers))
	for _, h := range heavy {
		var hits []string
		for _, pkg := range pkgs {
			if strings.HasPrefix(pkg, h.prefix) {
				hits = append(hits, pkg)
			}
		}
		if len(hits) > 0 {
			// The hit imported from outside the heavy set shows the way in.
			way := hits[0]
			for _, pkg := range hits {
				if slices.ContainsFunc(importers[pkg], func(by string) bool { return !strings.HasPrefix(by, h.prefix) }) {
					way = pkg
					break
				}
			}
			t.Errorf("lockbench imports %d packages under %s, %s among them (imported by %s): %s",
				len(hits), h.prefix, way, strings.Join(importers[way], ", "), h.reason)
		}
	}
}
