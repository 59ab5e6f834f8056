package locks

// relax is one CPU-relax hint (PAUSE): it tells the core that this is a
// spin-wait loop, so that it saves power, yields execution resources to a
// hyperthread sibling and avoids the memory-order violation flush when the
// awaited word changes. It is assembly because Go has no intrinsic for it.
//
//go:noescape
func relax()
