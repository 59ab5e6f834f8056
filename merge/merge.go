// Package merge joins the results files of a sharded sweep, from one
// machine or many, into one file in the Go benchmark format, after
// checking that they make one sweep: one plan and one run of it
// (schema.ConfRun: a shard left from an earlier sweep of the same plan is
// refused, not taken for a missing one), every shard 1..N of it
// exactly once per machine, every shard whole, no case measured twice on
// one machine.
//
// It sits on the contract side of the stack, beside package schema, whose
// configuration keys it reads (schema.ConfPlan, ConfShard, ConfCases,
// ConfMachine, written by harness) and writes (schema.MachineKey), and
// package results, the one reader of the format, with which it reads
// every line. It never imports harness or reports: a shard is a file,
// wherever it was measured.
//
// # The merged file
//
// benchfmt lets the configuration change mid-file, and a merged file uses
// that: every source's lines follow a "machine: NAME" line. The keys that
// describe a machine (schema.MachineConfigKeys: cpu, cores, kernel, ...)
// differ between machines and would make benchstat split its tables by
// machine, so they are written once, at the top, per machine
// ("machine-1: NAME", "machine-1-cpu: ..."); the run's knobs, which the
// plan makes equal, follow them once. The seed of the paired blocks'
// orders is a knob when every source has the same one (the shards of a
// sharded sweep) and otherwise a machine's ("machine-1-seed: ...", its
// shards' seeds joined by " | "): two machines' own unsharded runs of a
// plan each draw theirs. The shard and cases lines, which
// only said what to check, are left out. The shards' nodes and start
// times (schema.SourceConfigKeys) are stated per machine too, all values
// joined; the run (schema.ConfRun), which every shard of one sweep
// shares, once.
//
// Result names are rewritten so that a case has one name on every
// machine: without the -GOMAXPROCS suffix (the CPU count is the machine's
// machine-N-cpus line) and without the regime of a steady repetition
// (regime=llc: the machine's state, which differs between machines).
// Switched and unprobed repetitions keep their regime key, so that no
// statistic pools them with the steady ones. A machine that ran one case
// in two steady regimes has them pooled, with a warning;
// Options.KeepRegimes keeps every regime instead. Thus `benchstat -col machine`
// and `lockbench compare --col machine` put the machines side by side.
//
// # Streaming
//
// Files reads each source twice with a results.Reader: once for its
// configuration header (the lines before its first result), once to copy
// its result lines as written, each parsed by benchfmt, checked and
// counted on the way. A torn last line is results' to find and merge's to
// refuse (or, with AllowPartial, to leave out and list). Memory is
// bounded by the plan (one entry per distinct case and machine), not by
// the files' size. The
// output is written whole or not at all (a temporary file renamed into
// place, internal/safefile), so a refused merge leaves no file behind.
package merge

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/internal/safefile"
	"github.com/lockbench/lockbench/results"
	"github.com/lockbench/lockbench/schema"
)

// Options say how Files merges.
type Options struct {
	// AllowPartial merges what is there when shards are missing or
	// incomplete (a run cut short, a torn last line), and lists what is
	// not in Result.Missing, instead of refusing.
	AllowPartial bool
	// MaxBytes caps each source's size and the merged file's; 0 means
	// DefaultOptions', the readers' cap.
	MaxBytes int64
	// KeepRegimes keeps every repetition's machine regime in its name
	// (schema.KeyRegime), so that no statistic pools two regimes of one
	// machine; rows of machines in different regimes then differ. By
	// default the merged names keep only the regimes that mark a
	// repetition unusable (schema.RegimeSwitched, RegimeUnprobed), so
	// that machines line up row by row (see the package doc).
	KeepRegimes bool
	// AllowMixedRuns merges shards of different runs of one plan
	// (schema.ConfRun) instead of refusing them: machines measured on
	// different days, on purpose. Result.Warnings then names the runs.
	AllowMixedRuns bool
}

// DefaultOptions refuse an incomplete sweep and read sources of up to
// results.MaxInput, the most any reader reads: a full sweep of many
// machines is a few MB a machine (a line is about 300 bytes), so the cap
// only stops a runaway input.
var DefaultOptions = Options{MaxBytes: results.MaxInput}

// A Source is one results file of a sweep, as its header describes it.
type Source struct {
	Path    string
	Machine string
	Plan    string
	Run     string // the sweep it belongs to (schema.ConfRun); "" in files of before run lines
	Shard   schema.Shard
	Cases   int // case lines the shard writes when it finishes (schema.ConfCases)
	// Paired is a shard run in paired blocks (schema.ConfOrder paired):
	// it may write more than Cases case lines, since it runs a block
	// whose machine switched regime again, and an adaptive run adds
	// blocks; Cases is then the fewest.
	Paired bool
	Lines  int // case lines merged; class lines (schema.KeyClass) come with them
	// Disturbed counts the case lines whose workers waited for their CPUs
	// over schema.DisturbedShare of the window (schema.UnitRunq against
	// the duration line): another process ran on them.
	Disturbed int

	config []kv // the header's configuration lines, in order
	units  []string
	body   int // line number of the first result line
}

