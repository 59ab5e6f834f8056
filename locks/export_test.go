package locks

// Test hooks: views of the locks' internal state that TestFIFO polls to
// see that a waiter is queued before the next one starts. They live here,
// not beside the algorithms, so that no production file carries code only
// tests call.

// queuedAt reports whether h's node is the MCS queue's tail.
func (l *MCS) queuedAt(h Handle) bool { return l.tail.Load() == h.(*mcsHandle).id }

// queued returns the number of ticket waiters, the holder excluded.
func (l *Ticket) queued() int {
	n := int(l.next.Load() - l.serving.Load())
	return max(n-1, 0)
}

// queuedAt reports whether h's node is the CLH queue's tail.
func (l *CLH) queuedAt(h Handle) bool { return uint32(l.tail.Load()>>32) == h.(*clhHandle).idx }

// queuedAt reports whether h's node is the qspinlock queue's tail.
func (l *QSpin) queuedAt(h Handle) bool { return l.v.Load()&qTailMask == h.(*qspinHandle).tail }

// pending reports whether a qspinlock waiter holds the pending bit.
func (l *QSpin) pending() bool { return l.v.Load()&qPending != 0 }
