package safefile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// listDir returns the names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFile(t *testing.T) {
	errWriter := errors.New("the writer gave up")
	big := strings.Repeat("0123456789abcdef", 1024) // 16 KiB: past bufio's buffer
	tests := []struct {
		name   string
		old    *string // content at path before; nil: no file
		write  func(io.Writer) error
		fault  *faultyFile
		errIs  error  // nil: success
		want   string // content at path after; "-" for no file
		reason string
	}{
		{
			name: "new", write: func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err },
			want: "new\n", reason: "a plain write creates the file",
		},
		{
			name: "replace", old: ptr("old\n"), write: func(w io.Writer) error { _, err := io.WriteString(w, big); return err },
			want: big, reason: "a write replaces the old file whole",
		},
		{
			name: "writer error", old: ptr("old\n"),
			write: func(w io.Writer) error { io.WriteString(w, "half"); return errWriter },
			errIs: errWriter, want: "old\n", reason: "the writer's error leaves the old file untouched",
		},
		{
			name:  "writer error, no old file",
			write: func(w io.Writer) error { io.WriteString(w, "half"); return errWriter },
			errIs: errWriter, want: "-", reason: "the writer's error leaves no file",
		},
		{
			name: "disk full", old: ptr("old\n"),
			write: func(w io.Writer) error { _, err := io.WriteString(w, big); return err },
			fault: &faultyFile{budget: 5000, writeErr: errNoSpace},
			errIs: syscall.ENOSPC, want: "old\n", reason: "ENOSPC in the middle leaves the old file, not a truncated one",
		},
		{
			name: "disk full, error ignored", old: ptr("old\n"),
			write: func(w io.Writer) error {
				for range 100 {
					io.WriteString(w, big[:1000]) // errors dropped
				}
				return nil
			},
			fault: &faultyFile{budget: 5000, writeErr: errNoSpace},
			errIs: syscall.ENOSPC, want: "old\n", reason: "a write error the writer ignored is still caught (bufio's error is sticky)",
		},
		{
			name: "short write", old: ptr("old\n"),
			write: func(w io.Writer) error { _, err := io.WriteString(w, "0123456789"); return err },
			fault: &faultyFile{budget: 3},
			errIs: io.ErrShortWrite, want: "old\n", reason: "a short write without an error is an error",
		},
		{
			name: "sync fails", old: ptr("old\n"),
			write: func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err },
			fault: &faultyFile{budget: -1, syncErr: syscall.EIO},
			errIs: syscall.EIO, want: "old\n", reason: "a file that may not be on disk is not renamed into place",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "report.html")
			if tt.old != nil {
				if err := os.WriteFile(path, []byte(*tt.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var wrap wrapFile
			if tt.fault != nil {
				wrap = fault(tt.fault)
			}
			err := writeFile(path, 0o644, tt.write, wrap)
			switch {
			case tt.errIs == nil && err != nil:
				t.Fatalf("WriteFile: %v, want success (%s)", err, tt.reason)
			case tt.errIs != nil && !errors.Is(err, tt.errIs):
				t.Fatalf("WriteFile error %v, want one wrapping %v (%s)", err, tt.errIs, tt.reason)
			case err != nil && !strings.Contains(err.Error(), path):
				t.Errorf("error %q does not name the file", err)
			}
			got, rerr := os.ReadFile(path)
			switch {
			case tt.want == "-" && !os.IsNotExist(rerr):
				t.Errorf("file at path: %q, %v; want none (%s)", got, rerr, tt.reason)
			case tt.want != "-" && string(got) != tt.want:
				t.Errorf("file at path holds %d bytes %.20q..., want %d bytes %.20q... (%s)", len(got), got, len(tt.want), tt.want, tt.reason)
			}
			if names := listDir(t, dir); len(names) > 1 || len(names) == 1 && names[0] != "report.html" {
				t.Errorf("folder holds %v; want no temporary file left (%s)", names, tt.reason)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestWriteFilePanic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "summary.txt")
	os.WriteFile(path, []byte("old\n"), 0o644)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the writer's panic to go on", r)
			}
		}()
		WriteFile(path, 0o644, func(w io.Writer) error {
			io.WriteString(w, "half")
			panic("boom")
		})
	}()
	if got, _ := os.ReadFile(path); string(got) != "old\n" {
		t.Errorf("after a panicking writer the file holds %q, want the old content", got)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Errorf("folder holds %v; want no temporary file left", names)
	}
}

func TestWriteFilePerm(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "x")
	if err := WriteFile(path, 0o666, func(w io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o644 {
		t.Errorf("mode %v, want 0644: perm less the umask, as os.WriteFile", got)
	}
}

func TestWriteFileNoFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "x")
	err := WriteFile(path, 0o644, func(w io.Writer) error { return nil })
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("WriteFile into a missing folder: %v; want ErrNotExist naming the path", err)
	}
}

func TestIsTemp(t *testing.T) {
	name, err := tempName("/x/report.html")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		want   bool
		reason string
	}{
		{filepath.Base(name), true, "WriteFile's own temporary name"},
		{"report.html", false, "a finished file"},
		{".lockbench.lock", false, "ClaimDir's lock file is not a leftover"},
	}
	for _, tt := range tests {
		if got := IsTemp(tt.name); got != tt.want {
			t.Errorf("IsTemp(%q) = %t, want %t: %s", tt.name, got, tt.want, tt.reason)
		}
	}
}

func TestTempNamesDiffer(t *testing.T) {
	// Two writers of one path (two processes, or two goroutines) must
	// not draw the same temporary name in practice: O_EXCL would make
	// one of them draw again, ten times at most.
	seen := map[string]bool{}
	for range 1000 {
		name, err := tempName("/x/report.html")
		if err != nil {
			t.Fatal(err)
		}
		if seen[name] {
			t.Fatalf("tempName repeated %q within 1000 draws", name)
		}
		seen[name] = true
	}
}
