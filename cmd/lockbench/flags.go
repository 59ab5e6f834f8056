package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/internal/printable"
	"github.com/lockbench/lockbench/reports"
)

// finiteFloat is a float64 flag that refuses NaN and ±Inf. pflag's own
// float flag takes them, and a NaN compares false with every bound, so a
// range check "alpha <= 0 || alpha >= 1" let `--alpha NaN` pass a real
// regression. Every float flag of every command is one of these.
type finiteFloat float64

func (f *finiteFloat) Set(s string) error {
	v, err := parseFinite(s)
	if err != nil {
		return err
	}
	*f = finiteFloat(v)
	return nil
}

func (f *finiteFloat) String() string { return strconv.FormatFloat(float64(*f), 'g', -1, 64) }
func (f *finiteFloat) Type() string   { return "float" }

// floatVar defines a finite float flag.
func floatVar(fl *pflag.FlagSet, p *float64, name string, value float64, usage string) {
	*p = value
	fl.Var((*finiteFloat)(p), name, usage)
}

// parseFinite parses a finite float64, saying whether s is not a number,
// out of float64's range (1e400) or not finite (NaN, Inf).
func parseFinite(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%q is out of range", s)
	case err != nil:
		return 0, fmt.Errorf("%q is not a number", s)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}

// warn prints a warning on stderr, one line, made printable: warnings
// quote names and lines from input files.
func warn(w io.Writer, err error) {
	fmt.Fprintf(w, "lockbench: warning: %s\n", printable.String(err.Error()))
}

// load reads results files until ctx ends: bad input is a usage error,
// an interrupt the context's.
func load(ctx context.Context, paths ...string) (*reports.Set, error) {
	set, err := reports.LoadContext(ctx, paths...)
	switch {
	case err == nil:
		return set, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("reading the results: %w", ctx.Err())
	}
	return nil, usage(err) // several bad files are one line (reports.InputErrors)
}

// A folderRule says when resultsPaths takes a folder argument for the
// results file (harness.ResultsFile) inside it.
type folderRule int

const (
	// folderWithResults maps a folder that holds a results file; any other
	// stays as given, so that the error reading it names the argument.
	folderWithResults folderRule = iota
	// folderAlways maps every folder, so that a folder without one is an
	// error naming the results file it lacks: merge's sources are run
	// folders or their results files, nothing else.
	folderAlways
)

// resultsPaths maps the RESULTS arguments of a command to files: a folder
// stands for the results.txt inside it, by rule.
func resultsPaths(args []string, rule folderRule) []string {
	paths := make([]string, len(args))
	for i, a := range args {
		paths[i] = a
		if fi, err := os.Stat(a); err != nil || !fi.IsDir() {
			continue
		}
		p := filepath.Join(a, harness.ResultsFile)
		if _, err := os.Stat(p); err == nil || rule == folderAlways {
			paths[i] = p
		}
	}
	return paths
}
