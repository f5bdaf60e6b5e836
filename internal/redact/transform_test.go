package redact

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// The transformed forms of a secret: its case changed, reversed, spaced
// out, and the whole base64 token that holds it.

// joinChars writes s's characters with sep between them.
func joinChars(s, sep string) string { return strings.Join(strings.Split(s, ""), sep) }

// mapChars writes each character of s through f, joined by sep.
func mapChars(s, sep string, f func(rune) string) string {
	var parts []string
	for _, r := range s {
		parts = append(parts, f(r))
	}
	return strings.Join(parts, sep)
}

func revString(s string) string {
	rs := []rune(s)
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return string(rs)
}

// mixCase writes every other ASCII letter of s in upper case.
func mixCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		if i%2 == 0 && 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// wrap cuts s into lines of n bytes.
func wrap(s string, n int, nl string) string {
	var lines []string
	for len(s) > n {
		lines = append(lines, s[:n])
		s = s[n:]
	}
	return strings.Join(append(lines, s), nl)
}

func TestTransformedForms(t *testing.T) {
	t.Parallel()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	hexOf := func(s string) string { return hex.EncodeToString([]byte(s)) }
	hexPairs := func(s, sep string) string {
		h := hexOf(s)
		var pairs []string
		for i := 0; i < len(h); i += 2 {
			pairs = append(pairs, h[i:i+2])
		}
		return strings.Join(pairs, sep)
	}
	up := strings.ToUpper
	tests := []struct {
		name, secret, form string
		want               string // the output for "before " + form + " after"; "" for "before *** after"
	}{
		{"upper", key, up(key), ""},
		{"mixed case", key, mixCase(key), ""},
		{"reversed", key, revString(key), ""},
		{"reversed upper", key, up(revString(key)), ""},
		{"reversed mixed case", key, mixCase(revString(key)), ""},
		{"spaced", key, joinChars(key, " "), ""},
		{"spaced upper", key, up(joinChars(key, " ")), ""},
		{"spaced reversed", key, joinChars(revString(key), " "), ""},
		{"spaced reversed mixed case", key, mixCase(joinChars(revString(key), "  ")), ""},
		{"dashes", key, joinChars(key, "-"), ""},
		{"dots", key, joinChars(key, "."), ""},
		{"underscores", key, joinChars(key, "_"), ""},
		{"slashes and pipes", key, joinChars(key, " / | "), ""},
		{"one a line", key, joinChars(key, "\n"), ""},
		{"crlf", key, joinChars(key, "\r\n"), ""},
		{"tabs", key, joinChars(key, "\t"), ""},
		{"some spaced", key, key[:5] + " " + key[5:12] + "\n\n" + key[12:], ""},
		{"a list", key, "['" + joinChars(key, "', '") + "']", "before ['***'] after"},
		{"markdown items", key, "- " + joinChars(key, "\n- "), "before - *** after"},
		{"inline code each", key, "`" + joinChars(key, "` `") + "`", "before `***` after"},
		{"zero width and spaces", key, joinChars(key, "\u200b \u200d"), ""},
		{"zero width only upper", key, up(joinChars(key, "\u2060")), ""},
		{"no-break spaces", key, joinChars(key, "\u00a0"), ""},
		{"middle dots", key, joinChars(key, " \u00b7 "), ""},
		{"em dashes reversed", key, joinChars(revString(key), "\u2014"), ""},
		{"ideographic spaces", key, joinChars(key, "\u3000"), ""},
		{"json escaped spaced", key, mapChars(key, `\u0020`, func(r rune) string { return fmt.Sprintf(`\u%04x`, r) }), ""},
		{"json escaped upper", key, mapChars(up(key), "", func(r rune) string { return fmt.Sprintf(`\u%04X`, r) }), ""},
		{"html spaced", key, mapChars(key, " ", func(r rune) string { return fmt.Sprintf("&#%d;", r) }), ""},
		{"html reversed", key, mapChars(revString(key), "&#32;", func(r rune) string { return fmt.Sprintf("&#x%x;", r) }), ""},
		{"markdown escaped spaced", key, mapChars(key, " ", func(r rune) string {
			if r == '-' {
				return `\-`
			}
			return string(r)
		}), ""},
		{"percent spaced", key, mapChars(key, "+", func(r rune) string { return fmt.Sprintf("%%%02X", r) }), ""},
		{"hex with colons", key, hexPairs(key, ":"), ""},
		{"hex upper spaced", key, up(hexPairs(key, " ")), ""},
		{"hex reversed", key, hexOf(revString(key)), ""},
		{"hex mixed case", key, mixCase(hexOf(key)), ""},
		{"base64 reversed", key, b64(revString(key)), ""},
		{"base64 in lines", key, wrap(b64(key), 8, "\n"), ""},
		{"base64 in groups", key, wrap(b64("xy"+key), 4, " "), ""},
		{"base64 in a data URL", key, "data:text/plain;base64," + b64("the key: "+key+"\n"), "before data:text/plain;base64,*** after"},
		{"base64 cut", key, b64("k=" + key + "!")[:44], ""},
		{"url base64 of the reversed key, in a query", key, "?t=" + base64.RawURLEncoding.EncodeToString([]byte("\xff\xfe"+revString(key))) + "&x=1", "before ?t=***&x=1 after"},
		// base64 of a transformed key: each token decoded and read as text.
		{"base64 of the upper-cased key", key, b64(up(key)), ""},
		{"base64 of the mixed-case key", key, b64("The key: " + mixCase(key) + "."), ""},
		{"base64 of the reversed upper key", key, b64(up(revString(key))), ""},
		{"base64 of the spaced key", key, b64(joinChars(key, " ")), ""},
		{"base64 of the spaced reversed key, url, unpadded", key, base64.RawURLEncoding.EncodeToString([]byte("\xfb\xff" + joinChars(revString(key), "-"))), ""},
		{"base64 of the key one a line", key, b64(joinChars(up(key), "\n")), ""},
		{"base64 of the hex key", key, b64(hexOf(key)), ""},
		{"base64 of the upper hex key with colons", key, b64(up(hexPairs(key, ":"))), ""},
		{"base64 of the url-escaped spaced key", key, b64(url.PathEscape(joinChars(key, " "))), ""},
		{"base64 of the json-escaped key", key, b64(mapChars(key, "", func(r rune) string { return fmt.Sprintf(`\u%04x`, r) })), ""},
		{"base64 mime of the reversed upper key", key, wrap(b64(strings.Repeat("Lorem ipsum. ", 9)+up(revString(key))+strings.Repeat(" dolor sit amet", 5)), 76, "\r\n"), ""},
		{"base64 pem of the spaced key", key, wrap(b64("key = "+joinChars(key, " ")+"\n"), 64, "\n"), ""},
		{"base64 in a json string, escaped lines", key, wrap(b64(strings.Repeat("x", 50)+up(key)), 64, `\n`), ""},
		{"base64 after a path, padded", key, "https://x.test/a/" + b64("k: "+up(key)), "before https://x.*** after"},
		{"base64 of base64 of the upper key", key, b64(b64(up(key))), ""},
		{"base64 of mime base64 of the reversed key", key, b64(wrap(b64(strings.Repeat("-", 40)+up(revString(key))), 76, "\n")), ""},
		{"base64 of the upper odd", odd, b64(up(odd)), ""},
		{"base64 of the url-escaped odd reversed", odd, b64(url.QueryEscape(revString(odd))), ""},
		{"base64 url of the upper token spaced", "glpat-0123456789abcdefghij", base64.URLEncoding.EncodeToString([]byte(joinChars("GLPAT-0123456789ABCDEFGHIJ", "\u00a0"))), ""},
		{"odd upper", odd, up(odd), ""},
		{"odd lower", odd, strings.ToLower(up(odd)), ""},
		{"odd reversed", odd, revString(odd), ""},
		{"odd spaced", odd, joinChars(odd, " "), ""},
		{"odd reversed spaced upper", odd, up(joinChars(revString(odd), ". ")), ""},
		{"odd separators dropped", odd, "abcdefghijklmnopqrstuvwxyzé€", ""},
		{"odd hex upper", odd, up(hexOf(odd)), ""},
		{"token reversed", "glpat-0123456789abcdefghij", revString("glpat-0123456789abcdefghij"), ""},
		{"token spaced", "glpat-0123456789abcdefghij", joinChars("GLPAT-0123456789ABCDEFGHIJ", " "), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := New(tt.secret)
			in := "before " + tt.form + " after"
			want := tt.want
			if want == "" {
				want = "before *** after"
			}
			out := r.String(in)
			assert.Equal(t, want, out)
			assert.Equal(t, out, string(r.Bytes([]byte(in))))
			assert.False(t, r.Contains(out), out)
			assert.False(t, plainLeak(out, tt.secret), out)
		})
	}
}