type kv struct{ key, value string }

// A Result says what Files merged.
type Result struct {
	Sources  []Source // in output order: by machine, then shard
	Machines []string // in order of first appearance
	Lines    int      // case lines written: repetitions, class lines not counted
	// Missing lists, one sentence each, what an AllowPartial merge left
	// out: missing shards, incomplete shards, torn lines.
	Missing []string
	// Warnings are what does not stop the merge: shards of one machine
	// name that ran on different CPUs, disturbed repetitions, cases a
	// machine ran in several regimes.
	Warnings []string

	regimes map[string]map[string]string // machine -> merged name -> first stable regime
	pooled  map[string][]string          // machine -> cases seen in several regimes
	oneSeed bool                         // every source has the same seed: written once, as a knob
}

// The kinds of set error, for errors.Is.
var (
	ErrPlan       = errors.New("different plans")
	ErrMissing    = errors.New("missing shard")
	ErrDuplicate  = errors.New("given twice")
	ErrIncomplete = errors.New("incomplete")
	ErrMixedRuns  = errors.New("different runs")
)

// stableRegimes are the regime labels lineUp moves out of names: a
// machine's state while it measured well, which differs between
// machines. Switched and unprobed repetitions keep theirs, so that they
// never join the others' samples.
func stableRegimes() []string { return schema.Regimes() }

// An InputError is a problem of one source: the path, the line (0 when it
// is about the whole file) and what is wrong.
type InputError struct {
	Path string
	Line int
	Err  error
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

// Files merges the results files at paths into the file dst, checking
// that they make one sweep (see the package doc). An error is an
// *InputError for a source that is not a lockbench shard or is broken, or
// a set error (wrapping ErrPlan, ErrMixedRuns, ErrMissing, ErrDuplicate
// or ErrIncomplete) for sources that do not make one whole sweep; dst is then
// left as it was. ctx stops the merge between reads.
func Files(ctx context.Context, dst string, paths []string, opts Options) (*Result, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultOptions.MaxBytes
	}
	if len(paths) == 0 {
		return nil, errors.New("no results files to merge")
	}
	res := &Result{}
	for _, p := range paths {
		s, err := readHeader(ctx, p, opts.MaxBytes)
		if err != nil {
			return nil, err
		}
		res.Sources = append(res.Sources, s)
	}
	if err := res.check(opts.AllowPartial, opts.AllowMixedRuns); err != nil {
		return nil, err
	}
	out := &outWriter{max: opts.MaxBytes}
	var readErr error // an input's error, not the output's
	err := safefile.WriteFile(dst, 0o644, func(w io.Writer) error {
		out.w = w
		if err := res.write(ctx, out, opts); err != nil {
			if out.err == nil {
				readErr = err
			}
			return err
		}
		return nil
	})
	switch {
	case readErr != nil:
		return nil, readErr // its own message: no "writing dst" before an input's fault
	case err != nil && out.err == ErrTooLarge:
		return nil, fmt.Errorf("%s: %w", dst, ErrTooLarge)
	case err != nil:
		return nil, &WriteError{Path: dst, Err: err}
	}
	return res, nil
}

// ErrTooLarge is a merged file that would be larger than Options.MaxBytes
// (by default results.MaxInput): no reader would read it, so merge does
// not write it.
var ErrTooLarge = errors.New("the merged file would be larger than the most a reader reads (results.MaxInput): merge fewer files")

// A WriteError is a failure to write the merged file (a full disk, a
// folder gone): the output's fault, not the inputs'.
type WriteError struct {
	Path string
	Err  error
}

func (e *WriteError) Error() string { return e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// outWriter writes the merged file, refusing to pass results.MaxInput,
// and keeps its own error apart from the inputs'.
type outWriter struct {
	w   io.Writer
	max int64 // Options.MaxBytes: the readers' cap, results.MaxInput, by default
	n   int64
	err error
}

func (o *outWriter) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	if o.n+int64(len(p)) > o.max {
		o.err = ErrTooLarge
		return 0, o.err
	}
	n, err := o.w.Write(p)
	o.n += int64(n)
	if err != nil {
		o.err = err
	}
	return n, err
}

