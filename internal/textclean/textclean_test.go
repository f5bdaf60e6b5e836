package textclean

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, lines, multi, single string
	}{
		{"plain text\n", "plain text\n", "plain text\n", "plain text "},
		{"a\r\nb\rc\nd", "a\nb\nc\nd", "a\nb\nc\nd", "a b c d"},
		{"a\u2028b\u2029c", "a\nb\nc", "a\u2028b\u2029c", "a\u2028b\u2029c"},
		{"tab\there", "tab here", "tab here", "tab here"},
		{"nul\x00esc\x1b[31m del\x7f", "nulesc[31m del", "nulesc[31m del", "nulesc[31m del"},
		{"bidi\u202eevil\u2066x\u2069\ufeff\u200e\u061c", "bidievilx", "bidievilx", "bidievilx"},
		{"bad\xff\xfeutf8", "bad\ufffd\ufffdutf8", "bad\ufffdutf8", "bad\ufffdutf8"},
		{"é ✓", "é ✓", "é ✓", "é ✓"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.lines, Lines(tt.in), "Lines(%q)", tt.in)
		assert.Equal(t, tt.multi, Value(tt.in, true), "Value(%q, true)", tt.in)
		assert.Equal(t, tt.single, Value(tt.in, false), "Value(%q, false)", tt.in)
	}
}
