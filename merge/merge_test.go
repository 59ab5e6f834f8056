package merge

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/schema"
	"golang.org/x/perf/benchfmt"
)

// writeShard writes a shard file as lockbench run does: the header, then
// lines result lines, cases of them when whole: distinct cases, each
// repeated when lines exceed them, as a sweep's repetitions are.
const distinct = 2000 // cases of a large sweep's shard: 11 locks x 5 modes x 8 batches x 6 threads is 2640

func writeShard(t testing.TB, path, plan, machine string, k, n, lines int) int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintf(w, "Unit fairness better=higher\ngoos: linux\ncpu: CPU of %s\n", machine)
	fmt.Fprintf(w, "workload: pagecache\n%s: %s\n%s: %s\n%s: %d/%d\n%s: %d\n\n", schema.ConfMachine, machine,
		schema.ConfPlan, plan, schema.ConfShard, k, n, schema.ConfCases, lines)
	for i := range lines {
		fmt.Fprintf(w, "BenchmarkPageCache/mode=batch/batch=16/lock=l%d-%d/threads=2-2 \t 2338958 \t 85.4 ns/page \t 83.1 cpu-ns/page \t 0.5 acq/page \t 0.01 contended/page \t 0.3 handoffs/acq \t 12.5 wait-ns/page \t 1024 wait-p99-ns \t 60.5 xfer-ns \t 0.99 fairness \t 0 gc-cycles\n", k, i%distinct)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	f.Close()
	return fi.Size()
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, m := range []string{"a", "b"} {
		for k := 1; k <= 2; k++ {
			p := filepath.Join(dir, fmt.Sprintf("%s%d.txt", m, k))
			writeShard(t, p, "p1", m, k, 2, 3)
			paths = append(paths, p)
		}
	}
	dst := filepath.Join(dir, "merged.txt")
	res, err := Files(context.Background(), dst, paths, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if res.Lines != 12 || len(res.Machines) != 2 || len(res.Missing) != 0 {
		t.Errorf("merged %d lines of %d machines, missing %q; want 12 of 2, none", res.Lines, len(res.Machines), res.Missing)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"machine-1: a\n", "machine-1-cpu: CPU of a\n", "machine-2-cpu: CPU of b\n", "plan: p1\n", "\nmachine: b\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("merged file lacks %q", want)
		}
	}
	for _, no := range []string{"shard:", "cases:", "\ncpu:"} {
		if strings.Contains(s, no) {
			t.Errorf("merged file has %q, which would split benchstat's tables", no)
		}
	}
}

func TestFilesRefuses(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	writeShard(t, p("1.txt"), "p1", "a", 1, 2, 3)
	writeShard(t, p("2.txt"), "p1", "a", 2, 2, 3)
	writeShard(t, p("other.txt"), "p2", "a", 2, 2, 3)
	writeShard(t, p("of3.txt"), "p1", "a", 2, 3, 3)
	// The same cases as shard 1 under the name of shard 2.
	b, _ := os.ReadFile(p("1.txt"))
	os.WriteFile(p("dupcases.txt"), []byte(strings.Replace(string(b), "shard: 1/2", "shard: 2/2", 1)), 0o644)
	os.WriteFile(p("torn.txt"), b[:len(b)-5], 0o644)
	os.WriteFile(p("noplan.txt"), []byte(strings.Replace(string(b), "plan: p1\n", "", 1)), 0o644)
	os.WriteFile(p("midconfig.txt"), []byte(string(b)+"cpu: another\n"), 0o644)
	tests := []struct {
		paths  []string
		is     error
		msg    string
		reason string
	}{
		{[]string{"1.txt"}, ErrMissing, "shard 2/2 of machine a", "one of two shards"},
		{[]string{"1.txt", "2.txt", "1.txt"}, ErrDuplicate, "shard 1/2 of machine a given twice", "a shard twice"},
		{[]string{"1.txt", "other.txt"}, ErrPlan, "is plan p2", "another plan"},
		{[]string{"1.txt", "of3.txt"}, ErrPlan, "shards of 2", "one machine split two ways"},
		{[]string{"1.txt", "dupcases.txt"}, ErrDuplicate, "is also in", "a case measured twice on one machine"},
		{[]string{"torn.txt", "2.txt"}, ErrIncomplete, "truncated", "a torn last line"},
		{[]string{"noplan.txt", "2.txt"}, nil, "no \"plan:\" line", "not a lockbench shard"},
		{[]string{"midconfig.txt", "2.txt"}, nil, "configuration changes", "a file whose configuration changes is not one run"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			var paths []string
			for _, x := range tt.paths {
				paths = append(paths, p(x))
			}
			dst := filepath.Join(t.TempDir(), "merged.txt")
			_, err := Files(context.Background(), dst, paths, DefaultOptions)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || !strings.Contains(err.Error(), tt.msg) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line wrapping %v saying %q (%s)", err, tt.is, tt.msg, tt.reason)
			}
			if _, err := os.Stat(dst); err == nil {
				t.Error("a refused merge wrote its output")
			}
		})
	}
}

