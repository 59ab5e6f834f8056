package headline

import (
	"fmt"
	"math"
	"slices"

	"github.com/lockbench/lockbench/reports/saving"
	"github.com/lockbench/lockbench/reports/stats"
)

// How a headline reads: its label and change for the table, its full
// text for the details, and what the bottom line asks of it.

// ContentionShare is the share of h's saving that is less contention,
// when the saving and the contention part both hold and are positive; ok
// is false otherwise (a negative part is never a share of a positive
// total).
func (h *Headline) ContentionShare() (share float64, ok bool) {
	sp := h.Saving
	if sp == nil || !stats.Holds(sp.TotalNS, sp.TotalLo, sp.TotalHi) || sp.TotalNS <= 0 ||
		!stats.Holds(sp.ContentionNS, sp.ContentionLo, sp.ContentionHi) || sp.ContentionNS <= 0 {
		return 0, false
	}
	return float64(sp.ContentionNS / sp.TotalNS), true
}

// WaitLock names the lock class most of h's saved waiting was for, when
// that rests on more than one counting repetition and the class's
// saving is positive and most of the waiting saved; "" otherwise.
func (h *Headline) WaitLock() string {
	sp := h.Saving
	if sp == nil || h.waitN < 2 || sp.WaitingNS == nil || *sp.WaitingNS <= 0 || len(sp.WaitingByClass) == 0 {
		return ""
	}
	top := sp.WaitingByClass[0]
	if top.NS <= 0 || top.NS < *sp.WaitingNS/2 {
		return ""
	}
	return top.Class
}

// Answerable reports whether h may stand in the bottom line: a settled
// (not provisional), significant change with an interval.
func (h *Headline) Answerable() bool {
	return !h.Provisional && h.Significant && !math.IsNaN(float64(h.DeltaLo))
}

// Label is what the headline compares: "batch=16 vs page, mcs, 2
// threads" and the other keys that tell it apart.
func (h *Headline) Label() string {
	if h.label != "" {
		return h.label
	}
	return h.short()
}

// Change is the headline's change as the table shows it: "-41%", with
// "(n.s.)" when it is not significant and "?" when it has no interval.
func (h *Headline) Change() string {
	c := stats.Pct(float64(h.Delta), 0, true)
	switch {
	case math.IsNaN(float64(h.DeltaLo)):
		c += " ?"
	case !h.Significant:
		c += " (n.s.)"
	}
	return c
}

// Full is the headline in full, as the details and the report say it:
// its text with the interval and test, then the saving split with its
// intervals, and "provisional" first when it is.
func (h *Headline) Full() string {
	t := h.Text
	if h.Provisional {
		t = fmt.Sprintf("provisional (%s, no interval yet): %s", stats.Plural(h.Blocks, "block"), t)
	}
	if h.Saving != nil {
		sp := *h.Saving
		// The waiting saved by class comes from the counting
		// repetitions (from one, it says n=1), and a class whose
		// saving has the other sign than the waiting saved, beside "N%
		// of remaining wait is the X lock", reads as a contradiction
		// ("98% of remaining wait is mapping" and "mapping -115"). Both
		// stay in the JSON.
		if sp.WaitingNS != nil && slices.ContainsFunc(sp.WaitingByClass, func(c saving.ClassWait) bool { return (c.NS < 0) != (*sp.WaitingNS < 0) }) {
			sp.WaitingByClass = nil
		}
		t += "; " + sp.Text()
		if h.waitN == 1 && sp.WaitingNS != nil {
			t += " (waiting: n=1, one counting repetition)"
		}
	}
	return t
}
