package printable

import (
	"testing"
	"unicode"
)

func TestString(t *testing.T) {
	tests := []struct {
		in, want string
		reason   string
	}{
		{"BenchmarkX/lock=mcs-2", "BenchmarkX/lock=mcs-2", "lockbench's own names are unchanged"},
		{"µs ±5% ∞", "µs ±5% ∞", "printable non-ASCII stays as it is"},
		{"X\x1b]0;pwned\x07Y", `X\x1b]0;pwned\aY`, "a window-title OSC sequence becomes text"},
		{"\x1b[2J\x1b[H", `\x1b[2J\x1b[H`, "a screen clear becomes text"},
		{"a\nb\tc\r", `a\nb\tc\r`, "line breaks cannot split one printed line"},
		{"x\u202eevil", `x\u202eevil`, "a right-to-left override cannot reorder what follows"},
		{"\u009b31m", `\u009b31m`, "a C1 CSI is a control character too"},
		{"bad\xffbyte", `bad\xffbyte`, "invalid UTF-8 is shown as its byte"},
		{"\x7f", `\x7f`, "DEL is a control character"},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q (%s)", tt.in, got, tt.want, tt.reason)
		}
		if got := string(Bytes([]byte(tt.in))); got != tt.want {
			t.Errorf("Bytes(%q) = %q, want %q (%s)", tt.in, got, tt.want, tt.reason)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"a", "\x1b[2J", "\xff", "\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		for _, r := range out {
			if unsafeRune(r) || r == unicode.ReplacementChar && !containsRune(s, r) {
				t.Fatalf("String(%q) = %q still holds %U", s, out, r)
			}
		}
		if String(out) != out {
			t.Fatalf("String is not idempotent on %q: %q", s, out)
		}
	})
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}
