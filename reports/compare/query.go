package compare

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/lockbench/lockbench/internal/printable"
)

// A QueryError is a filter or projection (benchproc syntax) that does not
// parse. Its message is one line: benchproc's own is three (the message,
// the query, a caret under the offending place), which a command line
// cannot print as its one line of error.
type QueryError struct {
	What   string // "filter", "row projection", ...
	Query  string
	Column int // 1-based rune position of the error in Query; 0 if unknown
	Msg    string
	Err    error // benchproc's error
}

func (e *QueryError) Error() string {
	q := printable.String(e.Query)
	if e.Column > 0 {
		return fmt.Sprintf("%s %q: syntax error at column %d: %s", e.What, q, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s %q: %s", e.What, q, e.Msg)
}

func (e *QueryError) Unwrap() error { return e.Err }

// queryError turns benchproc's error for query into a *QueryError.
// benchproc's syntax error type is internal to it; its fields Off and Msg
// are read by reflection, and any other error is flattened to one line.
func queryError(what, query string, err error) error {
	qe := &QueryError{What: what, Query: query, Err: err}
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
		msg, off := v.Elem().FieldByName("Msg"), v.Elem().FieldByName("Off")
		if msg.Kind() == reflect.String && off.Kind() == reflect.Int {
			qe.Msg = msg.String()
			if o := int(off.Int()); o >= 0 && o <= len(query) {
				qe.Column = utf8.RuneCountInString(query[:o]) + 1
			}
		}
	}
	if qe.Msg == "" {
		qe.Msg = err.Error()
	}
	qe.Msg = printable.String(strings.Join(strings.Fields(qe.Msg), " "))
	return qe
}
