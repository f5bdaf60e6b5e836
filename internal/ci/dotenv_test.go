package ci

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

func TestParseDotenv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     map[string]string
		err      string
	}{
		{name: "empty", in: "", want: map[string]string{}},
		{name: "trimmed", in: "A =  1 \nB_2=x=y\r\nC=\n", want: map[string]string{"A": "1", "B_2": "x=y", "C": ""}},
		{name: "quotes kept", in: `A="q"` + "\n", want: map[string]string{"A": `"q"`}},
		{name: "later wins", in: "A=1\nA=2\n", want: map[string]string{"A": "2"}},
		{name: "no equals", in: "A=1\nB\n", err: `line 2: invalid format "B"`},
		{name: "empty line", in: "A=1\n\nB=2\n", err: "line 2: invalid format"},
		{name: "bad key", in: "OZ-RUN=1\n", err: `key "OZ-RUN" is not valid`},
		{name: "empty key", in: "=1\n", err: `key "" is not valid`},
		{name: "too big", in: "A=" + strings.Repeat("x", maxDotenvSize) + "\n", err: "GitLab accepts less than 5120"},
		{name: "too many", in: strings.Repeat("A=1\n", 21), err: "at most 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDotenv([]byte(tt.in))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFormatDotenv(t *testing.T) {
	t.Parallel()
	data := formatDotenv([]Output{
		{"run_id", " run-1 "},
		{"pr_urls", "https://x/1\n\nhttps://x/2\n"},
		{"status_message", "costs $HOME and $$\r\nnext\tline\x00"},
		{"artifacts", "[1]"},
		{"run_id", "run-2"},
	})
	assert.Equal(t, "OZ_RUN_ID=run-2\nOZ_PR_URLS=https://x/1 https://x/2\nOZ_STATUS_MESSAGE=costs $$HOME and $$$$ next line\n", string(data))
}

func TestFormatDotenvCutsStatusMessageFirst(t *testing.T) {
	t.Parallel()
	prs := strings.Repeat("https://github.com/o/r/pull/1\n", 100)
	tests := []struct {
		name         string
		status, prs  string
		statusPrefix string // what is left of the status message
		prsCut       bool
	}{
		{"status message cut", strings.Repeat("m", 4000), prs, strings.Repeat("m", 850), false},
		{"status message gone, then the longest", strings.Repeat("m", 500), prs + prs, "", true},
		{"no half of $$", strings.Repeat("$", 6000), "short", "$$$$", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := formatDotenv([]Output{
				{"run_id", "run-1"},
				{"status_message", tt.status},
				{"pr_urls", tt.prs},
				{"session_link", strings.Repeat("s", 1000)},
			})
			require.LessOrEqual(t, len(data), maxDotenv)
			got, err := ParseDotenv(data)
			require.NoError(t, err)
			assert.Equal(t, "run-1", got["OZ_RUN_ID"])
			assert.Equal(t, strings.Repeat("s", 1000), got["OZ_SESSION_LINK"], "short values are kept")
			status := got["OZ_STATUS_MESSAGE"]
			if tt.statusPrefix == "" {
				assert.Empty(t, status)
			} else {
				assert.True(t, strings.HasPrefix(status, tt.statusPrefix), "status message kept its start")
				assert.Regexp(t, `[^$](\$\$)*… \[truncated \d+ bytes\]$|^[m$]+… \[truncated \d+ bytes\]$`, status[len(status)-40:])
			}
			urls := got["OZ_PR_URLS"]
			if tt.prsCut {
				assert.Regexp(t, `^(https://github.com/o/r/pull/1 )*https://github.com/o/r/pull/1$`, urls, "whole URLs are dropped from the end")
				assert.Equal(t, "true", got["OZ_TRUNCATED"])
			} else {
				assert.Equal(t, strings.TrimSpace(strings.ReplaceAll(tt.prs, "\n", " ")), urls)
			}
		})
	}
}

