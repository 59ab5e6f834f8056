package profiles

// The label keys of every lockbench profile. All values are strings (also
// batch and threads): `go tool pprof -tagfocus` reads a bare number as a
// numeric range, which string labels never match, so the commands from
// Commands anchor values as regexps (-tagfocus='threads=^2$').
const (
	LabelClass   = "class"   // lock class: zone, mapping, lru, queue, cs
	LabelLock    = "lock"    // lock algorithm's registry name
	LabelMode    = "mode"    // page-cache mode: page, batch, ... (workloads.Modes)
	LabelBatch   = "batch"   // pages per batch
	LabelThreads = "threads" // workers of the case
)

// Labels returns the labels of key, value pairs, as pprof.Labels takes
// them and harness.Case.Labels returns them (the workload's label keys,
// workloads.Info.Labels), for a Record; a later pair overrides an earlier
// one with the same key: the case's labels, then class and the class's
// own lock. An odd count is a programming error and panics, as in
// pprof.Labels.
func Labels(kv ...string) map[string]string {
	if len(kv)%2 != 0 {
		panic("profiles.Labels: odd number of strings")
	}
	m := make(map[string]string, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}
