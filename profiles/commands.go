package profiles

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Commands returns the `go tool pprof` commands that inspect the profiles a
// Session wrote to dir, one per line, ready to print and paste into a
// shell: the contention profile as a whole and per lock class, its label
// breakdown (-tags), the CPU profile per mode, and the runtime's mutex and
// block profiles. The classes and modes are those in recs' labels, sorted;
// with no records only the whole-file commands are returned.
//
// -tagfocus values are anchored regexps ('mode=^page$'): pprof matches
// them unanchored (page would also match pagevec) and reads a bare number
// as a numeric range.
func Commands(dir string, recs ...Record) []string {
	return commands(dir, func(key string) []string { return labelValues(recs, key) })
}

// Commands returns the commands that inspect the session's profiles (see
// Commands), for the classes and modes of the records added so far.
func (s *Session) Commands() []string {
	return commands(s.dir, s.cont.labelValues)
}

func commands(dir string, labelValues func(key string) []string) []string {
	file := func(name string) string { return shellQuote(filepath.Join(dir, name)) }
	cont, cpu := file(ContentionFile), file(CPUFile)
	cmds := []string{
		"go tool pprof -top " + cont,
		"go tool pprof -tags " + cont,
	}
	for _, class := range labelValues(LabelClass) {
		cmds = append(cmds, "go tool pprof -top "+tagFocus(LabelClass, class)+" "+cont)
	}
	cmds = append(cmds, "go tool pprof -tags "+cpu)
	for _, mode := range labelValues(LabelMode) {
		cmds = append(cmds, "go tool pprof -top "+tagFocus(LabelMode, mode)+" "+cpu)
	}
	return append(cmds,
		"go tool pprof -top "+file(MutexFile),
		"go tool pprof -top "+file(BlockFile),
	)
}

// labelValues returns the distinct values of label key in recs, sorted.
func labelValues(recs []Record, key string) []string {
	var vs []string
	for _, r := range recs {
		if v, ok := r.Labels[key]; ok && !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	return vs
}

// tagFocus returns the -tagfocus flag selecting exactly key=value.
func tagFocus(key, value string) string {
	return shellQuote("-tagfocus=" + key + "=^" + regexp.QuoteMeta(value) + "$")
}

// shellSafe matches words a POSIX shell takes literally.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s for a POSIX shell if it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
