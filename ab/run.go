package ab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
)

// Side names.
const (
	Base = "base"
	New  = "new"
)

// A Side is one of the two things compared: an executable and the run
// flags of this side only.
type Side struct {
	Exe   string
	Flags []string
}

// A Conn is a running worker, as the parent sees it.
type Conn interface {
	// Hello sends the Spec and returns the worker's Hello.
	Hello(spec Spec) (Hello, error)
	// Run sends one Request and returns its Reply.
	Run(req Request) (Reply, error)
	// Close ends the worker (closing its input) and waits for it.
	Close() error
}

// A StartFunc starts a worker of an executable. Exec is the real one;
// tests start fakes in-process.
type StartFunc func(ctx context.Context, exe string) (Conn, error)

// Options configure Run.
type Options struct {
	Base, New Side
	// Shared are the run flags of both sides (the plan: --locks,
	// --modes, --threads, ...), before each side's own.
	Shared []string
	// Seed seeds the order of the cases in each round and of the two
	// sides in each block.
	Seed uint64
	// Blocks, when positive, is the fixed number of blocks of every
	// case; otherwise the run is adaptive: MinBlocks of every case, then
	// more of the cases whose interval is wider than TargetCI, until
	// none is or Budget is spent.
	Blocks    int
	MinBlocks int
	Budget    time.Duration
	// TargetCI is the half-width of the 95% interval of the change a
	// case should reach, as a fraction (0.05: ±5 points).
	TargetCI float64
	// Threshold, when positive, is the change for the worse the verdict
	// judges against (JudgeOptions.MaxRegress): a case whose interval
	// still holds it is undecided, and stays pending however tight, so
	// that the budget goes where the verdict is in doubt.
	Threshold float64
	// Alpha is the verdict's family-wise level (JudgeOptions.Alpha; 0 is
	// stats.DefaultAlpha). An adaptive run gives every case at least the
	// blocks with which the exact signed-rank test can reach Alpha over
	// the number of cases, the first step of Holm's adjustment
	// (PowerBlocks): with fewer, no case could be shown worse, however
	// large its change.
	Alpha float64
	// Turns, when above 1, is how many turns each side's slice of a
	// block (its --duration) is measured in, interleaved with the other
	// side's in an ABBA order (ABBAABBA... from the block's first side),
	// each after Rewarm unmeasured; the cases a side cannot run in turns
	// (Hello.Turns) run whole slices. See DefaultDuration.
	Turns  int
	Rewarm time.Duration
	// Start starts a worker; nil is Exec.
	Start StartFunc
	// Now is the clock of the budget; nil is time.Now.
	Now func() time.Time
	// Results, when set, receives both sides' result lines as they come,
	// in the Go benchmark format, each side's lines under the
	// configuration lines "side: base|new" and "proc: N" (the worker
	// process, numbered from 1 per side).
	Results io.Writer
	// Progress, when set, is called after every block.
	Progress func(b Block)
}

// DefaultDuration and DefaultWarmup are the measured and the unmeasured
// time of one slice in an ab run, shorter than run's (60 and 20 ms): at
// a 20 s budget on the 2-vCPU VM they gave 12-16 blocks a case against
// 8-12, a state flip within fewer blocks, and, 10 runs each with the
// new side's mapping lock 30 ns slower, page at 2 threads (+25%) caught
// in 7 of 10 runs against 3 of 10, batch at 1 thread (+7%) in 5-6
// against 0-1; 20 A/A runs all passed (exit 0), as they did with 60 ms.
// Slices are paired within their block, so a shorter one loses little
// to noise that the block shares.
//
// The slice is measured in turns of 5 ms after 1 ms of re-warm-up each
// (harness.DefaultRunner's Turn and Rewarm, ab's --turn and --rewarm):
// 6 turns a side, the sides interleaved ABBA. The 1-thread speed state
// of the 2-vCPU VM moves within milliseconds (the host's SMT sibling of the vCPU: see
// harness.Session): autocorrelation of a 1 ms chunk's ns/page 0.61 at 1
// ms, 0.32 at 5 ms, 0.19 at 50 ms. Replayed from 10 s of 1 ms chunks of
// the page-cache model at one thread, the log ratio of two 30 ms halves
// had a standard deviation of 0.135 (lock=none, page), 0.21 (mutex,
// page) and 0.12 (mutex, batch) taken back to back, 0.057, 0.12 and
// 0.044 interleaved in 5 ms turns. The re-warm-up brings back the
// caches the other side's turn took.
const (
	DefaultDuration = 30 * time.Millisecond
	DefaultWarmup   = 10 * time.Millisecond
)

