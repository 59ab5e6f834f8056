package profiles

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/lockbench/lockbench/locks"
)

// A Record is what one lock instance measured in one case, and the
// labels its samples carry in the contention profile (see the Label*
// keys). `lockbench run --profile` adds one per lock class of each
// repetition: the class's merged stats (harness.Result.Classes), labelled
// by the case (harness.Case.Labels), the class and the lock it ran.
type Record struct {
	Labels map[string]string
	Stats  *locks.Stats
}

// The contention profile's sample types, in this order. Every profile
// carries all three, so that any two contention profiles can be compared
// with -diff_base; hold is zero for locks whose hold times were not
// sampled.
const (
	SampleContentions = "contentions" // count
	SampleDelay       = "delay"       // nanoseconds spent waiting; the default sample type
	SampleHold        = "hold"        // nanoseconds the lock was held
)

// Synthetic function names of the contention profile. They are not Go
// functions; they carry what was measured without a stack.
const (
	// FuncUnsampled holds the contentions of a lock that no stack sample
	// stands for: all of them when stacks were not sampled (StackEvery 0),
	// a lock contended fewer than StackEvery times per worker, or samples
	// dropped at MaxStacks.
	FuncUnsampled = "[lockbench: unsampled contention]"
	// FuncHold holds the estimated hold time of a lock. Hold times are
	// sampled without stacks, so the hold of a lock has no call site.
	FuncHold = "[lockbench: hold time]"
)

// Contention builds lockbench's contention profile from the stack samples
// of the instrumented locks: one pprof sample per distinct sampled stack
// and label set, with the values [contentions, delay, hold].
//
// Scaling follows the runtime's mutex profile, which records each event it
// samples with probability 1/rate as rate events and rate times its delay
// (runtime.saveBlockEventStack). The instrumented wrapper samples every
// StackEvery-th contended acquisition of each worker (a count period, not a
// random one), so each sampled stack counts StackEvery contentions and
// StackEvery times the wait it measured. The values are stored already
// scaled; Period records StackEvery (the largest, if the records differ)
// and PeriodType is contentions/count.
//
// Totals stay honest where stacks are missing: the contentions no sample
// stands for (Contended minus StackEvery per sample, see FuncUnsampled) go
// to one sample at the synthetic frame FuncUnsampled, with the mean wait of
// the unsampled contentions, so the contentions of every lock in the
// profile add up to Stats.Contended. Hold time, sampled every HoldEvery-th
// acquisition without a stack, goes to one sample per record at FuncHold,
// scaled the same way (HoldTotal times HoldEvery).
//
// Stacks are symbolized in this process, as runtime/pprof does: the PCs are
// return addresses from runtime.Callers, runtime.CallersFrames expands
// them, and the frames of calls inlined into one function become the Lines
// of one Location, innermost first. So Contention must run in the process
// that recorded the samples. The profile passes CheckValid.
func Contention(recs []Record) (*profile.Profile, error) {
	b := NewBuilder()
	if err := b.Add(recs...); err != nil {
		return nil, err
	}
	return b.Profile()
}

// A Builder builds a contention profile (see Contention) from records
// added one case at a time, so that a sweep need not keep every case's
// stack samples until the end: Add symbolizes and aggregates them at once,
// and the profile grows with the distinct stacks and label sets only.
// Records with the same labels (the repetitions of a case, the instances
// of a class) add up. A Builder is not safe for concurrent use.
type Builder struct {
	p       *profile.Profile
	mapping *profile.Mapping // main executable, nil if unknown
	locs    map[string]*profile.Location
	funcs   map[string]*profile.Function
	samples map[string]*profile.Sample
	periods []int
	values  map[string][]string // label values seen, by key, for Commands
}

// NewBuilder returns a Builder of an empty contention profile, stamped
// with the current time.
func NewBuilder() *Builder {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{
			{Type: SampleContentions, Unit: "count"},
			{Type: SampleDelay, Unit: "nanoseconds"},
			{Type: SampleHold, Unit: "nanoseconds"},
		},
		DefaultSampleType: SampleDelay,
		PeriodType:        &profile.ValueType{Type: SampleContentions, Unit: "count"},
		TimeNanos:         time.Now().UnixNano(),
	}
	b := &Builder{
		p:       p,
		locs:    map[string]*profile.Location{},
		funcs:   map[string]*profile.Function{},
		samples: map[string]*profile.Sample{},
		values:  map[string][]string{},
	}
	if m := executableMapping(); m != nil {
		m.ID = 1
		p.Mapping = []*profile.Mapping{m}
		b.mapping = m
	}
	return b
}

