// Package bigfile makes large results files and measures the heap of
// reading them: the inputs and the meter of the readers' memory
// benchmarks (reports' BenchmarkLoadLong and its neighbours in compare
// and render), which show that a reader's memory follows the cases of
// its input, not its lines (results' limits).
package bigfile

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// Write writes to path a results file of about size bytes: src's lines
// other than result lines once, then its result lines (those beginning
// "Benchmark") over and over, as a run of that many more repetitions of
// the same cases would write them. It returns the size written.
func Write(path string, src []byte, size int64) (int64, error) {
	var head, body []byte
	for line := range bytes.Lines(src) {
		if bytes.HasPrefix(line, []byte("Benchmark")) {
			body = append(body, line...)
		} else {
			head = append(head, line...)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n, _ := w.Write(head)
	total := int64(n)
	for len(body) > 0 && total+int64(len(body)) <= size {
		n, _ = w.Write(body)
		total += int64(n)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return total, f.Close()
}

// WriteMachines writes to path a results file of about size bytes in
// the shape of a merged sweep of many machines: src's lines other than
// result lines once, then for machine 1, 2, ... a "machine: mN" line and
// src's result lines reps times, as merge writes the shards of a fleet.
// Each machine adds src's cases anew, so the file holds many distinct
// cases of reps lines each: the shape that the readers' budget of kept
// lines (results.MaxKept), not their per-case sample, bounds. It
// returns the size written and the machines.
func WriteMachines(path string, src []byte, reps int, size int64) (int64, int, error) {
	var head, body []byte
	for line := range bytes.Lines(src) {
		if bytes.HasPrefix(line, []byte("Benchmark")) {
			body = append(body, line...)
		} else if !bytes.HasPrefix(line, []byte("machine:")) {
			head = append(head, line...)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n, _ := w.Write(head)
	total := int64(n)
	machines := 0
	for len(body) > 0 && reps > 0 && total+int64(reps*len(body)+32) <= size {
		machines++
		n, _ = fmt.Fprintf(w, "machine: m%d\n", machines)
		total += int64(n)
		for range reps {
			n, _ = w.Write(body)
			total += int64(n)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, 0, err
	}
	return total, machines, f.Close()
}

// PeakHeap runs f and returns the most heap its objects took meanwhile
// (runtime/metrics' /memory/classes/heap/objects:bytes, read every
// millisecond, after a GC before f): what the readers' benchmarks report
// as peak-heap-B. It reads the heap beside f, never inside it.
func PeakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	peak := read()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				peak = max(peak, read())
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	return max(peak, read())
}
