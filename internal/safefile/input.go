package safefile

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// A NotRegularError is returned for a path that is not a regular file: a
// directory, a named pipe (reading one with no writer blocks forever), a
// device (/dev/zero never ends), a socket.
type NotRegularError struct {
	Op   string // what was being done: "opening log", "reading"
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s %s: it is %s, not a regular file", e.Op, e.Path, kind(e.Mode))
}

// kind names the type of a file mode for a person.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "an irregular file"
}

// A TooLargeError is returned when an input holds more than the bytes
// allowed. A reader returns the first Max bytes before it.
type TooLargeError struct {
	Path string
	Max  int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("reading %s: larger than the %s allowed", e.Path, byteSize(e.Max))
}

// byteSize renders n bytes for a person: "64 MiB", "1500 bytes".
func byteSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// OpenInput opens the regular file at path for reading, at most maxBytes
// of it (maxBytes must be positive), until ctx is done.
//
// It refuses, with a *NotRegularError and without reading, anything but a
// regular file (symbolic links are followed): a FIFO is refused before it
// is opened, so one with no writer cannot block, and /dev/zero cannot
// flood. A regular file already larger than maxBytes is refused at once
// with a *TooLargeError. The returned reader checks ctx before every Read
// and then fails with an error wrapping ctx.Err(); it returns a
// *TooLargeError once the file proves longer than maxBytes (a file that
// grows while read), after the first maxBytes bytes.
func OpenInput(ctx context.Context, path string, maxBytes int64) (io.ReadCloser, error) {
	if maxBytes <= 0 {
		panic(fmt.Sprintf("safefile.OpenInput: maxBytes %d, want > 0", maxBytes))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if err := checkInput(path, fi, maxBytes); err != nil {
		return nil, err
	}
	// O_NONBLOCK: should path have become a FIFO since the Stat, opening
	// it still does not wait for a writer; the check below refuses it.
	// On a regular file the flag changes nothing.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if fi, err = f.Stat(); err == nil {
		err = checkInput(path, fi, maxBytes)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &input{ctx: ctx, f: f, path: path, max: maxBytes, left: maxBytes}, nil
}

func checkInput(path string, fi fs.FileInfo, maxBytes int64) error {
	if !fi.Mode().IsRegular() {
		return &NotRegularError{Op: "reading", Path: path, Mode: fi.Mode()}
	}
	if fi.Size() > maxBytes {
		return &TooLargeError{Path: path, Max: maxBytes}
	}
	return nil
}

// input is OpenInput's reader.
type input struct {
	ctx  context.Context
	f    *os.File
	path string
	max  int64
	left int64 // bytes still allowed
	err  error // sticky TooLargeError
}

func (r *input) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if err := r.ctx.Err(); err != nil {
		return 0, fmt.Errorf("reading %s: %w", r.path, err)
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Ask for one byte past the allowance: getting it proves the file too
	// long, where stopping at the allowance could not tell.
	if int64(len(p)) > r.left+1 {
		p = p[:r.left+1]
	}
	n, err := r.f.Read(p)
	if int64(n) > r.left {
		n = int(r.left)
		r.left = 0
		r.err = &TooLargeError{Path: r.path, Max: r.max}
		return n, r.err
	}
	r.left -= int64(n)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("reading: %w", err)
	}
	return n, err
}

func (r *input) Close() error {
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", r.path, err)
	}
	return nil
}
