package safefile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The helpers below meet a real kernel's failing write: RLIMIT_FSIZE caps
// the size of any file the process writes, so a write across the cap is
// cut short and the next fails with EFBIG, as a filling disk cuts a
// write short and then fails with ENOSPC. (The Go runtime ignores the
// SIGXFSZ that comes with it.) The limit is set in a child process only.

func init() {
	helpers["fsize-log"] = func(args []string) int {
		setFsize(args[1])
		l, err := OpenLog(args[0])
		if err != nil {
			fmt.Printf("error %v\n", err)
			return 1
		}
		for i := 0; ; i++ {
			if _, err := l.Write(fmt.Appendf(nil, "BenchmarkPageCache/mode=page/n=%03d 1000 85.4 ns/page\n", i)); err != nil {
				fmt.Printf("%d %v\n", i, err)
				return 0
			}
		}
	}
	helpers["fsize-write"] = func(args []string) int {
		setFsize(args[1])
		err := WriteFile(args[0], 0o644, func(w io.Writer) error {
			_, err := io.WriteString(w, strings.Repeat("<p>report</p>\n", 10000))
			return err
		})
		fmt.Printf("%v\n", err)
		return 0
	}
}

func setFsize(s string) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err == nil {
		var lim unix.Rlimit
		if err = unix.Getrlimit(unix.RLIMIT_FSIZE, &lim); err == nil {
			lim.Cur = n
			err = unix.Setrlimit(unix.RLIMIT_FSIZE, &lim)
		}
	}
	if err != nil {
		fmt.Printf("setting RLIMIT_FSIZE: %v\n", err)
		os.Exit(1)
	}
}

// TestLogFileSizeLimit: a log whose writes hit the kernel's file size
// limit in the middle of a line ends at its last whole line.
func TestLogFileSizeLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.txt")
	os.WriteFile(path, []byte("goos: linux\n"), 0o644)
	const limit = 1000 // not a multiple of the line length: the cap falls mid-line
	p := startHelper(t, "fsize-log", path, strconv.Itoa(limit))
	ans := p.line(t)
	p.finish(t)
	var written int
	if _, err := fmt.Sscanf(ans, "%d", &written); err != nil || !strings.Contains(ans, "file too large") || !strings.Contains(ans, "last whole line") {
		t.Fatalf("helper answered %q; want the lines written, then EFBIG and the promise of a whole last line", ans)
	}
	got := readFile(t, path)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if !strings.HasSuffix(got, "\n") || len(lines) != written+1 || len(got) > limit {
		t.Fatalf("after EFBIG the file holds %d bytes, %d lines, ends %q; want %d whole lines within %d bytes",
			len(got), len(lines), got[max(0, len(got)-20):], written+1, limit)
	}
	if want := fmt.Sprintf("n=%03d ", written-1); !strings.Contains(lines[len(lines)-1], want) {
		t.Errorf("last line %q; want the last acknowledged line (%s)", lines[len(lines)-1], want)
	}
}

// TestWriteFileFileSizeLimit: a WriteFile that hits the kernel's file
// size limit leaves the old file and no temporary file.
func TestWriteFileFileSizeLimit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	os.WriteFile(path, []byte("old report\n"), 0o644)
	p := startHelper(t, "fsize-write", path, "4096")
	ans := p.line(t)
	p.finish(t)
	if !strings.Contains(ans, "file too large") || !strings.Contains(ans, path) {
		t.Errorf("helper answered %q; want EFBIG naming the file", ans)
	}
	if got := readFile(t, path); got != "old report\n" {
		t.Errorf("file holds %d bytes %.20q; want the old report untouched", len(got), got)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Errorf("folder holds %v; want no temporary file left", names)
	}
}
