package harness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/schema"
)

// A Calibration is the cost of one uncontended lock+unlock of an
// algorithm through a locks.Handle on this machine, bare and through the
// instrumented wrapper (locks.Instrument with locks.DefaultOptions, as the
// workloads use it), and bare with direct calls (locks.DirectLoop: no
// interface dispatch, what a C or a per-lock instantiated loop pays).
// Each figure is the median of Rounds timed loops.
type Calibration struct {
	Lock   string  `json:"lock"`
	BareNS float64 `json:"bare_ns_per_acq"`
	InstNS float64 `json:"instrumented_ns_per_acq"`
	// DirectNS is 0 for a lock whose Handle locks.DirectLoop does not
	// know.
	DirectNS     float64 `json:"direct_ns_per_acq,omitempty"`
	Rounds       int     `json:"rounds"`
	Acquisitions int     `json:"acquisitions_per_round"`
}

// InstrumentationNS is what the wrapper adds to one acquisition.
func (c Calibration) InstrumentationNS() float64 { return c.InstNS - c.BareNS }

// DispatchNS is what calling the lock through the Handle interface adds
// to one lock+unlock: BareNS less DirectNS, or 0 when there is no direct
// figure. For lock=none it is the whole cost of the floor's lock calls,
// which a run books in the floor (per-page work), not in the lock.
func (c Calibration) DispatchNS() float64 {
	if c.DirectNS == 0 {
		return 0
	}
	return c.BareNS - c.DirectNS
}

// A Calibrator measures the uncontended cost of lock algorithms: one
// worker on one pinned, locked OS thread takes and releases a fresh lock
// in a loop, bare and instrumented alternately, Rounds times each, every
// loop timed at its edges only (no clock read per acquisition).
type Calibrator struct {
	Locks    []string      // lock algorithms (locks.Lookup); empty means every visible one
	Round    time.Duration // length of one timed loop, about
	Rounds   int           // timed loops of each kind per lock
	Affinity host.Affinity // where the thread runs: the first CPU of this order
	Sysfs    string        // topology root; "" means "/sys", within this process's cpuset (as Runner.Sysfs)
}

// DefaultCalibrator measures every visible lock: 7 rounds of about 10 ms
// each, bare and instrumented, under a second and a half for the twelve
// locks.
var DefaultCalibrator = Calibrator{Round: 10 * time.Millisecond, Rounds: 7, Affinity: host.Compact}

// Validate reports the first field that cannot run as a *FieldError.
func (c *Calibrator) Validate() error {
	switch {
	case c.Round <= 0:
		return &FieldError{Field: FieldDuration, Value: c.Round.String(), Err: errors.New("must be positive")}
	case c.Rounds <= 0:
		return &FieldError{Field: FieldCount, Value: fmt.Sprint(c.Rounds), Err: errors.New("must be at least 1")}
	}
	if _, err := host.ParseAffinity(string(c.Affinity)); err != nil {
		return &FieldError{Field: FieldAffinity, Err: err}
	}
	for _, l := range c.Locks {
		if _, err := locks.Lookup(l); err != nil {
			return &FieldError{Field: FieldLocks, Err: err}
		}
	}
	return nil
}

// Run measures each lock in turn; a cancelled ctx ends it between
// rounds with an error wrapping ctx.Err().
func (c *Calibrator) Run(ctx context.Context) ([]Calibration, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	infos := locks.All(false)
	if len(c.Locks) > 0 {
		infos = infos[:0]
		for _, l := range c.Locks {
			i, _ := locks.Lookup(l)
			infos = append(infos, i)
		}
	}
	cpu := -1
	if c.Affinity != host.None {
		topo, err := hostTopology(c.Sysfs)
		if err != nil {
			return nil, err
		}
		if o := topo.Order(c.Affinity); len(o) > 0 {
			cpu = o[0]
		}
	}
	type result struct {
		cal []Calibration
		err error
	}
	done := make(chan result, 1)
	go func() {
		// The thread ends with the goroutine: nobody inherits its pinning.
		runtime.LockOSThread()
		if cpu >= 0 {
			if err := host.Pin(cpu); err != nil {
				done <- result{err: &FieldError{Field: FieldAffinity, Value: string(c.Affinity), Err: fmt.Errorf("pinning to CPU %d: %w", cpu, err)}}
				return
			}
		}
		var out []Calibration
		for _, info := range infos {
			cal, err := c.calibrate(ctx, info)
			if err != nil {
				done <- result{err: err}
				return
			}
			out = append(out, cal)
		}
		done <- result{cal: out}
	}()
	r := <-done
	return r.cal, r.err
}

