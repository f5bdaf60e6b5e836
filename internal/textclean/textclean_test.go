package textclean

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, lines, multi, single, log, line string
	}{
		{"plain text\n", "plain text\n", "plain text\n", "plain text ", "plain text\n", "plain text"},
		{"a\r\nb\rc\nd", "a\nb\nc\nd", "a\nb\nc\nd", "a b c d", "a\nb\nc\nd", "a b c d"},
		{"a\u2028b\u2029c", "a\nb\nc", "a\u2028b\u2029c", "a\u2028b\u2029c", "a\u2028b\u2029c", "a b c"},
		{"tab\there", "tab here", "tab here", "tab here", "tab\there", "tab here"},
		{"nul\x00esc\x1b[31m del\x7f", "nulesc[31m del", "nulesc[31m del", "nulesc[31m del", "nulesc[31m del", "nul esc [31m del"},
		{"bidi\u202eevil\u2066x\u2069\ufeff\u200e\u061c", "bidievilx", "bidievilx", "bidievilx", "bidievilx", "bidievilx"},
		{"zero\u200bwidth\u200c\u200d\u2060join\u00ad", "zerowidthjoin", "zerowidthjoin", "zerowidthjoin", "zerowidthjoin", "zerowidthjoin"},
		{"tag\U000E0001\U000E0069\U000E0067\U000E007Fs", "tags", "tags", "tags", "tags", "tags"},
		{"bad\xff\xfeutf8", "bad\ufffd\ufffdutf8", "bad\ufffdutf8", "bad\ufffdutf8", "bad\ufffdutf8", "bad\ufffdutf8"},
		{"é ✓", "é ✓", "é ✓", "é ✓", "é ✓", "é ✓"},
		{"  a \u00a0\n\n b\u3000 ", "  a \u00a0\n\n b\u3000 ", "  a \u00a0\n\n b\u3000 ", "  a \u00a0   b\u3000 ", "  a \u00a0\n\n b\u3000 ", "a b"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.lines, Lines(tt.in), "Lines(%q)", tt.in)
		assert.Equal(t, tt.multi, Value(tt.in, true), "Value(%q, true)", tt.in)
		assert.Equal(t, tt.single, Value(tt.in, false), "Value(%q, false)", tt.in)
		assert.Equal(t, tt.log, Log(tt.in), "Log(%q)", tt.in)
		assert.Equal(t, tt.line, Line(tt.in), "Line(%q)", tt.in)
	}
}

// Every kind of text follows the one rule: whatever comes in, no control
// character but the line breaks (and a log's tabs), no format character,
// and valid UTF-8 come out.
func TestEveryKindFollowsTheRule(t *testing.T) {
	t.Parallel()
	var all strings.Builder
	for r := rune(0); r < 0x3000; r++ {
		all.WriteRune(r)
	}
	all.WriteString("\U000E0001\U000E0041\U000E007F\xff\xc0\x80\xed\xa0\x80")
	kinds := map[string]func(string) string{
		"Lines": Lines, "Log": Log, "Line": Line,
		"Value multi-line": func(s string) string { return Value(s, true) },
		"Value":            func(s string) string { return Value(s, false) },
	}
	for name, kind := range kinds {
		out := kind(all.String())
		assert.True(t, utf8.ValidString(out), name)
		for _, r := range out {
			if r == '\n' || r == '\t' && name == "Log" {
				continue
			}
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Errorf("%s keeps %U", name, r)
			}
		}
	}
}

func TestCut(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "short", Cut("short", 5))
	assert.Equal(t, "sh…", Cut("shorter", 5))
	assert.Equal(t, "é…", Cut("ééé", 5))
	assert.Equal(t, "…", Cut("ééé", 4))
	assert.Equal(t, "…", Cut("abc", 0))
	for n := 0; n < 12; n++ {
		got := Cut(strings.Repeat("✓é", 4), n)
		assert.True(t, utf8.ValidString(got), "%d: %q", n, got)
		assert.LessOrEqual(t, len(got), max(n, len("…")), "%d", n)
	}
}

// What Hidden reports (bidi controls, the BOM) Invisible reports too.
func TestHiddenIsInvisible(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if Hidden(r) && !Invisible(r) {
			t.Errorf("%U is Hidden but not Invisible", r)
		}
	}
	for _, r := range "\u200b\u200c\u200d\u2060\u00ad\U000E0041\u180e" {
		assert.True(t, Invisible(r), "%U", r)
	}
	for _, r := range "a é\u00a0\u2028\ufffd" {
		assert.False(t, Invisible(r), "%U", r)
	}
}
