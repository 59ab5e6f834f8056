package reports

import "golang.org/x/perf/benchfmt"

// A Judge is the judge of an adaptive paired run (harness.Judge, which
// cmd/lockbench checks it satisfies: reports does not import harness):
// it is given the run's lines block by block and answers Pending's
// question about all of them.
type Judge struct {
	lines []*benchfmt.Result
}

// NewJudge returns a Judge that has seen no line.
func NewJudge() *Judge { return &Judge{} }

// Add takes the lines of one finished block.
func (j *Judge) Add(lines []*benchfmt.Result) { j.lines = append(j.lines, lines...) }

// Pending is Pending of every line added so far.
func (j *Judge) Pending(target float64) []string { return Pending(j.lines, target) }
