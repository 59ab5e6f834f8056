//go:build race || !(amd64 || arm64)

package locks

import "sync/atomic"

// storeRelease is atomic.Store where no release store is written here
// (release_asm.go): under the race detector, which must see the release
// to know the critical sections are ordered, and on other architectures.
func storeRelease(p *atomic.Uint32, v uint32) { p.Store(v) }
