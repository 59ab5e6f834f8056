package profiles

import (
	"slices"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/locks"
)

func TestCommands(t *testing.T) {
	var st locks.Stats
	recs := []Record{
		testCase{lock: "mcs", mode: "pagevec", batch: 16, threads: 2}.record("zone", "", &st),
		testCase{lock: "mcs", mode: "page", batch: 16, threads: 2}.record("lru", "", &st),
		testCase{lock: "mcs", mode: "page", batch: 16, threads: 2}.record("zone", "", &st),
	}
	want := []string{
		"go tool pprof -top '/tmp/my results/contention.pb.gz'",
		"go tool pprof -tags '/tmp/my results/contention.pb.gz'",
		"go tool pprof -top '-tagfocus=class=^lru$' '/tmp/my results/contention.pb.gz'",
		"go tool pprof -top '-tagfocus=class=^zone$' '/tmp/my results/contention.pb.gz'",
		"go tool pprof -tags '/tmp/my results/cpu.pb.gz'",
		"go tool pprof -top '-tagfocus=mode=^page$' '/tmp/my results/cpu.pb.gz'",
		"go tool pprof -top '-tagfocus=mode=^pagevec$' '/tmp/my results/cpu.pb.gz'",
		"go tool pprof -top '/tmp/my results/mutex.pb.gz'",
		"go tool pprof -top '/tmp/my results/block.pb.gz'",
	}
	if got := Commands("/tmp/my results", recs...); !slices.Equal(got, want) {
		t.Errorf("Commands:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	b := NewBuilder()
	if err := b.Add(recs...); err != nil {
		t.Fatal(err)
	}
	s := &Session{dir: "/tmp/my results", cont: b}
	if got := s.Commands(); !slices.Equal(got, want) {
		t.Errorf("Session.Commands:\n%s\nwant the same as Commands:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestShellQuote(t *testing.T) {
	for _, x := range []struct{ in, want, reason string }{
		{"lockbench-results/2026-11-25T22:00/cpu.pb.gz", "lockbench-results/2026-11-25T22:00/cpu.pb.gz", "nothing a shell interprets"},
		{"-tagfocus=mode=^page$", "'-tagfocus=mode=^page$'", "^ and $ are special to some shells"},
		{"it's", `'it'\''s'`, "a quote ends the quoted word, is escaped, and a new one starts"},
		{"", "''", "an empty word must stay a word"},
	} {
		if got := shellQuote(x.in); got != x.want {
			t.Errorf("shellQuote(%q) = %s, want %s (%s)", x.in, got, x.want, x.reason)
		}
	}
}