// FuzzDotenv: whatever the values, the report parses, every value is one
// line without control or bidi characters, keys are only ours, the file
// stays under 5 KB, and an uncut value reads back exactly.
func FuzzDotenv(f *testing.F) {
	f.Add(hostile, "a\nb", "x", 1)
	f.Add(strings.Repeat("é$", 3000), strings.Repeat("u\n", 2000), "$", 2)
	f.Add("", "", "", 0)
	f.Add("\u202eevil\u2066", strings.Repeat("https://github.com/o/r/pull/1\n", 60), "\x1b[0K\r", 3)
	f.Fuzz(func(t *testing.T, status, prs, other string, repeat int) {
		repeat = min(max(repeat, 0), 50)
		outs := []Output{
			{"status_message", status},
			{"pr_urls", prs},
			{"session_link", strings.Repeat(other, repeat)},
			{"credits", other},
			{"unknown", other},
		}
		data := formatDotenv(outs)
		require.LessOrEqual(t, len(data), maxDotenv)
		got, err := ParseDotenv(data)
		require.NoError(t, err)
		require.Len(t, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"), len(got))
		keys := map[string]bool{truncatedKey: true}
		for _, k := range dotenvKeys {
			keys[k] = true
		}
		for k, v := range got {
			require.True(t, keys[k], "key %q is not one of ours", k)
			if i := strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) || textclean.Hidden(r) }); i >= 0 {
				t.Fatalf("%s holds %q", k, v[i:])
			}
		}
		if got[truncatedKey] == "" {
			require.Equal(t, strings.ReplaceAll(oneLine(textclean.Value(status, true)), "$", "$$"), got["OZ_STATUS_MESSAGE"])
			require.Equal(t, strings.ReplaceAll(oneLine(textclean.Value(other, true)), "$", "$$"), got["OZ_CREDITS"])
		}
	})
}

func TestDotenvShrinksURLsWhole(t *testing.T) {
	t.Parallel()
	long := "https://github.com/o/r/pull/" + strings.Repeat("9", 1500)
	outs := []Output{
		{Name: "run_id", Value: "r1"},
		{Name: "status_message", Value: strings.Repeat("m", 100)},
		{Name: "session_link", Value: "https://app.warp.dev/session/" + strings.Repeat("s", 2500)},
		{Name: "pr_urls", Value: "https://github.com/o/r/pull/1\n" + long + "\n" + long},
	}
	data := formatDotenv(outs)
	require.Less(t, len(data), maxDotenv+1)
	vars, err := ParseDotenv(data)
	require.NoError(t, err)
	assert.Equal(t, "r1", vars["OZ_RUN_ID"])
	assert.Equal(t, "true", vars["OZ_TRUNCATED"])
	for _, u := range strings.Fields(vars["OZ_PR_URLS"]) {
		assert.True(t, u == "https://github.com/o/r/pull/1" || u == long, "a URL is kept whole or dropped: %q", u)
	}
	if link := vars["OZ_SESSION_LINK"]; link != "" {
		assert.Equal(t, outs[2].Value, link, "the session link is kept whole or dropped")
	}
}

func TestDotenvNewKeys(t *testing.T) {
	t.Parallel()
	got, err := ParseDotenv(formatDotenv([]Output{
		{"conversation_id", "c-1"}, {"cost_usd", "0.12"}, {"tokens", "345"}, {"comment_url", "https://x/1"},
		{"agent_output", "not in the dotenv"}, {"files", "a\nb"},
	}))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"OZ_CONVERSATION_ID": "c-1", "OZ_COST_USD": "0.12", "OZ_TOKENS": "345", "OZ_COMMENT_URL": "https://x/1"}, got)
}

// BenchmarkFormatDotenv: 100k pull-request URLs took 62 s when the
// shrinking was quadratic.
func BenchmarkFormatDotenv(b *testing.B) {
	var urls strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&urls, "https://github.com/o/r/pull/%d/%s\n", i, strings.Repeat("x", 120))
	}
	outs := []Output{
		{"run_id", "run-1"}, {"status_message", strings.Repeat("m", 64<<10)}, {"pr_urls", urls.String()},
		{"session_link", "https://app.warp.dev/session/" + strings.Repeat("s", 100)},
	}
	b.ReportAllocs()
	for b.Loop() {
		if data := formatDotenv(outs); len(data) > maxDotenv {
			b.Fatal(len(data))
		}
	}
}