// DefaultMinBlocks is the fewest blocks of every case before the run
// may stop: stats.MinPairs, the fewest that give a 95% interval.
const DefaultMinBlocks = stats.MinPairs

// A Block is one slice of one case on each side, back to back.
type Block struct {
	Case  string `json:"case"`
	N     int    `json:"block"` // 1, 2, ... in run order
	First string `json:"first"` // the side that ran first
	Base  Reply  `json:"base"`
	New   Reply  `json:"new"`
	// BaseProc and NewProc number the worker processes that ran the
	// slices, from 1 per side.
	BaseProc int `json:"base_proc"`
	NewProc  int `json:"new_proc"`
	// Turns is the number of turns each side's slice was measured in,
	// interleaved with the other's; 0 for whole slices back to back.
	Turns int `json:"turns,omitempty"`
	// Mismatched marks a block whose two slices ran in different
	// transfer states (StatesDiffer): its case gets another block, and
	// the verdict leaves it out unless the case has too few blocks
	// without (Judge).
	Mismatched bool `json:"mismatched,omitempty"`
}

// StatesDiffer reports whether the block's two slices ran in different
// machine states: whether the transfer probes of both sides, before and
// after each slice, span schema.XferMoved or more. Pairing cancels a
// state the two slices share, not one that changed between them: on the
// 2-vCPU VM the transfer flips between about 25 and 160 ns every second
// or so, and in 20 A/A runs the 2-thread blocks whose probes spanned 3x
// (18% of them) had log ratios spread 3 times wider (standard deviation
// 0.59 against 0.19 for the others). A 1-thread case has no transfer
// probe and is never mismatched, nor is a block in turns: its two sides
// took turns of a few ms through the same minute, so a state change in
// it falls on both (its probes, taken before the first turn and after
// the last, are records).
func (b Block) StatesDiffer() bool {
	if b.Turns > 1 {
		return false
	}
	lo, hi := math.Inf(1), 0.0
	for _, x := range []float64{b.Base.XferNS, b.Base.XferEndNS, b.New.XferNS, b.New.XferEndNS} {
		if x > 0 {
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	return hi > 0 && hi/lo >= schema.XferMoved
}

// StateShift is how much more of the slower transfer state the new
// side's slice ran in than the base's: each side's share of its probes
// (before and after its slice) above the geometric midpoint of the
// block's lowest and highest probe, new's less base's. It is 0 in a block
// whose probes span less than schema.XferMoved (one state), +1 when new
// ran in the slow state and base in the fast one, -1 the other way, a
// half for a slice that switched in flight; 0 when a side sent no probe.
func (b Block) StateShift() float64 {
	if !b.StatesDiffer() {
		return 0
	}
	probes := func(r Reply) []float64 {
		var xs []float64
		for _, x := range []float64{r.XferNS, r.XferEndNS} {
			if x > 0 {
				xs = append(xs, x)
			}
		}
		return xs
	}
	base, nw := probes(b.Base), probes(b.New)
	if len(base) == 0 || len(nw) == 0 {
		return 0
	}
	all := append(slices.Clone(base), nw...)
	mid := math.Sqrt(slices.Min(all) * slices.Max(all))
	slow := func(xs []float64) float64 {
		k := 0
		for _, x := range xs {
			if x > mid {
				k++
			}
		}
		return float64(k) / float64(len(xs))
	}
	return slow(nw) - slow(base)
}

// LogRatio is the block's statistic, ln(new/base); NaN when a side has
// no positive value.
func (b Block) LogRatio() float64 {
	if !(b.Base.Value > 0 && b.New.Value > 0) {
		return math.NaN()
	}
	return math.Log(b.New.Value / b.Base.Value)
}

// An Outcome is what Run ran.
type Outcome struct {
	// Cases are the cases both sides have, in the base's order; OnlyBase
	// and OnlyNew those of one side only.
	Cases, OnlyBase, OnlyNew []string
	Blocks                   []Block
	// Procs counts the worker processes started per side.
	Procs int
	// Whole are the cases that ran whole slices back to back though
	// Options.Turns asked for turns: a side did not list them in
	// Hello.Turns (a build from before turns, instrumented locks, a
	// kernel workload).
	Whole []string
	// Stopped says why the run ended: "fixed" (Blocks reached), "tight"
	// (every case within TargetCI), "budget", or "" when it failed.
	Stopped string
	Seed    uint64
}

// A SideError is a worker that refused its side's flags (bad input: a
// flag its build does not know, a value out of range).
type SideError struct {
	Side string // Base or New
	Exe  string
	Args []string
	Msg  string // the worker's error
}

func (e *SideError) Error() string {
	return fmt.Sprintf("the %s side (%s) refused its run flags %q: %s", e.Side, e.Exe, strings.Join(e.Args, " "), e.Msg)
}

// Run compares the two sides block by block; see the package doc. It
// returns what it ran so far with an error when a worker fails (a
// *ProtocolError when a side does not speak Protocol).
func Run(ctx context.Context, o Options) (*Outcome, error) {
	if o.Start == nil {
		o.Start = Exec
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MinBlocks <= 0 {
		o.MinBlocks = DefaultMinBlocks
	}
	if o.Alpha <= 0 {
		o.Alpha = stats.DefaultAlpha
	}
	start := o.Now()
	out := &Outcome{Seed: o.Seed}
	rng := rand.New(rand.NewPCG(o.Seed, 0xab))
	res := &resultWriter{w: o.Results}

	var procs [2]*worker // base, new
	sides := [2]Side{o.Base, o.New}
	names := [2]string{Base, New}
	defer func() {
		for _, p := range procs {
			if p != nil {
				p.conn.Close()
			}
		}
	}()
	var turnCases [2][]string
	restart := func() ([2][]string, error) {
		var cases [2][]string
		for i := range procs {
			if procs[i] != nil {
				if err := procs[i].conn.Close(); err != nil {
					return cases, fmt.Errorf("%s worker %d: %w", names[i], procs[i].n, err)
				}
				procs[i] = nil
			}
		}
		out.Procs++
		for i, s := range sides {
			c, err := o.Start(ctx, s.Exe)
			if err != nil {
				return cases, fmt.Errorf("starting the %s worker %s: %w", names[i], s.Exe, err)
			}
			procs[i] = &worker{conn: c, n: out.Procs}
			h, err := c.Hello(Spec{Protocol: Protocol, Args: append(slices.Clone(o.Shared), s.Flags...)})
			if err != nil {
				return cases, err
			}
			if h.Protocol != Protocol {
				return cases, &ProtocolError{Exe: s.Exe, Got: h.Protocol}
			}
			if h.Error != "" {
				return cases, &SideError{Side: names[i], Exe: s.Exe, Args: append(slices.Clone(o.Shared), s.Flags...), Msg: h.Error}
			}
			cases[i], turnCases[i] = h.Cases, h.Turns
		}
		return cases, nil
	}
	cases, err := restart()
	if err != nil {
		return out, err
	}
	turned := map[string]bool{} // the cases both sides run in turns
	if o.Turns > 1 {
		for _, c := range turnCases[0] {
			if slices.Contains(turnCases[1], c) {
				turned[c] = true
			}
		}
	}
	defer func() {
		if o.Turns > 1 {
			for _, c := range out.Cases {
				if !turned[c] {
					out.Whole = append(out.Whole, c)
				}
			}
		}
	}()
	inNew := map[string]bool{}
	for _, c := range cases[1] {
		inNew[c] = true
	}
	inBase := map[string]bool{}
	for _, c := range cases[0] {
		inBase[c] = true
		if inNew[c] {
			out.Cases = append(out.Cases, c)
		} else {
			out.OnlyBase = append(out.OnlyBase, c)
		}
	}
	for _, c := range cases[1] {
		if !inBase[c] {
			out.OnlyNew = append(out.OnlyNew, c)
		}
	}
	if len(out.Cases) == 0 {
		return out, errors.New("the two sides have no case in common: compare the same plan (the side flags should change how, not what, they run)")
	}
	o.MinBlocks = max(o.MinBlocks, PowerBlocks(len(out.Cases), o.Alpha))

	byCase := map[string][]Block{}     // per case, its blocks with a ratio
	took := map[string]time.Duration{} // per case, its last block's time
	fresh := true                      // the processes have run nothing yet
	for round := 0; ; round++ {
		todo := o.pending(out.Cases, byCase, round)
		if len(todo) == 0 {
			out.Stopped = "tight"
			if o.Blocks > 0 {
				out.Stopped = "fixed"
			}
			return out, nil
		}
		if !fresh {
			if _, err := restart(); err != nil {
				return out, err
			}
		}
		fresh = false
		for _, i := range rng.Perm(len(todo)) {
			name := todo[i]
			if o.Blocks <= 0 && o.Budget > 0 && o.Now().Sub(start)+took[name] > o.Budget {
				out.Stopped = "budget"
				return out, nil
			}
			if err := ctx.Err(); err != nil {
				return out, err
			}
			t0 := o.Now()
			b := Block{Case: name, N: len(out.Blocks) + 1, BaseProc: procs[0].n, NewProc: procs[1].n}
			order := [2]int{0, 1}
			if rng.IntN(2) == 1 {
				order = [2]int{1, 0}
			}
			b.First = names[order[0]]
			send := func(s int, req Request) (Reply, error) {
				rep, err := procs[s].conn.Run(req)
				if err == nil && rep.Error != "" {
					err = errors.New(rep.Error)
				}
				if err != nil {
					return rep, fmt.Errorf("%s side, %s, block %d: %w", names[s], name, b.N, err)
				}
				return rep, nil
			}
			op := ""
			if turned[name] {
				b.Turns, op = o.Turns, OpEnd
				for _, s := range order {
					if _, err := send(s, Request{Case: name, Block: b.N, Op: OpOpen, Turns: o.Turns, RewarmNS: int64(o.Rewarm)}); err != nil {
						return out, err
					}
				}
				for t := range o.Turns {
					for _, s := range abba(order, t) {
						if _, err := send(s, Request{Case: name, Block: b.N, Op: OpTurn}); err != nil {
							return out, err
						}
					}
				}
			}
			for _, s := range order {
				rep, err := send(s, Request{Case: name, Block: b.N, Op: op})
				if err != nil {
					return out, err
				}
				if s == 0 {
					b.Base = rep
				} else {
					b.New = rep
				}
				if err := res.write(names[s], procs[s].n, rep.Lines); err != nil {
					return out, err
				}
			}
			took[name] = o.Now().Sub(t0)
			b.Mismatched = b.StatesDiffer()
			out.Blocks = append(out.Blocks, b)
			if !math.IsNaN(b.LogRatio()) {
				byCase[name] = append(byCase[name], b)
			}
			if o.Progress != nil {
				o.Progress(b)
			}
		}
	}
}

// abba is the order of the two sides in turn t of a block whose first
// side is order[0]: ABBAABBA..., so that a drift within the block falls
// on both sides alike.
func abba(order [2]int, t int) [2]int {
	if t%2 == 1 {
		return [2]int{order[1], order[0]}
	}
	return order
}

// PowerBlocks is the fewest blocks with which the exact one-sided
// signed-rank test can reach alpha/cases, Holm's first step: n with
// 2^-n <= alpha/cases. 8 cases at 0.05 need 8 blocks; at 6 blocks
// (stats.MinPairs) the smallest p is 1/64, and no case of a sweep of 4
// or more could be shown worse.
func PowerBlocks(cases int, alpha float64) int {
	if cases < 1 || !(alpha > 0 && alpha < 1) {
		return 0
	}
	return int(math.Ceil(math.Log2(float64(cases) / alpha)))
}

// maxRoundsPerMin bounds the rounds spent getting a case its MinBlocks
// blocks that count: three times MinBlocks.
const maxRoundsPerMin = 3

// pending returns the cases that need a block in this round: every case
// in the first MinBlocks rounds (or the Blocks of a fixed run), then the
// cases with fewer than MinBlocks blocks in one state (for at most
// maxRoundsPerMin·MinBlocks rounds), and the cases whose 95% interval,
// on the blocks they are judged on (Ratios: after those rounds, all of
// them, corrected, when too few are in one state), is wider than
// TargetCI or still holds the Threshold. Before, a case short of blocks
// in one state left the rounds after maxRoundsPerMin·MinBlocks however
// wide: at a 60 s budget in a minute of frequent flips its 2-thread
// cases got 11-24 blocks against the 1-thread cases' 30.
func (o *Options) pending(all []string, byCase map[string][]Block, round int) []string {
	if o.Blocks > 0 {
		if round < o.Blocks {
			return all
		}
		return nil
	}
	if round < o.MinBlocks {
		return all
	}
	var out []string
	for _, c := range all {
		one := 0
		for _, b := range byCase[c] {
			if !b.Mismatched {
				one++
			}
		}
		if one < o.MinBlocks && round < maxRoundsPerMin*o.MinBlocks {
			// Mismatched blocks left the case short of blocks in one
			// state: it gets more, for a while, before it is weighed on
			// all of them.
			out = append(out, c)
			continue
		}
		d, _, _ := Ratios(byCase[c], o.MinBlocks)
		if len(d) < o.MinBlocks {
			// Valueless blocks left the case short: it is unjudged with
			// its reason, not run forever.
			continue
		}
		p := stats.PairedCentre(d, stats.DefaultConfidence)
		lo, est, hi := math.Expm1(p.Lo), math.Expm1(p.Ratio), math.Expm1(p.Hi)
		// Undecided: the interval holds the threshold, or the estimate
		// is beyond it while the interval still holds no change (the
		// verdict would note it "not shown").
		t := o.Threshold
		undecided := t > 0 && (lo <= t && t <= hi || est > t && lo <= 0 || est < -t && hi >= 0)
		if math.IsNaN(p.Lo) || hi-est > o.TargetCI || est-lo > o.TargetCI || undecided {
			out = append(out, c)
		}
	}
	return out
}

type worker struct {
	conn Conn
	n    int
}

// resultWriter writes result lines under side and proc configuration
// lines, repeating them only when they change.
type resultWriter struct {
	w          io.Writer
	side       string
	proc       int
	configured bool
}

func (r *resultWriter) write(side string, proc int, lines []string) error {
	if r.w == nil || len(lines) == 0 {
		return nil
	}
	var b strings.Builder
	if !r.configured || side != r.side || proc != r.proc {
		fmt.Fprintf(&b, "%s: %s\n%s: %d\n", schema.ConfSide, side, schema.ConfProc, proc)
		r.side, r.proc, r.configured = side, proc, true
	}
	for _, l := range lines {
		b.WriteString(strings.TrimRight(l, "\n"))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(r.w, b.String())
	return err
}

// Exec starts `exe worker` as a child process, speaking the protocol on
// its stdin and stdout; its stderr is kept for the error of a worker
// that does not answer.
func Exec(ctx context.Context, exe string) (Conn, error) {
	cmd := exec.CommandContext(ctx, exe, "worker")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &execConn{exe: exe, cmd: cmd, in: in, out: bufio.NewReader(out), stderr: &stderr}, nil
}

type execConn struct {
	exe    string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *bytes.Buffer
	closed bool
}

var _ Conn = (*execConn)(nil)

func (c *execConn) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = c.in.Write(append(b, '\n'))
	return err
}

func (c *execConn) recv(v any) error {
	line, err := c.out.ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return err
	}
	return json.Unmarshal(line, v)
}

func (c *execConn) Hello(spec Spec) (Hello, error) {
	var h Hello
	err := c.send(spec)
	if err == nil {
		err = c.recv(&h)
	}
	if err != nil || h.Protocol == 0 {
		// No answer in the protocol: an old build prints its usage
		// error and exits; say what it said.
		c.Close()
		return h, &ProtocolError{Exe: c.exe, Detail: firstLine(c.stderr.String())}
	}
	return h, nil
}

func (c *execConn) Run(req Request) (Reply, error) {
	var r Reply
	if err := c.send(req); err != nil {
		return r, c.died(err)
	}
	if err := c.recv(&r); err != nil {
		return r, c.died(err)
	}
	return r, nil
}

// died is the error of a worker that stopped answering: its own last
// words when it left any.
func (c *execConn) died(err error) error {
	c.Close()
	if s := firstLine(c.stderr.String()); s != "" {
		return fmt.Errorf("worker %s stopped: %s", c.exe, s)
	}
	return fmt.Errorf("worker %s stopped: %w", c.exe, err)
}

func (c *execConn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.in.Close()
	err := c.cmd.Wait()
	if err != nil && c.stderr.Len() > 0 {
		return fmt.Errorf("%w: %s", err, firstLine(c.stderr.String()))
	}
	return err
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
