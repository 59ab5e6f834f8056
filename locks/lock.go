package locks

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// A Lock is one lock shared by several workers. Each worker takes its own
// Handle from it before the run and uses only that Handle afterwards.
//
// Queue locks (MCS, CLH, qspinlock) keep the worker's queue node inside the
// Handle, so a Handle must never be shared between goroutines. Handle may
// allocate; it is called at setup, never on the measured path.
type Lock interface {
	Handle() Handle
}

// A Handle is one worker's view of a Lock. Lock blocks until the worker
// holds the lock; TryLock takes it only if it is free at once and reports
// whether it did. Unlock releases a lock held through this Handle.
type Handle interface {
	sync.Locker
	TryLock() bool
}

// Info describes a registered lock algorithm.
type Info struct {
	Name   string // short registry name, e.g. "mcs"
	Doc    string // one line: what the algorithm is
	Source string // paper or kernel file it comes from

	FIFO   bool // grants the lock in arrival order
	Spins  bool // waits by spinning on a memory word
	Sleeps bool // waits by parking in the scheduler or the kernel
	Queue  bool // waiters form an explicit queue of per-worker nodes

	// MaxWorkers is the largest number of workers the lock is valid for;
	// 0 means no limit. "none" excludes nothing and is valid for one.
	MaxWorkers int
	// Hidden locks (the deliberately broken "busted") are left out of
	// default listings and sweeps; they exist to prove checks can fail.
	Hidden bool

	New func() Lock
}

// NewSpin returns a new lock whose waits spend the relax budget s before
// they yield (see Spin). Locks that do not follow the Spin policy (those
// that do not spin, and spinpark, whose bounded spin is its algorithm)
// ignore s.
func (i Info) NewSpin(s Spin) Lock {
	l := i.New()
	if sp, ok := l.(spinner); ok {
		sp.setSpin(s)
	}
	return l
}

// FollowsSpin reports whether the lock's waits follow the Spin policy.
func (i Info) FollowsSpin() bool {
	_, ok := i.New().(spinner)
	return ok
}

// CheckWorkers reports an error if the lock cannot be used by n workers.
func (i Info) CheckWorkers(n int) error {
	if i.MaxWorkers > 0 && n > i.MaxWorkers {
		return fmt.Errorf("lock %q gives no mutual exclusion and is valid for at most %d worker(s), not %d; pick another lock or fewer workers", i.Name, i.MaxWorkers, n)
	}
	return nil
}

// Properties renders the boolean properties as a short comma list.
func (i Info) Properties() string {
	var p []string
	if i.FIFO {
		p = append(p, "fifo")
	}
	if i.Spins {
		p = append(p, "spins")
	}
	if i.Sleeps {
		p = append(p, "sleeps")
	}
	if i.Queue {
		p = append(p, "queue")
	}
	if i.MaxWorkers > 0 {
		p = append(p, fmt.Sprintf("max %d worker(s)", i.MaxWorkers))
	}
	return strings.Join(p, ",")
}

// registry is filled by the algorithm files' init functions and never
// changed after package initialisation.
var registry = map[string]Info{}

func register(i Info) {
	if _, dup := registry[i.Name]; dup {
		panic("locks: duplicate registration of " + i.Name)
	}
	registry[i.Name] = i
}

// Lookup returns the registered lock with the given name, hidden ones
// included. The error lists the valid names.
func Lookup(name string) (Info, error) {
	i, ok := registry[name]
	if !ok {
		return Info{}, fmt.Errorf("unknown lock %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return i, nil
}

// All returns the visible registered locks sorted by name; hidden ones are
// included only if hidden is true.
func All(hidden bool) []Info {
	var out []Info
	for _, i := range registry {
		if i.Hidden && !hidden {
			continue
		}
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// Names returns the names of the visible registered locks, sorted.
func Names() []string {
	var n []string
	for _, i := range All(false) {
		n = append(n, i.Name)
	}
	return n
}
