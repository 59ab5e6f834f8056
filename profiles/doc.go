// Package profiles writes what a lockbench sweep can show in
// `go tool pprof`: a CPU profile labelled by case and lock class, the
// runtime's mutex and block profiles, and lockbench's own contention
// profile of every lock algorithm.
//
// The Go runtime's mutex profile sees only sync.Mutex and sync.RWMutex;
// spinlocks, ticket and queue locks are invisible to it, and the kernel's
// lockstat is not available to a Go program. The instrumented locks of
// package locks sample the callers of contended acquisitions
// (locks.Options.StackEvery) and hold times (HoldEvery); Contention turns
// those samples into a pprof profile with the sample types contentions,
// delay and hold, scaled as the runtime scales its mutex profile, and
// labelled by class, lock, mode, batch and threads.
//
// In lockbench's stack, profiles sits beside harness: it imports locks
// (and github.com/google/pprof/profile, runtime/pprof) and nothing else of
// lockbench; the harness and `lockbench run --profile` call it.
//
// # Files
//
// A Session writes four files into its directory (see Files):
//
//	cpu.pb.gz         CPU profile of the sweep, labels lock, mode, batch, threads, class
//	mutex.pb.gz       runtime mutex profile of the sweep (sync.Mutex only)
//	block.pb.gz       runtime block profile of the sweep
//	contention.pb.gz  contention profile of every instrumented lock (Contention)
//
// # Wiring a profiled sweep
//
// Start before the first case, so that an unwritable directory fails
// before anything runs; run the workers under pprof labels; Add each
// case's records as it ends (memory then grows with the distinct stacks,
// not with the sweep); Stop after the last case, also when the sweep was
// cut short; print the session's Commands. With harness (whose Result
// carries each class's merged locks.Stats, stack samples included):
//
//	sess, err := profiles.Start(outDir, profiles.DefaultOptions)
//	if err != nil {
//		return err // e.g. "creating profile directory: mkdir out: not a directory"
//	}
//	runner.Labels = true // workers run under lock, mode, batch, threads (+ class)
//	for _, c := range cases {
//		res, err := runner.Run(ctx, c)
//		...
//		for i := range res.Classes {
//			cs := &res.Classes[i]
//			l := append(res.Case.Labels(), profiles.LabelClass, string(cs.Class), profiles.LabelLock, cs.Lock)
//			err = sess.Add(profiles.Record{Labels: profiles.Labels(l...), Stats: &cs.Stats})
//		}
//	}
//	err = sess.Stop(nil)
//	for _, cmd := range sess.Commands() {
//		fmt.Fprintln(stderr, "  "+cmd)
//	}
//
// Stack samples exist only if the locks were instrumented with
// locks.Options.StackEvery > 0 (locks.DefaultOptions samples every 16th
// contention); a bare run gives an empty contention profile.
//
// Without harness, give the workers pprof labels with the Label* keys
// (pprof.SetGoroutineLabels), add LabelClass around a class's critical
// section (workloads.Spec.Labels does this for the workloads), and build
// the records with Labels.
//
// # Reading the contention profile
//
// Its default sample type is delay, so `go tool pprof -top
// contention.pb.gz` ranks call sites by time spent waiting;
// -sample_index=contentions counts acquisitions, -sample_index=hold shows
// hold time. `-tags` breaks the totals down by label, and
// `-tagfocus='class=^zone$'` keeps one class. Values are estimates of the
// whole run: each stack sample stands for StackEvery contentions, and the
// synthetic frames FuncUnsampled and FuncHold carry what has no stack, so
// the contentions of each lock add up to what it counted. Stacks are
// symbolized in the process that recorded them, so the profile needs no
// binary to be read.
package profiles