// Add adds recs to the profile. It must run in the process that recorded
// their samples. A record without Stats is an error, and nothing of recs
// is added then.
func (b *Builder) Add(recs ...Record) error {
	for i, r := range recs {
		if r.Stats == nil {
			return fmt.Errorf("building contention profile: record %d (%s) has no stats", i, labelString(r.Labels))
		}
	}
	for _, r := range recs {
		b.add(r)
	}
	return nil
}

// Profile returns a copy of the profile built so far, checked with
// CheckValid; the Builder can go on adding.
func (b *Builder) Profile() (*profile.Profile, error) {
	if err := b.p.CheckValid(); err != nil {
		return nil, fmt.Errorf("building contention profile: %w", err)
	}
	return b.p.Copy(), nil
}

// labelValues returns the distinct values of label key added so far,
// sorted.
func (b *Builder) labelValues(key string) []string {
	return slices.Sorted(slices.Values(b.values[key]))
}

func (b *Builder) add(r Record) {
	st := r.Stats
	period := max(st.StackEvery, 1)
	if st.StackEvery > 0 && !slices.Contains(b.periods, st.StackEvery) {
		b.periods = append(b.periods, st.StackEvery)
		b.p.Period = int64(slices.Max(b.periods))
		b.p.Comments = []string{b.comment()}
	}
	labels := labelKey(r.Labels)
	for k, v := range r.Labels {
		if !slices.Contains(b.values[k], v) {
			b.values[k] = append(b.values[k], v)
		}
	}

	var sampledWait int64
	for i := range st.Samples {
		s := &st.Samples[i]
		sampledWait += s.Wait
		b.sample(labels, r.Labels, b.stack(s.Stack()), int64(period), int64(period)*s.Wait, 0)
	}

	n := uint64(len(st.Samples))
	if rest := st.Contended - min(st.Contended, n*uint64(period)); rest > 0 {
		// The unsampled contentions waited unsampledWait in all; the rest
		// is the part of them no sample stands for: give it their mean.
		unsampled := st.Contended - n
		unsampledWait := max(st.WaitTotal-sampledWait, 0)
		delay := int64(float64(unsampledWait) * float64(rest) / float64(unsampled))
		b.sample(labels, r.Labels, []*profile.Location{b.synthetic(FuncUnsampled)}, int64(rest), delay, 0)
	}
	if st.HoldSamples > 0 {
		hold := st.HoldTotal * int64(max(st.HoldEvery, 1))
		b.sample(labels, r.Labels, []*profile.Location{b.synthetic(FuncHold)}, 0, 0, hold)
	}
}

func (b *Builder) comment() string {
	ps := make([]string, len(b.periods))
	for i, p := range b.periods {
		ps[i] = strconv.Itoa(p)
	}
	return "lockbench contention profile: each sampled stack stands for StackEvery=" +
		strings.Join(ps, ",") + " contentions; values are already scaled"
}

// sample adds values to the sample of these labels and locations.
func (b *Builder) sample(key string, labels map[string]string, locs []*profile.Location, contentions, delay, hold int64) {
	var k strings.Builder
	k.WriteString(key)
	for _, l := range locs {
		k.WriteByte('|')
		k.WriteString(strconv.FormatUint(l.ID, 10))
	}
	s := b.samples[k.String()]
	if s == nil {
		s = &profile.Sample{Location: locs, Value: make([]int64, 3)}
		if len(labels) > 0 {
			s.Label = make(map[string][]string, len(labels))
			for k, v := range labels {
				s.Label[k] = []string{v}
			}
		}
		b.samples[k.String()] = s
		b.p.Sample = append(b.p.Sample, s)
	}
	s.Value[0] += contentions
	s.Value[1] += delay
	s.Value[2] += hold
}

// sentinel follows the last PC of a stack given to runtime.CallersFrames.
// CallersFrames emits the outer frames of an inlined call only when
// another PC follows, so without it a stack truncated at MaxStackDepth
// inside an inlined call would lose the functions it was inlined into
// (runtime/pprof recovers them with runtime_expandFinalInlineFrame). No
// function contains address 1, so the sentinel itself yields no frame.
const sentinel = 1

