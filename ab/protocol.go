package ab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Protocol is the version of the worker protocol this package speaks.
// A parent and a worker of different versions refuse each other with a
// *ProtocolError. Bump it on any change of Spec, Hello, Request or Reply
// that an older peer would misread.
const Protocol = 1

// A Spec is the first line a parent writes to a worker: the protocol it
// speaks and the `lockbench run` flags of the worker's side (the plan
// flags both sides share, then the side's own).
type Spec struct {
	Protocol int      `json:"protocol"`
	Args     []string `json:"args"`
}

// A Hello is the worker's answer to a Spec: the protocol it speaks and
// the names of the cases its plan has (harness.Case.Name), or the error
// that stopped it (a flag its build does not know).
type Hello struct {
	Protocol int      `json:"protocol"`
	Cases    []string `json:"cases,omitempty"`
	// Turns are the cases the worker can run in turns (Request.Op
	// OpOpen): a field added within version 1, so that a worker that
	// does not send it runs whole slices only.
	Turns []string `json:"turns,omitempty"`
	Error string   `json:"error,omitempty"`
}

// Request operations. A whole slice is one Request with no Op. A block in
// turns is, on each side, one OpOpen (build, probe, warm up), then
// Options.Turns OpTurn (each a re-warm-up and a measured turn), the two
// sides' turns interleaved by the parent, then one OpEnd, whose Reply is
// the slice's: the turns summed. Ops, like Hello.Turns, were added within
// version 1; a parent sends them only to a worker that listed the case
// in Hello.Turns.
const (
	OpOpen = "open"
	OpTurn = "turn"
	OpEnd  = "end"
)

// A Request asks a worker to run one slice of one case, numbered as the
// parent's block.
type Request struct {
	Case  string `json:"case"`
	Block int    `json:"block"`
	Op    string `json:"op,omitempty"`
	// Turns and RewarmNS are, with OpOpen, the number of turns the
	// worker's slice (its --duration) is split into, and the unmeasured
	// re-warm-up before each, in ns.
	Turns    int   `json:"turns,omitempty"`
	RewarmNS int64 `json:"rewarm_ns,omitempty"`
}

