package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/lockbench/lockbench/host"
)

// Blocks in processes of their own.
//
// A process's absolute time per page is partly its own: twenty processes
// of `lockbench run --locks mutex --modes page,batch --threads 1 --count
// 10`, back to back, had process medians of mutex page from 121 to 171
// ns/page, and the spread of their mean log ns/page was 0.08-0.09 where
// windows of ten blocks inside one 30 s process spread 0.03-0.07. That
// part moves every case of the process alike, so a ratio within a block
// cancels most of it. But a process's blocks share it, and an interval
// over them cannot carry it: the processes are the replications, as in
// ab.
//
// So a sweep with an Exec runs each timed block of bare locks in a fresh
// process (ProcessExec: the executable again, ServeBlock on the other
// side): the block's slices share one process, and the interval over
// blocks carries the spread between processes. Six runs of `run --locks
// mutex,mcs --modes page,batch --threads 1,2`, 90 s apart, each way, the
// 1-thread figures of each run checked against the other runs' 95%
// intervals:
//
//	                    one process   a process a block
//	lock part           53 of 60      60 of 60
//	change              50 of 60      55 of 60
//	ns/page saved       11 of 60      5 of 60
//
// The ns/page saved holds in neither: the machine's level moves between
// runs minutes apart (one run had every 1-thread case about 20% faster,
// its probes no different), and no interval of one run carries its
// minute. Five pairs of runs alternating the two ways (`run --locks mutex
// --modes page,batch --threads 1 --count 12 --bare`) found no cost: the
// per-block sd of the lock part 8.0 ns against 9.6 in one process, of
// ln(batch/page) 0.058 against 0.074, lock parts 24-28 against 23-29
// ns/page, 23 switched slices against 33. A block's process costs about
// 75 ms to start and build its speed probe (15 ms without the probe:
// five 10 ms blocks took 426 and 129 ms), time the budget spends on
// fewer blocks.

// A BlockExec runs a timed block's slices outside the sweep's process.
type BlockExec interface {
	// Block runs cases, one timed block (each Case.Block set), in turns
	// when turns (Runner.Turn; Runner.runTurns), else as whole slices in
	// order. It calls done with each slice's Result as soon as it has it
	// (whole slices: as each ends; in turns: all at the block's end), in
	// the cases' order; a done error ends the block and is returned. The
	// Results carry the measurement only: Case is the caller's, and
	// Support, Classes and Metrics are left empty (bare locks on a model
	// have none).
	Block(ctx context.Context, cases []Case, turns bool, done func(*Result) error) error
}

// A BlockRequest is what ProcessExec writes to a block worker: one line
// of JSON; then, for whole slices, an empty line acknowledging each
// slice's reply but the last.
type BlockRequest struct {
	// Args are the run's flags, parsed by the worker as the run parsed
	// them (ServeBlock's open): its plan and runner.
	Args  []string `json:"args"`
	Block int      `json:"block"`
	// Cases are the slices' Case.Name, in run order.
	Cases []string `json:"cases"`
	Turns bool     `json:"turns"`
}

