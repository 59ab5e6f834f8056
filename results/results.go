// Package results is the one reader of lockbench's results format, the Go
// benchmark format (golang.org/x/perf/benchfmt): every package that reads
// results lines — reports' Load, merge — reads them with a Reader, so
// that a line means one thing to all of them.
//
// A Reader streams: it parses with benchfmt.Reader, one line at a time,
// and holds one line, never the file, so its memory does not grow with
// the file. Beside each record it gives the line the record came from
// (Line), as written, so that merge copies lines byte for byte.
//
// # A torn last line
//
// Every writer of the format ends each line with a newline (harness
// appends whole lines, internal/safefile's Log takes nothing else). A
// last line without one was cut by a crash, a full disk or a copy cut
// short, and whatever it holds — a value without its unit, a unit cut to
// "wait-p" — is not what was measured. The rule, the same for every
// reader: a Reader never parses it; after the last record, Torn says
// where it was. What to do about it is the caller's: reports warns and
// uses the rest, merge refuses the shard unless it may merge a partial
// sweep. Blank space after the last newline is not a line.
//
// # Labels
//
// Labels gives each input argument its ".file" label, by
// benchfmt.Files' rules ("label=path", "path#N" for a path given twice);
// the files themselves are opened by the caller (internal/safefile's
// OpenInput: regular files only, a size cap, cancellation), which
// benchfmt.Files, opening paths itself, cannot be told to do.
//
// It sits on the contract side of the stack, above schema (whose units
// Check knows) and internal/printable; reports and merge import it. Its
// limits (limits.go) and line rules (Check) are the format's, the same
// for every reader and for merge.
package results

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/perf/benchfmt"
)

// bufSize is the Reader's buffer: a line longer than MaxLine is found
// by its length when it fits, by a full buffer when not.
const bufSize = 2 * bufio.MaxScanTokenSize

// A TornError is a last line without its newline: left out, unparsed
// (see the package doc).
type TornError struct {
	Path string
	Line int // 1-based
}

func (e *TornError) Error() string {
	return fmt.Sprintf("%s:%d: is incomplete (no newline: cut by a crash or a full disk)", e.Path, e.Line)
}

// A Reader reads the results lines of one input. Its API is
// benchfmt.Reader's: Scan, Record, Err; and Line and Torn besides.
type Reader struct {
	fmt    *benchfmt.Reader
	feed   feed
	config []benchfmt.Config // at the end of the input
}

// NewReader returns a Reader of in, the file called path; every result
// carries the ".file" configuration key set to label (path when label is
// ""), as benchfmt.Files sets it. onLine, when not nil, sees every line
// as it is read, before it is parsed, with its 1-based number and
// without its newline (a torn last line excepted): for checks benchfmt
// does not make, such as binary data.
func NewReader(in io.Reader, path, label string, onLine func(n int, line []byte)) *Reader {
	if label == "" {
		label = path
	}
	r := &Reader{feed: feed{src: bufio.NewReaderSize(in, bufSize), path: path, onLine: onLine}}
	r.fmt = benchfmt.NewReader(&r.feed, path)
	r.fmt.Reset(&r.feed, path, ".file", label)
	return r
}

// Scan advances to the next record and reports whether there is one.
func (r *Reader) Scan() bool {
	if !r.fmt.Scan() {
		return false
	}
	if !r.feed.ended {
		return true
	}
	// The input is over and this is the end marker's record: it carries
	// the configuration in effect at the end (Config).
	if res, ok := r.fmt.Result().(*benchfmt.Result); ok {
		for _, c := range res.Config {
			if c.File {
				r.config = append(r.config, benchfmt.Config{Key: c.Key, Value: slices.Clone(c.Value), File: true})
			}
		}
	}
	for r.fmt.Scan() {
	}
	return false
}

// Config is the file configuration in effect at the end of the input,
// in order of first appearance: what a file with no results still says.
// It is known once Scan has returned false at the end of the input.
func (r *Reader) Config() []benchfmt.Config { return r.config }

