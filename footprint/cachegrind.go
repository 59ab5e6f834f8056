package footprint

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Counts are a cachegrind run's totals by event name: Ir (instructions),
// Dr and Dw (data reads and writes), D1mr and D1mw (their L1d misses),
// DLmr and DLmw (their last-level misses), I1mr, ILmr.
type Counts map[string]float64

// A ParseError is a cachegrind output file that cannot be read.
type ParseError struct {
	File string
	Line int // 0 when the problem is the file as a whole
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("cachegrind output %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("cachegrind output %s: %s", e.File, e.Msg)
}

// ParseCachegrind reads a cachegrind output file (cachegrind.out.PID) and
// returns its totals: the "summary:" line's numbers named by the
// "events:" line. Both must be present, once each, with as many numbers
// as events; name is the file's name for errors.
func ParseCachegrind(r io.Reader, name string) (Counts, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20) // fn= lines of Go symbols are long
	var events []string
	var eventsLine int
	var out Counts
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "events:"):
			if events != nil {
				return nil, &ParseError{name, n, "a second events: line"}
			}
			events = strings.Fields(strings.TrimPrefix(line, "events:"))
			eventsLine = n
			if len(events) == 0 {
				return nil, &ParseError{name, n, "events: names no event"}
			}
		case strings.HasPrefix(line, "summary:"):
			if events == nil {
				return nil, &ParseError{name, n, "summary: before events:"}
			}
			if out != nil {
				return nil, &ParseError{name, n, "a second summary: line"}
			}
			f := strings.Fields(strings.TrimPrefix(line, "summary:"))
			if len(f) != len(events) {
				return nil, &ParseError{name, n, fmt.Sprintf("summary: has %d numbers for the %d events of line %d", len(f), len(events), eventsLine)}
			}
			out = Counts{}
			for i, s := range f {
				v, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					return nil, &ParseError{name, n, fmt.Sprintf("summary: %q is not a count", s)}
				}
				out[events[i]] = float64(v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{name, n, err.Error()}
	}
	switch {
	case events == nil:
		return nil, &ParseError{File: name, Msg: "no events: line"}
	case out == nil:
		return nil, &ParseError{File: name, Msg: "no summary: line (did cachegrind finish?)"}
	}
	return out, nil
}

// The events a footprint needs, as --cache-sim=yes names them.
var simEvents = []string{"Ir", "Dr", "Dw", "D1mr", "D1mw", "DLmr", "DLmw"}

// check says which events a footprint needs are missing from c (a
// cachegrind run without --cache-sim=yes has Ir only).
func (c Counts) check() error {
	var missing []string
	for _, e := range simEvents {
		if _, ok := c[e]; !ok {
			missing = append(missing, e)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("events %s missing (was the cache simulation on?)", strings.Join(missing, ", "))
	}
	return nil
}

// ErrNoValgrind is wrapped by NewSimulator's error when valgrind is not
// on PATH.
var ErrNoValgrind = errors.New("valgrind not found on PATH")

// InstallHint is what to do about ErrNoValgrind, in one line.
const InstallHint = "install valgrind (Debian, Ubuntu: apt-get install valgrind; Fedora: dnf install valgrind)"

// A Simulator runs the model under cachegrind with a machine's cache
// geometry.
type Simulator struct {
	Valgrind string   // the valgrind executable
	Geometry Geometry // the caches simulated
	// Command is the process that runs the model for a case: a program
	// and its arguments, which must run Pages(spec, pages) on one thread
	// and print "pages N" on its standard output (N the pages it ran).
	// cmd/lockbench passes itself with a hidden subcommand.
	Command func(c Case, pages int) []string
	// Env is added to the model process's environment.
	Env []string
}

// NewSimulator finds valgrind on PATH (an error wrapping ErrNoValgrind
// otherwise) and reads the geometry from SysfsCacheDir.
func NewSimulator(command func(c Case, pages int) []string) (*Simulator, error) {
	vg, err := exec.LookPath("valgrind")
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoValgrind, InstallHint)
	}
	g, err := ReadGeometry(SysfsCacheDir)
	if err != nil {
		return nil, err
	}
	return &Simulator{Valgrind: vg, Geometry: g, Command: command}, nil
}

// modelEnv keeps the model's process still under the simulator, so that
// two runs differ by their extra pages only: no garbage collection (the
// model allocates nothing once built, but the build's garbage would be
// collected at a time that depends on the simulator's speed), no
// asynchronous preemption (sysmon's signals come by the wall clock, so a
// slower run would get more of them) and no memory profiling (its
// sampled allocations' stack walks land at random: on one run of the
// same page count they were ~100,000 instructions apart, on the next
// with it off ~5,000).
var modelEnv = []string{"GOGC=off", "GODEBUG=asyncpreemptoff=1,memprofilerate=0", "GOMAXPROCS=1"}

// Run runs c for pages pages under cachegrind and returns the pages run
// and the whole process's counts (start-up and the model's build
// included: Measure subtracts them).
func (s *Simulator) Run(ctx context.Context, c Case, pages int) (Sample, error) {
	dir, err := os.MkdirTemp("", "lockbench-cachegrind-")
	if err != nil {
		return Sample{}, err
	}
	defer os.RemoveAll(dir)
	outFile := filepath.Join(dir, "cachegrind.out")
	args := append([]string{"--tool=cachegrind", "--cache-sim=yes", "--branch-sim=no", "-q",
		"--cachegrind-out-file=" + outFile}, s.Geometry.Args()...)
	args = append(args, s.Command(c, pages)...)
	cmd := exec.CommandContext(ctx, s.Valgrind, args...)
	cmd.Env = append(append(os.Environ(), modelEnv...), s.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Sample{}, context.Cause(ctx)
		}
		return Sample{}, fmt.Errorf("cachegrind on %s: %w: %s", c, err, lastLine(stderr.String()))
	}
	ran, err := parsePages(stdout.String())
	if err != nil {
		return Sample{}, fmt.Errorf("cachegrind on %s: %w", c, err)
	}
	f, err := os.Open(outFile)
	if err != nil {
		return Sample{}, fmt.Errorf("cachegrind on %s: %w", c, err)
	}
	defer f.Close()
	counts, err := ParseCachegrind(f, "cachegrind.out")
	if err != nil {
		return Sample{}, err
	}
	if err := counts.check(); err != nil {
		return Sample{}, fmt.Errorf("cachegrind on %s: %w", c, err)
	}
	return Sample{Pages: ran, Counts: counts}, nil
}

// parsePages finds the model's "pages N" line in its output.
func parsePages(out string) (int64, error) {
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "pages "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("the model printed %q, want pages N", l)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("the model printed no pages line (output %q)", lastLine(out))
}

// lastLine is the last non-empty line of s, for error messages.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
