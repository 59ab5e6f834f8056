package merge

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
	os.WriteFile(p("cs.txt"), []byte(strings.Replace(strings.Replace(string(b), "shard: 1/2", "shard: 2/2", 1), "workload: pagecache", "workload: cs", 1)), 0o644)
	os.WriteFile(p("noworkload.txt"), []byte(strings.Replace(strings.Replace(string(b), "shard: 1/2", "shard: 2/2", 1), "workload: pagecache\n", "", 1)), 0o644)
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
		{[]string{"1.txt", "cs.txt"}, ErrPlan, "not its settings: workload pagecache in one, cs in the other", "a refusal names the setting that differs, and both values"},
		{[]string{"1.txt", "noworkload.txt"}, ErrPlan, "not its settings: workload (pagecache) in one, absent in the other", "a setting one source lacks is named too"},
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

// TestFilesOwnSeeds: two machines' own unsharded runs of one plan each
// drew a seed; the merge takes both and records each machine's, and
// leaves the seed a knob when the sources share it (a sharded sweep).
func TestFilesOwnSeeds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, machine, seed string) string {
		path := filepath.Join(dir, name)
		writeShard(t, path, "p1", machine, 1, 1, 3)
		b, _ := os.ReadFile(path)
		os.WriteFile(path, []byte(strings.Replace(string(b), "workload: pagecache\n", "workload: pagecache\nseed: "+seed+"\n", 1)), 0o644)
		return path
	}
	merged := func(paths ...string) string {
		dst := filepath.Join(t.TempDir(), "merged.txt")
		if _, err := Files(context.Background(), dst, paths, DefaultOptions); err != nil {
			t.Fatalf("merging %v: %v", paths, err)
		}
		b, _ := os.ReadFile(dst)
		return string(b)
	}
	own := merged(write("a.txt", "box-a", "111"), write("b.txt", "box-b", "222"))
	for _, want := range []string{"machine-1-seed: 111\n", "machine-2-seed: 222\n"} {
		if !strings.Contains(own, want) {
			t.Errorf("own seeds: the merged file lacks %q:\n%s", want, own)
		}
	}
	if strings.Contains(own, "\nseed:") {
		t.Error("own seeds: a seed line of its own would split benchstat's tables by seed")
	}
	shared := merged(write("c.txt", "box-a", "7"), write("d.txt", "box-b", "7"))
	if !strings.Contains(shared, "\nseed: 7\n") || strings.Contains(shared, "-seed:") {
		t.Errorf("one seed: want it once, as a knob:\n%s", shared)
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
		lined, _ := lineUp([]byte(tt.line), false, stableRegimes(), nil) // the name as merged: no -GOMAXPROCS suffix
		if !strings.HasSuffix(string(b), "\n"+string(lined)) {
			t.Errorf("%q: merged file does not end with the line as merged (%q):\n%s", tt.line, lined, b)
		}
		if got := (caseNames{}).of(benchfmt.Name(strings.TrimPrefix(strings.Fields(tt.line)[0], "Benchmark"))).of; got != tt.want {
			t.Errorf("%q: case %q, want %q (%s)", tt.line, got, tt.want, tt.reason)
		}
	}
}

