package profiles

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/google/pprof/profile"
)

// The files a Session writes into its directory.
const (
	CPUFile        = "cpu.pb.gz"        // CPU profile of the sweep, labelled by case and class
	MutexFile      = "mutex.pb.gz"      // runtime mutex profile (sync.Mutex, sync.RWMutex) of the sweep
	BlockFile      = "block.pb.gz"      // runtime block profile (channels, sync, select) of the sweep
	ContentionFile = "contention.pb.gz" // lockbench's contention profile of every lock: see Contention
)

// Files lists the files a Session writes, in the order Start creates them.
func Files() []string { return []string{CPUFile, MutexFile, BlockFile, ContentionFile} }

// Options set the runtime's profiling rates for a session. A zero rate
// leaves that runtime profile off: its file is still written, empty.
type Options struct {
	// MutexFraction is passed to runtime.SetMutexProfileFraction: on
	// average one in MutexFraction contention events of sync.Mutex is
	// recorded (and counted MutexFraction times).
	MutexFraction int
	// BlockRate is passed to runtime.SetBlockProfileRate: on average one
	// blocking event is recorded per BlockRate ns spent blocked.
	BlockRate int
}

// DefaultOptions sample sparsely enough that profiling stays cheap on the
// measured path: one sync.Mutex contention in 100, one blocking event per
// 10 µs blocked.
var DefaultOptions = Options{MutexFraction: 100, BlockRate: 10_000}

// A Session profiles one sweep: Start before the first case, Stop after
// the last. Only one Session can run at a time in a process (the CPU
// profiler is process-wide). A Session is not safe for concurrent use.
type Session struct {
	dir       string
	files     map[string]*os.File
	start     time.Time
	prevMutex int
	base      map[string]*profile.Profile // runtime profiles at Start, subtracted at Stop
	cont      *Builder
	stopped   bool
}

// Start creates dir (and its parents) and the four profile files in it,
// truncating earlier ones, then starts the CPU profile and sets the
// runtime's mutex and block profile rates. It fails, having changed no
// rate and left no file behind, if dir cannot be written or a CPU profile
// is already running; so a sweep can check its profile path before it
// runs.
func Start(dir string, opts Options) (*Session, error) {
	if opts.MutexFraction < 0 || opts.BlockRate < 0 {
		return nil, fmt.Errorf("profiles: negative profile rate (mutex fraction %d, block rate %d)", opts.MutexFraction, opts.BlockRate)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating profile directory: %w", err)
	}
	s := &Session{dir: dir, files: map[string]*os.File{}, base: map[string]*profile.Profile{}, cont: NewBuilder()}
	for _, name := range Files() {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			s.discard()
			return nil, fmt.Errorf("creating profile file: %w", err)
		}
		s.files[name] = f
	}
	// The runtime's mutex and block profiles count from process start:
	// keep what they hold now and subtract it at Stop, as net/http/pprof
	// does for its ?seconds= delta profiles.
	for _, name := range []string{"mutex", "block"} {
		p, err := runtimeProfile(name)
		if err != nil {
			s.discard()
			return nil, err
		}
		s.base[name] = p
	}
	if err := pprof.StartCPUProfile(s.files[CPUFile]); err != nil {
		s.discard()
		return nil, fmt.Errorf("starting CPU profile: %w", err)
	}
	s.start = time.Now()
	s.prevMutex = runtime.SetMutexProfileFraction(opts.MutexFraction)
	runtime.SetBlockProfileRate(opts.BlockRate)
	return s, nil
}

// Dir returns the directory the session writes to.
func (s *Session) Dir() string { return s.dir }

// discard closes and removes the files of a session that failed to start.
func (s *Session) discard() {
	for _, f := range s.files {
		f.Close()
		os.Remove(f.Name())
	}
}

// Add adds the records of one case (or repetition) to the session's
// contention profile; see Builder.Add. Adding each case's records as it
// ends keeps memory bounded by the distinct stacks, not by the sweep.
func (s *Session) Add(recs ...Record) error {
	if s.stopped {
		return errors.New("profiles: Add after Stop")
	}
	return s.cont.Add(recs...)
}

// Stop ends the session and writes its four files: it stops the CPU
// profile, writes the runtime's mutex and block profiles of the session
// (what they gathered since Start), restores the runtime's profile rates,
// and writes the contention profile of the records added and recs (see
// Contention; recs may be nil when every case was added with Add). The mutex
// fraction goes back to its value before Start; the block profile rate
// has no getter, so it goes back to 0 (off), the runtime's default.
//
// Stop restores the rates and closes every file even when a write fails;
// the error names each file it could not write. Call Stop once, also after
// a sweep cut short (with the records of the cases that ran).
func (s *Session) Stop(recs []Record) error {
	if s.stopped {
		return errors.New("profiles: session already stopped")
	}
	s.stopped = true
	pprof.StopCPUProfile()
	elapsed := time.Since(s.start)

	errs := []error{s.close(CPUFile, nil)}
	for _, rt := range []struct{ name, file string }{{"mutex", MutexFile}, {"block", BlockFile}} {
		errs = append(errs, s.close(rt.file, s.writeDelta(rt.name, rt.file, elapsed)))
	}
	runtime.SetMutexProfileFraction(s.prevMutex)
	runtime.SetBlockProfileRate(0)

	err := s.cont.Add(recs...)
	var p *profile.Profile
	if err == nil {
		p, err = s.cont.Profile()
	}
	if err == nil {
		p.DurationNanos = elapsed.Nanoseconds()
		err = p.Write(s.files[ContentionFile])
	}
	errs = append(errs, s.close(ContentionFile, err))
	return errors.Join(errs...)
}

// writeDelta writes the runtime profile name as it grew since Start.
func (s *Session) writeDelta(name, file string, elapsed time.Duration) error {
	p, err := runtimeProfile(name)
	if err != nil {
		return err
	}
	if base := s.base[name]; len(base.Sample) > 0 {
		base.Scale(-1)
		if p, err = profile.Merge([]*profile.Profile{base, p}); err != nil {
			return fmt.Errorf("subtracting the %s profile before the session: %w", name, err)
		}
	}
	p.TimeNanos = s.start.UnixNano()
	p.DurationNanos = elapsed.Nanoseconds()
	return p.Write(s.files[file])
}

// close closes the session's file name and returns err or the close
// error, naming the file.
func (s *Session) close(name string, err error) error {
	f := s.files[name]
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", f.Name(), err)
	}
	return nil
}

// runtimeProfile reads the runtime profile name ("mutex", "block").
func runtimeProfile(name string) (*profile.Profile, error) {
	var buf bytes.Buffer
	if err := pprof.Lookup(name).WriteTo(&buf, 0); err != nil {
		return nil, fmt.Errorf("reading the runtime %s profile: %w", name, err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		return nil, fmt.Errorf("parsing the runtime %s profile: %w", name, err)
	}
	return p, nil
}
