package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportCmd(t *testing.T) {
	fixture := filepath.Join("..", "..", "reports", "render", "testdata", "report", "lockbench.txt")
	dir := t.TempDir()
	stdout, stderr, code := execCLI(t, "report", "-o", dir, fixture)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, filepath.Join(dir, "report.html")) {
		t.Errorf("stdout %q does not say where the report is", stdout)
	}
	for _, f := range []string{"report.html", "report.md", "plot-1-ns-per-page.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("report wrote no %s: %v", f, err)
		}
	}

	// A go test -bench file is a valid input: a report of what it has.
	gotest := filepath.Join("..", "..", "reports", "render", "testdata", "report", "gotest.txt")
	if _, stderr, code := execCLI(t, "report", "-o", t.TempDir(), gotest); code != exitOK {
		t.Errorf("go test input: exit %d, stderr %q", code, stderr)
	}
}

func TestReportCmdDefaultDir(t *testing.T) {
	// Without -o the report lands beside the results, given as a directory.
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "..", "reports", "render", "testdata", "report", "gotest.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.txt"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := execCLI(t, "report", dir); code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Errorf("no report beside the results: %v", err)
	}
}

func TestReportCmdErrors(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.txt")
	tests := []struct {
		args   []string
		want   string
		reason string
	}{
		{[]string{"report"}, "requires at least 1 arg", "nothing to report on"},
		{[]string{"report", missing}, "missing.txt", "a missing file names itself"},
		{[]string{"report", missing, empty}, "empty.txt", "several bad files still make one line"},
		{[]string{"report", empty}, "no benchmark results", "an empty file is bad input"},
		{[]string{"report", "--knee", "1.5", empty}, "--knee 1.5", "the knee is a fraction"},
		{[]string{"report", "--bogus", empty}, "unknown flag: --bogus", "flags are checked"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			wantUsageError(t, tt.args, tt.reason, tt.want)
		})
	}
}

func TestReportCmdUnwritableDir(t *testing.T) {
	fixture := filepath.Join("..", "..", "reports", "render", "testdata", "report", "gotest.txt")
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// -o names a file: the report cannot be written there.
	_, stderr, code := execCLI(t, "report", "-o", file, fixture)
	if code != exitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "-o") {
		t.Errorf("exit %d, stderr %q: want exit 2 and one line naming -o", code, stderr)
	}
}
