package ab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	Error    string   `json:"error,omitempty"`
}

// A Request asks a worker to run one slice of one case, numbered as the
// parent's block.
type Request struct {
	Case  string `json:"case"`
	Block int    `json:"block"`
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
	XferEndNS float64  `json:"xfer_end_ns,omitempty"`
	Lines     []string `json:"lines,omitempty"`
	Error     string   `json:"error,omitempty"`
}

// A Bench is what a worker runs: the cases of one side's plan.
type Bench interface {
	// Cases lists the case names, in plan order.
	Cases() []string
	// Run runs one slice of the named case as block number block.
	Run(ctx context.Context, name string, block int) (Reply, error)
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
	if err := enc.Encode(Hello{Protocol: Protocol, Cases: b.Cases()}); err != nil {
		return err
	}
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
		rep, err := b.Run(ctx, req.Case, req.Block)
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
