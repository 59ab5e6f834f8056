// Package perfevent counts a thread's hardware and software events with
// perf_event_open(2): the two groups a lockbench worker thread opens,
// which the machine allows (Probe), and one function's hardware counts
// (CountHardware). It depends on schema (the counters' units) and
// golang.org/x/sys/unix only.
package perfevent

// Counters are read with perf_event_open(2) straight through
// golang.org/x/sys/unix rather than github.com/hodgesds/perf-utils: we
// need exactly two event groups per worker thread, opened disabled on the
// calling thread, enabled together at the start of the measured window and
// read once at its end with time_enabled/time_running for scaling. That is
// about a hundred lines here; perf-utils would bring a larger API (and its
// own profiler goroutines) for the same syscalls, and x/sys/unix is already
// a dependency for sched_setaffinity.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/lockbench/lockbench/schema"
	"golang.org/x/sys/unix"
)

// OpenFunc has the signature of unix.PerfEventOpen. A caller (a
// harness.Runner) passes it for every event opened; tests replace it to simulate a
// machine without hardware counters.
type OpenFunc func(attr *unix.PerfEventAttr, pid, cpu, groupFd, flags int) (fd int, err error)

// An event is one counter of a group; unit is its result unit before
// "/page" ("" for events read but not written, such as the software
// group's leader).
type event struct {
	typ    uint32
	config uint64
	unit   string
}

func hardwareEvents() []event {
	cache := func(c, op, res uint64) uint64 { return c | op<<8 | res<<16 }
	return []event{
		{unix.PERF_TYPE_HARDWARE, unix.PERF_COUNT_HW_CPU_CYCLES, schema.CounterCycles},
		{unix.PERF_TYPE_HARDWARE, unix.PERF_COUNT_HW_INSTRUCTIONS, schema.CounterInstructions},
		{unix.PERF_TYPE_HW_CACHE, cache(unix.PERF_COUNT_HW_CACHE_L1D, unix.PERF_COUNT_HW_CACHE_OP_READ, unix.PERF_COUNT_HW_CACHE_RESULT_MISS), schema.CounterL1DMisses},
		{unix.PERF_TYPE_HW_CACHE, cache(unix.PERF_COUNT_HW_CACHE_LL, unix.PERF_COUNT_HW_CACHE_OP_READ, unix.PERF_COUNT_HW_CACHE_RESULT_MISS), schema.CounterLLCMisses},
		{unix.PERF_TYPE_HARDWARE, unix.PERF_COUNT_HW_BRANCH_MISSES, schema.CounterBranchMisses},
	}
}

func softwareEvents() []event {
	return []event{
		{unix.PERF_TYPE_SOFTWARE, unix.PERF_COUNT_SW_TASK_CLOCK, ""}, // leader; cpu-ns/page comes from the thread clock
		{unix.PERF_TYPE_SOFTWARE, unix.PERF_COUNT_SW_CONTEXT_SWITCHES, schema.CounterCtxSwitches},
		{unix.PERF_TYPE_SOFTWARE, unix.PERF_COUNT_SW_CPU_MIGRATIONS, schema.CounterMigrations},
		{unix.PERF_TYPE_SOFTWARE, unix.PERF_COUNT_SW_PAGE_FAULTS, schema.CounterPageFaults},
	}
}

// Support says which counter groups the machine allows.
type Support struct {
	Hardware, Software bool
	HardwareErr        error // why hardware counters are unavailable
	SoftwareErr        error
}

// String is the value of the "counters" config line: "hardware,software",
// "software" or "none".
func (s Support) String() string {
	switch {
	case s.Hardware && s.Software:
		return "hardware,software"
	case s.Hardware:
		return "hardware"
	case s.Software:
		return "software"
	}
	return "none"
}

// Note is one line for the user when some counters are unavailable, "" if
// all are there.
func (s Support) Note() string {
	switch {
	case !s.Hardware && !s.Software:
		return fmt.Sprintf("performance counters unavailable (%v); results have no counter units", s.SoftwareErr)
	case !s.Hardware:
		return fmt.Sprintf("hardware counters unavailable (%v); recording software counters only", s.HardwareErr)
	case !s.Software:
		return fmt.Sprintf("software counters unavailable (%v); recording hardware counters only", s.SoftwareErr)
	}
	return ""
}

// Probe opens and closes each group on the calling thread: which of
// them the machine allows.
func Probe(open OpenFunc) Support {
	// A group's events must all count one thread: pid 0 means the calling
	// thread, so the goroutine must not move between opens (EINVAL).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var s Support
	if g, err := openGroup(open, hardwareEvents()); err == nil {
		g.close()
		s.Hardware = true
	} else {
		s.HardwareErr = err
	}
	if g, err := openGroup(open, softwareEvents()); err == nil {
		g.close()
		s.Software = true
	} else {
		s.SoftwareErr = err
	}
	return s
}

// A group is a perf event group on one thread, opened disabled.
type group struct {
	events []event
	fds    []int
}

// openGroup opens events as one group counting the calling thread in
// user space (kernel and hypervisor excluded, which perf_event_paranoid 2
// requires). The caller has locked its goroutine to the thread.
func openGroup(open OpenFunc, events []event) (*group, error) {
	g := &group{events: events}
	for i, e := range events {
		attr := unix.PerfEventAttr{
			Type:        e.typ,
			Size:        uint32(unsafe.Sizeof(unix.PerfEventAttr{})),
			Config:      e.config,
			Read_format: unix.PERF_FORMAT_GROUP | unix.PERF_FORMAT_TOTAL_TIME_ENABLED | unix.PERF_FORMAT_TOTAL_TIME_RUNNING,
			Bits:        unix.PerfBitExcludeKernel | unix.PerfBitExcludeHv,
		}
		leader := -1
		if i == 0 {
			attr.Bits |= unix.PerfBitDisabled
		} else {
			leader = g.fds[0]
		}
		fd, err := open(&attr, 0, -1, leader, unix.PERF_FLAG_FD_CLOEXEC)
		if err != nil {
			g.close()
			return nil, fmt.Errorf("perf_event_open: %w", err)
		}
		g.fds = append(g.fds, fd)
	}
	return g, nil
}

