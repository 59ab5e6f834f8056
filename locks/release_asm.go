//go:build (amd64 || arm64) && !race

package locks

import "sync/atomic"

// storeRelease stores v into *p with release order only: every load and
// store before it is visible before it, as a lock's release needs, and
// nothing more. sync/atomic has no such store: atomic.Uint32.Store is
// sequentially consistent, a locked XCHG on amd64, which costs as much
// as the exchange that took the lock (measured: a test-and-set
// lock+unlock took twice the C one, docs/calibrate/tas.c, whose unlock is
// __atomic_store_n(..., __ATOMIC_RELEASE), a plain MOV). It is assembly,
// so never inlined: a call the compiler cannot move the critical
// section's accesses past. The race detector cannot see it, so race
// builds use atomic.Store (release_race.go).
//
//go:noescape
func storeRelease(p *atomic.Uint32, v uint32)
