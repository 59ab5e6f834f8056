package merge

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lockbench/lockbench/internal/safefile"
)

// The kinds of output folder error, for errors.Is.
var (
	// ErrOutputExists is an output folder that holds files already and
	// was not forced: a merge never replaces what it was not told to.
	ErrOutputExists = errors.New("exists and is not empty")
	// ErrOutputHoldsInput is an output folder that holds one of the
	// inputs: writing the merged file there would replace that input.
	ErrOutputHoldsInput = errors.New("holds an input of the merge")
)

// An OutputError is a problem with the output folder: its path and what
// is wrong (wrapping ErrOutputExists, ErrOutputHoldsInput or
// safefile.ErrBusy when another process claims it).
type OutputError struct {
	Dir string
	Err error
}

func (e *OutputError) Error() string { return fmt.Sprintf("output folder %s: %v", e.Dir, e.Err) }
func (e *OutputError) Unwrap() error { return e.Err }

// IntoDir merges paths (see Files) into the file name inside the folder
// dir, after claiming dir as a run claims its output folder
// (safefile.ClaimDir): a merge into the folder of a live run, or of
// another merge, is refused with an *OutputError wrapping
// safefile.ErrBusy, as is a dir that holds an input (ErrOutputHoldsInput,
// forced or not: the merged file would replace the shard it is read
// from) and, unless force, a dir that holds anything (ErrOutputExists).
// A refused or failed merge leaves no folder it created behind.
func IntoDir(ctx context.Context, dir, name string, paths []string, opts Options, force bool) (*Result, error) {
	fail := func(err error) (*Result, error) { return nil, &OutputError{Dir: dir, Err: err} }
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fail(errors.New("not a folder"))
	}
	for _, p := range paths {
		if in, err := within(dir, name, p); err != nil {
			return fail(err)
		} else if in {
			return fail(fmt.Errorf("%w %s (give another -o)", ErrOutputHoldsInput, p))
		}
	}
	created := false
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		created = true
	} else if err == nil && !force {
		if busy, err := nonEmpty(dir); err != nil {
			return fail(err)
		} else if busy {
			return fail(ErrOutputExists)
		}
	}
	release, err := safefile.ClaimDir(dir)
	if err != nil {
		return fail(err)
	}
	cleanup := func() {
		release()
		if created {
			os.Remove(dir) // only if still empty: a refused merge leaves no folder
		}
	}
	if !created && !force { // checked again under the claim: a run may have begun meanwhile
		if busy, err := nonEmpty(dir); err != nil || busy {
			cleanup()
			if err == nil {
				err = ErrOutputExists
			}
			return fail(err)
		}
	}
	res, err := Files(ctx, filepath.Join(dir, name), paths, opts)
	if err != nil {
		cleanup()
		return nil, err
	}
	if err := release(); err != nil {
		return nil, err
	}
	return res, nil
}

// nonEmpty reports whether dir holds anything but a claim's lock file.
func nonEmpty(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if e.Name() != safefile.ClaimFile {
			return true, nil
		}
	}
	return false, nil
}

// within reports whether the file path is directly in the folder dir,
// after resolving symbolic links of both where they exist, or is the
// file dir/name under another name (a hard link): the merged file would
// replace it. Inputs in dir's subfolders (-o shards shards/*/results.txt)
// are not replaced.
func within(dir, name, path string) (bool, error) {
	d, err := resolve(dir)
	if err != nil {
		return false, err
	}
	p, err := resolve(path)
	if err != nil {
		return false, err
	}
	if filepath.Dir(p) == d {
		return true, nil
	}
	a, err1 := os.Stat(filepath.Join(dir, name))
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && os.SameFile(a, b), nil
}

// resolve is path made absolute, with the symbolic links of its longest
// existing prefix resolved: the output folder need not exist yet.
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	for cur := abs; ; {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}
