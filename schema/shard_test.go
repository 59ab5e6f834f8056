package schema

import (
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in     string
		want   Shard
		err    string
		reason string
	}{
		{"2/4", Shard{2, 4}, "", "the common case"},
		{"1/1", Shard{1, 1}, "", "the whole plan"},
		{"0/3", Shard{}, "K must be from 1 to N", "shards count from 1"},
		{"4/3", Shard{}, "K must be from 1 to N", "K beyond N"},
		{"a/b", Shard{}, "want K/N", "not numbers"},
		{"3", Shard{}, "want K/N", "no slash"},
		{"1/0", Shard{}, "N must be at least 1", "no shards"},
		{"+2/02", Shard{}, "want K/N", "a sign or a leading zero is a hand edit: harness writes 2/2"},
		{" 1/2", Shard{}, "want K/N", "spaces are not part of a shard"},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in)
		if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) || got != tt.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, %q (%s)", tt.in, got, err, tt.want, tt.err, tt.reason)
		}
		if err == nil && got.String() != tt.in {
			t.Errorf("Shard(%q).String() = %q: not a round trip", tt.in, got)
		}
	}
	if (Shard{}).String() != "1/1" {
		t.Error("the zero Shard is the whole plan, 1/1")
	}
}

func TestShardValidate(t *testing.T) {
	tests := []struct {
		in     Shard
		err    string
		reason string
	}{
		{Shard{K: 2, N: 4}, "", "a part of a sharded plan"},
		{Shard{K: 1, N: 1}, "", "the whole plan as one shard"},
		{Shard{}, "N must be at least 1", "the zero Shard is no K/N: callers that accept it check first"},
		{Shard{K: 1, N: -2}, "N must be at least 1", "a negative count of shards"},
		{Shard{K: 0, N: 3}, "K must be from 1 to N (3)", "shards count from 1"},
		{Shard{K: 4, N: 3}, "K must be from 1 to N (3)", "K beyond N"},
	}
	for _, tt := range tests {
		err := tt.in.Validate()
		if (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("%#v.Validate() = %v, want %q (%s)", tt.in, err, tt.err, tt.reason)
		}
	}
}

func TestMachineKey(t *testing.T) {
	for _, key := range []string{"", ConfCPU, ConfCountNote} {
		i, k, ok := ParseMachineKey(MachineKey(12, key))
		if !ok || i != 12 || k != key {
			t.Errorf("ParseMachineKey(MachineKey(12, %q)) = %d, %q, %v", key, i, k, ok)
		}
	}
	for _, k := range []string{"machine", "machine-x-cpu", "machine-0", "machine-01-cpu", "cpu"} {
		if _, _, ok := ParseMachineKey(k); ok {
			t.Errorf("ParseMachineKey(%q) accepted a key MachineKey never writes", k)
		}
	}
}