// readHeader reads a source's configuration header: the configuration
// and unit lines before its first result line.
func readHeader(ctx context.Context, path string, max int64) (Source, error) {
	s := Source{Path: path}
	f, err := safefile.OpenInput(ctx, path, max)
	if err != nil {
		return s, err
	}
	defer f.Close()
	fail := func(line int, format string, a ...any) (Source, error) {
		return s, &InputError{Path: path, Line: line, Err: fmt.Errorf(format, a...)}
	}
	var binary int
	rd := results.NewReader(f, path, "", func(n int, line []byte) {
		if binary == 0 && results.Binary(line) {
			binary = n
		}
	})
	unitLine, header := 0, false // header: s.config is read
	for !header && rd.Scan() {
		if binary > 0 {
			break
		}
		switch rec := rd.Record().(type) {
		case *benchfmt.UnitMetadata:
			if _, n := rec.Pos(); n != unitLine { // one line may declare several keys
				unitLine = n
				s.units = append(s.units, strings.TrimRight(string(rd.Line()), "\r\n"))
			}
		case *benchfmt.SyntaxError:
			if s.body == 0 {
				s.body = rec.Line // copyBody refuses it
			}
		case *benchfmt.Result:
			if s.body == 0 {
				_, s.body = rec.Pos()
			}
			header = true
			for _, c := range rec.Config {
				if c.File {
					s.config = append(s.config, kv{c.Key, string(c.Value)})
				}
			}
		}
	}
	if binary > 0 {
		return fail(binary, "binary data: not a text file in the Go benchmark format")
	}
	if err := rd.Err(); err != nil {
		return fail(0, "%v", err)
	}
	if s.body == 0 && rd.Torn() != nil {
		return fail(rd.Torn().Line, "incomplete line: the file is truncated")
	}
	if !header { // no results: the configuration the file ends with
		for _, c := range rd.Config() {
			s.config = append(s.config, kv{c.Key, string(c.Value)})
		}
	}
	for _, k := range []string{schema.ConfPlan, schema.ConfShard, schema.ConfMachine, schema.ConfCases} {
		if lastValue(s.config, k) == "" {
			return fail(0, "not a shard of a lockbench sweep: no %q line (lockbench run writes it)", k+":")
		}
	}
	s.Plan = lastValue(s.config, schema.ConfPlan)
	s.Machine = lastValue(s.config, schema.ConfMachine)
	s.Run = lastValue(s.config, schema.ConfRun)
	if s.Shard, err = schema.ParseShard(lastValue(s.config, schema.ConfShard)); err != nil {
		return fail(0, "%v", err)
	}
	if s.Shard.N > results.MaxShards {
		return fail(0, "shard %s: over %d shards, the format's limit (results.MaxShards)", s.Shard, results.MaxShards)
	}
	s.Paired = lastValue(s.config, schema.ConfOrder) == schema.OrderPaired
	v := lastValue(s.config, schema.ConfCases)
	if s.Cases, err = strconv.Atoi(v); err != nil || s.Cases < 0 {
		return fail(0, "cases %.40q: not a count of lines", v)
	}
	if s.body == 0 && s.Cases > 0 {
		return fail(0, "no results: the shard did not finish a case (%d expected)", s.Cases)
	}
	return s, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// check validates the set: one plan, one shard count per machine, every
// shard 1..N once per machine, one run unless mixed. It orders the
// sources by machine, then shard.
func (res *Result) check(partial, mixed bool) error {
	first := res.Sources[0]
	byMachine := map[string][]*Source{}
	for i := range res.Sources {
		s := &res.Sources[i]
		if s.Plan != first.Plan {
			return fmt.Errorf("%w: %s is plan %s, %s is plan %s (run every shard with the same flags)", ErrPlan, first.Path, first.Plan, s.Path, s.Plan)
		}
		if s.Run != first.Run && !mixed {
			return fmt.Errorf("%w of plan %s: %s is run %s, %s is run %s (a shard left from an earlier sweep? merge one run's shards, or mix runs on purpose with --allow-mixed-runs)",
				ErrMixedRuns, s.Plan, first.Path, orNone(first.Run), s.Path, orNone(s.Run))
		}
		if !slices.Contains(res.Machines, s.Machine) {
			res.Machines = append(res.Machines, s.Machine)
		}
		for _, o := range byMachine[s.Machine] {
			if o.Shard.N != s.Shard.N {
				return fmt.Errorf("%w: machine %.60s has shards of %d (%s) and of %d (%s)", ErrPlan, s.Machine, o.Shard.N, o.Path, s.Shard.N, s.Path)
			}
			if o.Shard.K == s.Shard.K {
				return fmt.Errorf("shard %s of machine %.60s %w: %s and %s", s.Shard, s.Machine, ErrDuplicate, o.Path, s.Path)
			}
		}
		byMachine[s.Machine] = append(byMachine[s.Machine], s)
	}
	// The knobs, which the plan's hash covers, must agree; a difference
	// means a hand-edited file or a bug.
	for _, s := range res.Sources[1:] {
		if diff := settingDiff(planKeys(&first, false), planKeys(&s, false)); diff != "" {
			return fmt.Errorf("%w: %s and %s share the plan %s but not its settings: %s", ErrPlan, first.Path, s.Path, s.Plan, diff)
		}
	}
	res.oneSeed = true
	for _, s := range res.Sources[1:] {
		res.oneSeed = res.oneSeed && lastValue(s.config, schema.ConfSeed) == lastValue(first.config, schema.ConfSeed)
	}
	// Shard counts are at most results.MaxShards (readHeader): the loop
	// is bounded, and only the first few missing shards are named.
	var missing []string
	nMissing := 0
	for _, m := range res.Machines {
		ss := byMachine[m]
		n := ss[0].Shard.N
		have := make(map[int]bool, len(ss))
		for _, s := range ss {
			have[s.Shard.K] = true
		}
		for k := 1; k <= n; k++ {
			if have[k] {
				continue
			}
			nMissing++
			if partial || len(missing) < results.MaxListed {
				missing = append(missing, fmt.Sprintf("shard %d/%d of machine %.60s", k, n, m))
			}
		}
	}
	if nMissing > 0 {
		if !partial {
			return fmt.Errorf("%w: %s (merge what is there with --allow-partial)", ErrMissing, results.ListSome(missing, nMissing))
		}
		for _, m := range missing {
			res.Missing = append(res.Missing, m+" is missing")
		}
	}
	slices.SortStableFunc(res.Sources, func(a, b Source) int {
		if c := slices.Index(res.Machines, a.Machine) - slices.Index(res.Machines, b.Machine); c != 0 {
			return c
		}
		return a.Shard.K - b.Shard.K
	})
	return nil
}

// orNone is a run line's value, or says there is none.
func orNone(run string) string {
	if run == "" {
		return "(none: no run line)"
	}
	return run
}

// runs are the sources' distinct runs, in order.
func (res *Result) runs() []string {
	var runs []string
	for _, s := range res.Sources {
		if !slices.Contains(runs, s.Run) {
			runs = append(runs, s.Run)
		}
	}
	return runs
}

// planKeys are a source's configuration lines other than the machine's
// and the shard's: the run's knobs; the seed too when withSeed.
func planKeys(s *Source, withSeed bool) []kv {
	var out []kv
	for _, c := range s.config {
		if c.key == schema.ConfPlacement && strings.Contains(c.value, "(default") {
			// A placement lockbench chose for the machine's topology is
			// the machine's, as its CPU count is: stated per machine.
			continue
		}
		if !perSource(c.key) || (withSeed && c.key == schema.ConfSeed) {
			out = append(out, c)
		}
	}
	return out
}

// perSource reports whether a key may differ between sources of one
// sweep: the machine's keys, the shard's, and the seed of the paired
// blocks' orders. A seed belongs to its run as a machine does: every
// shard of a sharded sweep draws the plan's (harness.Prepare), but two
// machines' own unsharded runs of one plan draw theirs from the clock,
// and the orders of slices within a block do not change what a line
// means.
func perSource(k string) bool {
	return k == schema.ConfMachine || k == schema.ConfShard || k == schema.ConfCases || k == schema.ConfSeal || k == schema.ConfRun ||
		k == schema.ConfSeed || slices.Contains(schema.MachineConfigKeys(), k) || slices.Contains(schema.SourceConfigKeys(), k)
}

// settingDiff names the first setting in which two sources' plan keys
// differ ("count: 3 in one, 5 in the other"), or "" when they agree.
// A key repeated in a header counts with its last value, as benchfmt
// reads it.
func settingDiff(a, b []kv) string {
	var keys []string
	for _, c := range slices.Concat(a, b) {
		if !slices.Contains(keys, c.key) {
			keys = append(keys, c.key)
		}
	}
	for _, k := range keys {
		va, oka := last(a, k)
		vb, okb := last(b, k)
		switch {
		case oka && !okb:
			return fmt.Sprintf("%s (%s) in one, absent in the other", k, clip(va))
		case !oka && okb:
			return fmt.Sprintf("%s absent in one, %s in the other", k, clip(vb))
		case va != vb:
			return fmt.Sprintf("%s %s in one, %s in the other", k, clip(va), clip(vb))
		}
	}
	return ""
}

// last is the last value of key k in config, and whether there is one.
func last(config []kv, k string) (string, bool) {
	for i := len(config) - 1; i >= 0; i-- {
		if config[i].key == k {
			return config[i].value, true
		}
	}
	return "", false
}

// write writes the merged file: the header, then every source's result
// lines after its machine line.
func (res *Result) write(ctx context.Context, out io.Writer, opts Options) error {
	w := bufio.NewWriterSize(out, 1<<20)
	var units []string
	for _, s := range res.Sources {
		for _, u := range s.units {
			if !slices.Contains(units, u) {
				units = append(units, u)
			}
		}
	}
	for _, u := range units {
		fmt.Fprintln(w, u)
	}
	runs := res.runs()
	if len(runs) > 1 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("merged %d runs of the plan (allow-mixed-runs): %s", len(runs), strings.Join(runs, ", ")))
	}
	// A machine's node and start time differ between its shards and
	// describe no machine type: stated per machine, without a warning.
	// So is the run when several are mixed.
	perMachine := append(schema.MachineConfigKeys(), schema.SourceConfigKeys()...)
	if res.defaultPlacement() {
		perMachine = append(perMachine, schema.ConfPlacement)
	}
	if len(runs) > 1 {
		perMachine = append(perMachine, schema.ConfRun)
	}
	quiet := append([]string{schema.ConfCounters, schema.ConfCountNote, schema.ConfRun}, schema.SourceConfigKeys()...)
	for i, m := range res.Machines {
		fmt.Fprintf(w, "%s: %s\n", schema.MachineKey(i+1, ""), m)
		for _, k := range perMachine {
			var vals []string
			for _, s := range res.Sources {
				for _, c := range s.config {
					if s.Machine == m && c.key == k && !slices.Contains(vals, c.value) {
						vals = append(vals, c.value)
					}
				}
			}
			if len(vals) > 1 && !slices.Contains(quiet, k) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("machine %.60s: its shards ran with different %s: %s", m, k, strings.Join(vals, " | ")))
			}
			if len(vals) > 0 {
				fmt.Fprintf(w, "%s: %s\n", schema.MachineKey(i+1, k), strings.Join(vals, " | "))
			}
		}
	}
	if !res.oneSeed {
		// The sources' own seeds, by machine, as its other keys: a seed
		// line per source would split benchstat's tables by seed.
		for i, m := range res.Machines {
			var vals []string
			for _, s := range res.Sources {
				if v := lastValue(s.config, schema.ConfSeed); s.Machine == m && v != "" && !slices.Contains(vals, v) {
					vals = append(vals, v)
				}
			}
			if len(vals) > 0 {
				fmt.Fprintf(w, "%s: %s\n", schema.MachineKey(i+1, schema.ConfSeed), strings.Join(vals, " | "))
			}
		}
	}
	for _, c := range planKeys(&res.Sources[0], res.oneSeed) {
		fmt.Fprintf(w, "%s: %s\n", c.key, c.value)
	}
	if len(runs) == 1 && runs[0] != "" {
		fmt.Fprintf(w, "%s: %s\n", schema.ConfRun, runs[0])
	}
	seen := map[string]map[string]string{} // machine -> case -> path
	cases := caseNames{}
	for i := range res.Sources {
		s := &res.Sources[i]
		if seen[s.Machine] == nil {
			seen[s.Machine] = map[string]string{}
		}
		fmt.Fprintf(w, "\n%s: %s\n", schema.ConfMachine, s.Machine)
		if err := res.copyBody(ctx, w, s, seen[s.Machine], cases, opts); err != nil {
			return err
		}
	}
	return w.Flush()
}

