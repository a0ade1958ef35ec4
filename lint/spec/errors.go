package spec

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is a problem with an input file, with its position when known. It
// prints like a compiler message: "file:line:col: message", or "file:
// message" for a problem with the whole file.
type Error struct {
	Pos Position
	Msg string
}

func (e *Error) Error() string {
	if e.Pos.Line > 0 {
		return e.Pos.String() + ": " + e.Msg
	}
	if e.Pos.File != "" {
		return e.Pos.File + ": " + e.Msg
	}
	return e.Msg
}

// Errors is every input problem of one load, sorted by file and position.
// errors.As finds the *Error and *RefError values inside.
type Errors []error

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual errors.
func (es Errors) Unwrap() []error { return es }

// RefError is a $ref that cannot be followed.
type RefError struct {
	Pos Position // where the $ref value is written
	Ref string
	Msg string
}

func (e *RefError) Error() string {
	return fmt.Sprintf("%s: $ref %q: %s", e.Pos, e.Ref, e.Msg)
}

// errorPos is the position an error sorts by.
func errorPos(err error) Position {
	var e *Error
	if errors.As(err, &e) {
		return e.Pos
	}
	var r *RefError
	if errors.As(err, &r) {
		return r.Pos
	}
	return Position{}
}

// sortErrors orders errors by file, line and column and drops exact repeats
// (a broken $ref inside a YAML anchor is seen once per alias).
func sortErrors(errs []error) Errors {
	out := append(Errors(nil), errs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := errorPos(out[i]), errorPos(out[j])
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return out[i].Error() < out[j].Error()
	})
	k := 0
	for i, e := range out {
		if i > 0 && e.Error() == out[k-1].Error() {
			continue
		}
		out[k] = e
		k++
	}
	return out[:k]
}
