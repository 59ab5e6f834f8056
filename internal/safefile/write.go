package safefile

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// file is the part of *os.File that WriteFile and Log write through.
// Tests wrap it to inject the faults a real disk gives rarely: a short
// write, ENOSPC, a failed fsync.
type file interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
}

// wrapFile turns the opened *os.File into the file written through; nil
// means the *os.File itself.
type wrapFile func(*os.File) file

func (w wrapFile) wrap(f *os.File) file {
	if w == nil {
		return f
	}
	return w(f)
}

// tempPrefix starts the name of WriteFile's temporary files: ".NAME.tmp-"
// and 12 hex digits for NAME.
const tempPrefix = "."

// tempName returns the name of a temporary file for path, in its folder.
// The name need not be unguessable, only unlikely to be taken: WriteFile
// opens it with O_EXCL and draws again if it exists. math/rand/v2's
// generator is seeded at random in every process, so two processes
// writing one path draw different names; crypto/rand would bring math/big
// and a DRBG into every binary for nothing.
func tempName(path string) (string, error) {
	var r [8]byte
	binary.LittleEndian.PutUint64(r[:], rand.Uint64())
	dir, base := filepath.Split(path)
	return filepath.Join(dir, tempPrefix+base+".tmp-"+hex.EncodeToString(r[:6])), nil
}

// IsTemp reports whether name (a base name) looks like one of
// WriteFile's temporary files: only a crash leaves one behind, and a
// clean-up may remove it.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, tempPrefix) && strings.Contains(name, ".tmp-")
}

// WriteFile writes the file at path with the bytes write produces, all or
// nothing. It writes to a new temporary file in path's folder (created
// with perm, less the umask), fsyncs it, renames it to path and fsyncs the
// folder, so that after a crash path holds either the old file or the
// whole new one.
//
// If write returns an error, panics, or a write fails (a short write,
// ENOSPC), WriteFile removes the temporary file and returns the error:
// path is left as it was, absent or old. Only a failure to fsync the
// folder after the rename is reported with the new file already in
// place. write receives a buffered writer and need not flush it; errors
// it ignores are still caught.
func WriteFile(path string, perm fs.FileMode, write func(io.Writer) error) error {
	return writeFile(path, perm, write, nil)
}

func writeFile(path string, perm fs.FileMode, write func(io.Writer) error, wrap wrapFile) (err error) {
	var f *os.File
	var tmp string
	for range 10 {
		if tmp, err = tempName(path); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		f, err = os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	renamed := false
	defer func() {
		if renamed {
			return
		}
		// Also on a panic in write: the panic goes on, the file goes.
		f.Close()
		os.Remove(tmp)
	}()

	w := wrap.wrap(f)
	bw := bufio.NewWriter(w)
	if err := write(bw); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// bufio.Writer's errors are sticky: a failed write that write itself
	// ignored comes back here.
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := w.Sync(); err != nil {
		return fmt.Errorf("writing %s: syncing: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: closing: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	renamed = true
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("writing %s: the file is in place, but syncing its folder failed: %w", path, err)
	}
	return nil
}

// syncDir fsyncs a folder, so that a rename or create in it survives a
// crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
