package host

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/lockbench/lockbench/schema"
	"golang.org/x/sys/unix"
)

// The machine state of a slice is measured where its workers run, before
// and after it: the cache-line transfer between the workers' own CPUs
// (xfer-ns, ProbePairs) and the speed of fixed single-core work on each
// worker's CPU (speed-ns, mem-ns: a SpeedProbe). On the small VMs lockbench
// was built on, the host moves both: 1-thread lock=none page cases measured
// 91-195 ns/page within one run while an ALU chain stayed within 3%, and
// an 8 MB pointer chase moved between 140 and 170 ns a step: the state is
// on the memory side, which is why the chase is part of the probe.

// maxProbePairs bounds the transfer probe's pairs: all pairs of up to 4
// workers' CPUs (6 pairs), a fixed sample of as many beyond.
const maxProbePairs = 6

// ProbePairs returns the CPU pairs the transfer probe measures for
// workers on cpus (worker order, repeats allowed): every pair of the
// distinct CPUs when there are at most 4, else maxProbePairs pairs
// spread over the workers (worker k*n/6 with the one half the list
// further on), so that a placement spanning LLCs or nodes has pairs of
// every distance it makes its workers pay.
func ProbePairs(cpus []int) [][2]int {
	var d []int
	for _, c := range cpus {
		if !slices.Contains(d, c) {
			d = append(d, c)
		}
	}
	var out [][2]int
	if len(d) <= 4 {
		for i := range d {
			for j := i + 1; j < len(d); j++ {
				out = append(out, [2]int{d[i], d[j]})
			}
		}
		return out
	}
	n := len(d)
	for k := range maxProbePairs {
		i := k * n / maxProbePairs
		j := (i + n/2 + k) % n
		if j == i {
			j = (i + 1) % n
		}
		out = append(out, [2]int{d[i], d[j]})
	}
	return out
}

