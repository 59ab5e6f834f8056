package merge

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/schema"
)

// sealShard is shard k/n of plan p1 holding the cases of lock l: its
// seal is the plan's, the shard's and its group's (schema.ShardSeal).
func sealShard(k, n int, lock string) string {
	group := "PageCache/lock=" + lock + "/threads=2"
	return "workload: pagecache\nmachine: a\nplan: p1\n" +
		schema.ConfShard + ": " + schema.Shard{K: k, N: n}.String() + "\ncases: 1\n" +
		schema.ConfSeal + ": " + schema.ShardSeal("p1", schema.Shard{K: k, N: n}.String(), []string{group}) + "\n\n" +
		"BenchmarkPageCache/mode=page/batch=1/lock=" + lock + "/threads=2-2 100 50 ns/page\n"
}

// TestSealRelabelled: a shard whose header was edited to claim another
// shard merged as that shard (1/2 relabelled 1/1 made a whole sweep of
// half of one). Its seal no longer matches its lines; a file without a
// seal line (an older lockbench) is merged unchecked.
func TestSealRelabelled(t *testing.T) {
	tests := []struct {
		name   string
		files  []string
		want   string // in the error; "" merges
		reason string
	}{
		{"whole", []string{sealShard(1, 2, "mutex"), sealShard(2, 2, "mcs")}, "", "each shard as written"},
		{"1of1", []string{strings.Replace(sealShard(1, 2, "mutex"), "shard: 1/2", "shard: 1/1", 1)}, "shard 1/1 of machine a: its seal line", "half a sweep relabelled the whole"},
		{"swapped", []string{strings.Replace(sealShard(1, 2, "mutex"), "shard: 1/2", "shard: 2/2", 1), strings.Replace(sealShard(2, 2, "mcs"), "shard: 2/2", "shard: 1/2", 1)},
			"its seal line", "two shards' labels swapped: each shard once, each with the other's lines"},
		{"plan", []string{strings.Replace(sealShard(1, 1, "mutex"), "plan: p1", "plan: p2", 1)}, "its seal line", "the plan line edited"},
		{"unsealed", []string{strings.Replace(sealShard(1, 1, "mutex"), schema.ConfSeal+": ", "x-old: ", 1)}, "", "no seal line: an older lockbench's shard, not checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var paths []string
			for i, f := range tt.files {
				p := filepath.Join(dir, string(rune('a'+i))+".txt")
				if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, p)
			}
			_, err := Files(context.Background(), filepath.Join(dir, "m.txt"), paths, DefaultOptions)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v (%s)", err, tt.reason)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one saying %q (%s)", err, tt.want, tt.reason)
			}
		})
	}
}
