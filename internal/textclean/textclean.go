// Package textclean holds the one rule for the characters of untrusted text
// (from the API, through the agent, from a forge, or from an input) that
// oz-run shows or hands on: control characters, and the invisible format
// characters that reorder or hide the text around them (bidi controls,
// zero-width characters, the BOM, tag characters: Invisible), are dropped;
// tabs become spaces (a log keeps them); line breaks become what the place
// they go to needs; invalid UTF-8 becomes U+FFFD. Every place that shows
// such text follows it, each through the function for its kind of text:
// the summary and the PR/MR comment (Lines), the CI outputs: step outputs,
// dotenv, JUnit, the answer file (Value), the CI log (Log), one-line
// messages of the API and of the forges (Line); file names from the agent
// drop what Invisible reports too.
package textclean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lines is s as lines of text to show: every line break (LF, CRLF, a lone
// CR, U+2028, U+2029) becomes LF, and each invalid byte U+FFFD.
func Lines(s string) string {
	if plain(s, '\n') {
		return s
	}
	return clean(s, rule{br: '\n', unicodeBreaks: true})
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
	return clean(strings.ToValidUTF8(s, "\uFFFD"), rule{br: br})
}

// Log is s as lines of a log: LF, CRLF and a lone CR become LF (runners
// and terminals break lines on a lone CR), a tab stays, and a run of
// invalid bytes becomes one U+FFFD. No ANSI sequence, forged GitLab
// section marker or NUL is left: a log line reads as it is.
func Log(s string) string {
	if plain(s, '\n') {
		return s
	}
	return clean(strings.ToValidUTF8(s, "\uFFFD"), rule{br: '\n', keepTabs: true})
}

// Line is s as one line of a message: every line break, tab and other
// control character is a space, runs of white space are one space and the
// ends are trimmed; a run of invalid bytes becomes one U+FFFD.
func Line(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r):
			return ' '
		case Invisible(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Join(strings.Fields(s), " ")
}

// Cut is s cut to at most limit bytes (at least 3) at a character, ending
// with "…" when it was cut. Cut after redacting: a cut could leave a part of a secret
// that is no longer recognised.
func Cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := max(limit-len("…"), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Hidden reports the format characters that reorder or hide text: bidi
// marks, embeddings, overrides and isolates, the Arabic letter mark and the
// BOM. Invisible reports them and the other format characters.
func Hidden(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f', r == '\ufeff':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// Invisible reports the format characters (Unicode's category Cf) that
// every kind of text drops: the Hidden ones, and the zero-width spaces,
// joiners and non-joiners, the word joiner, the soft hyphen, the tag
// characters, which hide text between the visible characters around them.
// An emoji sequence that a joiner held together shows as its parts.
func Invisible(r rune) bool {
	return r >= 0xad && unicode.Is(unicode.Cf, r)
}

// rule is where the kinds of text differ: what a line break becomes, and
// whether U+2028 and U+2029 are line breaks and a tab stays a tab.
type rule struct {
	br                      byte
	unicodeBreaks, keepTabs bool
}

// clean drops control and Invisible characters, turns tabs into spaces and
// line breaks into br, as r says.
func clean(s string, r rule) string {
	var b strings.Builder
	b.Grow(len(s))
	for i, c := range s {
		switch {
		case c == '\r' && strings.HasPrefix(s[i+1:], "\n"):
		case c == '\n', c == '\r', r.unicodeBreaks && (c == '\u2028' || c == '\u2029'):
			b.WriteByte(r.br)
		case c == '\t' && r.keepTabs:
			b.WriteByte('\t')
		case c == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(c), Invisible(c):
		default:
			b.WriteRune(c) // an invalid byte is utf8.RuneError here
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
