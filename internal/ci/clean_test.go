package ci

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// Every platform's log follows the one rule for untrusted text
// (textclean.Log): no control character but line breaks and tabs, no bidi
// control, zero-width character, BOM or tag character, valid UTF-8; and so
// do annotations, group titles and debug lines.
func TestLogFollowsTheTextRule(t *testing.T) {
	t.Parallel()
	hostile := "a\x00b\x1b[31mc\u202ed\u2066e\u200bf\u200dg\ufeffh\u00adi\U000E0041j\xff\xfek\rl\r\nm\tn"
	for name, mk := range map[string]func(Options) Platform{"github": newGitHub, "gitlab": newGitLab, "local": newLocal} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			p := mk(Options{Getenv: env(nil), Stdout: &out, Stderr: &out, Now: fixedNow})
			p.Logf("%s", hostile)
			p.Warning(hostile, hostile)
			p.Error(hostile, hostile)
			p.Group(hostile)()
			text := out.String()
			assert.True(t, utf8.ValidString(text))
			assert.Contains(t, text, "ab[31mcdefghij\ufffdk")
			for _, r := range text {
				if r == '\n' || r == '\t' || r == '\x1b' && name == "gitlab" || r == '\r' && name == "gitlab" {
					continue // GitLab's own section markers
				}
				if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
					t.Errorf("%U in %q", r, text)
				}
			}
			assert.False(t, strings.Contains(text, "\x1b[31m"))
		})
	}
}
