package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"

	"github.com/lockbench/lockbench/internal/printable"
	"github.com/lockbench/lockbench/internal/safefile"
	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/results"
)

// MaxInputBytes is the most Load reads of one file: 1 GiB, about three
// million lockbench result lines, far beyond any sweep. Load streams each
// file (package results) and keeps at most results.MaxSamples lines of
// each case and results.MaxKept in all, so its memory is bounded
// whatever the lines; a larger file (or /dev/zero's endless stream,
// which Load refuses anyway as not a regular file) is an error.
const MaxInputBytes = results.MaxInput

// A Set is the benchmark results read from one or more files, in file
// order.
type Set struct {
	// Results are the results read, each a clone that the Set owns.
	// Every result carries the ".file" configuration key naming the file
	// it came from (a path given twice is told apart as "path#0",
	// "path#1"; an argument "label=path" sets it to label, as benchstat
	// does), so that benchproc's ".file" key distinguishes the inputs.
	Results []*benchfmt.Result
	// Files are the paths read, in the order given.
	Files []string
	// Units is the unit metadata ("Unit ns/page better=lower") read from
	// all files, keyed by tidied unit.
	Units benchfmt.UnitMetadataMap
	// Warnings are problems that do not stop the analysis, each with
	// its file:line where it has one: a test failure line in `go test`
	// output, unit metadata that disagrees between files.
	Warnings []error
}

// An InputError is a problem with an input file: the file as a whole
// (Line 0: it is missing, a directory, empty or holds no results) or one
// line of it (binary data, a unit that is not a unit, a value that is not
// finite). Syntax errors of the benchmark format itself are reported as
// *benchfmt.SyntaxError, which has the same FileName and Line.
type InputError struct {
	FileName string
	Line     int // 1-based; 0 when the error is about the whole file
	Msg      string
	Err      error // the underlying error, if any
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.FileName)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		if e.Msg != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *InputError) Unwrap() error { return e.Err }

// Pos returns the file name and 1-based line of the error (0: the file).
func (e *InputError) Pos() (fileName string, line int) { return e.FileName, e.Line }

// InputErrors are several problems with the inputs, in file and line
// order. Error joins them on one line (a CLI prints one line per error);
// Unwrap gives each one to errors.Is and errors.As.
type InputErrors []error

func (e InputErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e InputErrors) Unwrap() []error { return e }

// joinErrors returns nil, the only error, or InputErrors.
func joinErrors(errs []error) error {
	var flat InputErrors
	for _, err := range errs {
		if many, ok := err.(InputErrors); ok {
			flat = append(flat, many...)
		} else if err != nil {
			flat = append(flat, err)
		}
	}
	switch len(flat) {
	case 0:
		return nil
	case 1:
		return flat[0]
	}
	return flat
}

// maxLineErrors bounds how many line errors of one file Load reports: the
// first few say what is wrong; a thousand say nothing more.
const maxLineErrors = 5

// Load reads benchmark results in the Go benchmark format from files
// (lockbench's results and `go test -bench` output alike; everything that
// is not a benchmark, configuration or unit line is ignored, as the format
// requires). An argument LABEL=PATH reads PATH and labels its results
// LABEL (the ".file" key, a column of compare.Tables), unless a file is named
// like the whole argument.
//
// These are errors, and Load returns a nil Set with them (InputErrors
// when several, at most 5 per file; each is an *InputError or a
// *benchfmt.SyntaxError carrying file and line):
//   - a missing or unreadable file, or a directory;
//   - an empty file, or one with no benchmark result lines;
//   - anything but a regular file (a FIFO, a device: reading one could
//     block forever or never end), or a file over MaxInputBytes;
//   - binary data (a NUL byte or invalid UTF-8 on a line);
//   - a malformed benchmark line: no iteration count, a truncated line
//     (a value with no unit, or no values), a value that is not a number
//     or is NaN or infinite, a unit that is not unit text (it must begin
//     with a letter, '%' or 'µ' and hold no control characters: "12.5"
//     where a unit should be means the line is garbled), a negative value
//     of a unit that cannot be negative (a time, a count per page: those
//     of package schema, and times per op), or an iteration count below 1;
//   - malformed unit metadata lines ("Unit x better").
//
// A case (one benchmark name of one machine in one file) of more than
// results.MaxSamples lines keeps a uniform sample of that many, ranked by
// a hash of each line's block number (schema.UnitBlock), so that cases
// run in the same blocks keep the same ones and still pair; a Warning
// says how many cases were sampled. The files share a budget of lines
// kept (results.MaxKept, each file an even share, each case counting
// results.CaseWeight lines): a file of more cases than its share can
// keep whole samples of keeps a smaller sample of every case, the same
// for all, down to results.MinSamples lines, and the Warning says how many.
// A file whose cases need more than its share even then, or of more
// than results.MaxCases cases, is an error: memory is bounded whatever
// the input's shape.
//
// These are Warnings: a `go test` failure line ("--- FAIL", "FAIL\t...")
// since the benchmarks that passed are still usable; unit metadata that
// contradicts another file's; a last line with no newline ("line N is
// incomplete; the rest is used"), which is left out: every writer of the
// format ends its lines, so it was cut by a crash or a full disk, and
// whatever it holds (a value without its unit, a unit cut short) is not
// what was measured.
//
// Names, configuration values and labels are made printable
// (control characters shown as escapes, package internal/printable):
// a name holding an ANSI escape sequence reaches no terminal or report raw.
func Load(paths ...string) (*Set, error) {
	return LoadContext(context.Background(), paths...)
}

