package golden

import (
	"fmt"
	"strings"
)

// Bounds of a printed diff. A golden mismatch usually differs in a few
// lines; when a change rewrites a whole report, the first hunks say what
// happened and the .got file holds the rest.
const (
	diffContext  = 3       // unchanged lines around each change, as diff -u
	diffMaxLines = 80      // lines of hunk body printed at most
	diffMaxBytes = 8 << 10 // bytes of hunk body printed at most
	// diffMaxCells bounds the LCS table (lines of want x lines of got,
	// after the common prefix and suffix are trimmed): 4M cells of int32
	// is 16 MB. Beyond it the differing middle is shown as one
	// replacement.
	diffMaxCells = 4 << 20
)

// An edit is one line of a line diff: kept (' '), removed from want
// ('-') or added in got ('+'). a and b are the 0-based indexes of the
// next line of want and of got at this point.
type edit struct {
	op   byte
	text string // with its trailing newline, if it had one
	a, b int
}

// Diff returns a unified-style line diff from want to got, labelled with
// wantName and gotName, as diff -u prints it but bounded: after
// diffMaxLines lines or diffMaxBytes bytes of hunks it stops and says how
// many lines it left out. It returns "" if and only if want == got.
func Diff(wantName, gotName string, want, got []byte) string {
	if string(want) == string(got) {
		return ""
	}
	edits := lineEdits(splitLines(string(want)), splitLines(string(got)))
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", wantName, gotName)
	lines, bytes, left := 0, 0, 0
	for _, h := range hunks(edits) {
		body := h.lines(edits)
		for _, l := range body {
			if lines >= diffMaxLines || bytes+len(l) > diffMaxBytes {
				left++
				continue
			}
			out.WriteString(l)
			lines++
			bytes += len(l)
		}
	}
	if left > 0 {
		fmt.Fprintf(&out, "... %d more diff lines not shown\n", left)
	}
	return out.String()
}

// splitLines splits s after each newline; a last line without one is kept
// as it is, so "x" and "x\n" differ.
func splitLines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

// lineEdits returns an edit script from a to b: the common prefix and
// suffix kept, and between them a longest common subsequence, or, past
// diffMaxCells, everything removed and then everything added.
func lineEdits(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var e []edit
	for i := range pre {
		e = append(e, edit{' ', a[i], i, i})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	e = append(e, middle(ma, mb, pre)...)
	for i := range suf {
		ia, ib := len(a)-suf+i, len(b)-suf+i
		e = append(e, edit{' ', a[ia], ia, ib})
	}
	return e
}

// middle diffs the differing middles a and b, which start at line off of
// both inputs (the common prefix is as long in each).
func middle(a, b []string, off int) []edit {
	var e []edit
	n, m := len(a), len(b)
	if n*m > diffMaxCells {
		for i := range a {
			e = append(e, edit{'-', a[i], off + i, off})
		}
		for j := range b {
			e = append(e, edit{'+', b[j], off + n, off + j})
		}
		return e
	}
	// lcs[i*(m+1)+j] is the length of the longest common subsequence of
	// a[i:] and b[j:].
	lcs := make([]int32, (n+1)*(m+1))
	at := func(i, j int) int32 { return lcs[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			v := max(at(i+1, j), at(i, j+1))
			if a[i] == b[j] {
				v = at(i+1, j+1) + 1
			}
			lcs[i*(m+1)+j] = v
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			e = append(e, edit{' ', a[i], off + i, off + j})
			i, j = i+1, j+1
		case i < n && (j == m || at(i+1, j) >= at(i, j+1)):
			// Removals first, as diff -u prints a replacement.
			e = append(e, edit{'-', a[i], off + i, off + j})
			i++
		default:
			e = append(e, edit{'+', b[j], off + i, off + j})
			j++
		}
	}
	return e
}

// A hunk is the edits [lo, hi) printed together.
type hunk struct{ lo, hi int }

// hunks groups the changes of e with diffContext kept lines around each;
// changes closer than twice that share a hunk.
func hunks(e []edit) []hunk {
	var hs []hunk
	for i := 0; i < len(e); i++ {
		if e[i].op == ' ' {
			continue
		}
		lo := max(0, i-diffContext)
		last := i
		for j := i + 1; j < len(e) && j <= last+2*diffContext; j++ {
			if e[j].op != ' ' {
				last = j
			}
		}
		hi := min(len(e), last+diffContext+1)
		if n := len(hs); n > 0 && hs[n-1].hi >= lo {
			hs[n-1].hi = hi
		} else {
			hs = append(hs, hunk{lo, hi})
		}
		i = last
	}
	return hs
}

// lines renders h as diff -u does: an @@ header with 1-based start lines
// (the line before, for an empty range) and counts, then the edits.
func (h hunk) lines(e []edit) []string {
	na, nb := 0, 0
	for _, x := range e[h.lo:h.hi] {
		if x.op != '+' {
			na++
		}
		if x.op != '-' {
			nb++
		}
	}
	first := e[h.lo]
	out := []string{fmt.Sprintf("@@ -%s +%s @@\n", span(first.a, na), span(first.b, nb))}
	for _, x := range e[h.lo:h.hi] {
		text, ok := strings.CutSuffix(x.text, "\n")
		out = append(out, string(x.op)+text+"\n")
		if !ok {
			out = append(out, "\\ No newline at end of file\n")
		}
	}
	return out
}

// span is a hunk range of n lines starting at 0-based line start.
func span(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