// BenchmarkFiles merges two shards of LOCKBENCH_MERGE_MB megabytes in
// all (default 64); SetBytes makes the result MB/s of input.
//
//	LOCKBENCH_MERGE_MB=1024 go test ./merge -run '^$' -bench Files -benchtime 1x
func BenchmarkFiles(b *testing.B) {
	mb := 64
	if v, err := strconv.Atoi(os.Getenv("LOCKBENCH_MERGE_MB")); err == nil && v > 0 {
		mb = v
	}
	dir := b.TempDir()
	const lineBytes = 300
	lines := mb << 20 / lineBytes / 2
	var total int64
	var paths []string
	for k := 1; k <= 2; k++ {
		p := filepath.Join(dir, fmt.Sprintf("%d.txt", k))
		total += writeShard(b, p, "p", "m", k, 2, lines)
		paths = append(paths, p)
	}
	b.SetBytes(total)
	b.ResetTimer()
	var peak uint64
	for range b.N {
		if _, err := Files(context.Background(), filepath.Join(dir, "merged.txt"), paths, DefaultOptions); err != nil {
			b.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.ReportMetric(float64(peak)/(1<<20), "heap-MB")
}

// TestResultLines: merge reads result lines as benchfmt does (package
// results) and copies them as written; a line benchfmt refuses is refused
// with its file and line.
func TestResultLines(t *testing.T) {
	tests := []struct {
		line   string
		want   string // the case; "" when refused
		reason string
	}{
		{"BenchmarkPageCache/lock=mcs/threads=2-2 \t 10 \t 85.4 ns/page\n", "PageCache/lock=mcs/threads=2", "the case is the name without Benchmark and -GOMAXPROCS"},
		{"BenchmarkPageCache/lock=a/b-8 10 1e3 ns/page 0.5 acq/page\n", "PageCache/lock=a/b", "a value with a slash stays whole, as schema.ParseName reads it"},
		{"BenchmarkX 10 NaN ns/op\n", "X", "ParseFloat accepts NaN, as benchfmt does"},
		{"BenchmarkX 10 -- ns/op\n", "", "-- is not a number"},
		{"BenchmarkX 10 e ns/op\n", "", "e alone is not a number"},
		{"BenchmarkX 1x 5 ns/op\n", "", "iterations are an integer"},
		{"BenchmarkX 10 5\n", "", "a value without its unit"},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		src := filepath.Join(dir, fmt.Sprintf("%d.txt", i))
		head := fmt.Sprintf("goos: linux\n%s: a\n%s: p\n%s: 1/1\n%s: 1\n\n", schema.ConfMachine, schema.ConfPlan, schema.ConfShard, schema.ConfCases)
		if err := os.WriteFile(src, []byte(head+tt.line), 0o644); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, fmt.Sprintf("merged-%d.txt", i))
		_, err := Files(context.Background(), dst, []string{src}, DefaultOptions)
		if tt.want == "" {
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d.txt:7: malformed result line", i)) {
				t.Errorf("%q: err %v, want a malformed line at %d.txt:7 (%s)", tt.line, err, i, tt.reason)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v (%s)", tt.line, err, tt.reason)
			continue
		}
		b, _ := os.ReadFile(dst)
		if !strings.HasSuffix(string(b), "\n"+tt.line) {
			t.Errorf("%q: merged file does not end with the line as written:\n%s", tt.line, b)
		}
		if got := (caseNames{}).of(benchfmt.Name(strings.TrimPrefix(strings.Fields(tt.line)[0], "Benchmark"))).of; got != tt.want {
			t.Errorf("%q: case %q, want %q (%s)", tt.line, got, tt.want, tt.reason)
		}
	}
}
