package compare

import (
	"regexp"

	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/schema"
)

// manyMachines reports whether set holds results of more than one
// machine (schema.ConfMachine): a merged file of a sweep over machines.
func manyMachines(set *reports.Set) bool {
	if set == nil {
		return false
	}
	first, seen := "", false
	for _, r := range set.Results {
		m := r.GetConfig(schema.ConfMachine)
		if !seen {
			first, seen = m, true
		} else if m != first {
			return true
		}
	}
	return false
}

// machineWord finds the machine key in a projection or ignore list.
var machineWord = regexp.MustCompile(`(^|[^\w.-])` + schema.ConfMachine + `($|[^\w-])`)

// withMachine returns the row projection with the machine added, so that
// a benchmark's identity holds its machine as it holds its regime: the
// rows of a merged file's machines are never pooled into one sample (a
// regression on one machine averaged away by the others). It leaves row
// as it is when no side holds several machines, and when the user named
// the machine key in a projection or ignore list (--col machine puts
// machines side by side; --ignore machine pools them on purpose).
func withMachine(row string, sets []*reports.Set, named ...string) string {
	for _, s := range named {
		if machineWord.MatchString(s) {
			return row
		}
	}
	if machineWord.MatchString(row) {
		return row
	}
	for _, s := range sets {
		if manyMachines(s) {
			return orDefault(row, ".fullname") + "," + schema.ConfMachine
		}
	}
	return row
}
