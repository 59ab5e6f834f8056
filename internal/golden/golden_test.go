package golden

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of stopping.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Errorf(f string, a ...any) { r.failed = true; r.msg += fmt.Sprintf(f, a...) }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = true; r.msg += fmt.Sprintf(f, a...) }
func (r *recorder) Fatal(a ...any)            { r.failed = true; r.msg += fmt.Sprint(a...) }
func (r *recorder) Helper()                   {}
func (r *recorder) Name() string              { return "TestX" }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.stdout")
	if err := os.WriteFile(path, []byte("a\nwant\nc\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	r := &recorder{TB: t}
	Check(r, path, []byte("a\nwant\nc\n"), false)
	if r.failed {
		t.Errorf("equal output failed: %s", r.msg)
	}

	r = &recorder{TB: t}
	Check(r, path, []byte("a\nother\nc\n"), false)
	if !r.failed {
		t.Error("different output passed")
	}
	wantDiff := "--- " + path + "\n+++ " + GotPath(path) + "\n@@ -1,3 +1,3 @@\n a\n-want\n+other\n c\n"
	if !strings.Contains(r.msg, wantDiff) || !strings.Contains(r.msg, GotPath(path)) {
		t.Errorf("mismatch message:\n%s\nwant it to name the .got file and hold the diff:\n%s", r.msg, wantDiff)
	}
	if b, err := os.ReadFile(GotPath(path)); err != nil || string(b) != "a\nother\nc\n" {
		t.Errorf("mismatch left %q, %v in the .got file; want the output", b, err)
	}

	r = &recorder{TB: t}
	Check(r, path, []byte("a\nother\nc\n"), true)
	if b, _ := os.ReadFile(path); r.failed || string(b) != "a\nother\nc\n" {
		t.Errorf("-update: failed %t, golden file %q; want it rewritten", r.failed, b)
	}
	if _, err := os.Stat(GotPath(path)); !os.IsNotExist(err) {
		t.Error("-update left the .got file behind")
	}

	r = &recorder{TB: t}
	Check(r, filepath.Join(t.TempDir(), "missing"), []byte("x"), false)
	if !r.failed || !strings.Contains(r.msg, "-update") {
		t.Errorf("a missing golden file: failed %t, message %q; want a failure that says -update creates it", r.failed, r.msg)
	}
}

// lines joins numbered lines "1\n2\n...": the inputs of the diff cases.
func lines(from, to int, extra ...string) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return b.String() + strings.Join(extra, "")
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name      string
		want, got string
		diff      string // without the ---/+++ header
		reason    string
	}{
		{"equal", "a\nb\n", "a\nb\n", "", "Diff is empty if and only if the inputs are equal"},
		{"one line", lines(1, 10), strings.Replace(lines(1, 10), "5\n", "FIVE\n", 1),
			"@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n",
			"three lines of context each side, as diff -u (output checked against GNU diff)"},
		{"two hunks", lines(1, 20), "0\n" + strings.Replace(lines(1, 20), "19\n20\n", "20\n21", 1),
			"@@ -1,3 +1,4 @@\n+0\n 1\n 2\n 3\n@@ -16,5 +17,5 @@\n 16\n 17\n 18\n-19\n 20\n+21\n\\ No newline at end of file\n",
			"changes more than six lines apart get hunks of their own; a missing final newline is marked (checked against GNU diff)"},
		{"from empty", "", "a\nb\n", "@@ -0,0 +1,2 @@\n+a\n+b\n", "an empty range starts at the line before it, 0"},
		{"to empty", "a\nb\n", "", "@@ -1,2 +0,0 @@\n-a\n-b\n", "all removed"},
		{"newline only", "x\n", "x", "@@ -1 +1 @@\n-x\n+x\n\\ No newline at end of file\n",
			"a lost final newline is a difference, and the diff must show it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff("want", "got", []byte(tt.want), []byte(tt.got))
			want := ""
			if tt.diff != "" || tt.want != tt.got {
				want = "--- want\n+++ got\n" + tt.diff
			}
			if got != want {
				t.Errorf("Diff =\n%s\nwant\n%s\n(%s)", got, want, tt.reason)
			}
		})
	}
}

