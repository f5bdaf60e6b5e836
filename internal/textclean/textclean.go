// Package textclean holds the one rule for the characters of untrusted text
// (from the API, through the agent, or from an input) that oz-run shows or
// hands on: control characters, and the invisible format characters that
// reorder or hide the text around them (bidi controls, the BOM), are
// dropped; tabs become spaces; line breaks become what the place they go
// to needs; the result is valid UTF-8. The summary (Markdown and plain
// text) and the CI outputs (step outputs, dotenv, JUnit, the answer file)
// both follow it, each through the function for its kind of text.
package textclean

import (
	"strings"
	"unicode"
)

// Lines is s as lines of text to show: every line break (LF, CRLF, a lone
// CR, U+2028, U+2029) becomes LF, and each invalid byte U+FFFD.
func Lines(s string) string {
	if plain(s, '\n') {
		return s
	}
	return clean(s, '\n', true)
}

// Value is s as a value handed on to a later step: with multiLine, LF,
// CRLF and a lone CR become LF, otherwise a space; a run of invalid bytes
// becomes one U+FFFD.
func Value(s string, multiLine bool) string {
	br := byte(' ')
	if multiLine {
		br = '\n'
	}
	if plain(s, br) {
		return s
	}
	return clean(strings.ToValidUTF8(s, "\uFFFD"), br, false)
}

// Hidden reports the format characters that reorder or hide text: bidi
// marks, embeddings, overrides and isolates, the Arabic letter mark and the
// BOM.
func Hidden(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f', r == '\ufeff':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// clean drops control and Hidden characters, turns tabs into spaces and
// line breaks into br (U+2028 and U+2029 too with unicodeBreaks).
func clean(s string, br byte, unicodeBreaks bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == '\r' && strings.HasPrefix(s[i+1:], "\n"):
		case r == '\n', r == '\r', unicodeBreaks && (r == '\u2028' || r == '\u2029'):
			b.WriteByte(br)
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r), Hidden(r):
		default:
			b.WriteRune(r) // an invalid byte is utf8.RuneError here
		}
	}
	return b.String()
}

// plain reports whether s is printable ASCII (and LF, when line breaks
// stay LF): clean leaves it as it is.
func plain(s string, br byte) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && (c != '\n' || br != '\n')) || c >= 0x7f {
			return false
		}
	}
	return true
}
