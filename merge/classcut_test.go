package merge

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// classShard is a whole shard 1/1 of two cases, each case line followed
// by its two class lines, whose acquisitions add up to the case line's.
const classShard = `workload: pagecache
machine: a
plan: p1
shard: 1/1
cases: 2

BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=2-2 100 50 ns/page 2 acq/page 1 contended/page
BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=2/class=lru-2 100 1.5 acq/page 1 contended/page
BenchmarkPageCache/mode=page/batch=1/lock=mutex/threads=2/class=zone-2 100 0.5 acq/page 0 contended/page
BenchmarkPageCache/mode=batch/batch=16/lock=mutex/threads=2-2 100 20 ns/page 0.25 acq/page 0.1 contended/page
BenchmarkPageCache/mode=batch/batch=16/lock=mutex/threads=2/class=lru-2 100 0.125 acq/page 0.1 contended/page
BenchmarkPageCache/mode=batch/batch=16/lock=mutex/threads=2/class=zone-2 100 0.125 acq/page 0 contended/page
`

// TestClassLinesCut: a shard cut at a line boundary inside its last
// case's class lines has every case line its cases line counts; merge
// accepted it as whole. It is incomplete (listed with --allow-partial),
// and a case line whose class lines were removed mid-file is refused.
func TestClassLinesCut(t *testing.T) {
	lines := strings.SplitAfter(classShard, "\n")
	tests := []struct {
		name    string
		text    string
		is      error  // nil: whole
		msg     string // in the error
		partial string // in Missing with AllowPartial; "" when refused anyway
		reason  string
	}{
		{"whole", classShard, nil, "", "", "every case line with all its class lines"},
		{"cut1", strings.Join(lines[:len(lines)-2], ""), ErrIncomplete, "1 class lines, not the 2", "has 1 class lines, not the 2",
			"the last case's second class line is missing: cut at a line boundary"},
		{"cut0", strings.Join(lines[:len(lines)-3], ""), ErrIncomplete, "0 class lines, not the 2", "has 0 class lines, not the 2",
			"the last case's class lines are all missing"},
		{"mid", strings.Replace(classShard, lines[8], "", 1), nil, "s.txt:7: case PageCache/mode=page/batch=1/lock=mutex/threads=2 has class lines whose acquisitions add up to 1.5, not the case line's 2: lines were removed", "",
			"a class line removed from the middle: no crash cuts a file there"},
		{"edited", strings.Replace(classShard, "0.125 acq/page 0 contended", "0.0625 acq/page 0 contended", 1), ErrIncomplete, "add up to 0.1875, not the case line's 0.25", "add up to",
			"every class line is there, but they do not add up to the case line: one shard of one case, the count alone cannot tell"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "s.txt")
			if err := os.WriteFile(src, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(dir, "m.txt")
			_, err := Files(context.Background(), dst, []string{src}, DefaultOptions)
			switch {
			case tt.msg == "" && err != nil:
				t.Fatalf("refused: %v (%s)", err, tt.reason)
			case tt.msg != "" && (err == nil || !strings.Contains(err.Error(), tt.msg) || (tt.is != nil && !errors.Is(err, tt.is))):
				t.Fatalf("error %v, want %v saying %q (%s)", err, tt.is, tt.msg, tt.reason)
			}
			if tt.msg == "" {
				return
			}
			opts := DefaultOptions
			opts.AllowPartial = true
			res, err := Files(context.Background(), dst, []string{src}, opts)
			if tt.partial == "" {
				if err == nil {
					t.Errorf("--allow-partial merged it: %s", tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("--allow-partial: %v", err)
			}
			if len(res.Missing) != 1 || !strings.Contains(res.Missing[0], tt.partial) {
				t.Errorf("--allow-partial: missing %q, want one saying %q", res.Missing, tt.partial)
			}
		})
	}
}