// copyBody copies s's result lines to w as written, checking each, and
// counts them against s.Cases.
func (res *Result) copyBody(ctx context.Context, w *bufio.Writer, s *Source, seen map[string]string, cases caseNames, opts Options) error {
	f, err := safefile.OpenInput(ctx, s.Path, opts.MaxBytes)
	if err != nil {
		return err
	}
	defer f.Close()
	mine := map[string]bool{}
	groups := map[string]bool{} // the comparison groups of the case lines, for the seal
	// The measured window, against which runq-ns marks a repetition
	// disturbed; 0 (no duration line) marks none.
	window, _ := time.ParseDuration(lastValue(s.config, schema.ConfDuration))
	cpus, _ := strconv.Atoi(lastValue(s.config, schema.ConfCPUs))
	var buf []byte // lineUp's output, reused
	stable := stableRegimes()
	fail := func(line int, err error) error {
		return &InputError{Path: s.Path, Line: line, Err: err}
	}
	binary := 0
	other := false // a line other than a result since the last result: the configuration may have changed
	var classes classGroups
	rd := results.NewReader(f, s.Path, "", func(n int, line []byte) {
		if binary == 0 && results.Binary(line) {
			binary = n
		}
		other = other || !bytes.HasPrefix(line, []byte("Benchmark"))
	})
	for rd.Scan() {
		if binary > 0 {
			return fail(binary, errors.New("binary data: not a text file in the Go benchmark format"))
		}
		var n int
		switch rec := rd.Record().(type) {
		case *benchfmt.UnitMetadata:
			if _, n = rec.Pos(); n < s.body {
				continue // the header, written once above
			}
			return fail(n, errors.New("a Unit line after the first result; merge expects lockbench run's files"))
		case *benchfmt.SyntaxError:
			return fail(rec.Line, fmt.Errorf("malformed result line %q: %s", clip(strings.TrimSpace(string(rd.Line()))), rec.Msg))
		case *benchfmt.Result:
			_, n = rec.Pos()
			if msg := results.Check(rec); msg != "" { // the readers' rules: merge writes no line they refuse
				return fail(n, errors.New(msg))
			}
			if other { // else the configuration is the previous result's
				if k, v, was, changed := configChange(rec.Config, s.config); changed {
					return fail(n, fmt.Errorf("the configuration changes (%s: %q, was %q); merge expects lockbench run's files", k, clip(v), clip(was)))
				}
			}

			name := cases.of(rec.Name)
			if p, dup := seen[name.of]; dup && !mine[name.of] {
				return fail(n, fmt.Errorf("case %s of machine %.60s is also in %s: %w", name.of, s.Machine, p, ErrDuplicate))
			} else if !dup {
				seen[name.of], mine[name.of] = s.Path, true
			}
			other = false
			line := rd.Line()
			out, regime := lineUp(line, opts.KeepRegimes, stable, buf[:0])
			buf = out
			if regime != "" && !name.class {
				res.noteRegime(s.Machine, out, regime)
			}
			if _, err := w.Write(out); err != nil {
				return err
			}
			classes.add(n, name, line)
			if !name.class {
				groups[name.group] = true
			}
			if !name.class {
				s.Lines++
				res.Lines++
				if runq, ok := unitValue(line, schema.UnitRunq); ok && schema.Disturbed(runq, window, threadsOf(name.of), cpus) {
					s.Disturbed++
				}
			}
		}
	}
	if binary > 0 {
		return fail(binary, errors.New("binary data: not a text file in the Go benchmark format"))
	}
	if err := rd.Err(); err != nil {
		return fail(0, err)
	}
	if k, v, was, changed := configChange(rd.Config(), s.config); changed { // after the last result
		return fail(0, fmt.Errorf("the configuration changes (%s: %q, was %q); merge expects lockbench run's files", k, clip(v), clip(was)))
	}
	classes.end()
	if g := classes.bad; g != nil && g != classes.last() {
		return fail(g.line, fmt.Errorf("case %s has %s: lines were removed or edited", g.name, g.short(classes.want)))
	}
	if g := classes.bad; g != nil {
		msg := fmt.Sprintf("the last case line (%s, line %d) has %s", g.name, g.line, g.short(classes.want))
		if !opts.AllowPartial {
			return fail(0, fmt.Errorf("%w: %s (the file was cut inside its class lines)", ErrIncomplete, msg))
		}
		res.Missing = append(res.Missing, fmt.Sprintf("%s: %s: the rest is missing", s.Path, msg))
	}
	if t := rd.Torn(); t != nil { // torn by a crash or a copy cut short
		if !opts.AllowPartial {
			return fail(t.Line, fmt.Errorf("%w line: the file is truncated", ErrIncomplete))
		}
		res.Missing = append(res.Missing, fmt.Sprintf("%s:%d: a torn last line, left out", s.Path, t.Line))
	}
	if cases := res.pooled[s.Machine]; len(cases) > 0 && s.Shard.K == lastShard(res, s.Machine) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("machine %.60s ran %d cases in more than one regime (%s first): the merged file pools a machine's regimes (merge --keep-regimes keeps them apart)",
			s.Machine, len(cases), strings.TrimPrefix(cases[0], "Benchmark")))
	}
	if s.Disturbed > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("shard %s of machine %.60s: %d of its %d repetitions were disturbed: their workers waited for a CPU over %.0f%% of the window (%s), so another process ran on their CPUs; run shards on machines of their own",
			s.Shard, s.Machine, s.Disturbed, s.Lines, 100*schema.DisturbedShare, schema.UnitRunq))
	}
	if s.Lines > s.Cases && !s.Paired {
		return fail(0, fmt.Errorf("shard %s of machine %.60s has %d case lines, more than the %d its cases line says: lines were added or the header edited", s.Shard, s.Machine, s.Lines, s.Cases))
	}
	if s.Lines < s.Cases {
		msg := fmt.Sprintf("shard %s of machine %.60s has %d of its %d case lines", s.Shard, s.Machine, s.Lines, s.Cases)
		if !opts.AllowPartial {
			return fail(0, fmt.Errorf("%w: %s (the run did not finish, or the file was cut)", ErrIncomplete, msg))
		}
		res.Missing = append(res.Missing, msg+": the rest is missing")
	}
	if seal := lastValue(s.config, schema.ConfSeal); seal != "" && s.Lines >= s.Cases && classes.bad == nil {
		// A whole shard: its lines hold the groups the plan gives its
		// shard, so its seal says which shard it is (schema.ConfSeal).
		if want := schema.ShardSeal(s.Plan, lastValue(s.config, schema.ConfShard), slices.Collect(maps.Keys(groups))); seal != want {
			return fail(0, fmt.Errorf("shard %s of machine %.60s: its seal line (%s) does not match its plan, shard and cases (seal %s): the header was edited to claim another shard or plan, or lines of another shard were added", s.Shard, s.Machine, clip(seal), want))
		}
	}
	return nil
}

