//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package safefile

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// tryLock is not implemented here: this system has no flock in
// golang.org/x/sys/unix. ClaimDir and OpenLog fail rather than pretend.
func tryLock(*os.File) (bool, error) {
	return false, fmt.Errorf("exclusive file locks on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
