package summary

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestCapSize(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ééééé\n", 100) // 11 bytes a line, 1100 bytes
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "abc\n", 4, "abc\n"},
		{"at a line", long, 200, strings.Repeat("ééééé\n", 12) + "ééééé" + "\n\n… summary truncated (900 bytes over the limit)\n"},
		{"no line fits", strings.Repeat("é", 500), 100, "… summary truncated (900 bytes over the limit)\n"},
		{"marker cut on a rune", long, 2, ""},
		{"marker cut", long, 11, "… summary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := capSize(tt.in, tt.max)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), tt.max)
			assert.True(t, utf8.ValidString(got))
		})
	}
}
