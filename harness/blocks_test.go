package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/perf/benchfmt"
)

// blockTestPlan is the plan of the test binary's block worker
// (serveTestBlock) and of the sweeps that start it: mutex, page and
// batch, at 1 and 2 threads, with the floors and counting repetitions.
func blockTestPlan() Plan {
	p := pairedPlan(2, 1)
	p.Locks, p.Modes = []string{"mutex"}, []workloads.Mode{workloads.ModePage, workloads.ModeBatch}
	p.Floor = true
	return p
}

// blockTestRunner is testRunner on the real model, which has the private
// floor at two threads that the fake lacks.
func blockTestRunner() Runner {
	r := testRunner()
	r.NewWorkload = nil
	return r
}

// testExec runs blocks in the test binary as a block worker.
func testExec(t *testing.T, env ...string) ProcessExec {
	t.Helper()
	if testing.Short() {
		t.Skip("runs subprocesses")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return ProcessExec{Path: exe, Command: []string{"-test.run=^$"}, Env: append([]string{envBlockWorker + "=1"}, env...)}
}

// TestProcessBlocks: with Exec, every timed block runs in a process of
// its own, and only there; its results come back whole (turns at one
// thread, whole slices at two), in the block's order, and are written
// as this process's would be; counting repetitions stay here; the
// results say where the blocks ran.
func TestProcessBlocks(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	r := blockTestRunner()
	r.Turn = 5e6
	sw, err := NewSweep(blockTestPlan(), r, filepath.Join(t.TempDir(), "out"), false)
	if err != nil {
		t.Fatal(err)
	}
	sw.Exec = testExec(t, envBlockPIDs+"="+pids)
	var timed, counting []*Result
	sw.Progress = func(_ int, res *Result) {
		if res.Case.Counting {
			counting = append(counting, res)
		} else {
			timed = append(timed, res)
		}
	}
	out, err := sw.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(pids)
	procs := strings.Fields(string(data))
	if len(procs) != out.Blocks || slices.Contains(procs, itoa(os.Getpid())) {
		t.Errorf("%d block processes (%v) for %d timed blocks; want one each, none this process", len(procs), procs, out.Blocks)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(procs)))) != len(procs) {
		t.Errorf("a process ran two blocks: %v", procs)
	}
	// 2 blocks of mutex at 1 thread (with the floor's slices), at 2
	// threads, and of the private floor at 2 threads: 2 x (4 + 2 + 2).
	if len(timed) != 16 || len(counting) == 0 {
		t.Fatalf("%d timed and %d counting results, want 16 timed and some counting", len(timed), len(counting))
	}
	for _, res := range timed {
		want := 1
		if res.Case.Spec.Workers == 1 {
			want = 4 // 20 ms in turns of 5
		}
		if res.Turns != want || res.Pages == 0 || res.Case.Block == 0 || res.Wall <= 0 {
			t.Errorf("%s block %d: %d turns, %d pages, wall %v; want %d turns and a measurement", res.Case.Name(), res.Case.Block, res.Turns, res.Pages, res.Wall, want)
		}
	}
	blocks := map[int][]string{}
	for _, res := range timed {
		blocks[res.Case.Block] = append(blocks[res.Case.Block], res.Case.Group())
	}
	for b, groups := range blocks {
		if len(slices.Compact(slices.Sorted(slices.Values(groups)))) > 2 { // a lock's group and its floor's
			t.Errorf("block %d mixes groups: %v", b, groups)
		}
	}
	i := slices.IndexFunc(sw.Config(), func(c benchfmt.Config) bool { return c.Key == schema.ConfBlockProcess })
	if i < 0 || string(sw.Config()[i].Value) != schema.BlockProcessFresh {
		t.Errorf("the results do not say %s: %s", schema.ConfBlockProcess, schema.BlockProcessFresh)
	}
	waitGoroutines(t)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestProcessBlockErrors: a worker's failure is the block's error, with