func TestTransformedFormsNotFound(t *testing.T) {
	t.Parallel()
	other := key[:10] + "X" + key[11:] // one character changed
	short := "abcdefgh12"              // shorter than MinTransformedLen
	tests := []struct {
		name, secret, text string
	}{
		{"spaced, a character changed", key, joinChars(other, " ")},
		{"reversed, a character changed", key, revString(other)},
		{"reversed, one short", key, revString(key[1:])},
		{"spaced, one short", key, joinChars(key[:len(key)-1], " ")},
		{"a letter between", key, joinChars(key, "x")},
		{"asterisks between (the mark's character)", key, joinChars(key, "*")},
		{"base64 of the key but its last character", key, base64.StdEncoding.EncodeToString([]byte(key[:len(key)-1]))},
		{"base64 of the upper-cased key but its last character", key, base64.StdEncoding.EncodeToString([]byte(strings.ToUpper(key[:len(key)-1])))},
		{"base64 of the spaced key, a character changed", key, base64.StdEncoding.EncodeToString([]byte(joinChars(other, " ")))},
		{"base64 of the reversed key, one short", key, base64.StdEncoding.EncodeToString([]byte(revString(key[1:])))},
		{"base64 of halves on two lines far apart", key, base64.StdEncoding.EncodeToString([]byte(strings.ToUpper(key[:15]))) + "\n\n" + base64.StdEncoding.EncodeToString([]byte(strings.ToUpper(key[15:])))},
		{"halves far apart", key, key[:15] + " and then " + key[15:]},
		{"a short secret spaced", short, joinChars(short, " ")},
		{"a short secret reversed", short, revString(short)},
		{"prose", key, "We keep 3 f9a8 b7c6d5e files; wk: 4f3a 2b1c 0d9e 8f7 (a)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := New(tt.secret)
			in := "<" + tt.text + ">"
			assert.Equal(t, in, r.String(in))
			assert.False(t, r.Contains(in))
		})
	}
	assert.Equal(t, "a *** b", New(short).String("a ABCDEFGH12 b"), "case is ignored at any length")
}

