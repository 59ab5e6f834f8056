package harness

import "github.com/lockbench/lockbench/perfevent"

// PerfEventOpenFunc has the signature of unix.PerfEventOpen. A Runner
// calls it for every event it opens; tests replace it to simulate a
// machine without hardware counters (package perfevent opens them).
type PerfEventOpenFunc = perfevent.OpenFunc

// CounterSupport says which counter groups the machine allows
// (perfevent.Support).
type CounterSupport = perfevent.Support
