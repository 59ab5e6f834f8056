package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
)

// TestJSONErrors: with --json, a failure is one JSON document on stdout
// (the message and the exit status), not an empty stdout; a command that
// printed its own document (gate's verdict) is not given a second.
func TestJSONErrors(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		reason string
	}{
		{[]string{"run", "--json", "--shard", "0/2"}, "a bad flag value of run"},
		{[]string{"gate", "--json", "--baseline", "/nonexistent/base.txt", "/nonexistent/new.txt"}, "gate's input error"},
		{[]string{"gate", "--json"}, "gate's usage error"},
	} {
		stdout, _, code := execCLI(t, tt.args...)
		var doc struct {
			Error    string `json:"error"`
			ExitCode int    `json:"exit_code"`
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.Error == "" || doc.ExitCode != code || code == 0 {
			t.Errorf("%s: exit %d, stdout %q (%v): want one JSON error document with the exit status", tt.reason, code, stdout, err)
		}
	}
	stdout, _, code := execCLI(t, "gate", "--json", "--baseline", "testdata/few-old.txt", "testdata/few-new.txt")
	dec := json.NewDecoder(strings.NewReader(stdout))
	var v map[string]any
	if err := dec.Decode(&v); err != nil || dec.More() {
		t.Errorf("gate with too few samples: stdout is not one JSON document: %v\n%s", err, stdout)
	}
	// Reason: too few samples judge nothing: never "pass": true.
	if v["pass"] != false || code != exitUnjudged {
		t.Errorf("gate with too few samples: pass %v, exit %d; want false, %d", v["pass"], code, exitUnjudged)
	}
}

// TestInterruptedNamesSignal: a command that returns its context's error
// after a signal says which signal, not "context canceled".
func TestInterruptedNamesSignal(t *testing.T) {
	e := &interrupted{err: fmt.Errorf("reading the results: %w", context.Canceled), cause: &interrupt{sig: syscall.SIGTERM}}
	if msg := e.Error(); strings.Contains(msg, "context canceled") || !strings.Contains(msg, "SIGTERM") {
		t.Errorf("message %q, want the signal named", msg)
	}
	if exitCode(e) != exitTerminated || !errors.Is(e, context.Canceled) {
		t.Errorf("exit %d, want %d", exitCode(e), exitTerminated)
	}
}