// TestBase64WholeToken: the key at every offset in a base64 text, in both
// alphabets, padded or not, cut anywhere after it: the whole token goes.
func TestBase64WholeToken(t *testing.T) {
	t.Parallel()
	r := New(key, odd)
	encs := map[string]*base64.Encoding{
		"std": base64.StdEncoding, "raw std": base64.RawStdEncoding,
		"url": base64.URLEncoding, "raw url": base64.RawURLEncoding,
	}
	// Bytes around the secret that give the alphabets' own characters.
	filler := "\xfb\xff\xbf>?~ text, "
	for name, enc := range encs {
		for _, secret := range []string{key, odd} {
			for before := range 7 {
				for after := range 5 {
					plain := filler[:before] + secret + filler[:after]
					encoded := enc.EncodeToString([]byte(plain))
					assert.Equal(t, "x *** y", r.String("x "+encoded+" y"), "%s, %d before, %d after", name, before, after)
					assert.Equal(t, "(***)", r.String("("+encoded+")"))
					// Cut anywhere after the secret's last stable character.
					stableEnd := 8 * (before + len(secret)) / 6
					for cut := stableEnd; cut < len(encoded); cut++ {
						assert.Equal(t, "x *** y", r.String("x "+encoded[:cut]+" y"), "%s, %d before, cut at %d", name, before, cut)
					}
				}
			}
		}
	}
}

