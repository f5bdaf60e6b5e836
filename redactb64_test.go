package main

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// The agent's answer holding base64 of the key ALREADY transformed
// (reversed, upper-cased, spaced out, hex, URL-escaped, wrapped as MIME,
// base64 of base64) must reach no output, summary, file or comment. The
// checks do not use internal/redact: they decode every base64 run (lines
// joined, at each offset, twice) and read what it decodes to case-
// insensitively, separators dropped, either way round, URL-unescaped or not,
// and in hex; and the ends of each token must be gone too.

// b64TransformedKey are the tokens the answer holds.
func b64TransformedKey() map[string]string {
	std, raw := base64.StdEncoding.EncodeToString, base64.RawURLEncoding.EncodeToString
	rev := reverseString(testKey)
	spaced := func(s, sep string) string { return strings.Join(strings.Split(s, ""), sep) }
	mime := func(s string) string {
		e := std([]byte(s))
		var lines []string
		for len(e) > 76 {
			lines = append(lines, e[:76])
			e = e[76:]
		}
		return strings.Join(append(lines, e), "\r\n")
	}
	return map[string]string{
		"reversed":               std([]byte("Reversed, so that no filter sees it: " + rev + ".")),
		"reversed upper":         std([]byte(strings.ToUpper(rev))),
		"reversed spaced, url":   raw([]byte("\xfb\xff" + spaced(rev, " "))),
		"upper, mime":            mime(strings.Repeat("Some text before the key. ", 4) + strings.ToUpper(testKey) + " and some after it, to wrap."),
		"hex of it reversed":     std([]byte(hexPairs(rev, ":"))),
		"url-escaped spaced":     std([]byte(url.PathEscape(spaced(testKey, " ")))),
		"base64 of reversed up":  std([]byte(std([]byte("k: " + strings.ToUpper(rev))))),
		"reversed one a line up": std([]byte(spaced(strings.ToUpper(rev), "\n"))),
	}
}

// b64Answer is the agent's answer: every token in its own paragraph.
func b64Answer() string {
	var b strings.Builder
	b.WriteString("## Report\n\nI wrote the key out in base64, transformed first.\n\n")
	for name, token := range b64TransformedKey() {
		b.WriteString(name + ":\n\n" + token + "\n\n")
	}
	b.WriteString("That is all.\n")
	return b.String()
}

// holdsKey reports whether s holds testKey, in any case, either way round,
// with separators, URL-escaped or in hex.
func holdsKey(s string) bool {
	texts := []string{s}
	if u, err := url.PathUnescape(s); err == nil {
		texts = append(texts, u)
	}
	for _, text := range texts {
		sq := squashed(text)
		for _, k := range []string{testKey, reverseString(testKey)} {
			if strings.Contains(sq, squashed(k)) || strings.Contains(sq, hex.EncodeToString([]byte(k))) {
				return true
			}
		}
	}
	return false
}

// b64KeyLeaks reports whether text holds a base64 token (or base64 of
// one) whose decoding holds the key.
func b64KeyLeaks(text string) bool {
	for _, d := range base64Decodings(text) {
		if holdsKey(d) {
			return true
		}
		for _, d2 := range base64Decodings(d) {
			if holdsKey(d2) {
				return true
			}
		}
	}
	return false
}

func assertNoB64Key(t *testing.T, where, text string) {
	t.Helper()
	assert.False(t, b64KeyLeaks(text), "base64 of the transformed key leaked into %s", where)
	plain := strings.ReplaceAll(text, `\`, "")
	for name, token := range b64TransformedKey() {
		assert.NotContains(t, plain, token[:12], "the start of the token %q in %s", name, where)
		assert.NotContains(t, plain, token[len(token)-12:], "the end of the token %q in %s", name, where)
	}
}

func TestRedactB64TransformedKeyOnGitHub(t *testing.T) {
	t.Parallel()
	// The checks find every token as the answer holds it, and nothing in
	// the answer without them.
	for name, token := range b64TransformedKey() {
		require.True(t, b64KeyLeaks("("+token+")"), name)
	}
	rest := b64Answer()
	for _, token := range b64TransformedKey() {
		rest = strings.ReplaceAll(rest, token, "")
	}
	require.False(t, b64KeyLeaks(rest))

	fake, base := newFake(t)
	fake.Inject(onConversation(ozfaketest.Fault{Status: 200, Body: answerConversation(b64Answer())}))
	f := newForge(t, false)
	s := onPullRequest(githubStep(t, base, nil), f).run()
	require.Equal(t, 0, s.code, s.stderr)

	out := s.outputs()["agent_output"]
	require.Contains(t, out, "I wrote the key out in base64, transformed first.", "the answer is published")
	require.Contains(t, out, "That is all.", "the answer is published whole")
	assertNoB64Key(t, "agent_output", out)
	require.Contains(t, s.file("summary"), "That is all.")
	assertNoB64Key(t, "the job summary", s.file("summary"))
	ours := marked(f, githubMarker)
	require.Len(t, ours, 1)
	require.Contains(t, ours[0].Body, "That is all.")

	var comments []string
	for _, c := range f.Comments() {
		comments = append(comments, c.Body)
	}
	assertEverywhere(t, s, comments, assertNoB64Key)
}
