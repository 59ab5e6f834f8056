package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ClaimFile is the name of the lock file ClaimDir keeps in a claimed
// folder while the claim lasts. A check that a folder is empty, or a
// clean-up of it, must skip it.
const ClaimFile = ".lockbench.lock"

// maxClaimTries bounds ClaimDir's retries when the lock file it locked
// was removed by a releasing owner in between (each retry means another
// claim was released meanwhile).
const maxClaimTries = 16

// ClaimDir makes the caller the owner of the folder dir until it calls
// release, creating dir (and its parents) if needed. Creating and
// claiming are one exclusive step: of any number of concurrent claims of
// one folder, from goroutines or processes, exactly one succeeds until it
// releases; the others fail at once with an error wrapping ErrBusy. The
// claim is an exclusive flock on dir/ClaimFile, which the kernel drops
// when the owner exits, so a crashed run leaves no stale claim.
//
// ClaimDir says nothing about what dir holds: whether an existing,
// non-empty folder may be written into is the caller's rule, to check
// once the claim is held. release removes the lock file and drops the
// claim; calls after the first return nil.
func ClaimDir(dir string) (release func() error, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("claiming folder: %w", err)
	}
	path := filepath.Join(dir, ClaimFile)
	for range maxClaimTries {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("claiming folder %s: %w", dir, err)
		}
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("claiming folder %s: %w", dir, err)
		}
		if !ok {
			owner := readOwner(f)
			f.Close()
			return nil, fmt.Errorf("claiming folder %s: %w%s", dir, ErrBusy, owner)
		}
		// A releasing owner removes the lock file while it holds the lock;
		// if it did so between our open and our lock, we hold a lock on a
		// file no longer in the folder, and a third claim could create and
		// lock a new one. Only a lock on the file at path counts.
		if same, err := isFileAt(f, path); err != nil || !same {
			f.Close()
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("claiming folder %s: %w", dir, err)
			}
			continue
		}
		// Say who holds the claim, for the error of a losing claim.
		if err := f.Truncate(0); err == nil {
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		return releaser(f, path), nil
	}
	return nil, fmt.Errorf("claiming folder %s: its lock file was replaced %d times while claiming; %w", dir, maxClaimTries, ErrBusy)
}

// releaser returns the release function of a claim on the lock file f at
// path. The file goes before the lock: a claim that opened it meanwhile
// then sees it is no longer at path (isFileAt).
func releaser(f *os.File, path string) func() error {
	var once sync.Once
	var err error
	return func() error {
		once.Do(func() {
			rerr := os.Remove(path)
			cerr := f.Close()
			if err = errors.Join(rerr, cerr); err != nil {
				err = fmt.Errorf("releasing folder %s: %w", filepath.Dir(path), err)
			}
		})
		return err
	}
}

// readOwner returns ", by process N" from a held lock file, or "" if it
// does not (yet) name one.
func readOwner(f *os.File) string {
	b := make([]byte, 24)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil || pid <= 0 {
		return ""
	}
	if pid == os.Getpid() {
		return " (by this process)"
	}
	return " (by process " + strconv.Itoa(pid) + ")"
}

// isFileAt reports whether the open file f is the file now at path.
func isFileAt(f *os.File, path string) (bool, error) {
	a, err := f.Stat()
	if err != nil {
		return false, err
	}
	b, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}

// maxUnique bounds UniqueDir's tries: runs started in one second.
const maxUnique = 10000

// UniqueDir creates a new folder in parent (created if needed) named
// t as 20060102-150405, or, if that exists, the same with
// "-2", "-3", ... appended, and returns its path. Each name is created
// with one mkdir, which fails if the name exists, so concurrent calls
// with the same t, in goroutines or processes, each get a folder of their
// own. Claim the folder with ClaimDir as any other: a run given the same
// path explicitly could otherwise write into it too.
func UniqueDir(parent string, t time.Time) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("creating a new folder: %w", err)
	}
	base := t.Format("20060102-150405")
	for i := 1; i <= maxUnique; i++ {
		name := base
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		dir := filepath.Join(parent, name)
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("creating a new folder: %w", err)
		}
	}
	return "", fmt.Errorf("creating a new folder in %s: %s and %d more like it exist already", parent, base, maxUnique-1)
}
