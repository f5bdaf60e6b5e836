package config

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// InputError is one bad input: which input, the value given (empty when it
// must not be shown, as for the API key), what is wrong with it and what is
// accepted instead.
type InputError struct {
	Input    string
	Value    string
	Problem  string
	Accepted string
}

// Error reads like
//
//	input "timeout": "abc" is not a duration; use Go syntax such as 90s, ...
func (e *InputError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "input %q", e.Input)
	if e.Value != "" {
		fmt.Fprintf(&b, ": %q", shorten(e.Value))
	}
	b.WriteString(" " + e.Problem)
	if e.Accepted != "" {
		b.WriteString("; " + e.Accepted)
	}
	return b.String()
}

// maxShown is how many bytes of a bad value an error shows.
const maxShown = 80

// shorten cuts a long value for display, on a rune boundary.
func shorten(s string) string {
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
