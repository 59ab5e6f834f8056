package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/lockbench/lockbench/harness"
)

// fakeClock returns a clock that advances by step at each reading after
// the first.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	first := true
	return func() time.Time {
		if !first {
			t = t.Add(step)
		}
		first = false
		return t
	}
}

func TestProgressBarLine(t *testing.T) {
	tests := []struct {
		total, done int
		want        string
		reason      string
	}{
		{8, 2, "running [######------------------] 2/8 (5s, ~15s left) mutex", "a quarter done: a quarter of the bar, time left from the mean per case"},
		{8, 8, "running [########################] 8/8 (5s) mutex", "all done: a full bar and no estimate"},
		{3, 0, "running [------------------------] 0/3 (5s) mutex", "nothing done: no estimate from no case"},
		{0, 5, "running 5 cases (5s) mutex", "adaptive run: no total, so no bar and no estimate"},
	}
	for _, tt := range tests {
		p := &progress{total: tt.total, now: fakeClock(5 * time.Second)}
		p.start = p.now()
		if got := p.barLine(tt.done, "mutex"); got != tt.want {
			t.Errorf("total %d, done %d:\n got %q\nwant %q (%s)", tt.total, tt.done, got, tt.want, tt.reason)
		}
	}
}

func TestProgressBarRewritesOneLine(t *testing.T) {
	// On a terminal every case rewrites the same line and finish erases
	// it, so that the answer starts on a clean line; off a terminal each
	// case gets a line of its own.
	var buf bytes.Buffer
	p := newProgress(&buf, 2, false)
	if p.bar {
		t.Fatal("a bytes.Buffer is not a terminal")
	}
	p.bar, p.now = true, fakeClock(time.Second)
	res := &harness.Result{Wall: time.Second, Pages: 1000}
	p.step(0, res, 2)
	p.step(1, res, 2)
	p.finish()
	out := buf.String()
	if strings.Contains(out, "\n") {
		t.Errorf("bar output has a newline: %q", out)
	}
	if n := strings.Count(out, "\r"); n != 3 {
		t.Errorf("%d carriage returns, want one per case and one to erase: %q", n, out)
	}
	if !strings.HasSuffix(out, "\r\x1b[K") || !strings.Contains(out, "2/2") {
		t.Errorf("bar does not reach 2/2 and end erased: %q", out)
	}

	buf.Reset()
	p = newProgress(&buf, 2, false)
	p.step(0, res, 2)
	p.finish()
	if out := buf.String(); strings.Contains(out, "\r") || strings.Count(out, "\n") != 1 {
		t.Errorf("off a terminal: want one plain line per case, got %q", out)
	}
}