// configChange returns the first file configuration key whose value in
// config differs from the header's (a key added or dropped too): a file
// whose configuration changes mid-way is not one run.
func configChange(config []benchfmt.Config, header []kv) (key, value, was string, changed bool) {
	files := 0
	for _, c := range config {
		if !c.File {
			continue
		}
		files++
		if h := lastValue(header, c.Key); h != string(c.Value) {
			return c.Key, string(c.Value), h, true
		}
	}
	if files != len(header) {
		for _, h := range header {
			if !slices.ContainsFunc(config, func(c benchfmt.Config) bool { return c.File && c.Key == h.key }) {
				return h.key, "", h.value, true
			}
		}
	}
	return "", "", "", false
}

func lastValue(config []kv, k string) string {
	v, _ := last(config, k)
	return v
}

// caseNames memoizes, by the name as read, the name's case
// (schema.Name.Case: without "Benchmark" and the -GOMAXPROCS suffix) and
// whether it is a class line (schema.Name.IsClass): a sweep repeats each
// case, and ParseName allocates per part. It holds one entry per distinct
// name, as the duplicate check does.
type caseNames map[string]caseName

type caseName struct {
	of    string // the case
	group string // its comparison group (schema.Name.Group), for the seal
	class bool   // a class line, which comes with its case line
}

