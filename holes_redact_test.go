package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// Issue 16, item 3: the agent's answer holding the key transformed
// (upper-cased, reversed, spaced out, one character a line, base64 at any
// offset, wrapped or cut) must reach no output, summary, file or comment.
// The checks here do not use internal/redact: they read each text case-
// insensitively with separators dropped, forwards and backwards, and
// decode every base64 run in it; and a base64 token's ends (which carry
// bits of the key and of the text around it) must be gone too.

// keyB64 are base64 tokens of texts holding testKey at each of the three
// alignments, in both alphabets, one wrapped in lines and one cut short.
func keyB64() map[string]string {
	std, url := base64.StdEncoding.EncodeToString, base64.RawURLEncoding.EncodeToString
	return map[string]string{
		"base64, 26 bytes before": std([]byte("The key you asked for is: " + testKey + ", keep it safe.")),
		"base64, 36 bytes before": std([]byte("Here is the API key, as it was set: " + testKey + "\n")),
		"base64 url, 25 before":   url([]byte("\xfb\xff Authorization: Bearer " + testKey + " (from the environment)")),
		"base64 of it reversed":   std([]byte("In reverse, so that no filter sees it: " + reverseString(testKey) + ".")),
		"base64 cut":              std([]byte("The value of WARP_API_KEY is " + testKey + " and that is all there is to say"))[:76],
	}
}

// keyForms are the transformed forms of testKey that the answer holds.
func keyForms() map[string]string {
	spaced := func(s, sep string) string { return strings.Join(strings.Split(s, ""), sep) }
	wrapped := std64Lines([]byte("Line by line, as a mail client would send it: " + testKey + " -- end of the key"))
	return map[string]string{
		"upper":           strings.ToUpper(testKey),
		"mixed case":      "Wk-TeSt-sUp3rs3CrEt-7C1D",
		"reversed":        reverseString(testKey),
		"reversed upper":  strings.ToUpper(reverseString(testKey)),
		"spaced":          spaced(testKey, " "),
		"spaced upper":    strings.ToUpper(spaced(testKey, " ")),
		"dashes":          spaced(testKey, "-"),
		"dots":            spaced(testKey, "."),
		"one a line":      spaced(testKey, "\n"),
		"tabs":            spaced(testKey, "\t"),
		"zero width":      spaced(testKey, "\u200b "),
		"a list":          "['" + spaced(testKey, "', '") + "']",
		"spaced reversed": spaced(reverseString(testKey), " "),
		"hex with colons": strings.ToUpper(hexPairs(testKey, ":")),
		"base64 in lines": wrapped,
	}
}

func reverseString(s string) string {
	rs := []rune(s)
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return string(rs)
}

func hexPairs(s, sep string) string {
	h := hex.EncodeToString([]byte(s))
	var pairs []string
	for i := 0; i < len(h); i += 2 {
		pairs = append(pairs, h[i:i+2])
	}
	return strings.Join(pairs, sep)
}

// std64Lines is b in base64, 16 characters a line.
func std64Lines(b []byte) string {
	e := base64.StdEncoding.EncodeToString(b)
	var lines []string
	for len(e) > 16 {
		lines = append(lines, e[:16])
		e = e[16:]
	}
	return strings.Join(append(lines, e), "\n")
}

// transformedAnswer is the agent's answer: every form, each in its own
// paragraph.
func transformedAnswer() string {
	var b strings.Builder
	b.WriteString("## Report\n\nI found the key and wrote it out in many ways.\n\n")
	for name, form := range keyForms() {
		b.WriteString(name + ":\n\n" + form + "\n\n")
	}
	for name, form := range keyB64() {
		b.WriteString(name + ":\n\n" + form + "\n\n")
	}
	b.WriteString("That is all.\n")
	return b.String()
}

// answerConversation is a conversation whose answer is text.
func answerConversation(text string) string {
	b, _ := json.Marshal(map[string]any{ // maps of strings: no error
		"conversation_id": "fake-conversation-transformed",
		"steps": []any{map[string]any{"id": "s1", "steps": []any{}, "messages": []any{
			map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "text", "text": text}}},
		}}},
	})
	return string(b)
}

