package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/internal/golden"
)

// update rewrites the golden files: go test ./cmd/lockbench -run 'Golden' -update
var update = flag.Bool("update", false, "rewrite testdata/*.stdout golden files")

// checkGolden compares got with testdata/name.stdout (see package golden).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".stdout"), []byte(got), *update)
}

func TestCompareGolden(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	tests := []struct {
		name   string
		args   []string
		reason string
	}{
		{"compare-files", []string{"compare", "--filter", ".unit:(ns/page OR acq/page)", "testdata/run.txt", "testdata/run-slower.txt"},
			"the default: one column per file, each compared with the first"},
		{"compare-modes", []string{"compare", "--col", "/mode", "--row", "/lock,/threads", "--filter", ".unit:ns/page", "testdata/run.txt"},
			"--col /mode compares the modes inside one file"},
		{"compare-markdown", []string{"compare", "--format", "markdown", "--col", "/mode", "--row", "/lock,/threads", "--filter", "/lock:mcs .unit:ns/page", "testdata/run.txt"},
			"markdown for pasting into a review"},
		{"compare-csv", []string{"compare", "--format", "csv", "--filter", ".unit:ns/op", "testdata/gotest-old.txt", "testdata/gotest-new.txt"},
			"csv keeps every number, unscaled"},
		{"compare-gotest", []string{"compare", "testdata/gotest-old.txt", "testdata/gotest-new.txt"},
			"plain go test -bench output from the standard library is accepted"},
		{"compare-json", []string{"compare", "--format", "json", "--filter", "/lock:mcs /threads:2 .unit:ns/page", "--col", "/mode", "--row", ".name", "testdata/run.txt"},
			"json for machines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := execCLI(t, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q (%s)", code, stderr, tt.reason)
			}
			checkGolden(t, tt.name, stdout)
		})
	}
}

// TestBadInput checks that every malformed input is one line on stderr
// naming the file (and line where there is one), with exit status 2.
func TestBadInput(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	dir := t.TempDir()
	tests := []struct {
		name   string
		file   string
		want   []string // substrings of the error
		reason string
	}{
		{"empty", "testdata/empty.txt", []string{"testdata/empty.txt: empty file"}, "an empty file has no results to judge"},
		{"truncated", "testdata/truncated.txt", []string{"testdata/truncated.txt:3:", "missing units"}, "a value without its unit is a cut-off line"},
		{"unit", "testdata/badunit.txt", []string{"testdata/badunit.txt:2:", `unknown unit text "#?/page"`}, "a unit must be unit text"},
		{"binary", "testdata/binary.bin", []string{"testdata/binary.bin:2:", "binary data"}, "binary junk is not a results file"},
		{"directory", dir, []string{dir + ": is a directory"}, "a directory is not a results file"},
		{"missing", filepath.Join(dir, "nope.txt"), []string{"nope.txt: reading results: no such file"}, "a missing file"},
	}
	for _, tt := range tests {
		for _, cmd := range [][]string{
			{"compare", tt.file},
			{"gate", "--baseline", "testdata/run.txt", tt.file},
			{"gate", "--baseline", tt.file, "testdata/run.txt"},
		} {
			t.Run(tt.name+"/"+strings.Join(cmd[:len(cmd)-1], " "), func(t *testing.T) {
				wantUsageError(t, cmd, tt.reason, tt.want...)
			})
		}
	}
}

func TestCompareUsage(t *testing.T) {
	tests := []struct {
		args   []string
		want   string
		reason string
	}{
		{[]string{"compare"}, "requires at least 1 arg", "compare needs a file"},
		{[]string{"compare", "--format", "yaml", "testdata/run.txt"}, `unknown format "yaml"`, "formats are checked"},
		{[]string{"compare", "--col", "/mode(", "testdata/run.txt"}, "column projection \"/mode(\": syntax error at column 6", "projections are parsed with their error"},
		{[]string{"compare", "--filter", "/lock:(", "testdata/run.txt"}, "filter \"/lock:(\": syntax error", "filters are parsed with their error"},
		{[]string{"compare", "--filter", "/lock:nosuch", "testdata/run.txt"}, "matched no results", "a filter that keeps nothing says so"},
		{[]string{"compare", "--alpha", "2", "testdata/run.txt"}, "alpha 2 is not between 0 and 1", "alpha is a probability"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, stderr, code := execCLI(t, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d stderr %q, want exit 2 and %q (%s)", code, stderr, tt.want, tt.reason)
			}
		})
	}
}

func TestCompareWarnsOnFailLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "failed.txt")
	data := "BenchmarkX-2\t100\t10 ns/op\n--- FAIL: BenchmarkY\nFAIL\n"
	if err := os.WriteFile(path, []byte(data), 0o666); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := lockbench(t.Context(), []string{"compare", path}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), path+":2: a test or benchmark failed") {
		t.Errorf("stderr %q does not warn about the failure line", errb.String())
	}
}

func TestBadInputsOneLine(t *testing.T) {
	_, stderr, code := execCLI(t, "compare", "testdata/empty.txt", "testdata/truncated.txt")
	if code != exitUsage {
		t.Errorf("exit %d, want 2", code)
	}
	want := "lockbench: testdata/empty.txt: empty file: no benchmark results; testdata/truncated.txt:3: missing units\n"
	if stderr != want {
		t.Errorf("stderr %q, want every bad file named on one line: %q", stderr, want)
	}
}