// writeRunShard is writeShard with a run line after the cases line, as
// lockbench run writes it.
func writeRunShard(t *testing.T, path, machine, run string, k, n int) {
	t.Helper()
	writeShard(t, path, "p1", machine, k, n, 2)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	extra := fmt.Sprintf("%s: %s\n%s: node-%s-%d\n%s: 2026-12-03T09:0%d:00Z\n", schema.ConfRun, run, schema.ConfNode, machine, k, schema.ConfStarted, k)
	b = []byte(strings.Replace(string(b), "\n\n", "\n"+extra+"\n", 1))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRuns(t *testing.T) {
	tests := []struct {
		name   string
		runs   [4]string // a1, a2, b1, b2
		mixed  bool
		want   error
		reason string
	}{
		{"one run", [4]string{"p1-r1", "p1-r1", "p1-r1", "p1-r1"}, false, nil, "every shard of one sweep"},
		{"stale shard", [4]string{"p1-r2", "p1-r1", "p1-r2", "p1-r2"}, false, ErrMixedRuns,
			"shard 2 of machine a is left from the earlier run r1: its pod of r2 never wrote"},
		{"machines of two runs", [4]string{"p1-r1", "p1-r1", "p1-r2", "p1-r2"}, false, ErrMixedRuns, "not told to mix"},
		{"mixed on purpose", [4]string{"p1-r1", "p1-r1", "p1-r2", "p1-r2"}, true, nil, "allow-mixed-runs"},
		{"a file without a run line", [4]string{"p1-r1", "p1-r1", "", "p1-r1"}, false, ErrMixedRuns, "no run line is not the same run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var paths []string
			for i, run := range tt.runs {
				m, k := []string{"a", "a", "b", "b"}[i], i%2+1
				p := filepath.Join(dir, fmt.Sprintf("%s%d.txt", m, k))
				if run == "" {
					writeShard(t, p, "p1", m, k, 2, 2)
				} else {
					writeRunShard(t, p, m, run, k, 2)
				}
				paths = append(paths, p)
			}
			dst := filepath.Join(dir, "merged.txt")
			opts := DefaultOptions
			opts.AllowMixedRuns = tt.mixed
			res, err := Files(context.Background(), dst, paths, opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v (%s)", err, tt.want, tt.reason)
			}
			if err != nil {
				// Both runs and both files are named.
				for _, want := range []string{paths[0], "r1"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not name %s", err, want)
					}
				}
				if _, err := os.Stat(dst); err == nil {
					t.Error("a refused merge wrote its output")
				}
				return
			}
			b, _ := os.ReadFile(dst)
			out := string(b)
			if tt.mixed {
				if !strings.Contains(out, schema.MachineKey(2, schema.ConfRun)+": p1-r2\n") || len(res.Warnings) == 0 {
					t.Errorf("mixed runs: want machine-2-run: p1-r2 and a warning; warnings %q, file:\n%s", res.Warnings, out)
				}
			} else if !strings.Contains(out, "\n"+schema.ConfRun+": p1-r1\n") {
				t.Errorf("one run: want run: p1-r1 once in the header:\n%s", out)
			}
			// Nodes differ between shards as a matter of course: stated, not warned about.
			if !strings.Contains(out, schema.MachineKey(1, schema.ConfNode)+": node-a-1 | node-a-2\n") {
				t.Errorf("want machine-1-node with both shards' nodes:\n%s", out)
			}
			for _, w := range res.Warnings {
				if strings.Contains(w, schema.ConfNode) || strings.Contains(w, schema.ConfStarted) {
					t.Errorf("warning about what differs between shards by design: %s", w)
				}
			}
			if strings.Count(out, "\n"+schema.ConfStarted+":") > 0 {
				t.Errorf("a plain started: line in the merged file splits benchstat's tables")
			}
		})
	}
}

func TestUnitValue(t *testing.T) {
	tests := []struct {
		line   string
		want   float64
		ok     bool
		reason string
	}{
		{"BenchmarkX 10 85.4 ns/page \t 12 runq-ns \t 0 gc-cycles\n", 12, true, "between units"},
		{"BenchmarkX 10 85.4 ns/page 3.5e+06 runq-ns\n", 3.5e6, true, "last, exponent"},
		{"BenchmarkX 10 85.4 ns/page 1 xrunq-ns\n", 0, false, "another unit that ends alike"},
		{"BenchmarkX/runq-ns=1 10 85.4 ns/page\n", 0, false, "in the name, not a unit"},
		{"BenchmarkX 10 85.4 ns/page\n", 0, false, "no such unit"},
	}
	for _, tt := range tests {
		v, ok := unitValue([]byte(tt.line), schema.UnitRunq)
		if v != tt.want || ok != tt.ok {
			t.Errorf("unitValue(%q) = %v, %v; want %v, %v (%s)", tt.line, v, ok, tt.want, tt.ok, tt.reason)
		}
	}
}