// A Reply is one slice's result: the case's time per unit (Value, in
// Unit: ns/page or ns/op), the machine's regime and probe during it, and
// the slice's result lines in the Go benchmark format (no configuration
// lines; the parent adds side and proc). Error is set instead when the
// slice failed.
type Reply struct {
	Case   string  `json:"case"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Regime string  `json:"regime,omitempty"`
	XferNS float64 `json:"xfer_ns,omitempty"`
	// XferEndNS is the transfer probe after the slice. A field added
	// within version 1: a peer that does not send it is matched on
	// XferNS alone (Block.StatesDiffer).
	XferEndNS float64 `json:"xfer_end_ns,omitempty"`
	// Turns is the number of turns the slice was measured in (OpEnd's
	// reply); 0 for a whole slice.
	Turns int      `json:"turns,omitempty"`
	Lines []string `json:"lines,omitempty"`
	Error string   `json:"error,omitempty"`
}

// A Bench is what a worker runs: the cases of one side's plan.
type Bench interface {
	// Cases lists the case names, in plan order.
	Cases() []string
	// Run runs one slice of the named case as block number block.
	Run(ctx context.Context, name string, block int) (Reply, error)
}

// A TurnBench is a Bench that can also hold a case open across turns.
type TurnBench interface {
	Bench
	// TurnCases lists the cases that can run in turns (Hello.Turns).
	TurnCases() []string
	// Open opens the named case as block number block, its slice to be
	// measured in turns turns, each after rewarm unmeasured.
	Open(ctx context.Context, name string, block, turns int, rewarm time.Duration) (Turns, error)
}

// Turns is one open case of a TurnBench.
type Turns interface {
	// Turn runs one turn.
	Turn() error
	// End closes the case and returns the slice, its turns summed.
	End() (Reply, error)
}

// A ProtocolError is a peer that does not speak Protocol: an executable
// built before the protocol existed, or one speaking another version.
type ProtocolError struct {
	Exe    string // the peer, "" on the worker side
	Got    int    // the version it spoke; 0 when it spoke none
	Detail string // what it said instead (its first line of stderr)
}

func (e *ProtocolError) Error() string {
	who := "the parent"
	if e.Exe != "" {
		who = e.Exe
	}
	if e.Got == 0 {
		s := fmt.Sprintf("%s does not speak lockbench's worker protocol (version %d): it was built before 'lockbench ab', or is not lockbench", who, Protocol)
		if e.Detail != "" {
			s += " (it said: " + e.Detail + ")"
		}
		return s
	}
	return fmt.Sprintf("%s speaks worker protocol version %d, this lockbench speaks %d: build both sides from versions that agree", who, e.Got, Protocol)
}

// Serve is the worker side: it reads a Spec from in, opens the side's
// bench with its args, answers a Hello, then runs every Request read
// from in and writes its Reply, until in ends. A Spec of another
// version is answered with a Hello naming this one and returned as a
// *ProtocolError; an open error is answered in the Hello and returned.
// A failed slice is answered with its Error and ends the worker.
func Serve(ctx context.Context, in io.Reader, out io.Writer, open func(args []string) (Bench, error)) error {
	r := bufio.NewReader(in)
	enc := json.NewEncoder(out)
	line, err := r.ReadBytes('\n')
	if err != nil && (err != io.EOF || len(line) == 0) {
		if err == io.EOF {
			return errors.New("worker: no case spec on stdin (the worker is started by 'lockbench ab')")
		}
		return fmt.Errorf("worker: reading the case spec: %w", err)
	}
	var spec Spec
	if err := json.Unmarshal(line, &spec); err != nil || spec.Protocol == 0 {
		_ = enc.Encode(Hello{Protocol: Protocol, Error: "not a case spec"})
		return &ProtocolError{Detail: "not a case spec"}
	}
	if spec.Protocol != Protocol {
		_ = enc.Encode(Hello{Protocol: Protocol, Error: fmt.Sprintf("protocol %d not spoken", spec.Protocol)})
		return &ProtocolError{Got: spec.Protocol}
	}
	b, err := open(spec.Args)
	if err != nil {
		_ = enc.Encode(Hello{Protocol: Protocol, Error: err.Error()})
		return err
	}
	hello := Hello{Protocol: Protocol, Cases: b.Cases()}
	tb, _ := b.(TurnBench)
	if tb != nil {
		hello.Turns = tb.TurnCases()
	}
	if err := enc.Encode(hello); err != nil {
		return err
	}
	var cur Turns // the case open in turns, if any
	var openCase string
	defer func() {
		if cur != nil {
			cur.End() // the parent left: its result goes nowhere
		}
	}()
	for {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			return nil
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("worker: reading a request: %w", err)
		}
		var req Request
		if err := json.Unmarshal(line, &req); err != nil {
			return fmt.Errorf("worker: malformed request %q: %w", line, err)
		}
		var rep Reply
		switch {
		case req.Op == "" && cur == nil:
			rep, err = b.Run(ctx, req.Case, req.Block)
		case req.Op == OpOpen && cur == nil && tb != nil:
			cur, err = tb.Open(ctx, req.Case, req.Block, req.Turns, time.Duration(req.RewarmNS))
			openCase, rep = req.Case, Reply{Case: req.Case}
		case (req.Op == OpTurn || req.Op == OpEnd) && cur != nil && req.Case == openCase:
			rep = Reply{Case: req.Case}
			if req.Op == OpTurn {
				err = cur.Turn()
			} else {
				rep, err = cur.End()
				cur = nil
			}
		default:
			err = fmt.Errorf("worker: request %q for %q out of order (open: %q)", req.Op, req.Case, openCase)
		}
		if err != nil {
			rep = Reply{Case: req.Case, Error: err.Error()}
		}
		if werr := enc.Encode(rep); werr != nil {
			return werr
		}
		if err != nil {
			return err
		}
	}
}