// what the worker said; a worker that is not one says so; an interrupt
// stops the sweep as an interrupt.
func TestProcessBlockErrors(t *testing.T) {
	run := func(t *testing.T, e ProcessExec, ctx context.Context) (Outcome, error) {
		t.Helper()
		p := blockTestPlan()
		p.Base.Bare = true
		sw, err := NewSweep(p, blockTestRunner(), filepath.Join(t.TempDir(), "out"), false)
		if err != nil {
			t.Fatal(err)
		}
		sw.Exec = e
		return sw.Run(ctx)
	}
	t.Run("open fails", func(t *testing.T) {
		_, err := run(t, testExec(t, envBlockFail+"=1"), context.Background())
		if err == nil || !strings.Contains(err.Error(), "a scripted failure to open") || !strings.Contains(err.Error(), "in its own process") {
			t.Errorf("err = %v, want the worker's own error, named", err)
		}
	})
	t.Run("not a worker", func(t *testing.T) {
		_, err := run(t, ProcessExec{Path: "/bin/true"}, context.Background())
		if err == nil || !strings.Contains(err.Error(), "ended after 0 of") {
			t.Errorf("err = %v, want a block that ended without its slices", err)
		}
		_, err = run(t, ProcessExec{Path: filepath.Join(t.TempDir(), "missing")}, context.Background())
		if err == nil || !strings.Contains(err.Error(), "starting a block's process") {
			t.Errorf("err = %v, want the start's failure", err)
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		out, err := run(t, testExec(t), ctx)
		if !errors.Is(err, context.Canceled) || !out.Interrupted {
			t.Errorf("err = %v, interrupted %v; want context.Canceled, interrupted", err, out.Interrupted)
		}
	})
	waitGoroutines(t)
}

// TestServeBlockInput: a request that is not one, or names a case the
// plan lacks, is answered with an error reply and returned.
func TestServeBlockInput(t *testing.T) {
	open := func([]string) (Plan, Runner, error) { return blockTestPlan(), blockTestRunner(), nil }
	for _, in := range []string{"", "garbage\n", `{"args":[],"block":1,"cases":[]}` + "\n", `{"args":[],"block":1,"cases":["PageCache/lock=bogus"]}` + "\n"} {
		var out bytes.Buffer
		err := ServeBlock(context.Background(), strings.NewReader(in), &out, open)
		var rep BlockReply
		if jerr := json.Unmarshal(out.Bytes(), &rep); err == nil || jerr != nil || rep.Error == "" || rep.Result != nil {
			t.Errorf("input %q: err %v, reply %q; want an error and an error reply", in, err, out.String())
		}
	}
}

// TestServeBlockWaitsForAck: whole slices run one at a time, each after
// the parent acknowledged the one before (it writes the lines to disk
// in between, not beside a running slice); without the acknowledgement
// the worker stops after one slice.
func TestServeBlockWaitsForAck(t *testing.T) {
	open := func([]string) (Plan, Runner, error) { return blockTestPlan(), blockTestRunner(), nil }
	p, _, _ := open(nil)
	var names []string
	for _, c := range p.Cases() {
		if !c.Counting && c.Spec.Workers == 2 && c.Spec.Lock == "mutex" && !slices.Contains(names, c.Name()) {
			names = append(names, c.Name())
		}
	}
	req, _ := json.Marshal(BlockRequest{Block: 1, Cases: names})
	for _, acks := range []int{0, len(names) - 1} {
		var out bytes.Buffer
		in := string(req) + "\n" + strings.Repeat("\n", acks)
		err := ServeBlock(context.Background(), strings.NewReader(in), &out, open)
		replies := strings.Count(out.String(), "\n")
		switch {
		case acks == 0 && (err == nil || replies != 1):
			t.Errorf("no acknowledgement: err %v, %d replies; want an error after 1", err, replies)
		case acks > 0 && (err != nil || replies != len(names)):
			t.Errorf("%d acknowledgements: err %v, %d replies; want %d", acks, err, replies, len(names))
		}
	}
}
