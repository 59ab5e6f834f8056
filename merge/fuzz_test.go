package merge

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzHeaders merges two shards whose headers are fuzzed: shard, cases,
// plan, machine and run values, repeated keys, long and strange lines.
// Whatever the header says, Files returns an error or a result, never
// panics, never takes long or much memory (a shard count is bounded
// before anything is set aside per shard), and its error is one short
// line; what it accepts is a whole sweep whose lines it counted.
func FuzzHeaders(f *testing.F) {
	f.Add("1/2", "2/2", "1", "1", "a", "a")
	f.Add("1/2000000000", "2/2", "1", "1", "a", "a")
	f.Add("+2/02", "1/2", "1", "1", "a", "a")
	f.Add("1/1", "1/1", "1", "1", "a", "b")
	f.Add("1/2", "1/2", "0", "-1", "a", "a")
	f.Add("1/20000000", "3/20000000", "1", "1", "a\x00", "a\xff")
	// Found by CI's fuzzing: a shard value of 8 KiB came back whole in
	// the error line; so did a long cases value or machine name.
	f.Add("1"+strings.Repeat("\x11", 8000), "2/2", "1", "1", "a", "a")
	f.Add("1/2", "2/2", strings.Repeat("x", 8000), "1", "a", "a")
	f.Add("1/2", "1/2", "1", "1", strings.Repeat("m", 8000), strings.Repeat("m", 8000))
	f.Fuzz(func(t *testing.T, shardA, shardB, casesA, casesB, machineA, machineB string) {
		dir := t.TempDir()
		var paths []string
		for i, h := range [][3]string{{shardA, casesA, machineA}, {shardB, casesB, machineB}} {
			var b strings.Builder
			b.WriteString("goos: linux\nplan: p1\nrun: p1-r1\n")
			b.WriteString("shard: " + oneLine(h[0]) + "\ncases: " + oneLine(h[1]) + "\nmachine: " + oneLine(h[2]) + "\n")
			b.WriteString("BenchmarkPageCache/mode=batch/batch=16/lock=mutex/threads=2-2 1000 85.4 ns/page 0.5 acq/page\n")
			p := filepath.Join(dir, string(rune('a'+i))+".txt")
			if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
		}
		res, err := Files(context.Background(), filepath.Join(dir, "out.txt"), paths, DefaultOptions)
		if err != nil {
			if len(err.Error()) > 2000 {
				t.Fatalf("an error of %d bytes: %.200s...", len(err.Error()), err)
			}
			var ie *InputError
			if !errors.As(err, &ie) && !errors.Is(err, ErrPlan) && !errors.Is(err, ErrMissing) && !errors.Is(err, ErrDuplicate) &&
				!errors.Is(err, ErrIncomplete) && !errors.Is(err, ErrMixedRuns) {
				t.Fatalf("an error of no known kind: %v", err)
			}
			return
		}
		if res.Lines != 2 && !(len(res.Machines) == 1 && res.Lines == 1) {
			// Two sources of one line each; one machine's two shards, or two
			// machines' whole runs.
			t.Errorf("merged %d lines of %d sources", res.Lines, len(res.Sources))
		}
	})
}

// oneLine keeps a fuzzed value on its header line.
func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }
