package cases

import (
	"strconv"

	"github.com/lockbench/lockbench/reports/stats"
)

// Label names case c in warnings and notes: its name, with its
// GOMAXPROCS and its input when m holds several.
func (m *Model) Label(c *Case) string {
	name := c.Name.Case()
	if len(m.Procs) > 1 || c.Procs != c.Name.Procs {
		name += "-" + strconv.Itoa(c.Name.Procs)
	}
	if len(m.Files) > 1 {
		name = c.File + ": " + name
	}
	return name
}

// OptMedian is c's median of unit, nil when c has no value of unit: a
// figure the summary and the headlines print as absent.
func (c *Case) OptMedian(unit string) *stats.Float {
	if !c.Has(unit) {
		return nil
	}
	m := stats.Float(c.Median(unit))
	return &m
}
