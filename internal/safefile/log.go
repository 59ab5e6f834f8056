package safefile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// ErrBusy is wrapped by the errors of OpenLog and ClaimDir when another
// open log or claim holds the file or folder: another process, or another
// call in this one.
var ErrBusy = errors.New("in use by another run")

// A Log is an append-only file of whole lines, such as results.txt. Each
// Write reaches the disk (fsync) before it returns; one that
// fails is cut back off, so the file always ends in a whole line and holds
// exactly the writes that returned nil. A Log is safe for concurrent use;
// while it is open no other Log can open the same file (an exclusive
// flock), so two runs never interleave lines in one file.
type Log struct {
	path string

	mu   sync.Mutex
	os   *os.File
	f    file
	size int64 // length of the whole lines in the file
	err  error // sticky: the file may not end in a whole line, or is closed
}

// OpenLog opens the log at path for appending, creating it (mode 0644,
// less the umask) if needed. It appends after whatever the file holds and
// does not repair it: a log is meant to start in a new file (harness
// opens results.txt in a folder it has claimed and emptied), so a torn
// line from an earlier crash is not its concern.
func OpenLog(path string) (*Log, error) { return openLog(path, nil) }

func openLog(path string, wrap wrapFile) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening log: %w", err)
	}
	l := &Log{path: path, os: f, f: wrap.wrap(f)}
	if err := l.open(); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

func (l *Log) open() error {
	fi, err := l.os.Stat()
	if err != nil {
		return fmt.Errorf("opening log %s: %w", l.path, err)
	}
	if !fi.Mode().IsRegular() {
		return &NotRegularError{Op: "opening log", Path: l.path, Mode: fi.Mode()}
	}
	ok, err := tryLock(l.os)
	if err != nil {
		return fmt.Errorf("opening log %s: locking: %w", l.path, err)
	}
	if !ok {
		return fmt.Errorf("opening log %s: %w", l.path, ErrBusy)
	}
	// Read the size only now: until the lock was ours, another Log could
	// still be appending.
	if fi, err = l.os.Stat(); err != nil {
		return fmt.Errorf("opening log %s: %w", l.path, err)
	}
	l.size = fi.Size()
	return nil
}

// Write appends p, which must be one or more whole lines (ending in a
// newline), and syncs the file: a benchfmt.Writer hands over each record
// (a result line, with the configuration lines before it) in one Write,
// so a record is written whole or not at all. It returns len(p) and nil
// only when all of p is on disk. On an error the file is cut back to its
// previous length and Write returns 0; if even that cut fails, the Log
// refuses every later write.
func (l *Log) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if p[len(p)-1] != '\n' {
		return 0, fmt.Errorf("appending to %s: the last of %d bytes is not a newline; a log takes whole lines only", l.path, len(p))
	}
	if err := l.append(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (l *Log) append(p []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	n, err := l.f.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err == nil {
		if err = l.f.Sync(); err != nil {
			err = fmt.Errorf("syncing: %w", err)
		}
	}
	if err == nil {
		l.size += int64(len(p))
		return nil
	}
	// Cut back whatever part of p reached the file. After a failed fsync
	// too: the line may or may not be on disk, and the contract is that
	// an error means it is not in the file. The cut is not synced here
	// (the disk just failed a write or a sync): the next write's fsync
	// carries it. Should a crash come first, the file may end in the torn
	// line; every reader of results.txt leaves an incomplete last line out
	// (package results' one rule for a torn line).
	if cut := l.f.Truncate(l.size); cut != nil {
		l.err = fmt.Errorf("appending to %s: an earlier write failed and cutting it back failed too (%v); the file may end in an incomplete line", l.path, cut)
		return fmt.Errorf("appending to %s: %w; cutting the incomplete line back off failed too: %v", l.path, err, cut)
	}
	return fmt.Errorf("appending to %s: %w (the file still ends at its last whole line)", l.path, err)
}

// Close closes the file and releases it to other Logs. Later writes fail.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.os == nil {
		return fmt.Errorf("closing log %s: already closed", l.path)
	}
	err := l.os.Close()
	l.os, l.f = nil, nil
	l.err = fmt.Errorf("appending to %s: the log is closed", l.path)
	if err != nil {
		return fmt.Errorf("closing log %s: %w", l.path, err)
	}
	return nil
}