// MeasureXfer measures each pair with probeXfer, within budget in all,
// and returns the mean of the pairs that measured (the transfer a handoff
// between two random workers pays), 0 if none did. Each pair plays on a
// fresh cache line (probeXfer allocates its own). The caller makes sure
// GOMAXPROCS is at least 2.
func MeasureXfer(pairs [][2]int, budget time.Duration) float64 {
	if len(pairs) == 0 {
		return 0
	}
	each := max(budget/time.Duration(len(pairs)), 2*time.Millisecond)
	var sum float64
	n := 0
	for _, p := range pairs {
		if x := probeXfer(p[0], p[1], each); x > 0 {
			sum += x
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// Speed probe sizes: a chase over chaseBytes, one node a cache line, of
// chaseSteps steps per round, and an ALU chain of aluOps dependent
// multiply-adds per round: about 4 µs of ALU and 40-60 µs of chase a
// round on the 2-vCPU VMs lockbench was built on, speedRounds rounds, the
// median kept (about 0.5 ms per CPU and probe; the cache chase adds about
// 2 ms, see cacheBytes). Fewer chase steps made
// the median too noisy under load to tell a state from its own spread.
const (
	chaseBytes  = 8 << 20
	chaseLine   = 64
	chaseSteps  = 256
	aluOps      = 4096
	speedRounds = 7
)

// A SpeedProbe times fixed single-core work: an ALU chain (core speed)
// and a pointer chase over a few MB (the memory side). Its chase buffer
// is built once and reused, so one probe serves a whole sweep; it is not
// safe for concurrent use.
type SpeedProbe struct {
	next []uint64 // next[i*8] is the index of the node after node i; one node a cache line
	at   uint64   // where the chase stands: every round starts where the last ended
	warm []uint64 // the cache chase: cacheBytes, the same layout
	core []uint64 // the core chase: coreBytes, the same layout
}

// NewSpeedProbe builds the memory chase and the cache chase (cycle),
// then evicts both from the caches.
func NewSpeedProbe(seed uint64) *SpeedProbe {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	p := &SpeedProbe{next: cycle(chaseBytes, rng), warm: cycle(cacheBytes, rng), core: cycle(coreBytes, rng)}
	evict()
	return p
}

// cycle builds a chase over bytes: one random cycle through every line
// (Sattolo's algorithm), so that the hardware prefetcher cannot guess
// the next line; next[i*8] is the index of the node after node i.
func cycle(bytes int, rng *rand.Rand) []uint64 {
	nodes := bytes / chaseLine
	stride := chaseLine / 8
	perm := make([]int, nodes)
	for i := range perm {
		perm[i] = i
	}
	for i := nodes - 1; i > 0; i-- {
		j := rng.IntN(i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	next := make([]uint64, nodes*stride)
	// perm is a single cycle: node perm[i] -> perm[i+1].
	for i := range nodes {
		next[perm[i]*stride] = uint64(perm[(i+1)%nodes] * stride)
	}
	return next
}

// cacheBytes is the cache chase's size: twice the 1 MB L2 of the VMs
// lockbench was built on (AMD EPYC, 32 MB L3 shared by both vCPUs), so
// that a walk of the whole cycle misses L2 at every step (a cycle larger
// than an LRU cache always does) and is served by the L3 when the
// workers hold it. The memory chase (chaseBytes) reads lines touched a
// whole cycle ago: always memory, steady at 210-260 ns a step while a
// 1-thread page moved 112-522 ns/page within one quiet run (correlation
// 0.03-0.26). A warm 4 MB chase, probed every 100 ms under load, moved
// between 42 and 635 ns a step: the last-level cache is where
// neighbours take the state.
const cacheBytes = 2 << 20

// cacheSteps are timed after one untimed walk of the whole cache chase:
// about 0.2 ms at L3 latency. The walk before it is longer than its
// 1.6 ms at L3 latency where the L3 behaves like memory: with the core
// chase's laps, a full probe (Measure) took 5-8 ms a CPU on the 2-vCPU
// VM, which is why the probe after a window is MeasureSpeed.
const cacheSteps = 4096

// coreBytes is the core chase's size: half the 1 MB L2 of the VMs
// lockbench was built on, walked untimed and then timed like the cache
// chase (coreSteps steps, about 25-40 µs), so that it measures the
// core's own caches. They are what a host's SMT sibling of the vCPU
// shares, and that is where the 1-thread state of those VMs sits: 400
// probes around 20 ms slices of lock=none page at one thread, three
// times on the quiet VM, split by the slice's time into thirds: the
// slow third (median 138 against 81-82 ns/page) had this chase 50-79%
// slower (10-11 against 6-6.5 ns a step), an independent ALU mix 13%
// slower, an L1 chase 6-7%, a 4 MB chase 10%, while the dependent ALU
// chain (speed-ns's) and an 8 MB or 64 MB chase (memory) did not move,
// nor did steal time, PSI or the run delay.
const coreBytes = 512 << 10

// The core chase is walked coreLaps times untimed (its first lap comes
// from memory, the second settles it in the L2), then coreSteps steps are
// timed.
const (
	coreLaps  = 2
	coreSteps = 4096
)

// evictBytes is written after the chase is built, so that its first
// probes find the chase's lines where every later probe does: touched a
// whole cycle (about 64 probes) ago, out of the caches. Without it the
// first probes of a fresh buffer read 59-207 ns a step against 213-252
// for the same process's later ones on the 2-vCPU VM (32 MiB L3), and
// a probe built per slice marked most slices switched. Twice that L3.
const evictBytes = 64 << 20

// evict writes one byte a cache line of a fresh anonymous mapping of
// evictBytes and unmaps it: outside the Go heap, so that it costs no
// garbage collection and the heap never holds it. Best effort: a
// mapping refused leaves the caches as they are.
func evict() {
	b, err := unix.Mmap(-1, 0, evictBytes, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return
	}
	for i := 0; i < len(b); i += chaseLine {
		b[i] = 1
	}
	unix.Munmap(b)
}

// aluSink and chaseSink keep the compiler from deleting the probe's work.
type sinks struct{ alu, chase uint64 }

// round times one ALU chain and one chase on the calling thread, in ns
// per operation and per step.
func (p *SpeedProbe) round(s *sinks) (alu, mem float64) {
	x := s.alu | 1
	t0 := time.Now()
	for range aluOps {
		x = x*6364136223846793005 + 1442695040888963407
	}
	t1 := time.Now()
	at := p.at
	for range chaseSteps {
		at = p.next[at]
	}
	t2 := time.Now()
	p.at = at
	s.alu, s.chase = x, s.chase+at
	return float64(t1.Sub(t0)) / aluOps, float64(t2.Sub(t1)) / chaseSteps
}

// A Speed is one speed probe's result: the median over rounds and CPUs.
type Speed struct {
	// NS is the time of one ALU step plus one chase step, in ns: what the
	// unit speed-ns records. The chase dominates it, by design: it is
	// where this kind of machine's state moves.
	NS float64
	// MemNS is its memory part, ns per chase step (mem-ns).
	MemNS float64
	// CacheNS is the cache chase, ns per step (cache-ns): the median
	// over CPUs of a walk timed right after a whole untimed one.
	CacheNS float64
	// CoreNS is the core chase, the same way (core-ns): half an L2,
	// what a host's SMT sibling takes from a vCPU.
	CoreNS float64
}

// Measure runs the probe on each CPU of cpus in turn, on a thread pinned
// there (nil cpus: on one unpinned thread), and returns the median over
// CPUs of each CPU's median round. A CPU that cannot be pinned is
// measured where the thread is.
func (p *SpeedProbe) Measure(cpus []int) Speed { return p.measure(cpus, true) }

// MeasureSpeed is Measure without the cache and core chases: NS and
// MemNS only, in well under a millisecond a CPU where the two chases'
// untimed laps take 5-7 ms (they come from memory). It is the probe after
// a window, where only speed-ns is compared (speed-end-ns).
func (p *SpeedProbe) MeasureSpeed(cpus []int) Speed { return p.measure(cpus, false) }

func (p *SpeedProbe) measure(cpus []int, chases bool) Speed {
	var d []int
	for _, c := range cpus {
		if !slices.Contains(d, c) {
			d = append(d, c)
		}
	}
	if len(d) == 0 {
		d = []int{-1}
	}
	var total, mem, cache, core []float64
	for _, cpu := range d {
		done := make(chan [4]float64)
		go func() {
			runtime.LockOSThread() // never unlocked: the pinned thread ends with the goroutine
			if cpu >= 0 {
				Pin(cpu)
			}
			var s sinks
			p.round(&s) // the first round brings the code and the chase's start in
			var ts, ms []float64
			for range speedRounds {
				alu, m := p.round(&s)
				ts = append(ts, alu+m)
				ms = append(ms, m)
			}
			r := [4]float64{schema.Median(ts), schema.Median(ms)}
			if chases {
				r[2], r[3] = walkWarm(p.warm, 1, cacheSteps, &s), walkWarm(p.core, coreLaps, coreSteps, &s)
			}
			done <- r
		}()
		r := <-done
		total, mem, cache, core = append(total, r[0]), append(mem, r[1]), append(cache, r[2]), append(core, r[3])
	}
	return Speed{NS: schema.Median(total), MemNS: schema.Median(mem), CacheNS: schema.Median(cache), CoreNS: schema.Median(core)}
}

// walkWarm walks the whole chase next laps times untimed, then times
// steps more steps, in ns a step.
func walkWarm(next []uint64, laps, steps int, s *sinks) float64 {
	at := uint64(0)
	for range laps * len(next) / (chaseLine / 8) {
		at = next[at]
	}
	t0 := time.Now()
	for range steps {
		at = next[at]
	}
	d := time.Since(t0)
	s.chase += at
	return float64(d) / float64(steps)
}
