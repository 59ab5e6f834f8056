package safefile

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpenInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(write("target", "via link\n"), link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		path   string
		max    int64
		want   string // what reads back before the error
		errAs  any    // nil: success; else a pointer to the error type expected
		errIs  error
		errMsg string
		reason string
	}{
		{name: "whole", path: write("a", "abc\n"), max: 100, want: "abc\n", reason: "a small regular file reads whole"},
		{name: "exactly max", path: write("b", "0123456789"), max: 10, want: "0123456789", reason: "maxBytes is inclusive"},
		{name: "empty", path: write("c", ""), max: 1, want: "", reason: "an empty file is a regular file"},
		{name: "symlink", path: link, max: 100, want: "via link\n", reason: "a link to a regular file is followed"},
		{name: "too large", path: write("d", "0123456789x"), max: 10, errAs: new(*TooLargeError), errMsg: "larger than the 10 bytes allowed",
			reason: "a file already past the cap is refused at open"},
		{name: "fifo", path: fifo, max: 100, errAs: new(*NotRegularError), errMsg: "named pipe (FIFO), not a regular file",
			reason: "a FIFO with no writer would block the read forever"},
		{name: "dev zero", path: "/dev/zero", max: 1 << 20, errAs: new(*NotRegularError), errMsg: "character device",
			reason: "/dev/zero never ends"},
		{name: "directory", path: dir, max: 100, errAs: new(*NotRegularError), errMsg: "is a directory",
			reason: "a folder is not a results file"},
		{name: "missing", path: filepath.Join(dir, "nope"), max: 100, errIs: fs.ErrNotExist, errMsg: "nope",
			reason: "a missing file says which"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var (
				r   io.ReadCloser
				err error
			)
			go func() {
				defer close(done)
				r, err = OpenInput(context.Background(), tt.path, tt.max)
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("OpenInput(%s) still blocked after 5s (%s)", tt.path, tt.reason)
			}
			var got []byte
			if err == nil {
				got, err = io.ReadAll(r)
				r.Close()
			}
			switch {
			case tt.errAs == nil && tt.errIs == nil:
				if err != nil || string(got) != tt.want {
					t.Errorf("read %q, %v; want %q, nil (%s)", got, err, tt.want, tt.reason)
				}
				return
			case tt.errAs != nil && !errors.As(err, tt.errAs):
				t.Errorf("error %v (%T), want a %T (%s)", err, err, tt.errAs, tt.reason)
			case tt.errIs != nil && !errors.Is(err, tt.errIs):
				t.Errorf("error %v, want one wrapping %v (%s)", err, tt.errIs, tt.reason)
			}
			if err != nil && (!strings.Contains(err.Error(), tt.errMsg) || !strings.Contains(err.Error(), tt.path)) {
				t.Errorf("error %q; want it to name %s and say %q", err, tt.path, tt.errMsg)
			}
		})
	}
}

// TestOpenInputGrows: a file that grows past the cap after it was opened
// yields the first maxBytes bytes, then a *TooLargeError.
func TestOpenInputGrows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.txt")
	os.WriteFile(path, []byte("12345"), 0o644)
	r, err := OpenInput(context.Background(), path, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("6789abcdef")
	f.Close()
	got, err := io.ReadAll(r)
	var tl *TooLargeError
	if string(got) != "12345678" || !errors.As(err, &tl) || tl.Max != 8 {
		t.Errorf("read %q, %v; want the first 8 bytes, then a *TooLargeError", got, err)
	}
	if n, err2 := r.Read(make([]byte, 10)); n != 0 || !errors.As(err2, &tl) {
		t.Errorf("Read after the cap = %d, %v; want 0 and the same error again", n, err2)
	}
}

// TestOpenInputCancel: once ctx is cancelled the next Read stops with an
// error wrapping ctx.Err().
func TestOpenInputCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.txt")
	os.WriteFile(path, []byte(strings.Repeat("line\n", 1000)), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := OpenInput(ctx, path, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]byte, 10)
	if _, err := r.Read(buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	n, err := r.Read(buf)
	if n != 0 || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), path) {
		t.Errorf("Read after cancel = %d, %v; want 0 and an error wrapping context.Canceled naming the file", n, err)
	}
	if _, err := OpenInput(ctx, path, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("OpenInput with a cancelled ctx: %v; want context.Canceled", err)
	}
}

func TestOpenInputBadMax(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("OpenInput with maxBytes 0 did not panic; a zero cap is a programming error")
		}
	}()
	OpenInput(context.Background(), "/dev/null", 0)
}

func TestByteSize(t *testing.T) {
	tests := []struct {
		n      int64
		want   string
		reason string
	}{
		{64 << 20, "64 MiB", "a whole number of MiB"},
		{1 << 30, "1 GiB", "the largest unit that divides it"},
		{1500, "1500 bytes", "not a whole number of KiB"},
		{10, "10 bytes", "small"},
	}
	for _, tt := range tests {
		if got := byteSize(tt.n); got != tt.want {
			t.Errorf("byteSize(%d) = %q, want %q (%s)", tt.n, got, tt.want, tt.reason)
		}
	}
}