// LoadContext is Load, stopping when ctx is done: it then returns an
// error wrapping ctx.Err().
func LoadContext(ctx context.Context, paths ...string) (*Set, error) {
	if len(paths) == 0 {
		return nil, errors.New("no input files")
	}
	set := &Set{Units: benchfmt.UnitMetadataMap{}}
	paths, labels := results.Labels(paths)
	var errs []error
	for i, path := range paths {
		set.Files = append(set.Files, path)
		labels[i] = printable.String(labels[i])
		if err := set.loadFile(ctx, path, labels[i], MaxInputBytes, results.MaxKept/len(paths)); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return set, nil
}

func (s *Set) loadFile(ctx context.Context, path, label string, maxBytes int64, budget int) error {
	fi, err := os.Stat(path)
	if err != nil {
		return &InputError{FileName: path, Msg: "reading results", Err: unwrapPathError(err)}
	}
	if fi.IsDir() {
		return &InputError{FileName: path, Msg: "is a directory, not a results file (give the results.txt inside it)"}
	}
	f, err := safefile.OpenInput(ctx, path, maxBytes)
	if err != nil {
		return inputError(path, err)
	}
	defer f.Close()
	return s.read(f, path, label, budget)
}

// inputError says why a file could not be read, without repeating its
// path.
func inputError(path string, err error) error {
	if nr, ok := errors.AsType[*safefile.NotRegularError](err); ok {
		return &InputError{FileName: path, Msg: fmt.Sprintf("not a regular file (%v): give a results file; to read a pipe, save it to a file first", nr.Mode.Type()), Err: nil}
	}
	if tl, ok := errors.AsType[*safefile.TooLargeError](err); ok {
		return &InputError{FileName: path, Msg: fmt.Sprintf("larger than %d MiB: not a results file, or split it", tl.Max>>20)}
	}
	return &InputError{FileName: path, Msg: "reading results", Err: unwrapPathError(err)}
}

// unwrapPathError drops the *os.PathError's repetition of the path,
// which InputError already prints.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// read reads in, the file called path, with results.Reader, adding its
// results to s. It is the whole reading path bar the file system, and
// what FuzzLoad exercises. It streams: it holds a line of the file at a
// time, besides the results it keeps.
//
// The errors are those a first look at the whole file would give first:
// a read error alone; then an empty file; then binary lines alone (at
// most maxLineErrors), which make the file's other errors noise; then
// the lines benchfmt or checkResult refuse. The warnings are in the
// same order: failures, the torn last line, unit metadata.
func (s *Set) read(in io.Reader, path, label string, budget int) error {
	var binary, errs, fails, unitWarns []error
	blank := true
	onLine := func(n int, line []byte) {
		if len(bytes.TrimSpace(line)) > 0 {
			blank = false
		}
		if len(binary) >= maxLineErrors {
			return
		}
		if results.Binary(line) {
			binary = append(binary, &InputError{FileName: path, Line: n, Msg: "binary data: not a text file in the Go benchmark format"})
			return
		}
		if bytes.HasPrefix(line, []byte("--- FAIL")) || bytes.HasPrefix(line, []byte("FAIL\t")) || bytes.Equal(line, []byte("FAIL")) {
			fails = append(fails, &InputError{FileName: path, Line: n, Msg: "a test or benchmark failed: " + printable.String(string(bytes.TrimSpace(line)))})
		}
	}
	rd := results.NewReader(in, path, label, onLine)
	found, first := 0, len(s.Results)
	keep := newKeeper(budget)
	var prev *benchfmt.Result // the last result kept, whose configuration the next may share
	for rd.Scan() && len(binary) < maxLineErrors {
		if len(errs) >= maxLineErrors {
			continue // read on: a binary line would still say more
		}
		switch rec := rd.Record().(type) {
		case *benchfmt.SyntaxError:
			errs = append(errs, rec)
		case *benchfmt.UnitMetadata:
			if w := s.addUnitMetadata(rec); w != nil {
				unitWarns = append(unitWarns, w)
			}
		case *benchfmt.Result:
			if err := checkResult(rec); err != nil {
				errs = append(errs, err)
				continue
			}
			found++
			c := rec.Clone()
			neutralise(c)
			tidyValues(c)
			// Lines of one file share their configuration: keep it once,
			// not once per line (most of a kept result's memory). Results
			// are read-only once loaded; a user of one clones it first.
			if prev != nil && sameConfig(prev.Config, c.Config) {
				c.Config = prev.Config
			}
			prev = c
			if err := keep.add(c, path); err != nil {
				return err
			}
		}
	}
	if err := rd.Err(); err != nil {
		return inputError(path, err)
	}
	var torn *InputError
	if t := rd.Torn(); t != nil {
		torn = &InputError{FileName: path, Line: t.Line, Msg: "is incomplete (no newline: cut by a crash or a full disk); the rest is used"}
	}
	switch {
	case blank && torn == nil:
		return &InputError{FileName: path, Msg: "empty file: no benchmark results"}
	case len(binary) > 0:
		return joinErrors(binary)
	}
	kept, sampled := keep.results(path)
	s.Results = append(s.Results, kept...)
	s.Warnings = append(s.Warnings, fails...)
	if sampled != nil {
		s.Warnings = append(s.Warnings, sampled)
	}
	if torn != nil {
		s.Warnings = append(s.Warnings, torn)
	}
	s.Warnings = append(s.Warnings, unitWarns...)
	if len(errs) > 0 {
		return joinErrors(errs)
	}
	// The file's machine states, from its own probes: every reader
	// (summary, compare, gate) then sees them as name keys.
	copy(s.Results[first:], cases.LabelStates(s.Results[first:]))
	if found == 0 {
		if torn != nil {
			return torn
		}
		return &InputError{FileName: path, Msg: "no benchmark results (no line of the form 'BenchmarkName N value unit ...'; is this the right file?)"}
	}
	return nil
}

// addUnitMetadata keeps m unless another file said otherwise first, and
// returns the disagreement as a warning.
func (s *Set) addUnitMetadata(m *benchfmt.UnitMetadata) error {
	have, ok := s.Units[m.UnitMetadataKey]
	if !ok {
		s.Units[m.UnitMetadataKey] = m
		return nil
	}
	if have.Value != m.Value {
		file, line := m.Pos()
		hfile, hline := have.Pos()
		return &InputError{FileName: file, Line: line,
			Msg: fmt.Sprintf("unit %s has %s=%s, but %s:%d said %s=%s; keeping the first", m.OrigUnit, m.Key, m.Value, hfile, hline, m.Key, have.Value)}
	}
	return nil
}

// checkResult rejects what benchfmt accepts but no measurement can be
// (results.Check: the same rules as merge's).
func checkResult(r *benchfmt.Result) error {
	if msg := results.Check(r); msg != "" {
		file, line := r.Pos()
		return &InputError{FileName: file, Line: line, Msg: msg}
	}
	return nil
}

// neutralise makes r's name and configuration printable (see Load).
func neutralise(r *benchfmt.Result) {
	r.Name = printable.Bytes(r.Name)
	for i := range r.Config {
		r.Config[i].Key = printable.String(r.Config[i].Key)
		r.Config[i].Value = printable.Bytes(r.Config[i].Value)
	}
}

// tidyValues gives every value its tidied unit. benchfmt's reader tidies
// "12 ns/op" to "1.2e-8 sec/op" but leaves "0 xfer-ns" as it is (it
// compares the value before and after), which would split one unit into
// two tables; results built in memory (by `lockbench run`) are not tidied
// at all.
func tidyValues(r *benchfmt.Result) {
	for i := range r.Values {
		v := &r.Values[i]
		if v.OrigUnit != "" {
			continue
		}
		tv, tu := benchunit.Tidy(v.Value, v.Unit)
		if tu != v.Unit {
			*v = benchfmt.Value{Value: tv, Unit: tu, OrigValue: v.Value, OrigUnit: v.Unit}
		}
	}
}

// Read is Load for one stream, already open (a pipe, a buffer): name
// stands for its file in errors and is its ".file" label. The errors and
// warnings are Load's, bar those about the file itself.
func Read(r io.Reader, name string) (*Set, error) {
	s := &Set{Files: []string{name}, Units: benchfmt.UnitMetadataMap{}}
	if err := s.read(r, name, name, results.MaxKept); err != nil {
		return nil, err
	}
	return s, nil
}

var (
	_ error = (*InputError)(nil)
	_ error = InputErrors(nil)
)

// sameConfig reports whether two configurations are equal, key by key.
func sameConfig(a, b []benchfmt.Config) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].File != b[i].File || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}
