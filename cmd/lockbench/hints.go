package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/lockbench/lockbench/workloads"
)

// selfName is how the user runs this command again, for the hints a run
// prints: "go run ./cmd/lockbench" when the executable was built by `go
// run` (it lives in a go-build directory: the build cache, or a
// temporary go-build* one), the bare name when that name on PATH is this
// executable, else the path it was started by. exe and arg0 are
// os.Executable's and os.Args[0]; lookPath is exec.LookPath.
func selfName(exe, arg0 string, lookPath func(string) (string, error)) string {
	for _, dir := range strings.Split(filepath.ToSlash(filepath.Dir(exe)), "/") {
		if strings.HasPrefix(dir, "go-build") {
			return "go run ./cmd/lockbench"
		}
	}
	base := filepath.Base(arg0)
	if p, err := lookPath(base); err == nil {
		if a, err := filepath.EvalSymlinks(p); err == nil {
			if b, err := filepath.EvalSymlinks(exe); err == nil && a == b {
				return base
			}
		}
	}
	if arg0 == "" {
		return "lockbench"
	}
	return arg0
}

// self is selfName of this process.
func self() string {
	exe, err := os.Executable()
	if err != nil {
		return "lockbench"
	}
	arg0 := ""
	if len(os.Args) > 0 {
		arg0 = os.Args[0]
	}
	return selfName(exe, arg0, exec.LookPath)
}

// benchstatHint is the benchstat command that compares the modes of a
// results file against page: the column's order pinned to the
// registry's, so that the base column is page (benchstat takes the first
// value in the file otherwise, which a paired run draws at random).
func benchstatHint(path string) string {
	return "go tool benchstat -col '/mode@(" + strings.Join(workloads.ModeStrings(workloads.Modes()), " ") + ")' " + path
}
