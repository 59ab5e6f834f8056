//go:build !amd64 && !arm64

package locks

// relax stands in for a CPU-relax hint on architectures without one here:
// a call that the compiler cannot remove, so that spin loops still re-read
// the lock word instead of being folded away.
//
//go:noinline
func relax() {}