func (c caseNames) of(name benchfmt.Name) caseName {
	if s, ok := c[string(name)]; ok {
		return s
	}
	n := schema.ParseName(name)
	s := caseName{of: n.Case(), group: n.Group(), class: n.IsClass()}
	c[string(name)] = s
	return s
}

// classGroups checks that every case line's class lines (schema.KeyClass)
// are whole. A lockbench run writes, after each case line that carries
// lock units, one class line per lock class of its workload (the same
// classes for every case of a run), whose acquisitions add up to the
// case line's (harness's Result.ClassLines). A shard cut at a line
// boundary inside its last case's class lines has every case line the
// cases line counts, and only this check finds it. A shard with no class
// lines at all (a bare run, an older lockbench) is not checked. It keeps
// two groups and the first bad one, whatever the file's size.
type classGroups struct {
	cur     *classGroup
	bad     *classGroup // the first group found short, nil if none
	want    int         // class lines after the first case line that has any
	classes bool        // a class line was seen
}

// A classGroup is a case line with the class lines after it.
type classGroup struct {
	line    int    // the case line's number
	name    string // its case
	acq     float64
	hasAcq  bool // the case line carries lock units (schema.StemAcq)
	n       int  // class lines after it
	sum     float64
	classes bool // at least one class line
}