func TestMatchedSpanOnly(t *testing.T) {
	t.Parallel()
	r := New(key)
	tests := []struct{ in, want string }{
		{"Key: " + joinChars(key, " ") + ". Done.", "Key: ***. Done."},
		{"Key:\n" + joinChars(revString(key), "\n") + "\n\nDone.", "Key:\n***\n\nDone."},
		{"(" + strings.ToUpper(key) + ")", "(***)"},
		{"a " + key + "-and-" + joinChars(key, "-") + " b", "a ***-and-*** b"},
		// `/` is a base64 character: a token in a URL path takes the path
		// (to the first character neither alphabet holds) with it.
		{"see https://x.test/a/" + base64.RawURLEncoding.EncodeToString([]byte(key)) + "?q=1.", "see https://x.***?q=1."},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, r.String(tt.in))
	}
}

// TestManyMatchesInOneToken: a base64 token holding the key many times
// (each match widened to the same token) is one mark.
func TestManyMatchesInOneToken(t *testing.T) {
	t.Parallel()
	r := New(key)
	encoded := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(key+"/", 2000)))
	assert.Equal(t, "a *** b", r.String("a "+encoded+" b"))
	spaced := joinChars(strings.Repeat(key, 500), " ")
	assert.Equal(t, "a "+strings.Repeat("*** ", 499)+"*** b", r.String("a "+spaced+" b"), "a mark each, the spaces between kept")
}

// plainLeak is an oracle independent of the automaton: out holds secret,
// in any ASCII case, reversed or not, once separators and invisible
// characters are dropped. Escapes are not undone.
func plainLeak(out, secret string) bool {
	squash := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			switch {
			case r == utf8.RuneError && size <= 1, invisible(r):
			case r < utf8.RuneSelf && r != '*' && (unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)):
			case r >= utf8.RuneSelf && (unicode.IsSpace(r) || unicode.IsPunct(r)):
			default:
				b.WriteRune(unicode.ToLower(r))
			}
		}
		return b.String()
	}
	o, s := squash(out), squash(secret)
	return strings.Contains(o, s) || strings.Contains(o, squash(revString(secret)))
}