// A BlockReply is one line of JSON a block worker writes for each slice
// it finished, in the request's order, or once with Error.
type BlockReply struct {
	Case   string  `json:"case,omitempty"`
	Result *Result `json:"result,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// blockMemoryLimit is a block process's memory limit, where its
// collector, off otherwise, runs: far above a block's models (a 1-thread
// block of four page-cache slices peaked under 100 MB).
const blockMemoryLimit = 1 << 30

// maxBlockLine bounds a line read from either side: a request names a
// block's cases (tens), a reply holds one slice's measurement (a few
// hundred bytes with every counter).
const maxBlockLine = 1 << 20

// ServeBlock is a block worker: it reads one BlockRequest from in, gets
// the plan and runner of its Args from open (the run command's own
// parse), prepares them as NewSweep does (Prepare, the sweep's one
// placement), runs the block and writes a BlockReply per slice to out.
// One block a process: the process is the block's. A failure is written
// as the reply's Error and returned.
func ServeBlock(ctx context.Context, in io.Reader, out io.Writer, open func(args []string) (Plan, Runner, error)) error {
	// A fresh process grows its heap while it builds the block's models,
	// and its collector's background workers ran beside the probes and
	// the measured windows: a 1-thread run of 30 blocks marked 41 slices
	// switched (the speed probe moved in flight) with the collector on,
	// 13 with it off, 7 with every block in one process. The process
	// lives one block; the limit keeps its memory bounded. Both are put
	// back on return, for a caller that serves in a process of its own
	// (a test).
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(blockMemoryLimit))
	enc := json.NewEncoder(out)
	fail := func(err error) error {
		_ = enc.Encode(BlockReply{Error: err.Error()})
		return err
	}
	rd := bufio.NewReaderSize(io.LimitReader(in, maxBlockLine), 64<<10)
	line, err := rd.ReadBytes('\n')
	if err != nil && (err != io.EOF || len(line) == 0) {
		return fail(errors.New("block worker: no request on stdin (it is started by 'lockbench run')"))
	}
	var req BlockRequest
	if err := json.Unmarshal(line, &req); err != nil || len(req.Cases) == 0 {
		return fail(fmt.Errorf("block worker: not a block request: %.80q", line))
	}
	p, r, err := open(req.Args)
	if err != nil {
		return fail(err)
	}
	if p, err = Prepare(p, r); err != nil {
		return fail(err)
	}
	topo, err := r.Topology()
	if err != nil {
		return fail(err)
	}
	_, r.Placement, _ = r.Place(topo, slices.Max(p.Threads))
	byName := map[string]Case{}
	for _, c := range p.Cases() {
		if !c.Counting {
			byName[c.Name()] = c
		}
	}
	cases := make([]Case, len(req.Cases))
	for i, name := range req.Cases {
		c, ok := byName[name]
		if !ok {
			return fail(fmt.Errorf("block worker: no case %q in the plan of %s", name, strings.Join(req.Args, " ")))
		}
		c.Block = req.Block
		cases[i] = c
	}
	var sp *host.SpeedProbe
	if r.Probe >= 0 && r.stateProbe == nil { // as Sweep.speedProbe
		sp = host.NewSpeedProbe(p.Seed)
	}
	send := func(i int, res *Result) error {
		return enc.Encode(BlockReply{Case: req.Cases[i], Result: res})
	}
	if req.Turns {
		results, err := r.runTurns(ctx, cases, sp)
		if err != nil {
			return fail(err)
		}
		for i, res := range results {
			if err := send(i, res); err != nil {
				return err
			}
		}
		return nil
	}
	for i, c := range cases {
		if i > 0 {
			// The parent writes the last slice's lines (an fsync) before it
			// acknowledges: not while this slice runs beside it.
			if _, err := rd.ReadBytes('\n'); err != nil {
				return fmt.Errorf("block worker: no acknowledgement of slice %d: %w", i, err)
			}
		}
		res, err := r.run(ctx, c, sp)
		if err != nil {
			return fail(err)
		}
		if err := send(i, res); err != nil {
			return err
		}
	}
	return nil
}

// ProcessExec runs each block in a fresh process: Path with Command as
// its arguments (lockbench's hidden "block" command), a BlockRequest on
// its stdin carrying RunArgs, then an empty line after each whole slice
// it has written, so that no slice runs while this process writes (the
// results are synced to disk as each slice ends). The process is told
// to stop (SIGINT) when ctx ends, and its error reply, or the last line
// of its stderr, is the block's error.
type ProcessExec struct {
	Path    string
	Command []string
	RunArgs []string
	Env     []string // added to this process's environment
}

func (e ProcessExec) Block(ctx context.Context, cases []Case, turns bool, done func(*Result) error) error {
	if len(cases) == 0 {
		return nil
	}
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = c.Name()
	}
	req, err := json.Marshal(BlockRequest{Args: e.RunArgs, Block: cases[0].Block, Cases: names, Turns: turns})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", names[0], err)
	}
	cmd := exec.Command(e.Path, e.Command...)
	cmd.Env = append(os.Environ(), e.Env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	var stderr tailWriter
	cmd.Stderr = &stderr
	var werr error
	got := 0
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting a block's process: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Signal(os.Interrupt) })
	defer stop()
	defer stdin.Close()
	// A write fails only when the worker has gone; what it said, or that
	// it ended early, is then read below.
	_, _ = stdin.Write(append(req, '\n'))
	rd := bufio.NewReaderSize(io.LimitReader(stdout, int64(len(cases)+1)*maxBlockLine), 64<<10)
	for werr == nil {
		line, err := rd.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			break
		}
		var rep BlockReply
		switch uerr := json.Unmarshal(line, &rep); {
		case uerr != nil:
			werr = fmt.Errorf("a malformed reply %.80q", line)
		case rep.Error != "":
			werr = errors.New(rep.Error)
		case got == len(cases) || rep.Case != names[got] || rep.Result == nil:
			werr = fmt.Errorf("a reply for %q out of order (slice %d of %d)", rep.Case, got+1, len(cases))
		default:
			res := rep.Result
			res.Case = cases[got]
			got++
			if err := done(res); err != nil {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				return err
			}
			// Whole slices: the next one starts once this one is written
			// (ServeBlock waits for the acknowledgement).
			if !turns && got < len(cases) {
				_, _ = stdin.Write([]byte("\n"))
			}
		}
	}
	if werr != nil {
		_ = cmd.Process.Kill()
	}
	_, _ = io.Copy(io.Discard, stdout)
	exit := cmd.Wait()
	at := names[min(got, len(names)-1)]
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", at, ctx.Err())
	case werr != nil:
		return fmt.Errorf("block %d in its own process: %w", cases[0].Block, werr)
	case exit != nil:
		return fmt.Errorf("block %d in its own process: %v%s", cases[0].Block, exit, stderr.last())
	case got < len(cases):
		return fmt.Errorf("block %d in its own process: ended after %d of %d slices%s", cases[0].Block, got, len(cases), stderr.last())
	}
	return nil
}

// tailWriter keeps the last few KB written to it: a block process's
// stderr, for the error that ends it.
type tailWriter struct{ buf []byte }

const tailBytes = 4 << 10

func (w *tailWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	if len(w.buf) > tailBytes {
		w.buf = slices.Clone(w.buf[len(w.buf)-tailBytes:])
	}
	return len(p), nil
}

// last is the last non-empty line written, as ": line", or "".
func (w *tailWriter) last() string {
	lines := strings.Split(strings.TrimSpace(string(w.buf)), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return ": " + l
	}
	return ""
}
