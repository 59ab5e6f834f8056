package safefile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// helperEnv names the helper a re-executed test binary runs instead of
// the tests: how the tests get real concurrent processes.
const helperEnv = "SAFEFILE_TEST_HELPER"

// argSep separates the helper's arguments in helperEnv (paths may hold
// spaces).
const argSep = "\x1f"

func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		os.Exit(runHelper(strings.Split(h, argSep)))
	}
	goleak.VerifyTestMain(m)
}

// helpers are the processes the tests start; each prints one line of
// result on stdout.
var helpers = map[string]func(args []string) int{
	// claim DIR: claim, print "won" or "lost <error>", then hold the
	// claim until stdin closes, so that every racer has answered before
	// the winner lets go.
	"claim": func(args []string) int {
		release, err := ClaimDir(args[0])
		if err != nil {
			fmt.Printf("lost %v\n", err)
			return 0
		}
		fmt.Println("won")
		io.Copy(io.Discard, os.Stdin)
		if err := release(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	},
	// unique PARENT: create a folder named for a fixed second.
	"unique": func(args []string) int {
		dir, err := UniqueDir(args[0], fixedTime)
		if err != nil {
			fmt.Printf("error %v\n", err)
			return 1
		}
		fmt.Println(dir)
		return 0
	},
}

// fixedTime is the start time every UniqueDir racer shares.
var fixedTime = time.Date(2026, 5, 9, 7, 30, 30, 0, time.UTC)

func runHelper(args []string) int {
	h, ok := helpers[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "no helper %q\n", args[0])
		return 2
	}
	return h(args[1:])
}

// helperProc is a running helper process.
type helperProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// startHelper re-executes the test binary as the named helper.
func startHelper(t *testing.T, args ...string) *helperProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+strings.Join(args, argSep))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &helperProc{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	t.Cleanup(func() {
		p.stdin.Close()
		p.cmd.Process.Kill()
		p.cmd.Wait()
	})
	return p
}

// line returns the helper's result line.
func (p *helperProc) line(t *testing.T) string {
	t.Helper()
	s, err := p.out.ReadString('\n')
	if err != nil {
		t.Fatalf("reading a helper's answer: %v (got %q)", err, s)
	}
	return strings.TrimSuffix(s, "\n")
}

// finish closes the helper's stdin and waits for it to exit.
func (p *helperProc) finish(t *testing.T) {
	t.Helper()
	p.stdin.Close()
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("helper %v: %v", p.cmd.Env[len(p.cmd.Env)-1], err)
	}
}
