package harness

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// Fields of a sharded sweep.
const (
	FieldShard   = "shard"   // Plan.Shard
	FieldMachine = "machine" // Runner.Machine
	FieldRunID   = "run-id"  // Runner.RunID
	FieldNode    = "node"    // Runner.Node
)

// Groups is the number of comparison groups of the plan (Case.Group: the
// modes and batch sizes of one lock at one thread count, so locks x
// threads; the floor is not counted): the most shards it can be split
// into.
func (p Plan) Groups() int {
	info, _ := workloads.Lookup(p.Base.Workload)
	seen := map[string]bool{}
	for _, s := range p.configs(info, false) {
		seen[Case{Spec: s}.Group()] = true
	}
	return len(seen)
}

// setupCost is the time a repetition takes besides its warm-up and its
// measured window: building the model, starting and pinning the threads,
// the regime probe. Measured: the default plan's 100 repetitions of 0.25 s
// took 28 s on a quiet 2-vCPU VM, 30 ms a repetition beyond the 0.25 s.
const setupCost = 30 * time.Millisecond

// Estimate is the time r is expected to take for case c: its warm-up,
// its measured window and the setup every repetition pays (setupCost).
// It is the same for every case (c is not read): the warm-up and the
// window are the runner's, and the setup differs little between cases.
// `run --dry-run` prints it; a busy machine takes longer.
func (r *Runner) Estimate(c Case) time.Duration {
	return r.Warmup + r.Duration + setupCost
}

// shardOf assigns the comparison groups (Case.Group) of specs, in plan
// order, to n shards: a shard holds whole groups, so every headline comes
// from one machine and one run. Every repetition is estimated alike
// (Runner.Estimate) and every configuration runs Count times, so groups
// are balanced by their number of configurations: the largest first, each
// to the shard with the fewest so far (the lowest index on a tie). The
// floor at one thread goes with the first lock group at one thread
// (floorTie), so that a paired shard runs it in that group's blocks. It
// depends only on the plan, so every machine and every shard computes the
// same split.
func shardOf(configs, floor []workloads.Spec, n int) map[string]int {
	tie := floorTie(configs, floor)
	specs := slices.Concat(configs, floor)
	type load struct {
		g     string
		specs int
	}
	var loads []load
	idx := map[string]int{}
	for _, s := range specs {
		g := Case{Spec: s}.Group()
		if t, ok := tie[g]; ok {
			g = t
		}
		i, ok := idx[g]
		if !ok {
			i = len(loads)
			idx[g] = i
			loads = append(loads, load{g: g})
		}
		loads[i].specs++
	}
	slices.SortStableFunc(loads, func(a, b load) int { return cmp.Compare(b.specs, a.specs) })
	total := make([]int, max(n, 1))
	out := map[string]int{}
	for _, l := range loads {
		k := 0
		for i := range total {
			if total[i] < total[k] {
				k = i
			}
		}
		total[k] += l.specs
		out[l.g] = k + 1
	}
	for f, g := range tie {
		out[f] = out[g]
	}
	return out
}

// floorTie maps the group of the floor at one thread (the 1-thread specs
// of floor) to the first group of configs at one thread: Paired blocks
// run the floor's slices beside each 1-thread lock's (blockSet), so a
// shard must hold the floor with at least one of them. Empty when there
// is no such pair. The floor runs once a block in every 1-thread lock
// group of its shard; the 1-thread lock groups of the other shards split
// their saving with it unpaired (a case is measured in one shard only:
// merge refuses it twice).
func floorTie(configs, floor []workloads.Spec) map[string]string {
	first := func(specs []workloads.Spec) string {
		for _, s := range specs {
			if s.Workers == 1 && !s.Private {
				return Case{Spec: s}.Group()
			}
		}
		return ""
	}
	f, alone := first(floor), first(configs)
	if f == "" || alone == "" || f == alone {
		return nil
	}
	return map[string]string{f: alone}
}

// validateShard checks p.Shard against the plan: a valid K/N
// (schema.Shard.Validate), and no more shards than comparison groups (an
// empty shard would write an empty results file that nothing can
// identify).
func (p Plan) validateShard() error {
	s := p.Shard
	if s == (schema.Shard{}) {
		return nil
	}
	err := s.Validate()
	if err == nil && s.N > p.Groups() {
		err = fmt.Errorf("the plan has %d comparison groups (locks x threads), so at most %d shards", p.Groups(), p.Groups())
	}
	if err != nil {
		return &FieldError{Field: FieldShard, Value: s.String(), Err: err}
	}
	return nil
}

// ID is the plan's identity (config key plan): a hash of everything that
// decides what a result line means, the plan's lists and knobs and r's
// duration, warm-up and affinity, but not the shard, the machine or
// anything else the machine decides. Every shard of one sweep, on every
// machine, has the same ID; `lockbench merge` refuses to mix two.
func (p Plan) ID(r *Runner) string {
	var b strings.Builder
	line := func(k string, v ...string) { fmt.Fprintf(&b, "%s=%s\n", k, strings.Join(v, ",")) }
	line(FieldLocks, p.Locks...)
	info, _ := workloads.Lookup(p.Base.Workload)
	if info.Takes(workloads.KnobMode) {
		line(FieldModes, workloads.ModeStrings(p.Modes)...)
	}
	if info.Takes(workloads.KnobBatch) {
		line(FieldBatches, intStrings(p.Batches)...)
	}
	line(FieldThreads, intStrings(p.Threads)...)
	// The floor cases are cases of the plan: shards with and without them
	// are not one sweep (a merge would lack the floor silently).
	line("floor", strconv.FormatBool(p.Floor))
	for _, c := range planConfig(r, p) {
		line(c.Key, string(c.Value))
	}
	for _, cl := range info.Classes {
		if l := p.Base.ClassLocks[cl]; l != "" {
			line(ClassLockField(cl), l)
		}
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
}

func intStrings(ns []int) []string {
	var s []string
	for _, n := range ns {
		s = append(s, strconv.Itoa(n))
	}
	return s
}

// machineName is what a valid Runner.Machine looks like: one word that
// is also a valid artifact, folder and column name.
var machineName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// validMachine checks a machine name given by the user.
func validMachine(name string) error {
	if name == "" || machineName.MatchString(name) {
		return nil
	}
	return &FieldError{Field: FieldMachine, Value: quoteClipped(name),
		Err: fmt.Errorf("want 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")}
}

// quoteClipped quotes a user's value for an error, clipped to a few
// dozen bytes (and its length): a 10 KB name is not echoed whole.
func quoteClipped(v string) string {
	const keep = 40
	if len(v) <= keep+8 {
		return strconv.Quote(v)
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return strconv.Quote(v[:cut]) + fmt.Sprintf("... (%d bytes)", len(v))
}

// word is what a valid Runner.RunID or Runner.Node looks like: a file
// name and a DNS name's characters, without the dots' rules.
var word = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// validWord checks the value of field, "" or a word of at most max bytes.
func validWord(field, v string, max int) error {
	if v == "" || len(v) <= max && word.MatchString(v) {
		return nil
	}
	return &FieldError{Field: field, Value: strconv.Quote(v),
		Err: fmt.Errorf("want 1 to %d letters, digits, '.', '_' or '-', starting with a letter or digit", max)}
}