// A shard whose repetitions waited for their CPUs (three shards at once
// on one host) is merged, with a warning that names it.
func TestDisturbedWarning(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for k := 1; k <= 2; k++ {
		p := filepath.Join(dir, fmt.Sprintf("s%d.txt", k))
		writeShard(t, p, "p1", "m", k, 2, 4)
		b, _ := os.ReadFile(p)
		text := strings.Replace(string(b), "workload: pagecache\n", "workload: pagecache\nduration: 60ms\n", 1)
		// Shard 2's workers waited 30ms of the 60ms window in one
		// repetition of four; shard 1's 10µs, ticks.
		runq := map[int]string{1: " \t 10000 runq-ns\n", 2: " \t 30000000 runq-ns\n"}[k]
		lines := strings.SplitAfter(text, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "Benchmark") {
				lines[i] = strings.TrimSuffix(l, "\n") + runq
				if k == 2 {
					runq = " \t 10000 runq-ns\n"
				}
			}
		}
		os.WriteFile(p, []byte(strings.Join(lines, "")), 0o644)
		paths = append(paths, p)
	}
	res, err := Files(context.Background(), filepath.Join(dir, "merged.txt"), paths, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sources[0].Disturbed != 0 || res.Sources[1].Disturbed != 1 {
		t.Errorf("disturbed %d and %d, want 0 and 1", res.Sources[0].Disturbed, res.Sources[1].Disturbed)
	}
	var warned []string
	for _, w := range res.Warnings {
		if strings.Contains(w, "disturbed") {
			warned = append(warned, w)
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "shard 2/2 of machine m: 1 of its 4") {
		t.Errorf("warnings %q: want one naming shard 2/2 of machine m, 1 of 4", warned)
	}
}

func TestThreadsOf(t *testing.T) {
	for name, want := range map[string]int{
		"PageCache/mode=page/lock=mcs/threads=2":                  2,
		"PageCache/mode=page/lock=mcs/threads=16/regime=switched": 16,
		"PageCache/mode=page/lock=mcs":                            0,
	} {
		if got := threadsOf(name); got != want {
			t.Errorf("threadsOf(%s) = %d, want %d", name, got, want)
		}
	}
}

func TestLineUp(t *testing.T) {
	tail := " \t 10 \t 85.4 ns/page\n"
	tests := []struct {
		name, want, regime string
		keep               bool
		reason             string
	}{
		{"BenchmarkPageCache/mode=page/lock=mcs/threads=1-2", "BenchmarkPageCache/mode=page/lock=mcs/threads=1", "", false, "the CPU count is the machine's line, not the name's"},
		{"BenchmarkPageCache/mode=page/lock=mcs/threads=2/regime=llc-2", "BenchmarkPageCache/mode=page/lock=mcs/threads=2", "llc", false, "a stable regime is the machine's state: out of the name"},
		{"BenchmarkPageCache/mode=page/lock=mcs/threads=2/regime=xllc/class=lru-2", "BenchmarkPageCache/mode=page/lock=mcs/threads=2/class=lru", "xllc", false, "a class line follows its case"},
		{"BenchmarkPageCache/mode=page/lock=mcs/threads=2/regime=switched-2", "BenchmarkPageCache/mode=page/lock=mcs/threads=2/regime=switched", "", false, "switched samples never join the others"},
		{"BenchmarkPageCache/mode=page/lock=mcs/threads=2/regime=unprobed-2", "BenchmarkPageCache/mode=page/lock=mcs/threads=2/regime=unprobed", "", false, "nor unprobed ones"},
		{"BenchmarkPageCache/mode=page/lock=mcs/threads=2/regime=llc-2", "BenchmarkPageCache/mode=page/lock=mcs/threads=2/regime=llc", "", true, "keep-regimes"},
		{"BenchmarkPageCache/mode=page/lock=ticket-2/threads=2", "BenchmarkPageCache/mode=page/lock=ticket-2/threads=2", "", false, "no suffix: a -2 inside the name stays"},
	}
	for _, tt := range tests {
		out, regime := lineUp([]byte(tt.name+tail), tt.keep, stableRegimes(), nil)
		if string(out) != tt.want+tail || regime != tt.regime {
			t.Errorf("lineUp(%s) = %q, %q; want %q, %q (%s)", tt.name, out, regime, tt.want+tail, tt.regime, tt.reason)
		}
	}
	// It runs on every line of a sweep: no allocation once buf has grown.
	line := []byte(tests[1].name + tail)
	buf := make([]byte, 0, 256)
	stable := stableRegimes()
	if n := testing.AllocsPerRun(100, func() { lineUp(line, false, stable, buf[:0]) }); n != 0 {
		t.Errorf("lineUp allocates %v times a line", n)
	}
}

// A machine that ran a case in two steady regimes has them pooled in the
// merged names, and a warning says so once per machine; --keep-regimes
// keeps them apart.
func TestPooledRegimes(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.txt")
	writeShard(t, p, "p1", "m", 1, 1, 0)
	b, _ := os.ReadFile(p)
	text := strings.Replace(string(b), "cases: 0", "cases: 3", 1)
	for _, r := range []string{"llc", "xllc", "switched"} {
		text += "BenchmarkPageCache/mode=page/lock=mcs/threads=2/regime=" + r + "-2 \t 10 \t 85.4 ns/page\n"
	}
	os.WriteFile(p, []byte(text), 0o644)
	for _, keep := range []bool{false, true} {
		opts := DefaultOptions
		opts.KeepRegimes = keep
		dst := filepath.Join(dir, fmt.Sprint("merged-", keep))
		res, err := Files(context.Background(), dst, []string{p}, opts)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := os.ReadFile(dst)
		pooled := strings.Count(string(out), "BenchmarkPageCache/mode=page/lock=mcs/threads=2 ")
		warned := slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "more than one regime") })
		switch {
		case !keep && (pooled != 2 || !warned):
			t.Errorf("llc and xllc: %d lines under one name, warned %v; want 2 and a warning", pooled, warned)
		case keep && (pooled != 0 || warned):
			t.Errorf("--keep-regimes: %d lines pooled, warned %v; want none", pooled, warned)
		}
		if !strings.Contains(string(out), "threads=2/regime=switched ") {
			t.Errorf("the switched repetition lost its key:\n%s", out)
		}
	}
}