// calibrate measures one lock: it sizes a loop to about c.Round on the
// bare lock, then alternates bare and instrumented loops of that many
// acquisitions, so that a drift of the machine hits both alike.
func (c *Calibrator) calibrate(ctx context.Context, info locks.Info) (Calibration, error) {
	bare := info.New().Handle()
	inst := locks.Instrument(info.New(), locks.DefaultOptions).Handle()
	direct := info.New().Handle()
	hasDirect := locks.DirectLoop(direct, 1000) // and warms it
	n := 1000
	for {
		d := loop(bare, n)
		if d >= c.Round/4 || n >= 1<<30 {
			n = int(float64(n) * float64(c.Round) / float64(max(d, 1)))
			break
		}
		n *= 4
	}
	n = max(n, 1000)
	loop(inst, n/10) // warm the instrumented handle too
	var b, in, d []float64
	for range c.Rounds {
		if err := ctx.Err(); err != nil {
			return Calibration{}, fmt.Errorf("calibrating %s: %w", info.Name, err)
		}
		b = append(b, float64(loop(bare, n).Nanoseconds())/float64(n))
		in = append(in, float64(loop(inst, n).Nanoseconds())/float64(n))
		if hasDirect {
			d = append(d, float64(directLoop(direct, n).Nanoseconds())/float64(n))
		}
	}
	cal := Calibration{Lock: info.Name, BareNS: median(b), InstNS: median(in), Rounds: c.Rounds, Acquisitions: n}
	if hasDirect {
		// A loop of inlined empty calls (none) can time at 0: keep the
		// figure positive, so that 0 keeps meaning "not measured".
		cal.DirectNS = max(median(d), 1e-3)
	}
	return cal, nil
}

// dispatchPairs is the lock+unlock pairs of each loop of DispatchProbe:
// about a millisecond through the Handle.
const dispatchPairs = 1 << 18

// DispatchProbe measures, on the calling goroutine's thread, what a
// lock+unlock of the lock-free lock (locks.None) costs through the
// locks.Handle interface beyond the same loop by direct calls
// (locks.DirectLoop), in ns: the interface dispatch every lock call of
// the workloads pays. Each loop is timed tries times and the fastest
// kept, the one least disturbed. The floor at one thread carries it
// (schema.UnitDispatch), so that a saving can book the floor's lock
// calls apart from its per-page work.
func DispatchProbe(tries int) float64 {
	h := new(locks.None).Handle()
	locks.DirectLoop(h, 1000) // warm
	best := func(f func() time.Duration) time.Duration {
		b := time.Duration(math.MaxInt64)
		for range max(tries, 1) {
			b = min(b, f())
		}
		return b
	}
	through := best(func() time.Duration { return loop(h, dispatchPairs) })
	direct := best(func() time.Duration { return directLoop(h, dispatchPairs) })
	// Kept positive, so that 0 keeps meaning "not measured" (as DirectNS).
	return max(float64(through-direct)/dispatchPairs, 1e-3)
}

// directLoop times n lock+unlock pairs through h with direct calls
// (locks.DirectLoop).
func directLoop(h locks.Handle, n int) time.Duration {
	t0 := time.Now()
	locks.DirectLoop(h, n)
	return time.Since(t0)
}

// loop times n lock+unlock pairs through h. The calls go through the
// Handle interface, so the compiler cannot remove them.
func loop(h locks.Handle, n int) time.Duration {
	t0 := time.Now()
	for range n {
		h.Lock()
		h.Unlock()
	}
	return time.Since(t0)
}

// median is schema.Median, 0 for no rounds.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return schema.Median(v)
}