// enable resets and starts the whole group.
func (g *group) enable() error {
	if err := unix.IoctlSetInt(g.fds[0], unix.PERF_EVENT_IOC_RESET, unix.PERF_IOC_FLAG_GROUP); err != nil {
		return fmt.Errorf("resetting perf counters: %w", err)
	}
	if err := unix.IoctlSetInt(g.fds[0], unix.PERF_EVENT_IOC_ENABLE, unix.PERF_IOC_FLAG_GROUP); err != nil {
		return fmt.Errorf("enabling perf counters: %w", err)
	}
	return nil
}

// read returns each event's count scaled by time_enabled/time_running
// (the group was multiplexed for part of the window if they differ).
func (g *group) read() ([]float64, error) {
	buf := make([]byte, 8*(3+len(g.fds)))
	n, err := unix.Read(g.fds[0], buf)
	if err != nil {
		return nil, fmt.Errorf("reading perf counters: %w", err)
	}
	return decodeGroupRead(buf[:n], len(g.fds))
}

// decodeGroupRead decodes one read(2) of a group leader opened with
// PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
// PERF_FORMAT_TOTAL_TIME_RUNNING, which perf_event_open(2) lays out as
// native-endian u64s: nr, time_enabled, time_running, then nr values. It
// returns the events' counts scaled by time_enabled/time_running (the
// group was multiplexed for part of the window if they differ), all zero
// when the group never ran. buf must hold exactly the events' values.
func decodeGroupRead(buf []byte, events int) ([]float64, error) {
	if want := 8 * (3 + events); len(buf) != want {
		return nil, fmt.Errorf("reading perf counters: got %d bytes, want %d", len(buf), want)
	}
	u := func(i int) uint64 { return binary.NativeEndian.Uint64(buf[8*i:]) }
	if u(0) != uint64(events) {
		return nil, fmt.Errorf("reading perf counters: group has %d events, want %d", u(0), events)
	}
	enabled, running := u(1), u(2)
	scale := 1.0
	if running > 0 && running != enabled {
		scale = float64(enabled) / float64(running)
	} else if running == 0 {
		scale = 0 // never scheduled: no count to report
	}
	out := make([]float64, events)
	for i := range out {
		out[i] = float64(u(3+i)) * scale
	}
	return out, nil
}

func (g *group) close() {
	for i := len(g.fds) - 1; i >= 0; i-- {
		unix.Close(g.fds[i])
	}
	g.fds = nil
}

// A Thread is one worker thread's groups, opened disabled on it.
type Thread struct {
	groups []*group
}

// OpenThread opens the groups s supports on the calling thread, whose
// goroutine the caller has locked to it.
func OpenThread(open OpenFunc, s Support) (*Thread, error) {
	tc := &Thread{}
	try := func(ok bool, events []event) error {
		if !ok {
			return nil
		}
		g, err := openGroup(open, events)
		if err != nil {
			return err
		}
		tc.groups = append(tc.groups, g)
		return nil
	}
	if err := errors.Join(try(s.Hardware, hardwareEvents()), try(s.Software, softwareEvents())); err != nil {
		tc.Close()
		return nil, err
	}
	return tc, nil
}

// Enable resets and starts the thread's groups.
func (tc *Thread) Enable() error {
	for _, g := range tc.groups {
		if err := g.enable(); err != nil {
			return err
		}
	}
	return nil
}

// Read adds the thread's counts into sum, by unit, scaled for
// multiplexing.
func (tc *Thread) Read(sum map[string]float64) error {
	for _, g := range tc.groups {
		v, err := g.read()
		if err != nil {
			return err
		}
		for i, e := range g.events {
			if e.unit != "" {
				sum[e.unit] += v[i]
			}
		}
	}
	return nil
}

// Close closes the thread's groups.
func (tc *Thread) Close() {
	for _, g := range tc.groups {
		g.close()
	}
}

// CountHardware runs fn on the calling goroutine, locked to its OS
// thread, with the hardware group (schema.HardwareCounters: cycles,
// instructions, l1d-misses, llc-misses, branch-misses; the cache events
// are PERF_TYPE_HW_CACHE's L1D and LL read misses) counting that thread
// in user space, and returns the counts by unit, scaled for
// multiplexing. open nil is unix.PerfEventOpen. An error before fn runs
// means the machine gives no hardware counters (a VM without a virtual
// PMU, perf_event_paranoid): fn has not run.
func CountHardware(open OpenFunc, fn func()) (map[string]float64, error) {
	if open == nil {
		open = unix.PerfEventOpen
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	g, err := openGroup(open, hardwareEvents())
	if err != nil {
		return nil, err
	}
	defer g.close()
	if err := g.enable(); err != nil {
		return nil, err
	}
	fn()
	v, err := g.read()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for i, e := range g.events {
		out[e.unit] = v[i]
	}
	return out, nil
}

// Units are the units the groups write counts in (schema's counter
// names), hardware first.
func Units() []string {
	var u []string
	for _, e := range append(hardwareEvents(), softwareEvents()...) {
		if e.unit != "" {
			u = append(u, e.unit)
		}
	}
	return u
}

// HardwareUnits are the hardware group's units.
func HardwareUnits() []string {
	var u []string
	for _, e := range hardwareEvents() {
		u = append(u, e.unit)
	}
	return u
}