// stack returns the locations of a sampled stack, outermost last.
func (b *Builder) stack(pcs []uintptr) []*profile.Location {
	cf := runtime.CallersFrames(append(pcs[:len(pcs):len(pcs)], sentinel))
	var frames []runtime.Frame
	for {
		f, more := cf.Next()
		if f.Function == "runtime.goexit" {
			break // as runtime/pprof: every goroutine ends there
		}
		if f.Function != "" || f.PC != 0 {
			frames = append(frames, f)
		}
		if !more {
			break
		}
	}
	var locs []*profile.Location
	start := 0
	for i := 1; i <= len(frames); i++ {
		if i < len(frames) && sameLocation(frames[i-1], frames[i]) {
			continue
		}
		locs = append(locs, b.location(frames[start:i]))
		start = i
	}
	return locs
}

// sameLocation reports whether next was the caller that last was inlined
// into, so both belong to one physical call site: runtime/pprof's
// pcDeck.tryAdd rule.
func sameLocation(last, next runtime.Frame) bool {
	return last.Func == nil && // last was inlined: its caller shares its PC
		last.Entry != 0 && last.Entry == next.Entry &&
		last.Function != next.Function // a recursive call is not inlining
}

// location returns the Location of frames that share one physical PC,
// innermost first.
func (b *Builder) location(frames []runtime.Frame) *profile.Location {
	var k strings.Builder
	for _, f := range frames {
		k.WriteString(strconv.FormatUint(uint64(f.PC), 16))
		k.WriteByte(' ')
	}
	if l := b.locs[k.String()]; l != nil {
		return l
	}
	l := &profile.Location{
		ID: uint64(len(b.p.Location) + 1),
		// As runtime/pprof: the address of the call, not the return.
		Address: uint64(frames[0].PC),
	}
	if m := b.mapping; m != nil && m.Start <= l.Address && l.Address < m.Limit {
		l.Mapping = m
	}
	for _, f := range frames {
		l.Line = append(l.Line, profile.Line{Function: b.function(f.Function, f.File), Line: int64(f.Line)})
	}
	b.locs[k.String()] = l
	b.p.Location = append(b.p.Location, l)
	return l
}

// synthetic returns the one-line Location of a synthetic function.
func (b *Builder) synthetic(name string) *profile.Location {
	k := "synthetic " + name
	if l := b.locs[k]; l != nil {
		return l
	}
	l := &profile.Location{
		ID:   uint64(len(b.p.Location) + 1),
		Line: []profile.Line{{Function: b.function(name, "")}},
	}
	b.locs[k] = l
	b.p.Location = append(b.p.Location, l)
	return l
}

func (b *Builder) function(name, file string) *profile.Function {
	k := name + "\x00" + file
	if f := b.funcs[k]; f != nil {
		return f
	}
	f := &profile.Function{ID: uint64(len(b.p.Function) + 1), Name: name, SystemName: name, Filename: file}
	b.funcs[k] = f
	b.p.Function = append(b.p.Function, f)
	return f
}

// executableMapping returns the mapping of this process's executable text,
// so that pprof names the binary and knows its symbols are already
// resolved; nil where /proc/self/maps is not readable (not Linux).
func executableMapping() *profile.Mapping {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil
	}
	defer f.Close()
	// A function of this package is in the executable's text segment.
	text := uint64(reflectPC())
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-0048a000 r-xp 00000000 fd:01 123 /path/to/exe
		fs := strings.Fields(sc.Text())
		if len(fs) < 6 {
			continue
		}
		lo, hi, ok := strings.Cut(fs[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		limit, err2 := strconv.ParseUint(hi, 16, 64)
		off, err3 := strconv.ParseUint(fs[2], 16, 64)
		if err1 != nil || err2 != nil || err3 != nil || text < start || text >= limit {
			continue
		}
		return &profile.Mapping{
			Start: start, Limit: limit, Offset: off, File: exe,
			HasFunctions: true, HasFilenames: true, HasLineNumbers: true, HasInlineFrames: true,
		}
	}
	return nil
}

// reflectPC returns a PC inside this package's code.
func reflectPC() uintptr {
	var pc [1]uintptr
	runtime.Callers(1, pc[:])
	return pc[0]
}

// labelString renders labels sorted by key as k=v pairs, for messages.
func labelString(labels map[string]string) string {
	return joinLabels(labels, "=", " ")
}

// labelKey renders labels as a map key no two label sets share.
func labelKey(labels map[string]string) string {
	return joinLabels(labels, "\x00", "\x01")
}

func joinLabels(labels map[string]string, kv, sep string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var s strings.Builder
	for i, k := range keys {
		if i > 0 {
			s.WriteString(sep)
		}
		s.WriteString(k + kv + labels[k])
	}
	return s.String()
}
