package main

import (
	"errors"
	"strings"
	"testing"
)

// TestSelfName: the hint names a command that works as printed.
func TestSelfName(t *testing.T) {
	none := func(string) (string, error) { return "", errors.New("not found") }
	tests := []struct {
		exe, arg0, want, reason string
	}{
		{"/tmp/go-build123456/b001/exe/lockbench", "/tmp/go-build123456/b001/exe/lockbench", "go run ./cmd/lockbench", "go run's temporary build"},
		{"/root/.cache/go-build/ab/abcdef-d/lockbench", "lockbench", "go run ./cmd/lockbench", "go run's cached executable"},
		{"/opt/bin/lockbench", "./lockbench", "./lockbench", "a binary not on PATH: the path it was started by"},
	}
	for _, tt := range tests {
		if got := selfName(tt.exe, tt.arg0, none); got != tt.want {
			t.Errorf("selfName(%q, %q) = %q, want %q (%s)", tt.exe, tt.arg0, got, tt.want, tt.reason)
		}
	}
}

// TestBenchstatHint: page is the base column, whatever the file's order.
func TestBenchstatHint(t *testing.T) {
	got := benchstatHint("r.txt")
	if !strings.Contains(got, "-col '/mode@(page ") || !strings.HasSuffix(got, " r.txt") {
		t.Errorf("benchstat hint %q does not pin page as the base column", got)
	}
}