// acqValue is a line's lock acquisitions (acq/page or acq/op), if any.
func acqValue(line []byte) (float64, bool) {
	for _, per := range []string{schema.PerPage, schema.PerOp} {
		if v, ok := unitValue(line, schema.PerUnit(schema.StemAcq, per)); ok {
			return v, true
		}
	}
	return 0, false
}

func (g *classGroups) add(n int, name caseName, line []byte) {
	if !name.class {
		g.end()
		acq, ok := acqValue(line)
		g.cur = &classGroup{line: n, name: name.of, acq: acq, hasAcq: ok}
		return
	}
	g.classes = true
	if g.cur == nil {
		return // a class line before any case line: the readers leave it out
	}
	g.cur.n++
	if v, ok := acqValue(line); ok {
		g.cur.sum += v
	}
}

// end closes the current group: it is short when the run has class
// lines and it has fewer than the first group's, or acquisitions that
// its class lines do not add up to.
func (g *classGroups) end() {
	c := g.cur
	if c == nil || !c.hasAcq || g.bad != nil {
		return
	}
	if g.want == 0 && c.n > 0 {
		g.want = c.n
	}
	if !g.classes {
		return
	}
	if c.n < g.want || !sumsTo(c.sum, c.acq) {
		g.bad = c
	}
}

