// Package printable neutralises text from files and arguments before
// lockbench prints or renders it: a benchmark name holding an ANSI escape
// sequence must show as text, not set the terminal's title or clear its
// screen, and must not reach report.html or report.md raw.
//
// It is a leaf: it imports nothing of lockbench. reports applies it to
// every name, configuration value and label it reads; cmd/lockbench to
// every error and warning it prints.
package printable

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns s with every control character (C0 including tab and
// newline, DEL, C1), every bidirectional formatting character (which can
// reorder what a reader sees) and every invalid UTF-8 byte replaced by its
// Go escape (\x1b, \n, \u202e). It returns s itself, unallocated, when
// there is nothing to replace, so that clean text (all of lockbench's own)
// is unchanged.
func String(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Bytes is String for a byte slice; it returns b itself when clean.
func Bytes(b []byte) []byte {
	s := string(b)
	if clean(s) {
		return b
	}
	return []byte(String(s))
}

func clean(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return false
		}
		i += size
	}
	return true
}

// unsafeRune reports whether r changes how a terminal or a reader shows
// the text around it.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL, C1
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true // bidirectional embeddings, overrides, isolates and marks
	}
	return false
}