// squashed is s case-folded without separators (white space, punctuation,
// symbols but `*`, the mark's character) and invisible characters.
func squashed(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '*':
			b.WriteRune(r)
		case unicode.IsSpace(r), unicode.IsPunct(r), unicode.IsSymbol(r), unicode.Is(unicode.Cf, r), unicode.IsControl(r):
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// keyLeaks lists how text still holds key: transformed (squashed, either
// way round), in hex (squashed), or in a base64 run. Markdown escapes are dropped and lines
// joined first (a quote's `>` too), so that an escaped or wrapped token is
// read whole; each run is decoded at each of its four offsets.
func keyLeaks(text, key string) []string {
	var leaks []string
	sq := squashed(text)
	if strings.Contains(sq, squashed(key)) {
		leaks = append(leaks, "transformed")
	}
	if strings.Contains(sq, squashed(reverseString(key))) {
		leaks = append(leaks, "reversed")
	}
	if strings.Contains(sq, hex.EncodeToString([]byte(key))) {
		leaks = append(leaks, "hex")
	}
	for _, dec := range base64Decodings(text) {
		if strings.Contains(dec, key) || strings.Contains(dec, reverseString(key)) {
			leaks = append(leaks, "base64")
		}
	}
	return leaks
}

// base64Decodings returns what each base64 run of text decodes to, at each
// of its four offsets (lines joined, Markdown escapes and quotes dropped,
// either alphabet; a last partial quantum decoded too).
func base64Decodings(text string) []string {
	joined := strings.Map(func(r rune) rune {
		if r == '\\' || r == '>' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, text)
	isB64 := func(r rune) bool {
		return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("+/-_", r))
	}
	var out []string
	for _, run := range strings.FieldsFunc(joined, func(r rune) bool { return !isB64(r) }) {
		run = strings.NewReplacer("-", "+", "_", "/").Replace(run)
		for off := 0; off < 4 && off < len(run); off++ {
			chunk := run[off:]
			if len(chunk)%4 == 1 {
				chunk = chunk[:len(chunk)-1]
			}
			if dec, err := base64.RawStdEncoding.DecodeString(chunk); err == nil {
				out = append(out, string(dec))
			}
		}
	}
	return out
}

// assertNoTransformedKey checks text (what oz-run wrote to where) for the
// key in any of the transformed forms, and for the ends of the base64
// tokens that held it.
func assertNoTransformedKey(t *testing.T, where, text string) {
	t.Helper()
	assert.Empty(t, keyLeaks(text, testKey), "the key leaked into %s", where)
	plain := strings.ReplaceAll(text, `\`, "")
	for name, token := range keyB64() {
		assert.NotContains(t, plain, token[:12], "the start of the token %q in %s", name, where)
		assert.NotContains(t, plain, token[len(token)-12:], "the end of the token %q in %s", name, where)
	}
	for name, form := range keyForms() {
		if len(form) >= 12 {
			assert.NotContains(t, plain, form, "the form %q in %s", name, where)
		}
	}
}

// assertNoTransformedKeyAnywhere checks the step's streams, every file of
// its workspace, and the comments.
func assertNoTransformedKeyAnywhere(t *testing.T, s *step, comments []string) {
	t.Helper()
	assertEverywhere(t, s, comments, assertNoTransformedKey)
}

// assertEverywhere runs check on the step's streams (stdout without its
// ::add-mask:: lines), every file of its workspace, and the comments.
func assertEverywhere(t *testing.T, s *step, comments []string, check func(t *testing.T, where, text string)) {
	t.Helper()
	var stdout []string
	for _, l := range strings.SplitAfter(s.stdout, "\n") {
		if !strings.HasPrefix(l, "::add-mask::") {
			stdout = append(stdout, l)
		}
	}
	check(t, "stdout", strings.Join(stdout, ""))
	check(t, "stderr", s.stderr)
	require.NoError(t, filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(s.dir, path)
		check(t, rel, s.file(rel))
		return nil
	}))
	for i, c := range comments {
		check(t, "comment "+string(rune('1'+i)), c)
	}
}

// noTransformedKey is assertNoTransformedKeyAnywhere for a fault-matrix
// row (no comment).
func noTransformedKey(t *testing.T, p *proc) {
	t.Helper()
	assertNoTransformedKeyAnywhere(t, p.s, nil)
}

// TestHolesRedactOracle: the checks above find every form in the answer as
// it is (they would miss nothing the test means to catch).
func TestHolesRedactOracle(t *testing.T) {
	t.Parallel()
	for name, form := range keyForms() {
		assert.NotEmpty(t, keyLeaks("x "+form+" y", testKey), name)
	}
	for name, form := range keyB64() {
		assert.NotEmpty(t, keyLeaks("x "+form+" y", testKey), name)
	}
	assert.Empty(t, keyLeaks(strings.ReplaceAll(transformedAnswer(), testKey, ""), "wk-test-Sup3rS3cret-7c1e"), "another key is not found")
}

func TestHolesRedactTransformedKeyOnGitHub(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	fake.Inject(onConversation(ozfaketest.Fault{Status: 200, Body: answerConversation(transformedAnswer())}))
	f := newForge(t, false)
	s := onPullRequest(githubStep(t, base, nil), f).run()
	require.Equal(t, 0, s.code)

	out := s.outputs()["agent_output"]
	require.Contains(t, out, "I found the key and wrote it out in many ways.", "the answer is published")
	require.Contains(t, out, "That is all.", "the answer is published whole")
	assertNoTransformedKey(t, "agent_output", out)
	assertNoTransformedKey(t, "the job summary", s.file("summary"))
	require.Contains(t, s.file("summary"), "That is all.")
	ours := marked(f, githubMarker)
	require.Len(t, ours, 1)
	require.Contains(t, ours[0].Body, "That is all.")
	var comments []string
	for _, c := range f.Comments() {
		comments = append(comments, c.Body)
	}
	assertNoTransformedKeyAnywhere(t, s, comments)
}

func TestHolesRedactTransformedKeyOnGitLab(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	fake.Inject(onConversation(ozfaketest.Fault{Status: 200, Body: answerConversation(transformedAnswer())}))
	f := newForge(t, true)
	s := onMergeRequest(gitlabStep(t, base, "fix the build"), f).run()
	require.Equal(t, 0, s.code)

	require.Contains(t, s.file("oz-run-summary.md"), "That is all.", "the answer is published")
	ours := marked(f, gitlabMarker)
	require.Len(t, ours, 1)
	require.Contains(t, ours[0].Body, "That is all.")
	var comments []string
	for _, c := range f.Comments() {
		comments = append(comments, c.Body)
	}
	assertNoTransformedKeyAnywhere(t, s, comments)
}
