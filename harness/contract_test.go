package harness

import (
	"slices"
	"testing"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/perfevent"
	"github.com/lockbench/lockbench/profiles"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/perf/benchfmt"
)

// TestWriterContract checks the writing side of the results contract:
// a line of every workload and mode, with every unit harness can write,
// carries only units, name keys and configuration keys that package
// schema declares, in schema's order, and its profile labels are the
// profiles package's keys. A unit, key or counter added to harness alone
// fails here.
func TestWriterContract(t *testing.T) {
	counters := map[string]float64{}
	for _, u := range perfevent.Units() {
		counters[u] = 1
	}
	labelKeys := []string{profiles.LabelLock, profiles.LabelMode, profiles.LabelBatch, profiles.LabelThreads}

	for _, info := range workloads.All() {
		modes := []workloads.Mode{""}
		if info.Takes(workloads.KnobMode) {
			modes = info.ModeList()
		}
		locked := info.Takes(workloads.KnobLock) // the kernel workloads take none of ours
		for _, m := range modes {
			base := workloads.DefaultSpec
			base.Workload = info.Name
			if locked {
				base.Delay = map[workloads.Class]time.Duration{info.Classes[0]: time.Nanosecond}
				base.ClassLocks = map[workloads.Class]string{info.Classes[len(info.Classes)-1]: "tas"}
			}
			p := Plan{Base: base, Locks: []string{"mutex"}, Modes: []workloads.Mode{m}, Batches: []int{16},
				Threads: []int{1, 3}, Count: 1, Order: Interleaved}
			if err := p.Validate(); err != nil {
				t.Fatalf("%s/%s: %v", info.Name, m, err)
			}
			r := DefaultRunner
			cfg := FileConfig(host.Machine{CPUModel: "x", CPUs: 2, Kernel: "k"}, &r, p, CounterSupport{Hardware: true, Software: true})
			// A timed repetition and a counting one (TimeBare) together
			// write every unit; neither writes one twice.
			var c, counting Case
			for _, x := range p.Cases() {
				if x.Counting {
					counting = x
				} else {
					c = x
				}
			}
			c.Block = 1 // a paired timed line carries every unit a counting one lacks
			if counting.Counting != locked {
				t.Fatalf("%s/%s: counting repetition %v in a TimeBare plan, want %v (only lockbench's locks are counted)", info.Name, m, counting.Counting, locked)
			}
			res := &Result{Case: c, GOMAXPROCS: 2, Pages: 100, WorkerPages: []uint64{100}, XferNS: 40, XferEndNS: 41,
				Speed: host.Speed{NS: 150, MemNS: 149, CacheNS: 60, CoreNS: 7}, SpeedEnd: host.Speed{NS: 152, MemNS: 151}, RunqNS: 1000, DispatchNS: 2.5, Counters: counters}
			if locked {
				res.Classes = []ClassStats{{Class: info.Classes[0], Lock: "mutex", Stats: locks.Stats{Acquisitions: 10, HoldSamples: 1, HoldTotal: 5, WaitCounted: true}}}
			}
			if info.Kernel() {
				res.Metrics = []workloads.Metric{{Unit: schema.UnitFolioPages, Value: 16}, {Unit: schema.PerUnit(schema.StemFaults, info.Per), Value: 0.0625}}
			}
			line := res.Benchfmt(cfg)
			lines := []*benchfmt.Result{line}
			if locked {
				cres := *res
				cres.Case = counting
				lines = append(lines, cres.Benchfmt(cfg))
			}
			written := map[string]int{}
			for _, l := range lines {
				for _, v := range l.Values {
					written[v.Unit]++
					u, ok := schema.Lookup(v.Unit)
					if !ok {
						t.Errorf("%s: unit %q is not declared in schema", l.Name, v.Unit)
						continue
					}
					if !slices.Contains(schema.Units(info.Per), u) {
						t.Errorf("%s: unit %q is not one of the workload's (per %s)", l.Name, v.Unit, info.Per)
					}
				}
			}
			want := 0
			for _, u := range schema.Units(info.Per) {
				switch {
				case u.Kind == schema.KindKernel && !info.Kernel():
				case (u.Kind == schema.KindLock || u.Name == schema.PerUnit(schema.StemInstNS, info.Per)) && !locked:
				default:
					want++
				}
			}
			if got := len(written); got != want {
				t.Errorf("%s: %d units written, schema declares %d for it: one side has a unit the other lacks", line.Name, got, want)
			}
			for _, u := range []string{schema.PerUnit(schema.StemNS, info.Per), schema.PerUnit(schema.StemInstNS, info.Per)} {
				if written[u] != 1 && locked {
					t.Errorf("%s: %s on %d of the timed and the counting line, want one: ns is the bare time, inst-ns the counting one", line.Name, u, written[u])
				}
			}

			cls := res.ClassLines(cfg)
			if len(cls) != len(res.Classes) {
				t.Errorf("%s: %d class lines for %d classes", line.Name, len(cls), len(res.Classes))
			}
			for _, cl := range cls {
				var units []string
				for _, v := range cl.Values {
					units = append(units, v.Unit)
				}
				if !slices.Equal(units, schema.ClassUnits(info.Per)) {
					t.Errorf("%s: class line units %v, schema.ClassUnits says %v", cl.Name, units, schema.ClassUnits(info.Per))
				}
				cn := schema.ParseName(cl.Name)
				if last := cn.Keys[len(cn.Keys)-1]; last.Key != schema.KeyClass || last.Value != string(info.Classes[0]) {
					t.Errorf("%s: last key %v, want %s=%s", cl.Name, last, schema.KeyClass, info.Classes[0])
				}
				if cn.Without(schema.KeyClass).Full() != schema.ParseName(line.Name).Full() {
					t.Errorf("class line %s is not its case's name %s plus the class key", cl.Name, line.Name)
				}
			}

			n := schema.ParseName(line.Name)
			if n.Base != info.Base || n.Procs != 2 {
				t.Errorf("%s: base %q procs %d, want %q and 2", line.Name, n.Base, n.Procs, info.Base)
			}
			last := -1
			for _, kv := range n.Keys {
				if !schema.IsKey(kv.Key) {
					t.Errorf("%s: name key %q is not declared in schema", line.Name, kv.Key)
				}
				k := kv.Key
				if !slices.Contains(schema.Keys(), k) {
					k = schema.KeyLock // a class lock override follows the lock key
				}
				at := slices.Index(schema.Keys(), k)
				if at < last {
					t.Errorf("%s: key %q out of schema.Keys's order", line.Name, kv.Key)
				}
				last = at
			}
			if !locked {
				// No class to override.
			} else if _, ok := n.Get(schema.ClassLockKey(string(info.Classes[len(info.Classes)-1]))); !ok {
				t.Errorf("%s: the class lock override is not in the name", line.Name)
			}

			seen := map[string]bool{}
			for _, kv := range line.Config {
				if !slices.Contains(schema.ConfigKeys(), kv.Key) {
					t.Errorf("%s: configuration key %q is not declared in schema.ConfigKeys", line.Name, kv.Key)
				}
				if seen[kv.Key] {
					t.Errorf("%s: configuration key %q written twice", line.Name, kv.Key)
				}
				seen[kv.Key] = true
			}
			for _, k := range []string{schema.ConfDelay, schema.ConfOversubscribed, schema.ConfWorkload} {
				if !seen[k] && (locked || k != schema.ConfDelay) {
					t.Errorf("%s: no configuration line %q", line.Name, k)
				}
			}

			l := c.Labels()
			for i := 0; i < len(l); i += 2 {
				if !slices.Contains(labelKeys, l[i]) {
					t.Errorf("%s: profile label %q is not a profiles.Label* key", line.Name, l[i])
				}
				if v, ok := n.Get(l[i]); !ok || v != l[i+1] {
					t.Errorf("%s: label %s=%s differs from the name's %q", line.Name, l[i], l[i+1], v)
				}
			}
		}
	}
}
