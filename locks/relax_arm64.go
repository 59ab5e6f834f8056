package locks

// relax is one CPU-relax hint (YIELD): it tells the core that this is a
// spin-wait loop. It is assembly because Go has no intrinsic for it.
//
//go:noescape
func relax()
