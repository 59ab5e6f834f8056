package merge

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/results"
)

// TestShardCountBounded: one header line claiming two billion shards is
// refused at once, in a short message, before anything is set aside per
// shard (it once took 3.9 GB and a crash).
func TestShardCountBounded(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	writeShard(t, p, "p1", "a", 1, 2000000000, 3)
	_, err := Files(context.Background(), filepath.Join(dir, "out.txt"), []string{p}, DefaultOptions)
	if err == nil || !strings.Contains(err.Error(), "results.MaxShards") || len(err.Error()) > 300 {
		t.Errorf("err %v, want a short one naming results.MaxShards", err)
	}
}

// TestMissingListsFew: many missing shards are named a few at a time,
// then counted: the error stays one short line.
func TestMissingListsFew(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	writeShard(t, p, "p1", "a", 1, results.MaxShards, 3)
	_, err := Files(context.Background(), filepath.Join(dir, "out.txt"), []string{p}, DefaultOptions)
	want := fmt.Sprintf("and %d more", results.MaxShards-1-results.MaxListed)
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), want) || len(err.Error()) > 400 {
		t.Errorf("err %v, want ErrMissing ending %q, short", err, want)
	}
}

// TestOutputBounded: merge refuses to write a file larger than the
// readers read (Options.MaxBytes, results.MaxInput by default), and
// leaves nothing behind.
func TestOutputBounded(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	var size int64
	for k := 1; k <= 2; k++ {
		p := filepath.Join(dir, fmt.Sprintf("a%d.txt", k))
		size = writeShard(t, p, "p1", "a", k, 2, 100)
		paths = append(paths, p)
	}
	dst := filepath.Join(dir, "out.txt")
	opts := DefaultOptions
	opts.MaxBytes = size + size/2 // each input fits, the two together do not
	_, err := Files(context.Background(), dst, paths, opts)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("err %v, want ErrTooLarge", err)
	}
	if _, err := os.Stat(dst); err == nil {
		t.Error("a merged file too large for the readers was written")
	}
	if DefaultOptions.MaxBytes != results.MaxInput {
		t.Errorf("merge reads and writes up to %d bytes, the readers %d", DefaultOptions.MaxBytes, results.MaxInput)
	}
}

// TestMergeMessages: an input's fault is not reported as a write
// ("writing out.txt: a1.txt:9: ..."), and a shard with more case lines
// than its header says is not "13 of its 12".
func TestMergeMessages(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	writeShard(t, p, "p1", "a", 1, 1, 3)
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), "cases: 3", "cases: 2", 1)), 0o644)
	_, err := Files(context.Background(), filepath.Join(dir, "out.txt"), []string{p}, DefaultOptions)
	if err == nil || strings.Contains(err.Error(), "writing") || strings.Contains(err.Error(), "3 of its 2") || !strings.Contains(err.Error(), "more than") {
		t.Errorf("err %v, want one saying 3 lines is more than 2, without \"writing\"", err)
	}
	os.WriteFile(p, append(b, "BenchmarkX 1 NaN ns/page\n"...), 0o644)
	_, err = Files(context.Background(), filepath.Join(dir, "out.txt"), []string{p}, DefaultOptions)
	if err == nil || strings.HasPrefix(err.Error(), "writing") {
		t.Errorf("err %v, want the input's own error", err)
	}
}

// TestLineRules: merge refuses the lines every reader refuses
// (results.Check), so that it never writes a file they reject.
func TestLineRules(t *testing.T) {
	for _, tt := range []struct{ line, reason string }{
		{"NaN ns/page", "not a number"},
		{"+Inf ns/page", "infinite"},
		{"-3 ns/page", "a time cannot be negative"},
		{"85 12.5", "a numeric unit: a garbled line"},
		{"85 ns/p\x01ge", "a control character in a unit"},
		{"85 ns/page 86 ns/page", "one unit twice would count as two samples"},
	} {
		dir := t.TempDir()
		p := filepath.Join(dir, "a.txt")
		writeShard(t, p, "p1", "a", 1, 1, 1)
		b, _ := os.ReadFile(p)
		b = append(b, "BenchmarkPageCache/mode=batch/batch=16/lock=x/threads=2-2 100 "+tt.line+"\n"...)
		os.WriteFile(p, []byte(strings.Replace(string(b), "cases: 1", "cases: 2", 1)), 0o644)
		_, err := Files(context.Background(), filepath.Join(dir, "out.txt"), []string{p}, DefaultOptions)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Line == 0 {
			t.Errorf("%s (%q): err %v, want an InputError naming the line", tt.reason, tt.line, err)
		}
	}
	// Reason: zero iterations measure nothing.
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	writeShard(t, p, "p1", "a", 1, 1, 1)
	b, _ := os.ReadFile(p)
	b = append(b, "BenchmarkPageCache/mode=batch/batch=16/lock=x/threads=2-2 0 85 ns/page\n"...)
	os.WriteFile(p, []byte(strings.Replace(string(b), "cases: 1", "cases: 2", 1)), 0o644)
	if _, err := Files(context.Background(), filepath.Join(dir, "out.txt"), []string{p}, DefaultOptions); err == nil {
		t.Error("a line of 0 iterations merged")
	}
}
