package reports

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
)

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o666); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := "BenchmarkX-2 100 10 ns/op\n"
	tests := []struct {
		name   string
		path   string
		line   int    // want an error at this line (0: the whole file)
		want   string // substring of the message
		reason string
	}{
		{"empty", write("empty.txt", ""), 0, "empty file", "nothing to read"},
		{"blank", write("blank.txt", "\n  \n\t\n"), 0, "empty file", "whitespace only is empty"},
		{"no results", write("prose.txt", "hello\nthis is not a benchmark\n"), 0, "no benchmark results", "text with no benchmark lines"},
		{"config only", write("config.txt", "goos: linux\ngoarch: amd64\n"), 0, "no benchmark results", "configuration without results"},
		{"no iterations", write("noiter.txt", good+" BenchmarkY\nBenchmarkX-2 abc 10 ns/op\n"), 3, "parsing iteration count", "garbled iteration count"},
		{"no values", write("novalues.txt", good+"BenchmarkX-2 100\n"), 2, "missing measurements", "a line cut after the count"},
		{"no unit", write("nounit.txt", good+"BenchmarkX-2 100 10 ns/op 5\n"), 2, "missing units", "a line cut after a value"},
		{"numeric unit", write("numunit.txt", good+"BenchmarkX-2 100 10 20\n"), 2, `unit "20" is a number`, "two values in a row"},
		{"unit text", write("unit.txt", good+"BenchmarkX-2 100 10 #?/op\n"), 2, `unknown unit text "#?/op"`, "a unit must start with a letter"},
		{"nan", write("nan.txt", good+"BenchmarkX-2 100 NaN ns/op\n"), 2, "not a finite number", "NaN is no measurement"},
		{"inf", write("inf.txt", good+"BenchmarkX-2 100 +Inf ns/op\n"), 2, "not a finite number", "Inf is no measurement"},
		{"binary", write("bin.txt", good+"\x00\x01\x02ELF\n"), 2, "binary data", "a NUL byte"},
		{"utf8", write("utf8.txt", good+"Benchmark\xff\xfe 1 2 ns/op\n"), 2, "binary data", "invalid UTF-8"},
		{"unit metadata", write("meta.txt", good+"Unit ns/op better\n"), 2, "expected key=value", "malformed unit metadata"},
		{"directory", dir, 0, "is a directory", "a directory"},
		{"missing", filepath.Join(dir, "missing.txt"), 0, "no such file", "a missing file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Load(tt.path)
			if err == nil {
				t.Fatalf("Load accepted it (%s): %d results", tt.reason, len(set.Results))
			}
			if set != nil {
				t.Errorf("Load returned a Set with its error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q (%s)", err, tt.want, tt.reason)
			}
			file, line := errPos(err)
			if file != tt.path || line != tt.line {
				t.Errorf("error at %s:%d, want %s:%d (%s): %v", file, line, tt.path, tt.line, tt.reason, err)
			}
		})
	}
}

// errPos returns the position of the first error in err (which may be
// joined).
func errPos(err error) (string, int) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		err = j.Unwrap()[0]
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return ie.Pos()
	}
	var se *benchfmt.SyntaxError
	if errors.As(err, &se) {
		return se.Pos()
	}
	return "", -1
}

func TestLoadErrorCap(t *testing.T) {
	data := strings.Repeat("BenchmarkX-2 100\n", 50)
	_, err := Read(strings.NewReader(data), "many.txt")
	if err == nil {
		t.Fatal("accepted 50 bad lines")
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != maxLineErrors {
		t.Errorf("%d errors reported, want the first %d", n, maxLineErrors)
	}
}

func TestLoad(t *testing.T) {
	set, err := Load("testdata/run.txt", "testdata/run.txt")
	if err != nil {
		t.Fatal(err)
	}
	// 96 case lines, each followed by its 4 class lines, twice.
	if len(set.Results) != 960 || len(set.Files) != 2 || len(set.Warnings) != 0 {
		t.Fatalf("got %d results from %v, warnings %v; want 960 from 2 files", len(set.Results), set.Files, set.Warnings)
	}
	if f0, f1 := set.Results[0].GetConfig(".file"), set.Results[959].GetConfig(".file"); f0 != "testdata/run.txt#0" || f1 != "testdata/run.txt#1" {
		t.Errorf(".file = %q, %q: a path given twice must be told apart", f0, f1)
	}
	r := set.Results[0]
	if v, ok := r.Value("sec/page"); !ok || v <= 0 || v > 1e-6 {
		t.Errorf("ns/page not tidied to sec/page: %v %v", v, ok)
	}
	// "0 xfer-ns" must be tidied like "30 xfer-ns" (benchfmt leaves a
	// zero in its original unit), or one unit becomes two.
	if _, ok := r.Value("xfer-sec"); !ok {
		t.Errorf("a zero xfer-ns was not tidied to xfer-sec: %+v", r.Values)
	}
	if file, line := r.Pos(); file != "testdata/run.txt" || line != 6 {
		t.Errorf("first result at %s:%d, want testdata/run.txt:6", file, line)
	}
}

func TestLoadWarnings(t *testing.T) {
	set, err := Read(strings.NewReader("BenchmarkX-2 100 10 ns/op\n--- FAIL: BenchmarkY\nFAIL\nUnit ns/op better=lower\n"), "w.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Warnings) != 2 || !strings.Contains(set.Warnings[0].Error(), "w.txt:2: a test or benchmark failed") {
		t.Errorf("warnings %v, want the two FAIL lines with their positions", set.Warnings)
	}
	if set.Units.GetBetter("sec/op") != -1 {
		t.Errorf("unit metadata not kept")
	}
}

func TestLoadGoTest(t *testing.T) {
	// `go test -bench` output of the standard library: -v noise, PASS,
	// ok lines and the -N suffix are all fine.
	data := `goos: linux
goarch: amd64
pkg: sync
cpu: Intel(R) Xeon(R) CPU @ 2.20GHz
=== RUN   BenchmarkMutexUncontended
BenchmarkMutexUncontended
BenchmarkMutexUncontended-2   	202314872	         5.926 ns/op
BenchmarkMutex-2              	 29446710	        40.71 ns/op	       0 B/op	       0 allocs/op
BenchmarkMutex-2              	 30120344	        39.88 ns/op	       0 B/op	       0 allocs/op
PASS
ok  	sync	5.123s
`
	set, err := Read(strings.NewReader(data), "sync.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Results) != 3 || set.Results[0].GetConfig("pkg") != "sync" {
		t.Errorf("got %d results, pkg %q", len(set.Results), set.Results[0].GetConfig("pkg"))
	}
}

// FuzzLoad feeds the reading path arbitrary bytes: it must return a Set or
// an error with a position, never panic, and a Set it returns must hold
// only finite values with sane units.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"BenchmarkX-2 100 10 ns/op\n",
		"goos: linux\nBenchmarkPageCache/mode=batch/batch=16/lock=mcs/threads=2-2\t4000000\t41.2 ns/page\t0.19 acq/page\t0 xfer-ns\n",
		"Unit ns/op better=higher assume=exact\nBenchmarkX 1 1 ns/op\n",
		"BenchmarkX-2 100\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := Read(strings.NewReader(string(data)), "fuzz.txt")
		if err != nil {
			if file, _ := errPos(err); file != "fuzz.txt" {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if len(set.Results) == 0 {
			t.Fatal("a Set with no results and no error")
		}
		for _, r := range set.Results {
			if err := checkResult(r); err != nil {
				t.Fatalf("Load kept a bad result: %v", err)
			}
		}
		// The rest of the pipeline must take whatever Load accepts
		// (compare's FuzzCompare feeds Compare the same way).
		if _, err := Summarize(set.Results); err != nil {
			t.Fatalf("Summarize of a loaded set: %v", err)
		}
	})
}

func TestLoadLabels(t *testing.T) {
	set, err := Load("base=testdata/run.txt", "testdata/run.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Results[0].GetConfig(".file"); got != "base" {
		t.Errorf(".file = %q, want the label base", got)
	}
	if got := set.Results[len(set.Results)-1].GetConfig(".file"); got != "testdata/run.txt" {
		t.Errorf(".file = %q, want the path", got)
	}
	if set.Files[0] != "testdata/run.txt" {
		t.Errorf("Files[0] = %q, want the path without its label", set.Files[0])
	}
	if _, err := Load("base=testdata/nosuch.txt"); err == nil || !strings.Contains(err.Error(), "testdata/nosuch.txt: reading results") {
		t.Errorf("a labelled missing file: %v", err)
	}
}

// TestLoadSharesConfig: lines of one file with one configuration keep
// it once (memory by lines was mostly configuration copies), and a line
// after a configuration change keeps its own.
func TestLoadSharesConfig(t *testing.T) {
	set, err := Read(strings.NewReader("goos: linux\nBenchmarkA 1 2 ns/op\nBenchmarkB 1 3 ns/op\ngoos: plan9\nBenchmarkC 1 4 ns/op\n"), "x.txt")
	if err != nil {
		t.Fatal(err)
	}
	r := set.Results
	if &r[0].Config[0] != &r[1].Config[0] {
		t.Error("two lines of one configuration hold two copies of it")
	}
	if r[2].GetConfig("goos") != "plan9" || r[0].GetConfig("goos") != "linux" {
		t.Errorf("goos %q, %q: want linux, plan9", r[0].GetConfig("goos"), r[2].GetConfig("goos"))
	}
}
