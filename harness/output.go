package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/lockbench/lockbench/internal/safefile"
	"golang.org/x/perf/benchfmt"
)

// ResultsFile is the name of the results file inside an output folder.
const ResultsFile = "results.txt"

// SummaryFile is the name of the text summary `lockbench run` writes
// beside the results.
const SummaryFile = "summary.txt"

// DefaultOutParent is the folder that holds the default output folders.
const DefaultOutParent = "lockbench-results"

// OutputFiles lists, as path.Match patterns, the files lockbench writes
// into an output folder: the results and summary (harness), the report
// and its plots (reports.ReportHTMLFile, reports.ReportMarkdownFile,
// plot-*.svg) and the profiles (profiles.Files). harness cannot import
// reports or profiles, so their names are repeated here; cmd/lockbench's
// TestOutputFilesOwned fails when one of them writes a file not listed.
// CreateOutput with force removes these, and only these.
func OutputFiles() []string {
	return []string{
		ResultsFile, SummaryFile,
		"report.html", "report.md", "plot-*.svg",
		"cpu.pb.gz", "mutex.pb.gz", "block.pb.gz", "contention.pb.gz",
	}
}

// IsOutputFile reports whether name (a base name) is a file lockbench
// writes into an output folder (OutputFiles), or a temporary file one of
// its writes left behind when the process died.
func IsOutputFile(name string) bool {
	if safefile.IsTemp(name) {
		return true
	}
	for _, p := range OutputFiles() {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// DefaultOutDir is the name of the default output folder for a run
// started at t, lockbench-results/20060102-150405, as NewOutDir first
// tries it.
func DefaultOutDir(t time.Time) string {
	return filepath.Join(DefaultOutParent, t.Format("20060102-150405"))
}

// NewOutDir creates a new, empty default output folder for a run started
// at t: DefaultOutDir(t), or the same with "-2", "-3", ... appended when
// another run started in the same second took it. Two calls never return
// the same folder. Errors are *OutputError.
func NewOutDir(t time.Time) (string, error) {
	dir, err := safefile.UniqueDir(DefaultOutParent, t)
	if err != nil {
		return "", &OutputError{Dir: DefaultOutParent, Err: err}
	}
	return dir, nil
}

// An Output is a results folder being written, owned by this process
// while it is open (safefile.ClaimDir): a second Output of the same
// folder, in this process or another, is refused with an *OutputError
// wrapping safefile.ErrBusy. Every Write reaches the disk (fsync) before
// it returns and is whole or absent (safefile.Log), so an interrupted or
// failed sweep keeps every finished line, and results.txt always ends in
// a whole line.
type Output struct {
	Dir  string
	Path string // Dir/results.txt

	log     *safefile.Log
	buf     bytes.Buffer     // one repetition's lines, appended to log as one record
	w       *benchfmt.Writer // writes to buf; keeps the config already written
	release func() error
	first   bool
}

// ErrOutputExists is wrapped by CreateOutput's error for an existing
// non-empty folder without force.
var ErrOutputExists = errors.New("exists and is not empty")

// ErrOutputBusy is wrapped by CreateOutput's error for a folder another
// run is writing (it is safefile.ErrBusy).
var ErrOutputBusy = safefile.ErrBusy

// CreateOutput claims dir, creating it and its parents if needed, and
// creates dir/results.txt. Creating and claiming are one exclusive step:
// of concurrent CreateOutputs of one folder, one succeeds and the others
// fail at once (ErrOutputBusy). A folder that holds anything is refused
// (ErrOutputExists) unless force, which removes the files lockbench
// writes there (IsOutputFile: results, summary, report, plots, profiles,
// left-over temporary files) and leaves every other file alone. Errors
// are *OutputError.
func CreateOutput(dir string, force bool) (*Output, error) {
	fail := func(err error) (*Output, error) {
		if pe, ok := errors.AsType[*fs.PathError](err); ok && pe.Path == dir {
			err = pe.Err // the message names dir already
		}
		return nil, &OutputError{Dir: dir, Err: err}
	}
	if dir == "" {
		return fail(errors.New("empty name"))
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fail(errors.New("not a folder"))
	}
	release, err := safefile.ClaimDir(dir)
	if err != nil {
		return fail(err)
	}
	out, err := createClaimed(dir, force, release)
	if err != nil {
		release()
		return fail(err)
	}
	return out, nil
}

func createClaimed(dir string, force bool, release func() error) (*Output, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Name() == safefile.ClaimFile {
			continue
		}
		if !force {
			return nil, ErrOutputExists
		}
		if !e.IsDir() && IsOutputFile(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return nil, fmt.Errorf("removing the earlier run's files: %w", err)
			}
		}
	}
	p := filepath.Join(dir, ResultsFile)
	log, err := safefile.OpenLog(p)
	if err != nil {
		return nil, err
	}
	o := &Output{Dir: dir, Path: p, log: log, release: release, first: true}
	o.w = benchfmt.NewWriter(&o.buf)
	return o, nil
}

// Write appends result lines (preceded, the first time, by the unit
// metadata and the file configuration) as one record: a repetition's
// case line and its class lines reach the disk together, with one fsync,
// when Write returns nil. On an error (a full disk) the file is cut back
// to its last whole record.
func (o *Output) Write(rs ...*benchfmt.Result) error {
	if o.log == nil {
		return fmt.Errorf("writing %s: closed", o.Path)
	}
	o.buf.Reset()
	if o.first {
		o.first = false
		for _, m := range unitMetadata() {
			if err := o.w.Write(m); err != nil {
				return fmt.Errorf("writing %s: %w", o.Path, err)
			}
		}
	}
	for _, r := range rs {
		if err := o.w.Write(r); err != nil {
			return fmt.Errorf("writing %s: %w", o.Path, err)
		}
	}
	if _, err := o.log.Write(o.buf.Bytes()); err != nil {
		return fmt.Errorf("writing %s: %w", o.Path, err)
	}
	return nil
}

// closeLog closes the results file and keeps the claim on the folder.
func (o *Output) closeLog() error {
	if o.log == nil {
		return nil
	}
	l := o.log
	o.log = nil
	if err := l.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", o.Path, err)
	}
	return nil
}

// Close closes the results file and gives up the claim on the folder.
// Closing a closed Output does nothing; writing to one fails.
func (o *Output) Close() error {
	err := o.closeLog()
	if o.release != nil {
		if rerr := o.release(); err == nil && rerr != nil {
			err = fmt.Errorf("releasing %s: %w", o.Dir, rerr)
		}
		o.release = nil
	}
	return err
}
