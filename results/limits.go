package results

// The limits of the results format: one table, the same for every reader
// of it (reports' Load, which compare, gate, report and classes use) and
// for merge, which reads with the same Reader and refuses to write a
// file these limits would make a reader refuse. Each is checked before
// what it bounds is allocated. docs/DESIGN.md's limits table lists them.
//
// A reader's memory is bounded by them, not by the input's lines: it
// holds one line (MaxLine) of the input at a time and keeps at most
// MaxSamples lines of each case, and MaxKept (lines, and cases at
// CaseWeight each) in all, whatever the shape of the input; merge keeps
// one entry per case and machine. A 1 GiB file of a sweep's repetitions
// is read in about the memory of its first MaxSamples repetitions; a
// file of many short cases keeps a smaller sample of each, or is
// refused (the figures: BenchmarkLoadLong and BenchmarkLoadManyCases in
// package reports, and `/usr/bin/time -v` on the commands,
// docs/DESIGN.md).
const (
	// MaxLine is the longest line, in bytes with its newline, that a
	// Reader reads. A lockbench result line is about 300 bytes, a class
	// line less; a machine name is at most schema's 255 bytes. It is
	// below benchfmt's own limit (bufio.MaxScanTokenSize, 64 KiB), so
	// that every reader refuses a longer line with the same error,
	// naming this limit, never benchfmt's "token too long".
	MaxLine = 32 << 10
	// MaxInput is the largest results file, in bytes, that a reader
	// reads and merge writes: 1 GiB, about three million result lines,
	// far beyond any sweep.
	MaxInput int64 = 1 << 30
	// MaxShards is the largest N of a shard K/N: a sweep is cut into at
	// most this many parts. A shard header beyond it is refused before
	// merge sets aside anything per shard.
	MaxShards = 10000
	// MaxClasses is the most class lines (schema.KeyClass) that follow
	// one case line: a workload has a handful of classes of operation.
	MaxClasses = 64
	// MaxSamples is the most lines of one case (one input, machine and
	// name: one benchmark's repetitions) a reader keeps for its
	// statistics. A sweep repeats a case a few times, a paired run some
	// dozens of blocks; a longer series adds nothing a median of this
	// many does not say. A case with more lines is read whole (every line
	// is checked) and keeps a uniform sample of this many, the same
	// blocks in every case (see reports.Load), with a warning: intervals
	// then come from the sample, wider, never narrower. With MaxCases it
	// bounds a reader's memory by the cases, whatever the lines.
	MaxSamples = 100
	// MaxCases is the most distinct cases (input, machine and name, class
	// lines included) one input may hold: a reader keeps up to
	// MaxSamples lines of each. The largest sweeps are some thousands of
	// cases a machine, with their class lines a few ten thousand; an
	// input with more is refused when its case MaxCases+1 is read, before
	// anything is kept for it.
	MaxCases = 100000
	// MaxKept is the budget of what a reader keeps of the inputs it
	// reads together (one reports.Load: compare's inputs, or one side of
	// gate), shared evenly by them: lines kept, each case counting as
	// CaseWeight lines more. MaxCases × MaxSamples alone would let a file
	// of many short cases (a merged fleet sweep) keep millions of lines
	// (20 GB for a 1 GiB file). Measured peak RSS (docs/DESIGN.md,
	// "Limits"): a kept line costs about 2 KB through gate (which loads
	// two sides) and a case about 13 KB through report; at this budget
	// the worst shapes peak at 139 MB (gate, 400 cases of 76 lines) and
	// 99 MB (report, 6,400 one-line cases), under the 200 MB goal with a
	// margin for the collector's timing. When an input needs more, every
	// case's sample shrinks evenly (a smaller uniform sample of the same
	// blocks), to MinSamples at least, with a warning saying how many
	// each keeps; beyond that it is refused in one line. A sweep of 300
	// cases (class cases included) keeps MaxSamples lines of each.
	MaxKept = 32000
	// CaseWeight is what a case costs of MaxKept beside its lines: a
	// case's own tables (report's rows and charts, classes' groups) take
	// about as much memory as four to six kept lines (report: 99 MB for
	// 6,400 one-line cases, 94 MB for 30,400 lines of 400 cases).
	CaseWeight = 4
	// MinSamples is the fewest lines of a case that MaxKept shrinks a
	// sample to: ten give a median's 95% interval (order statistics 2 and
	// 9) and a Mann-Whitney p far below 0.05. An input whose cases need
	// more than MaxKept at this many each is refused, naming MaxKept:
	// a sample of fewer says too little to be worth the wait.
	MinSamples = 10
	// MaxListed is the most items (missing shards, ...) an error lists
	// one by one; the rest are counted ("and 12 more").
	MaxListed = 5
)

// ListSome joins at most MaxListed of items with ", ", then says how
// many more there are: an error line stays short whatever the input.
func ListSome(items []string, total int) string {
	s := ""
	for i, it := range items {
		if i == MaxListed {
			break
		}
		if i > 0 {
			s += ", "
		}
		s += it
	}
	if more := total - min(len(items), MaxListed); more > 0 {
		s += ", and " + itoa(more) + " more"
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}