// TestDiffBounded checks that a diff of two wholly different large inputs
// stops after diffMaxLines lines and says how much it left out, and that
// inputs beyond the LCS table's bound still diff (as one replacement).
func TestDiffBounded(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		reason string
	}{
		{"lcs", 1000, "1000x1000 cells: within the LCS table's bound"},
		{"replacement", 3000, "3000x3000 cells: past diffMaxCells, shown as one replacement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := lines(1, tt.n)
			got := lines(tt.n+1, 2*tt.n)
			d := Diff("want", "got", []byte(want), []byte(got))
			n := strings.Count(d, "\n")
			if n > diffMaxLines+3 || len(d) > diffMaxBytes+200 {
				t.Errorf("diff of %d changed lines has %d lines, %d bytes; want at most %d lines (%s)", 2*tt.n, n, len(d), diffMaxLines+3, tt.reason)
			}
			tail := fmt.Sprintf("... %d more diff lines not shown\n", 2*tt.n+1-(diffMaxLines))
			if !strings.HasSuffix(d, tail) {
				t.Errorf("diff ends %q, want %q (%s)", d[max(0, len(d)-60):], tail, tt.reason)
			}
			if !strings.HasPrefix(d, fmt.Sprintf("--- want\n+++ got\n@@ -1,%d +1,%d @@\n-1\n", tt.n, tt.n)) {
				t.Errorf("diff starts %q; want one hunk replacing all lines (%s)", d[:min(len(d), 60)], tt.reason)
			}
		})
	}
}

// TestLineEditsProperty checks on random inputs that the edit script
// rebuilds both sides and keeps a longest common subsequence: as many
// kept lines as the LCS length computed independently.
func TestLineEditsProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func() []string {
		l := make([]string, rng.IntN(12))
		for i := range l {
			l[i] = string(rune('a'+rng.IntN(4))) + "\n"
		}
		return l
	}
	for range 2000 {
		a, b := gen(), gen()
		e := lineEdits(a, b)
		var ra, rb []string
		kept := 0
		for _, x := range e {
			if x.op != '+' {
				ra = append(ra, x.text)
			}
			if x.op != '-' {
				rb = append(rb, x.text)
			}
			if x.op == ' ' {
				kept++
			}
		}
		if strings.Join(ra, "") != strings.Join(a, "") || strings.Join(rb, "") != strings.Join(b, "") {
			t.Fatalf("edits of %q -> %q rebuild %q -> %q", a, b, ra, rb)
		}
		if l := lcsLen(a, b); kept != l {
			t.Fatalf("edits of %q -> %q keep %d lines, want the LCS length %d", a, b, kept, l)
		}
	}
}

// lcsLen is the textbook recursive LCS length, memoised: an independent
// check of lineEdits' table.
func lcsLen(a, b []string) int {
	memo := map[[2]int]int{}
	var f func(i, j int) int
	f = func(i, j int) int {
		if i == len(a) || j == len(b) {
			return 0
		}
		if v, ok := memo[[2]int{i, j}]; ok {
			return v
		}
		v := max(f(i+1, j), f(i, j+1))
		if a[i] == b[j] {
			v = f(i+1, j+1) + 1
		}
		memo[[2]int{i, j}] = v
		return v
	}
	return f(0, 0)
}

func TestGotPath(t *testing.T) {
	for in, want := range map[string]string{
		"testdata/compare.stdout":   "testdata/compare.got-stdout",
		"testdata/report/report.md": "testdata/report/report.got-md",
		"testdata/plain":            "testdata/plain.got",
	} {
		if got := GotPath(in); got != want {
			t.Errorf("GotPath(%q) = %q, want %q", in, got, want)
		}
	}
}