// transformed writes secret in a random transformation: case, order,
// separators (from seps, or white space) and zero-width characters.
func transformed(secret string, seps []string, rnd *rand.Rand) string {
	s := secret
	if rnd.IntN(2) == 0 {
		s = revString(s)
	}
	switch rnd.IntN(3) {
	case 0:
		s = strings.ToUpper(s)
	case 1:
		s = mixCase(s)
	}
	if len(seps) == 0 {
		seps = []string{" ", "\n", "\t", "-", ".", "_", ", ", "\u200b", "\u00a0"}
	}
	var b strings.Builder
	for i, r := range []rune(s) {
		if i > 0 {
			for range rnd.IntN(3) {
				b.WriteString(seps[rnd.IntN(len(seps))])
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestReadingsForEachLength: with short secrets besides a key, the
// readings that keep separators still run for them, and only the key is
// looked for without separators.
func TestReadingsForEachLength(t *testing.T) {
	t.Parallel()
	r := New("x7", "abcdefgh12", key)
	tests := []struct{ in, want string }{
		{"a x7 b", "a *** b"},
		{"a X7 b", "a *** b"},
		{"a abc\u200bdefgh12 b", "a *** b"},
		{`a \u0061bcdefgh12 b`, "a *** b"},
		{"a %61bcdefgh12 b", "a *** b"},
		{"a YWJjZGVmZ2gxMg== b", "a *** b"},
		{"a abc defgh12 b", "a abc defgh12 b"},
		{"a 21hgfedcba b", "a 21hgfedcba b"},
		{"a " + joinChars(key, " ") + " b", "a *** b"},
		{"a " + joinChars(key, "\u200b") + " b", "a *** b"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, r.String(tt.in), tt.in)
	}
	assert.True(t, r.m.Load().raw && r.m.Load().decoded)
	assert.False(t, New(key).m.Load().raw || New(key).m.Load().decoded, "a key is found by the readings without separators alone")
}

// TestBase64Decoded: the base64 reading's edges: where a token starts and
// ends, what it is read across, and that it is decoded in JSON literals.
func TestBase64Decoded(t *testing.T) {
	t.Parallel()
	r := New(key)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	upper := b64(strings.Repeat("Lorem ipsum. ", 6) + strings.ToUpper(key) + " dolor.")
	straddle := b64(strings.Repeat("x", 45) + strings.ToUpper(key) + " dolor.") // the key across the first two lines
	tests := []struct{ name, in, want string }{
		{"prose after the token is kept", "a " + b64(strings.ToUpper(key)) + " and then b", "a *** and then b"},
		{"a MIME block then a paragraph", wrap(upper, 76, "\n") + "\n\nThat is all.", "***\n\nThat is all."},
		{"lines of 8 are not read as one token", wrap(b64(strings.ToUpper(key)), 8, "\n"), wrap(b64(strings.ToUpper(key)), 8, "\n")},
		{"two line breaks end a token", wrap(straddle, 76, "\n\n"), wrap(straddle, 76, "\n\n")},
		{"a line not of whole quadruples ends a token", wrap(straddle, 75, "\n"), wrap(straddle, 75, "\n")},
		{"one line break does not", wrap(straddle, 76, "\r\n"), "***"},
		{"quoted in a shell string", `echo "` + wrap(upper, 64, `\n`) + `" | base64 -d`, `echo "***" | base64 -d`},
		{"in a data URL", "![x](data:text/plain;base64," + b64(revString(strings.ToUpper(key))) + ")", "![x](data:text/plain;base64,***)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, r.String(tt.in), tt.name)
		assert.Equal(t, tt.want, string(r.Bytes([]byte(tt.in))), tt.name)
	}
	doc := `{"a":"` + wrap(upper, 76, `\r\n`) + `","b":"` + b64(joinChars(revString(key), " ")) + `","c":"kept"}`
	assert.Equal(t, `{"a":"***","b":"***","c":"kept"}`, string(r.JSON([]byte(doc))))
}

// TestHasRun: hasRun, which samples every n-th byte, agrees with counting
// every run.
func TestHasRun(t *testing.T) {
	t.Parallel()
	naive := func(s string, n int) bool {
		run := 0
		for i := 0; i < len(s); i++ {
			if base64Char[s[i]] {
				run++
				if run >= n {
					return true
				}
			} else {
				run = 0
			}
		}
		return false
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	alphabet := "aZ09+/-_ .=\n"
	for range 5000 {
		b := make([]byte, rnd.IntN(80))
		for i := range b {
			if rnd.IntN(4) == 0 {
				b[i] = alphabet[8+rnd.IntN(4)]
			} else {
				b[i] = alphabet[rnd.IntN(8)]
			}
		}
		for _, n := range []int{1, 2, 5, 11, 32} {
			assert.Equal(t, naive(string(b), n), hasRun(string(b), n), "%q, %d", b, n)
		}
	}
}

// TestBase64Copies: the tokens of one character repeated whose decodings
// are read once for all their copies (decodeTokens' aliases, and in later
// texts the verdict m.repeats remembers) are each masked when that
// decoding holds a secret, at both levels, and not when a token of another
// length or character does; a secret that holds the boundary turns the
// aliases off.
func TestBase64Copies(t *testing.T) {
	x := func(n int) string { return strings.Repeat("x", n) } // decodes to "\xc7\x1cq" repeated
	u := strings.Repeat("V", 160)                             // decodes to "UUU…", which decodes to "QE\x14" repeated
	tests := []struct {
		name, secret, text, want string
	}{
		{"copies", "qqqqqqqqqq", x(100) + " " + x(100) + " " + x(101) + " " + x(100), "*** *** *** ***"},
		{"copies nested", "QEQEQEQEQE", u + " " + u + ". " + u, "*** ***. ***"},
		{"other characters", "qqqqqqqqqq", strings.Repeat("y", 100) + " " + x(100), strings.Repeat("y", 100) + " ***"},
		{"boundary in the secret", "q*q*q*q*q*q", x(100) + " " + x(100), x(100) + " " + x(100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New(tt.secret)
			for range 2 {
				assert.Equal(t, tt.want, r.String(tt.text))
				for i, field := range strings.Fields(tt.text) {
					assert.Equal(t, strings.Fields(tt.want)[i], r.String(field), "%q", field)
				}
			}
		})
	}
}
