package merge

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/lockbench/lockbench/internal/safefile"
)

// TestIntoDirNeverDestroys: merge writes only into a folder that is new
// or empty, or forced; never over an input, never into a claimed folder;
// a refused merge leaves no folder it made.
func TestIntoDirNeverDestroys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	shards := func(parent string) []string {
		var ps []string
		for k := 1; k <= 2; k++ {
			d := filepath.Join(parent, "a"+string(rune('0'+k)))
			os.MkdirAll(d, 0o755)
			p := filepath.Join(d, "results.txt")
			writeShard(t, p, "p1", "a", k, 2, 3)
			ps = append(ps, p)
		}
		return ps
	}
	paths := shards(dir)
	orig, _ := os.ReadFile(paths[0])

	t.Run("new folder", func(t *testing.T) {
		out := filepath.Join(dir, "new")
		if _, err := IntoDir(ctx, out, "results.txt", paths, DefaultOptions, false); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(out, safefile.ClaimFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the claim's lock file is left behind: %v", err)
		}
		// Reason: the folder now holds a merged file; a second merge must ask.
		_, err := IntoDir(ctx, out, "results.txt", paths, DefaultOptions, false)
		if !errors.Is(err, ErrOutputExists) {
			t.Errorf("second merge into %s: %v, want ErrOutputExists", out, err)
		}
		if _, err := IntoDir(ctx, out, "results.txt", paths, DefaultOptions, true); err != nil {
			t.Errorf("forced merge: %v", err)
		}
	})
	t.Run("holds an input", func(t *testing.T) {
		// Reason: -o a1 would replace a1/results.txt, the shard being read; forced or not.
		for _, force := range []bool{false, true} {
			_, err := IntoDir(ctx, filepath.Dir(paths[0]), "results.txt", paths, DefaultOptions, force)
			if !errors.Is(err, ErrOutputHoldsInput) {
				t.Errorf("force=%v: %v, want ErrOutputHoldsInput", force, err)
			}
		}
		if now, _ := os.ReadFile(paths[0]); string(now) != string(orig) {
			t.Error("the input shard was changed")
		}
	})
	t.Run("claimed by a run", func(t *testing.T) {
		live := filepath.Join(dir, "live")
		release, err := safefile.ClaimDir(live)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		// Reason: the lock file alone does not make the folder non-empty; the claim must refuse.
		_, err = IntoDir(ctx, live, "results.txt", paths, DefaultOptions, true)
		if !errors.Is(err, safefile.ErrBusy) {
			t.Errorf("merge into a claimed folder: %v, want ErrBusy", err)
		}
		if _, err := os.Stat(filepath.Join(live, "results.txt")); err == nil {
			t.Error("a results.txt was written into the claimed folder")
		}
	})
	t.Run("refused leaves no folder", func(t *testing.T) {
		out := filepath.Join(dir, "refused")
		// Reason: one shard of two is missing: the merge is refused.
		if _, err := IntoDir(ctx, out, "results.txt", paths[:1], DefaultOptions, false); !errors.Is(err, ErrMissing) {
			t.Fatalf("%v, want ErrMissing", err)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a refused merge left %s: %v", out, err)
		}
	})
}
