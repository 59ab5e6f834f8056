// Package host describes the machine a lockbench run measures: its CPU
// topology (ReadTopology: the online CPUs, their cores, last-level caches,
// packages and NUMA nodes, from sysfs), where workers run on it (Placement
// and Topology.Place; the older Affinity orders), the machine's
// description for the results file (ReadMachine, Machine.Config), and the
// probes of its state where the workers run: the one-way cache-line
// transfer between two CPUs (ProbePairs, MeasureXfer) and the speed of
// fixed single-core work on each (SpeedProbe).
//
// It sits below harness, which reads the topology once per sweep, pins
// its workers on the CPUs a Placement picks (Pin) and writes the probes'
// figures as xfer-ns, speed-ns and mem-ns; it imports only schema (the
// results' key and unit names) besides the standard library, x/sys/unix
// and benchfmt, so that a tool reading a machine needs nothing of a run.
//
// Bad input is a *NameError (an unknown affinity or placement); harness
// wraps it in the FieldError that names its field. The tests read fake
// sysfs trees under testdata/sysfs (a 2-socket Intel with SMT, an AMD
// with two CCDs per socket, a container that masks the cache and node
// files).
package host
