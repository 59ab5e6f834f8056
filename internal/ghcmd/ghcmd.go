// Package ghcmd escapes the text of GitHub Actions workflow commands
// (::warning title=...::message), as the Actions runner expects: the
// toolkit's escapeData and escapeProperty. gate and ab both annotate
// with them.
package ghcmd

import "strings"

var (
	data     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	property = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// Data escapes a command's message: a newline in it would end the
// command, and % starts an escape.
func Data(s string) string { return data.Replace(s) }

// Property escapes a command's property value (title=...), where ':'
// and ',' also delimit.
func Property(s string) string { return property.Replace(s) }
