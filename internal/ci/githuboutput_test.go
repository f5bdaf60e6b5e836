package ci

import (
	"crypto/rand"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

func TestParseGitHubOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     map[string]string
		err      string
	}{
		{name: "empty", in: "", want: map[string]string{}},
		{name: "single line", in: "a=1\nb=x=y\n\nc=", want: map[string]string{"a": "1", "b": "x=y", "c": ""}},
		{name: "heredoc", in: "a<<EOF\nl1\n\nl3\r\nEOF\n", want: map[string]string{"a": "l1\n\nl3\r"}},
		{name: "empty heredoc", in: "a<<D\nD\n", want: map[string]string{"a": ""}},
		{name: "end delimiter at end of file", in: "a<<D\nv\nD", want: map[string]string{"a": "v"}},
		{name: "later wins", in: "a=1\na<<D\n2\nD\n", want: map[string]string{"a": "2"}},
		{name: "= before << is single line", in: "a=b<<c\n", want: map[string]string{"a": "b<<c"}},
		{name: "delimiter ends the value early", in: "a<<EOF\nx\nEOF\nb=injected\nEOF\n", err: `line 5: invalid format "EOF"`},
		{name: "delimiter with CR does not end", in: "a<<D\nD\r\nD\n", want: map[string]string{"a": "D\r"}},
		{name: "no end delimiter", in: "a<<D\nv\n", err: `line 1: the value of a has no line "D"`},
		{name: "plain line", in: "a=1\njunk\n", err: `line 2: invalid format "junk"`},
		{name: "empty name", in: "=v\n", err: "the name is empty"},
		{name: "empty delimiter", in: "a<<\nv\n", err: "must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseGitHubOutput([]byte(tt.in))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestOutputValue(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "ok", outputValue("ok"))
	assert.Equal(t, "a\uFFFDb", outputValue("a\xffb"))
	v := outputValue(strings.Repeat("x", maxOutputValue+1))
	assert.Equal(t, maxOutputValue, len(v))
	assert.Equal(t, "xx… [truncated 25 bytes]", v[len(v)-26:])
	v = outputValue(strings.Repeat("€", maxOutputValue))
	assert.LessOrEqual(t, len(v), maxOutputValue)
	assert.True(t, utf8.ValidString(v))
	assert.Regexp(t, `€… \[truncated 131100 bytes\]$`, v[len(v)-40:])
}

// FuzzGitHubOutput: whatever the values, what is written reads back through
// the runner's rules as exactly those values (after the 64 KiB rule and
// without control or bidi characters but LF), under their own names only.
func FuzzGitHubOutput(f *testing.F) {
	f.Add("status_message", "run-1", hostile, "x\nghadelimiter_0\nEOF\n")
	f.Add("a", "", "\n", "\r\n")
	f.Add("x-y_1", "name=value", "name<<EOF", "::set-output name=x::y")
	f.Add("bad name", "v", "w", "z")
	f.Add("x", "\u202e\x00\x1b", "a\r\nb\rc", "\u2066\ufeff\u061c")
	f.Fuzz(func(t *testing.T, name, a, b, c string) {
		outs := []Output{{"run_id", a}, {name, b}, {"pr_urls", c}, {name, a + c}}
		data, err := formatGitHubOutput(outs, rand.Reader)
		want := map[string]string{}
		for _, o := range outs {
			if isOutputName(o.Name) {
				want[o.Name] = outputValue(o.Value)
			}
		}
		if isOutputName(name) {
			require.NoError(t, err)
		} else {
			require.Error(t, err)
		}
		got, err := ParseGitHubOutput(data)
		require.NoError(t, err)
		require.Equal(t, want, got, "names round-trip, no entry forged")
		for name, v := range got {
			if i := strings.IndexFunc(v, func(r rune) bool { return r != '\n' && unicode.IsControl(r) || textclean.Hidden(r) }); i >= 0 {
				t.Fatalf("%s holds %q", name, v[i:])
			}
			require.LessOrEqual(t, len(v), maxOutputValue)
		}
	})
}
