package cases

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/schema"
)

// LabelStates returns results with each line's machine state in its name
// (schema.KeyRegime), from the data: the lines of one input file,
// machine, placement and thread count are one series of probes, the
// transfer (schema.UnitXfer, or its end probe when the start did not
// finish) and the speed (schema.UnitSpeed) each clustered by
// schema.States with its factor. A quantity that forms one cluster adds
// nothing; one with several adds its state's label (schema.StateLabel),
// and a line's key joins them with "+": "xfer-25ns", "xfer-160ns+speed-200ns".
// A line with one cluster in both has no key: one state, no label.
//
// Lines that carry a regime key already (switched, unprobed) are kept as
// they are, and so are lines without a speed probe: counting
// repetitions, and the lines of earlier versions, which carry band labels
// (schema.RegimeOf) or no state at all. A class line takes the label of
// the case line it follows. The lines given are not changed: a labelled
// line is a copy with another name.
func LabelStates(results []*benchfmt.Result) []*benchfmt.Result {
	type series struct {
		lines       []int // indices into results
		xfer, speed []float64
	}
	groups := map[string]*series{}
	var order []string
	for i, r := range results {
		n := schema.ParseName(r.Name)
		if _, ok := n.Get(schema.KeyRegime); ok {
			continue
		}
		if _, ok := n.Get(schema.KeyClass); ok {
			continue
		}
		xfer, speed := value(r, schema.UnitXfer), value(r, schema.UnitSpeed)
		if xfer <= 0 {
			xfer = value(r, schema.UnitXferEnd)
		}
		if speed <= 0 {
			continue // no speed probe: a line of an earlier version, or a counting repetition
		}
		threads, _ := n.Get(schema.KeyThreads)
		key := strings.Join([]string{r.GetConfig(".file"), r.GetConfig(schema.ConfMachine), r.GetConfig(schema.ConfPlacement), threads}, "\x00")
		g := groups[key]
		if g == nil {
			g = &series{}
			groups[key] = g
			order = append(order, key)
		}
		g.lines = append(g.lines, i)
		g.xfer = append(g.xfer, xfer)
		g.speed = append(g.speed, speed)
	}
	label := map[int]string{}
	for _, key := range order {
		g := groups[key]
		xs, xm := schema.States(g.xfer, schema.XferFactor)
		ss, sm := schema.States(g.speed, schema.SpeedFactor)
		for k, i := range g.lines {
			var parts []string
			if len(xm) > 1 && xs[k] >= 0 {
				parts = append(parts, schema.StateLabel(schema.StateXfer, xm[xs[k]], schema.XferFactor))
			}
			if len(sm) > 1 && ss[k] >= 0 {
				parts = append(parts, schema.StateLabel(schema.StateSpeed, sm[ss[k]], schema.SpeedFactor))
			}
			if len(parts) > 0 {
				label[i] = strings.Join(parts, "+")
			}
		}
	}
	if len(label) == 0 {
		return results
	}
	out := make([]*benchfmt.Result, len(results))
	last := map[string]string{} // case name -> label of its latest line
	for i, r := range results {
		out[i] = r
		n := schema.ParseName(r.Name)
		if _, ok := n.Get(schema.KeyRegime); ok {
			continue
		}
		l, ok := label[i]
		if class, isClass := n.Get(schema.KeyClass); isClass {
			l, ok = last[n.Without(schema.KeyClass).Full()], true
			if l != "" {
				n = n.Without(schema.KeyClass)
				n.Keys = append(n.Keys, schema.KV{Key: schema.KeyRegime, Value: l}, schema.KV{Key: schema.KeyClass, Value: class})
				out[i] = relabel(r, n)
			}
			continue
		}
		last[n.Full()] = l
		if ok {
			n.Keys = append(n.Keys, schema.KV{Key: schema.KeyRegime, Value: l})
			out[i] = relabel(r, n)
		}
	}
	return out
}

func relabel(r *benchfmt.Result, n schema.Name) *benchfmt.Result {
	c := *r
	c.Name = n.Benchfmt()
	return &c
}

// value is the first value of unit on r, in the unit as written (a
// tidied value is read back from its original), 0 when absent.
func value(r *benchfmt.Result, unit string) float64 {
	for _, v := range r.Values {
		switch {
		case v.OrigUnit == unit:
			return v.OrigValue
		case v.Unit == unit:
			return v.Value
		}
	}
	return 0
}

// RescueCounts returns results with the lock counts of every case kept: a
// counting repetition (one with the unit InstNSPage) whose every try
// switched (schema.RegimeSwitched: the harness runs a switched one
// again, a few times) would leave its case without lock counts, so when a
// case has no other counting line its switched ones are kept, their
// regime key dropped, with their class lines, and a warning says so.
// Timed lines that switched are never kept: their time measured two
// machines at once; a count of acquisitions per page does not depend on
// the machine, and the contention units are flagged by the warning.
func RescueCounts(results []*benchfmt.Result) (out []*benchfmt.Result, warnings []string) {
	isCounting := func(r *benchfmt.Result) bool {
		for _, v := range r.Values {
			if v.Unit == InstNSPage || v.OrigUnit == InstNSPage {
				return true
			}
		}
		return false
	}
	key := func(r *benchfmt.Result, n schema.Name) string {
		return r.GetConfig(".file") + "\x00" + r.GetConfig(schema.ConfMachine) + "\x00" + n.Without(schema.KeyRegime, schema.KeyClass).Full()
	}
	clean := map[string]bool{}
	for _, r := range results {
		n := schema.ParseName(r.Name)
		if _, class := n.Get(schema.KeyClass); !class && !n.IsSwitched() && isCounting(r) {
			clean[key(r, n)] = true
		}
	}
	rescued := map[string]bool{}
	out = results
	copied := false
	for i, r := range results {
		n := schema.ParseName(r.Name)
		if v, _ := n.Get(schema.KeyRegime); v != schema.RegimeSwitched {
			continue
		}
		k := key(r, n)
		_, class := n.Get(schema.KeyClass)
		if clean[k] || (class && !rescued[k]) || (!class && !isCounting(r)) {
			continue
		}
		if !class && !rescued[k] {
			rescued[k] = true
			warnings = append(warnings, fmt.Sprintf("%s: lock counts from a counting repetition whose machine state moved in flight on every try; its contention units may mix two states",
				n.Without(schema.KeyRegime).Case()))
		}
		if !copied {
			out, copied = slices.Clone(results), true
		}
		out[i] = relabel(r, n.Without(schema.KeyRegime))
	}
	return out, warnings
}
