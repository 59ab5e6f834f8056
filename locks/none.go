package locks

// NoneName is the registry name of None, the lock of the work floors.
const NoneName = "none"

func init() {
	register(Info{
		Name:       NoneName,
		Doc:        "no lock at all: the cost floor of a single worker",
		Source:     "lockbench (the uncontended baseline)",
		MaxWorkers: 1,
		New:        func() Lock { return new(None) },
	})
}

// None excludes nothing: Lock, TryLock and Unlock do no work (TryLock
// always succeeds). With one worker it measures the cost of everything but
// the lock; with more it is invalid, and Info.CheckWorkers says so.
type None struct {
	_ pad
	owner
	_ pad
}

var (
	_ ownerSlot = (*None)(nil)
	_ Handle    = (*None)(nil)
)

// Handle returns the lock itself.
func (l *None) Handle() Handle { return l }

// Lock does nothing.
func (l *None) Lock() {}

// TryLock does nothing and reports true.
func (l *None) TryLock() bool { return true }

// Unlock does nothing.
func (l *None) Unlock() {}