// last is the last case line's group.
func (g *classGroups) last() *classGroup { return g.cur }

// short says what a short group lacks.
func (c *classGroup) short(want int) string {
	if c.n < want {
		return fmt.Sprintf("%d class lines, not the %d of the run's other case lines", c.n, want)
	}
	return fmt.Sprintf("class lines whose acquisitions add up to %g, not the case line's %g", c.sum, c.acq)
}

// sumsTo reports whether the classes' acquisitions add up to the case
// line's, each written to 6 significant digits.
func sumsTo(sum, total float64) bool {
	return math.Abs(sum-total) <= 1e-4*math.Max(math.Abs(total), 1e-9)
}

// unitValue returns the value of unit on a result line, if it has one.
// It looks for the unit's token and reads the field before it, so that
// lines without the unit cost one search.
func unitValue(line []byte, unit string) (float64, bool) {
	for rest, off := line, 0; ; {
		i := bytes.Index(rest, []byte(unit))
		if i < 0 {
			return 0, false
		}
		at := off + i
		end := at + len(unit)
		if at > 0 && space(line[at-1]) && (end == len(line) || space(line[end])) {
			j := at - 1
			for j > 0 && space(line[j]) {
				j--
			}
			k := j
			for k > 0 && !space(line[k-1]) {
				k--
			}
			v, err := strconv.ParseFloat(string(line[k:j+1]), 64)
			return v, err == nil
		}
		rest, off = rest[i+len(unit):], end
	}
}

// lineUp writes line's name into buf as the merged file has it, with the
// rest of the line after it: without the -GOMAXPROCS suffix (the machine's
// CPU count is its machine-N-cpus line) and, unless keep, without a
// stable regime part, so that the same case has the same name on every
// machine and `benchstat -col machine` puts machines on the same rows.
// regime is the stable regime taken out, "" if none.
// stable lists the regimes to take out (stableRegimes, computed once by
// the caller: lineUp runs on every line and allocates nothing).
func lineUp(line []byte, keep bool, stable []string, buf []byte) (out []byte, regime string) {
	end := 0
	for end < len(line) && !space(line[end]) {
		end++
	}
	name := line[:end]
	if i := bytes.LastIndexByte(name, '-'); i > 0 && i < len(name)-1 && allDigits(name[i+1:]) {
		name = name[:i]
	}
	part := []byte("/" + schema.KeyRegime + "=")
	if i := bytes.Index(name, part); i >= 0 && !keep {
		j := i + len(part)
		k := j
		for k < len(name) && name[k] != '/' {
			k++
		}
		for _, v := range stable {
			if string(name[j:k]) == v {
				buf = append(buf, name[:i]...)
				buf = append(buf, name[k:]...)
				return append(buf, line[end:]...), v
			}
		}
	}
	buf = append(buf, name...)
	return append(buf, line[end:]...), ""
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// noteRegime records that machine ran the case of the merged line out in
// a stable regime, and the case once when it is a second regime: pooled
// in the merged file.
func (res *Result) noteRegime(machine string, out []byte, regime string) {
	end := 0
	for end < len(out) && !space(out[end]) {
		end++
	}
	if res.regimes == nil {
		res.regimes, res.pooled = map[string]map[string]string{}, map[string][]string{}
	}
	m := res.regimes[machine]
	if m == nil {
		m = map[string]string{}
		res.regimes[machine] = m
	}
	first, seen := m[string(out[:end])]
	switch {
	case !seen:
		m[string(out[:end])] = regime
	case first != regime && first != "":
		res.pooled[machine] = append(res.pooled[machine], string(out[:end]))
		m[string(out[:end])] = "" // counted once
	}
}

// lastShard is the highest shard of machine among the sources: its
// warnings come after it is copied.
func lastShard(res *Result, machine string) int {
	k := 0
	for _, s := range res.Sources {
		if s.Machine == machine {
			k = max(k, s.Shard.K)
		}
	}
	return k
}

// threadsOf is the thread count of a case name (schema.KeyThreads), 0
// when it has none.
func threadsOf(name string) int {
	_, v, ok := strings.Cut(name, "/"+schema.KeyThreads+"=")
	if !ok {
		return 0
	}
	if i := strings.IndexByte(v, '/'); i >= 0 {
		v = v[:i]
	}
	n, _ := strconv.Atoi(v)
	return n
}

func space(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// defaultPlacement reports whether a source's placement line is one
// lockbench chose for its machine ("core (default: ...)"), which planKeys
// leaves to the machine's lines.
func (res *Result) defaultPlacement() bool {
	for _, s := range res.Sources {
		if strings.Contains(lastValue(s.config, schema.ConfPlacement), "(default") {
			return true
		}
	}
	return false
}
