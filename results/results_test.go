package results

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

const head = "goos: linux\nUnit ns/page better=lower\n\n" +
	"BenchmarkPageCache/mode=page/lock=mcs/threads=2-2\t1000\t41.2 ns/page\t4.0 acq/page\n" +
	"some text benchfmt ignores\n" +
	"BenchmarkX-2 100 10 ns/op\n"

// TestLineIsTheRecords: each record comes with the very line it was
// parsed from, and its number, whatever lines lie between.
func TestLineIsTheRecords(t *testing.T) {
	var seen []int
	r := NewReader(strings.NewReader(head), "a.txt", "", func(n int, line []byte) { seen = append(seen, n) })
	var lines []string
	for r.Scan() {
		switch rec := r.Record().(type) {
		case *benchfmt.Result:
			if _, n := rec.Pos(); !strings.HasPrefix(string(r.Line()), "Benchmark") || n != 4 && n != 6 {
				t.Errorf("result at line %d has line %q", n, r.Line())
			}
			if rec.GetConfig(".file") != "a.txt" {
				t.Errorf(".file %q, want the path when no label is given", rec.GetConfig(".file"))
			}
		case *benchfmt.UnitMetadata:
			if !strings.HasPrefix(string(r.Line()), "Unit ") {
				t.Errorf("unit metadata has line %q", r.Line())
			}
		}
		lines = append(lines, string(r.Line()))
	}
	if err := r.Err(); err != nil || r.Torn() != nil {
		t.Fatalf("err %v, torn %v", err, r.Torn())
	}
	want := []string{"Unit ns/page better=lower\n", strings.Split(head, "\n")[3] + "\n", "BenchmarkX-2 100 10 ns/op\n"}
	if !slices.Equal(lines, want) {
		t.Errorf("lines %q, want %q", lines, want)
	}
	if !slices.Equal(seen, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("onLine saw lines %v, want 1..6", seen)
	}
}

// TestTorn: a last line without its newline is never parsed, wherever it
// is cut; blank space after the last newline is no line at all.
func TestTorn(t *testing.T) {
	tests := []struct {
		tail   string
		torn   bool
		reason string
	}{
		{"BenchmarkY-2 10 5 ns/op\t3 wait-p", true, "cut mid-unit: 'wait-p' must not become a unit"},
		{"BenchmarkY-2 10 5", true, "a value without its unit must not become a syntax error"},
		{"BenchmarkY-2 10 5 ns/op", true, "a line that would parse is still incomplete"},
		{"cpu: cut", true, "a configuration line too"},
		{"  \t", false, "blank space is not a line"},
		{"", false, "a whole file"},
	}
	for _, tt := range tests {
		r := NewReader(strings.NewReader(head+tt.tail), "a.txt", "", nil)
		n := 0
		for r.Scan() {
			if _, ok := r.Record().(*benchfmt.SyntaxError); ok {
				t.Errorf("%s: syntax error %v", tt.reason, r.Record())
			}
			n++
		}
		if n != 3 || r.Err() != nil {
			t.Errorf("%s: %d records, err %v; want the 3 whole ones", tt.reason, n, r.Err())
		}
		if got := r.Torn() != nil; got != tt.torn {
			t.Errorf("%s: torn %v, want %v", tt.reason, r.Torn(), tt.torn)
		} else if got && (r.Torn().Line != 7 || r.Torn().Path != "a.txt") {
			t.Errorf("%s: torn at %s:%d, want a.txt:7", tt.reason, r.Torn().Path, r.Torn().Line)
		}
	}
}

// TestLongLine: a line past MaxLine is an error naming the line and the
// limit, whether it is longer than benchfmt's own buffer or not: never
// benchfmt's "token too long", never a silent end.
func TestLongLine(t *testing.T) {
	for _, n := range []int{MaxLine + 1, 100 << 10, 3 * bufSize} {
		r := NewReader(strings.NewReader(head+"BenchmarkZ 1 1 ns/op "+strings.Repeat("x", n)+"\n"), "a.txt", "", nil)
		for r.Scan() {
		}
		if r.Err() == nil || !strings.Contains(r.Err().Error(), "a.txt:7") || !strings.Contains(r.Err().Error(), "results.MaxLine") {
			t.Errorf("%d bytes: err %v, want one naming a.txt:7 and results.MaxLine", n, r.Err())
		}
	}
	// Reason: a line just under the limit is read.
	line := "BenchmarkZ 1 1 ns/op"
	r := NewReader(strings.NewReader(head+line+" 1 "+strings.Repeat("x", MaxLine-len(line)-4)+"\n"), "a.txt", "", nil)
	for r.Scan() {
	}
	if r.Err() != nil {
		t.Errorf("a line of MaxLine bytes: %v", r.Err())
	}
}

// TestListSome: an error lists at most MaxListed items, then counts.
func TestListSome(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e", "f", "g"}
	if got, want := ListSome(items, 1999999999), "a, b, c, d, e, and 1999999994 more"; got != want {
		t.Errorf("ListSome = %q, want %q", got, want)
	}
	if got := ListSome(items[:2], 2); got != "a, b" {
		t.Errorf("ListSome of 2 = %q", got)
	}
}

