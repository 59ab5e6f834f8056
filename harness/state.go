package harness

import (
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The machine state of a slice is measured where its workers run, before
// and after it: the cache-line transfer between the workers' own CPUs
// (xfer-ns, probePairs) and the speed of fixed single-core work on each
// worker's CPU (speed-ns, mem-ns: a speedProbe). On the small VMs lockbench
// was built on, the host moves both: 1-thread lock=none page cases measured
// 91-195 ns/page within one run while an ALU chain stayed within 3%, and
// an 8 MB pointer chase moved between 140 and 170 ns a step: the state is
// on the memory side, which is why the chase is part of the probe.

// maxProbePairs bounds the transfer probe's pairs: all pairs of up to 4
// workers' CPUs (6 pairs), a fixed sample of as many beyond.
const maxProbePairs = 6

// probePairs returns the CPU pairs the transfer probe measures for
// workers on cpus (worker order, repeats allowed): every pair of the
// distinct CPUs when there are at most 4, else maxProbePairs pairs
// spread over the workers (worker k*n/6 with the one half the list
// further on), so that a placement spanning LLCs or nodes has pairs of
// every distance it makes its workers pay.
func probePairs(cpus []int) [][2]int {
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

// probePairsXfer measures each pair with probeXfer, within budget in all,
// and returns the mean of the pairs that measured (the transfer a handoff
// between two random workers pays), 0 if none did. Each pair plays on a
// fresh cache line (probeXfer allocates its own).
func probePairsXfer(pairs [][2]int, budget time.Duration) float64 {
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
// median kept (about 0.5 ms per CPU and probe). Fewer chase steps made
// the median too noisy under load to tell a state from its own spread.
const (
	chaseBytes  = 8 << 20
	chaseLine   = 64
	chaseSteps  = 256
	aluOps      = 4096
	speedRounds = 7
)

// A speedProbe times fixed single-core work: an ALU chain (core speed)
// and a pointer chase over a few MB (the memory side). Its chase buffer
// is built once and reused, so one probe serves a whole sweep; it is not
// safe for concurrent use.
type speedProbe struct {
	next []uint64 // next[i*8] is the index of the node after node i; one node a cache line
	at   uint64   // where the chase stands: every round starts where the last ended
}

// newSpeedProbe builds the chase: one random cycle through every line of
// the buffer (Sattolo's algorithm), so that the hardware prefetcher
// cannot guess the next line.
func newSpeedProbe(seed uint64) *speedProbe {
	nodes := chaseBytes / chaseLine
	stride := chaseLine / 8
	perm := make([]int, nodes)
	for i := range perm {
		perm[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	for i := nodes - 1; i > 0; i-- {
		j := rng.IntN(i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	p := &speedProbe{next: make([]uint64, nodes*stride)}
	// perm is a single cycle: node perm[i] -> perm[i+1].
	for i := range nodes {
		p.next[perm[i]*stride] = uint64(perm[(i+1)%nodes] * stride)
	}
	return p
}

// aluSink and chaseSink keep the compiler from deleting the probe's work.
type sinks struct{ alu, chase uint64 }

// round times one ALU chain and one chase on the calling thread, in ns
// per operation and per step.
func (p *speedProbe) round(s *sinks) (alu, mem float64) {
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
}

// measure runs the probe on each CPU of cpus in turn, on a thread pinned
// there (nil cpus: on one unpinned thread), and returns the median over
// CPUs of each CPU's median round. A CPU that cannot be pinned is
// measured where the thread is.
func (p *speedProbe) measure(cpus []int) Speed {
	var d []int
	for _, c := range cpus {
		if !slices.Contains(d, c) {
			d = append(d, c)
		}
	}
	if len(d) == 0 {
		d = []int{-1}
	}
	var total, mem []float64
	for _, cpu := range d {
		done := make(chan [2]float64)
		go func() {
			runtime.LockOSThread() // never unlocked: the pinned thread ends with the goroutine
			if cpu >= 0 {
				pin(cpu)
			}
			var s sinks
			p.round(&s) // the first round brings the code and the chase's start in
			var ts, ms []float64
			for range speedRounds {
				alu, m := p.round(&s)
				ts = append(ts, alu+m)
				ms = append(ms, m)
			}
			done <- [2]float64{median(ts), median(ms)}
		}()
		r := <-done
		total, mem = append(total, r[0]), append(mem, r[1])
	}
	return Speed{NS: median(total), MemNS: median(mem)}
}

// runDelay is the calling thread's time spent runnable but waiting for a
// CPU, in ns (the second field of /proc/thread-self/schedstat), and
// whether the kernel reports it (CONFIG_SCHEDSTATS). It is read at the
// edges of the measured window only: a worker descheduled by another
// process's thread (or a busy host's other vCPU tenants, seen inside the
// guest as a longer wait) shows here and not in the probes.
func runDelay() (int64, bool) {
	b, err := os.ReadFile("/proc/thread-self/schedstat")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	v, err := strconv.ParseInt(f[1], 10, 64)
	return v, err == nil
}
