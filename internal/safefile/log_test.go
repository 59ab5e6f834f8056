package safefile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// readFile returns path's content as a string.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.txt")
	l, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := l.Write([]byte("a\n")); n != 2 || err != nil {
		t.Fatalf("Write of a line = %d, %v; want 2, nil", n, err)
	}
	if n, err := l.Write([]byte("b\nc\nd\n")); n != 6 || err != nil {
		t.Fatalf("Write of a three-line record = %d, %v; want 6, nil", n, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Write([]byte("e\n")); err == nil {
		t.Error("Write after Close succeeded")
	}
	l, err = OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Write([]byte("e\n")); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "a\nb\nc\nd\ne\n" {
		t.Errorf("log holds %q; want the five lines appended in order across a reopen", got)
	}
}

// TestLogRefuses: Write takes whole lines; a tail without a newline
// would tear.
func TestLogRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.txt")
	l, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if n, err := l.Write([]byte("a\nb")); n != 0 || err == nil || !strings.Contains(err.Error(), "results.txt") {
		t.Errorf("Write of an incomplete record = %d, %v; want 0 and an error naming the file", n, err)
	}
	if _, err := l.Write([]byte("ok\n")); err != nil {
		t.Errorf("a refused write broke the log: %v", err)
	}
	if got := readFile(t, path); got != "ok\n" {
		t.Errorf("log holds %q, want only the accepted line", got)
	}
}

// TestLogFailedWrite injects the faults of a filling disk into a write
// and checks that the file still ends at its last whole line, that the
// error says what happened, and that the log works again once the fault
// is gone.
func TestLogFailedWrite(t *testing.T) {
	const line = "BenchmarkPageCache/mode=page/lock=mcs/threads=2-2 1000 85.4 ns/page"
	tests := []struct {
		name   string
		fault  faultyFile
		errIs  error
		reason string
	}{
		{"nothing written", faultyFile{budget: 0, writeErr: errNoSpace}, syscall.ENOSPC, "ENOSPC before the first byte"},
		{"torn", faultyFile{budget: 20, writeErr: errNoSpace}, syscall.ENOSPC, "ENOSPC after part of the line: the part must go"},
		{"all but the newline", faultyFile{budget: len(line), writeErr: errNoSpace}, syscall.ENOSPC, "the line without its newline is still incomplete"},
		{"silent short write", faultyFile{budget: 20}, io.ErrShortWrite, "a short count without an error is an error"},
		{"sync fails", faultyFile{budget: -1, syncErr: syscall.EIO}, syscall.EIO, "a line that may not be on disk is cut: an error means not written"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "results.txt")
			os.WriteFile(path, []byte("first\nsecond\n"), 0o644)
			ff := tt.fault
			l, err := openLog(path, fault(&ff))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			n, err := l.Write([]byte(line + "\n"))
			if n != 0 || !errors.Is(err, tt.errIs) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "last whole line") {
				t.Errorf("Write = %d, %v; want 0 and an error wrapping %v that names the file and says it ends at its last whole line (%s)", n, err, tt.errIs, tt.reason)
			}
			if got := readFile(t, path); got != "first\nsecond\n" {
				t.Errorf("after the failed write the file holds %q, want it back at its last whole line (%s)", got, tt.reason)
			}
			ff.budget, ff.syncErr = -1, nil // the disk has room again
			if _, err := l.Write([]byte("third\n")); err != nil {
				t.Fatalf("write after the fault cleared: %v", err)
			}
			if got := readFile(t, path); got != "first\nsecond\nthird\n" {
				t.Errorf("file holds %q, want the next line right after the last whole one", got)
			}
		})
	}
}

// TestLogFailedCut: when even cutting the torn line back fails, the log
// must say so and refuse every later write, which would otherwise be
// glued onto the torn line.
func TestLogFailedCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.txt")
	ff := faultyFile{budget: 3, writeErr: errNoSpace, truncErr: syscall.EIO}
	l, err := openLog(path, fault(&ff))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = l.Write([]byte("abcdef\n"))
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "failed too") {
		t.Errorf("Write: %v; want ENOSPC and word that the cut failed too", err)
	}
	ff.budget, ff.truncErr = -1, nil
	if _, err := l.Write([]byte("next\n")); err == nil || !strings.Contains(err.Error(), "incomplete line") {
		t.Errorf("write after a failed cut: %v; want it refused, naming the incomplete line", err)
	}
	if got := readFile(t, path); got != "abc" {
		t.Errorf("file holds %q; want only the torn part, nothing glued onto it", got)
	}
}

func TestLogBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.txt")
	l1, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLog(path); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), path) {
		t.Errorf("second OpenLog of an open log: %v; want ErrBusy naming the file", err)
	}
	l1.Close()
	l2, err := OpenLog(path)
	if err != nil {
		t.Fatalf("OpenLog after Close: %v", err)
	}
	l2.Close()
}

func TestLogNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	var nr *NotRegularError
	if _, err := OpenLog(fifo); !errors.As(err, &nr) || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("OpenLog of a FIFO: %v; want a *NotRegularError naming a named pipe", err)
	}
	if _, err := OpenLog(dir); err == nil {
		t.Error("OpenLog of a directory succeeded")
	}
}

// TestLogConcurrent writes from 8 goroutines: every line must arrive
// whole, none interleaved with another.
func TestLogConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.txt")
	l, err := OpenLog(path)
	if err != nil {
		t.Fatal(err)
	}
	const per = 50
	var wg sync.WaitGroup
	for w := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				if _, err := l.Write(fmt.Appendf(nil, "worker=%d line=%d %s\n", w, i, strings.Repeat("x", 200))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	l.Close()
	lines := strings.Split(strings.TrimSuffix(readFile(t, path), "\n"), "\n")
	seen := map[string]bool{}
	for _, s := range lines {
		var w, i int
		if n, _ := fmt.Sscanf(s, "worker=%d line=%d", &w, &i); n != 2 || !strings.HasSuffix(s, " "+strings.Repeat("x", 200)) {
			t.Fatalf("torn or mixed line %q", s)
		}
		seen[s[:strings.Index(s, " x")]] = true
	}
	if len(lines) != racers*per || len(seen) != racers*per {
		t.Errorf("%d lines, %d distinct; want %d of each", len(lines), len(seen), racers*per)
	}
}
