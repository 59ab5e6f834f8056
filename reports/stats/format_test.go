package stats

import "testing"

func TestPlural(t *testing.T) {
	if Plural(1, "block") != "1 block" || Plural(2, "block") != "2 blocks" || Plural(0, "block") != "0 blocks" {
		t.Error("plural")
	}
}
