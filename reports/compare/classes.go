package compare

import (
	"strings"

	"github.com/lockbench/lockbench/schema"
)

// Class lines (a schema.KeyClass key: one lock class's share of a case's
// lock units, schema.IsClassLine) are not benchmarks of their own:
// Tables and Gate leave them out unless the user asks for them by naming
// the class key in a filter or projection ("--filter /class:lru",
// "--col /class"), so that a results file with class lines compares and
// gates as one without.

// namesClassKey reports whether any of the benchproc expressions names
// the class key ("/class", as in "/class:lru" or "/class@(zone lru)").
func namesClassKey(exprs ...string) bool {
	key := "/" + schema.KeyClass
	for _, e := range exprs {
		for rest := e; ; {
			i := strings.Index(rest, key)
			if i < 0 {
				break
			}
			rest = rest[i+len(key):]
			if rest == "" || !isKeyByte(rest[0]) {
				return true
			}
		}
	}
	return false
}

// isKeyByte reports whether b may continue a bare key ("/classy" is
// not "/class").
func isKeyByte(b byte) bool {
	return b == '-' || b == '_' || b == '.' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}
