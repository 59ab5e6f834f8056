package locks

import "sync"

// DirectLoop takes and releases the lock through h n times, calling the
// methods of h's concrete type directly: the compiler sees the callee,
// may inline it, and no interface dispatch is paid. It reports false,
// doing nothing, for a Handle type it does not know (an instrumented
// handle, a lock from another package).
//
// It exists to measure what the interface dispatch of a Handle costs
// (harness.Calibration.DispatchNS): the workloads call locks through
// Handle, and the dispatch is part of every acquisition they time.
//
// One loop per concrete type, written out, and not one generic loop: Go
// compiles a generic function once per GC shape, and every pointer type
// shares one shape, so a generic loop over *TAS and *MCS would call
// Lock and Unlock through the instantiation's dictionary, an indirect
// call again, and measure the dispatch it is meant to leave out.
func DirectLoop(h Handle, n int) bool {
	switch h := h.(type) {
	case *None:
		for range n {
			h.Lock()
			h.Unlock()
		}
	case *TAS:
		for range n {
			h.Lock()
			h.Unlock()
		}
	case *TTAS:
		for range n {
			h.Lock()
			h.Unlock()
		}
	case *Ticket:
		for range n {
			h.Lock()
			h.Unlock()
		}
	case *mcsHandle:
		for range n {
			h.Lock()
			h.Unlock()
		}
	case *clhHandle:
		for range n {
			h.Lock()
			h.Unlock()
		}
	case *qspinHandle:
		for range n {
			h.Lock()
			h.Unlock()
		}
	case *SpinPark:
		for range n {
			h.Lock()
			h.Unlock()
		}
	case *sync.Mutex:
		for range n {
			h.Lock()
			h.Unlock()
		}
	case *sync.RWMutex:
		for range n {
			h.Lock()
			h.Unlock()
		}
	case *chanHandle:
		for range n {
			h.Lock()
			h.Unlock()
		}
	default:
		return false
	}
	return true
}
