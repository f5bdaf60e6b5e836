package ci

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCapLines(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "short\nlines\n", capLines("short\nlines\n"))
	got := capLines("a\n" + strings.Repeat("x", 3*maxLogLine) + "\nb")
	lines := strings.Split(got, "\n")
	assert.Len(t, lines, 3)
	assert.Equal(t, "a", lines[0])
	assert.Equal(t, maxLogLine, len(lines[1]))
	assert.Regexp(t, `x… \[truncated \d+ bytes\]$`, lines[1])
	assert.Equal(t, "b", lines[2])
}

// TestLogLinesStayShort: a 4 MiB message from the API makes no line over a
// few KiB on any platform (annotations are escaped after the cut: %0A).
func TestLogLinesStayShort(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("%\n", 1<<16) + strings.Repeat("y", 4<<20)
	for name, mk := range map[string]func(Options) Platform{"github": newGitHub, "gitlab": newGitLab, "local": newLocal} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			p := mk(Options{Getenv: env(nil), Stdout: &out, Stderr: &out, Now: fixedNow})
			p.Logf("%s", huge)
			p.Debugf("%s", huge)
			p.Error(huge, huge)
			p.Warning("w", huge)
			p.Group(huge)()
			longest := 0
			for _, l := range strings.Split(out.String(), "\n") {
				longest = max(longest, len(l))
			}
			assert.LessOrEqual(t, longest, 4*maxLogLine)
		})
	}
}

func TestTruncateAfter(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "abc", truncateAfter("abc", 10, 0))
	assert.Equal(t, "abc… [truncated 5 bytes]", truncateAfter("abc", 40, 5))
	got := truncateAfter(strings.Repeat("é", 100), 30, 1000)
	assert.LessOrEqual(t, len(got), 30)
	assert.Regexp(t, `^(é)+… \[truncated 1\d\d\d bytes\]$`, got)
	assert.Equal(t, "… [truncated 1003 bytes]", truncateAfter("abc", 5, 1000))
}