// TestLabelsAreBenchfmts: Labels gives every argument the ".file" label
// benchfmt.Files gives it (so `lockbench compare` labels its columns as
// benchstat does), checked against benchfmt.Files itself.
func TestLabelsAreBenchfmts(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("BenchmarkX 1 1 ns/op\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{a, b},
		{a, a},
		{a, b, a, a},
		{"old=" + a, "new=" + b},
		{"base=" + a, a},
		{"x=" + a, "x=" + a, b},
	} {
		files := benchfmt.Files{Paths: args, AllowLabels: true}
		var want []string
		for files.Scan() {
			want = append(want, files.Result().(*benchfmt.Result).GetConfig(".file"))
		}
		if err := files.Err(); err != nil {
			t.Fatal(err)
		}
		_, got := Labels(args)
		if !slices.Equal(got, want) {
			t.Errorf("Labels(%q) = %q, benchfmt.Files labels %q", args, got, want)
		}
	}
}

func TestBinary(t *testing.T) {
	for _, tt := range []struct {
		line   string
		binary bool
	}{{"BenchmarkX 1 1 ns/op", false}, {"naïve µs", false}, {"a\x00b", true}, {"\xff\xfe", true}} {
		if got := Binary([]byte(tt.line)); got != tt.binary {
			t.Errorf("Binary(%q) = %v, want %v", tt.line, got, tt.binary)
		}
	}
}

// endless is an input that never ends: a header, then result lines.
type endless struct{ sent int }

func (e *endless) Read(p []byte) (int, error) {
	line := "BenchmarkX-2 100 10 ns/op\n"
	if e.sent == 0 {
		line = "goos: linux\n"
	}
	e.sent++
	return copy(p, line), nil // p is never shorter than a line here
}

// TestStreams: a Reader returns records as it reads, holding a line at a
// time, never the input: an endless input gives its first records.
func TestStreams(t *testing.T) {
	r := NewReader(&endless{}, "endless", "", nil)
	for i := range 1000 {
		if !r.Scan() {
			t.Fatalf("record %d: Scan stopped, err %v", i, r.Err())
		}
		if _, n := r.Record().(*benchfmt.Result).Pos(); n != i+2 {
			t.Fatalf("record %d at line %d, want %d", i, n, i+2)
		}
	}
}

// TestConfigAtEnd: the configuration a file ends with is known, results
// or none, and the end marker is no record.
func TestConfigAtEnd(t *testing.T) {
	for _, in := range []string{"goos: linux\nplan: p\nplan: q\n\n", "goos: linux\nplan: q\nBenchmarkX 1 1 ns/op\n", "goos: linux\nplan: q\ncut: x"} {
		r := NewReader(strings.NewReader(in), "a.txt", "", nil)
		n := 0
		for r.Scan() {
			n++
		}
		if n != strings.Count(in, "Benchmark") {
			t.Errorf("%q: %d records, want %d", in, n, strings.Count(in, "Benchmark"))
		}
		var got []string
		for _, c := range r.Config() {
			got = append(got, c.Key+"="+string(c.Value))
		}
		if !slices.Equal(got, []string{"goos=linux", "plan=q"}) {
			t.Errorf("%q: config %q, want goos=linux plan=q", in, got)
		}
	}
}

// TestOneReader: no package but this one parses results lines. A new
// reader of the format (benchfmt.NewReader, benchfmt.Files, or a parser
// of its own) reads lines one way where this package reads them another:
// a torn line, a label, a syntax error would mean two things. Tests may
// use benchfmt.Files to check Labels against it.
func TestOneReader(t *testing.T) {
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || filepath.Dir(p) == filepath.Join(root, "results") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, call := range []string{"benchfmt.NewReader(", "benchfmt.Files{"} {
			if strings.Contains(string(b), call) {
				t.Errorf("%s calls %s: read results with results.NewReader", p, call)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCheck: the line rules every reader and merge apply.
func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		line   string
		bad    bool
		reason string
	}{
		{"BenchmarkX 10 85 ns/page 0.5 acq/page", false, "a measurement"},
		{"BenchmarkX 10 85 ns/page 86 ns/page", true, "a unit twice would count as a second sample"},
		{"BenchmarkX 10 0 xfer-ns 1 xfer-ns", true, "twice, though benchfmt tidies only the second (found by FuzzLoad)"},
		{"BenchmarkX 10 NaN ns/page", true, "NaN is no measurement"},
		{"BenchmarkX 10 -1 ns/page", true, "no time is negative"},
		{"BenchmarkX 10 1 2.5", true, "a numeric unit is a garbled line"},
		{"BenchmarkX 0 1 ns/page", true, "zero iterations measure nothing"},
	} {
		r := NewReader(strings.NewReader(tt.line+"\n"), "a.txt", "", nil)
		var msg string
		for r.Scan() {
			if res, ok := r.Record().(*benchfmt.Result); ok {
				msg = Check(res)
			}
		}
		if (msg != "") != tt.bad {
			t.Errorf("%q: Check %q, want bad=%v (%s)", tt.line, msg, tt.bad, tt.reason)
		}
	}
}