// Record is the record Scan read: a *benchfmt.Result, a
// *benchfmt.UnitMetadata or a *benchfmt.SyntaxError. It is valid until
// the next Scan (clone a Result to keep it).
func (r *Reader) Record() benchfmt.Record { return r.fmt.Result() }

// Line is the line of the record Scan read, as written, with its
// newline. It is valid until the next Scan.
func (r *Reader) Line() []byte { return r.feed.line }

// Units is the unit metadata read so far.
func (r *Reader) Units() benchfmt.UnitMetadataMap { return r.fmt.Units() }

// Err is the error that stopped Scan, nil at the end of the input. A
// read error is returned as the input gave it.
func (r *Reader) Err() error {
	if r.feed.err != nil && r.feed.err != io.EOF {
		return r.feed.err
	}
	return r.fmt.Err()
}

// Torn is the torn last line left out, nil when the input ends with a
// whole line; it is known once Scan has returned false.
func (r *Reader) Torn() *TornError { return r.feed.torn }

// feed hands benchfmt.Reader its input one line at a time: a Read never
// returns bytes past the end of the current line, so when benchfmt
// returns a record, the line it came from is the current line. It holds
// back a torn last line.
type feed struct {
	src    *bufio.Reader
	path   string
	onLine func(int, []byte)
	line   []byte // the current line, with its newline
	off    int    // bytes of line handed over
	n      int    // the current line's number
	torn   *TornError
	err    error // sticky: io.EOF or the read error
	ended  bool  // the end marker was handed over
}

// endMarker is the line the feed hands benchfmt after the input's last:
// its record carries the configuration at the end (Reader.Config).
var endMarker = []byte("BenchmarkEnd 1 0 end\n")

func (f *feed) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if f.off == len(f.line) {
		if f.err != nil {
			return 0, f.err
		}
		line, err := f.src.ReadSlice('\n')
		switch {
		case err == io.EOF:
			if len(bytes.TrimSpace(line)) > 0 {
				f.torn = &TornError{Path: f.path, Line: f.n + 1}
			}
			f.err = io.EOF
			f.line, f.off, f.ended = endMarker, 0, true
		case err == bufio.ErrBufferFull, len(line) > MaxLine:
			f.err = fmt.Errorf("%s:%d: line longer than %d bytes, the format's limit (results.MaxLine)", f.path, f.n+1, MaxLine)
			return 0, f.err
		case err != nil:
			f.err = err
			return 0, err
		default:
			f.n++
			f.line, f.off = line, 0
			if f.onLine != nil {
				f.onLine(f.n, bytes.TrimRight(line, "\r\n"))
			}
		}
	}
	n := copy(p, f.line[f.off:])
	f.off += n
	return n, nil
}

// Binary reports whether line is binary data, not text of the format: it
// holds a NUL byte or is not valid UTF-8.
func Binary(line []byte) bool {
	return bytes.IndexByte(line, 0) >= 0 || !utf8.Valid(line)
}

// Labels returns the file to read for each argument and its ".file"
// label, as benchfmt.Files (with AllowLabels) gives them: the path
// itself; "path#N" when the same path is given more than once, so that
// the readings stay apart; LABEL for an argument LABEL=PATH, as benchstat
// allows ("base=old.txt"). Unlike benchfmt.Files, an argument naming an
// existing file is that file, '=' or not, and "=x" and "x=" are paths.
// TestLabelsAreBenchfmts checks the rest against benchfmt.Files.
func Labels(args []string) (paths, labels []string) {
	paths = make([]string, len(args))
	labels = make([]string, len(args))
	count := map[string]int{}
	for i, a := range args {
		paths[i] = a
		if l, p, ok := strings.Cut(a, "="); ok && l != "" && p != "" {
			if _, err := os.Stat(a); err != nil {
				paths[i], labels[i] = p, l
				continue
			}
		}
		count[a]++
	}
	seen := map[string]int{}
	for i, p := range paths {
		switch {
		case labels[i] != "":
		case count[p] == 1:
			labels[i] = p
		default:
			labels[i] = fmt.Sprintf("%s#%d", p, seen[p])
			seen[p]++
		}
	}
	return paths, labels
}
