package safefile

import (
	"os"
	"syscall"
)

// faultyFile is a file whose writes fail as a filling disk's do: the
// first budget bytes reach the real file, and the write that crosses the
// budget stops there with writeErr. Sync and Truncate can fail too. It
// holds the *os.File in a named field: embedded, its WriteString and
// ReadFrom would let bufio bypass Write.
type faultyFile struct {
	f        *os.File
	budget   int   // bytes still accepted; < 0: no limit
	writeErr error // returned once the budget is spent; nil: a silent short write
	syncErr  error
	truncErr error
}

func (f *faultyFile) Write(p []byte) (int, error) {
	if f.budget < 0 || len(p) <= f.budget {
		n, err := f.f.Write(p)
		if f.budget >= 0 {
			f.budget -= n
		}
		return n, err
	}
	n, err := f.f.Write(p[:f.budget])
	f.budget -= n
	if err != nil {
		return n, err
	}
	return n, f.writeErr
}

func (f *faultyFile) Sync() error {
	if f.syncErr != nil {
		return f.syncErr
	}
	return f.f.Sync()
}

func (f *faultyFile) Truncate(size int64) error {
	if f.truncErr != nil {
		return f.truncErr
	}
	return f.f.Truncate(size)
}

// fault returns a wrapFile that installs f around the real file.
func fault(f *faultyFile) wrapFile {
	return func(osf *os.File) file {
		f.f = osf
		return f
	}
}

var errNoSpace error = syscall.ENOSPC
