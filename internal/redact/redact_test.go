package redact

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	key = "wk-3f9a8b7c6d5e4f3a2b1c0d9e8f7a"
	// odd is a secret with every character that some encoding changes.
	odd = `ab/cd+ef=gh&ij?kl%mn op"qr\st<uv>wx#yz_é€`
)

// encoders write a secret in each form a Redactor must find. rnd decides
// per-character choices (escape or not, hex case).
var encoders = map[string]func(s string, rnd *rand.Rand) string{
	"raw":         func(s string, _ *rand.Rand) string { return s },
	"query":       func(s string, _ *rand.Rand) string { return url.QueryEscape(s) },
	"path":        func(s string, _ *rand.Rand) string { return url.PathEscape(s) },
	"query lower": func(s string, _ *rand.Rand) string { return lowerEscapes(url.QueryEscape(s)) },
	"base64": func(s string, rnd *rand.Rand) string {
		plain := strings.Repeat("p", rnd.IntN(3)) + s + strings.Repeat("s", rnd.IntN(3))
		return []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawURLEncoding}[rnd.IntN(3)].EncodeToString([]byte(plain))
	},
	"hex": func(s string, _ *rand.Rand) string { return hex.EncodeToString([]byte(s)) },
	"HEX": func(s string, _ *rand.Rand) string { return strings.ToUpper(hex.EncodeToString([]byte(s))) },
	"json marshal": func(s string, _ *rand.Rand) string {
		b, _ := json.Marshal(s)
		return string(b[1 : len(b)-1])
	},
	"json every char": func(s string, rnd *rand.Rand) string { return perRune(s, rnd, 1, jsonEscape) },
	"json mixed": func(s string, rnd *rand.Rand) string {
		var b strings.Builder
		for _, r := range s {
			switch {
			case rnd.IntN(2) == 0:
				b.WriteString(jsonEscape(r, rnd))
			case r == '"' || r == '\\': // JSON must escape them
				b.WriteString(`\` + string(r))
			default:
				b.WriteRune(r)
			}
		}
		return b.String()
	},
	"percent mixed": func(s string, rnd *rand.Rand) string { return perRune(s, rnd, 0.5, percentEscape) },
	"html mixed":    func(s string, rnd *rand.Rand) string { return perRune(s, rnd, 0.5, htmlEscape) },
	// markdown escapes as internal/summary does.
	"markdown": func(s string, _ *rand.Rand) string {
		var b strings.Builder
		for _, r := range s {
			switch {
			case strings.ContainsRune("\\`*_{}[]()#!|~$:-+=.", r):
				b.WriteString(`\` + string(r))
			case r == '&':
				b.WriteString("&amp;")
			case r == '<':
				b.WriteString("&lt;")
			case r == '>':
				b.WriteString("&gt;")
			case r == '@':
				b.WriteString("@\u200d")
			default:
				b.WriteRune(r)
			}
		}
		return b.String()
	},
	// The transformed forms: case, order, separators (transform_test.go).
	"upper":          func(s string, _ *rand.Rand) string { return strings.ToUpper(s) },
	"reversed":       func(s string, _ *rand.Rand) string { return revString(s) },
	"reversed upper": func(s string, _ *rand.Rand) string { return strings.ToUpper(revString(s)) },
	"mixed case": func(s string, rnd *rand.Rand) string {
		b := []byte(s)
		for i, c := range b {
			if 'a' <= c && c <= 'z' && rnd.IntN(2) == 0 {
				b[i] = c - 'a' + 'A'
			}
		}
		return string(b)
	},
	"separated": func(s string, rnd *rand.Rand) string { return transformed(s, nil, rnd) },
	// A backslash of the secret's is escaped too: reversed, `\s` could
	// become `\r`, a JSON escape.
	"separated json": func(s string, rnd *rand.Rand) string {
		return perRune(transformed(s, nil, rnd), rnd, 0.5, jsonEscape, `\"`)
	},
	"separated html": func(s string, rnd *rand.Rand) string {
		return perRune(transformed(s, nil, rnd), rnd, 0.5, htmlEscape, `\`)
	},
	"hex separated": func(s string, rnd *rand.Rand) string {
		h := randCase(hex.EncodeToString([]byte(s)), rnd)
		var b strings.Builder
		for i := 0; i < len(h); i += 2 {
			if i > 0 {
				b.WriteString([]string{"", " ", ":", "-", "\n", ", "}[rnd.IntN(6)])
			}
			b.WriteString(h[i : i+2])
		}
		return b.String()
	},
	"base64 separated": func(s string, rnd *rand.Rand) string {
		plain := strings.Repeat("p", rnd.IntN(3)) + s + strings.Repeat("s", rnd.IntN(3))
		e := []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawURLEncoding}[rnd.IntN(3)].EncodeToString([]byte(plain))
		return wrap(e, 1+rnd.IntN(12), []string{"\n", "\r\n", " ", "\t"}[rnd.IntN(4)])
	},
	"base64 reversed": func(s string, rnd *rand.Rand) string {
		plain := strings.Repeat("p", rnd.IntN(3)) + revString(s) + strings.Repeat("s", rnd.IntN(3))
		return []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding}[rnd.IntN(2)].EncodeToString([]byte(plain))
	},
	// base64 of each transformed form, in either alphabet, padded or not,
	// wrapped as MIME does or not, and base64 of that once more.
	"base64 of upper": func(s string, rnd *rand.Rand) string { return base64Of(strings.ToUpper(s), rnd) },
	"base64 of reversed upper": func(s string, rnd *rand.Rand) string {
		return base64Of(strings.ToUpper(revString(s)), rnd)
	},
	"base64 of mixed case": func(s string, rnd *rand.Rand) string { return base64Of(randCaseLetters(s, rnd), rnd) },
	"base64 of separated":  func(s string, rnd *rand.Rand) string { return base64Of(transformed(s, nil, rnd), rnd) },
	// Hex and escapes of the key in its case (hex of another case is
	// other bytes), reversed or not, separated or not.
	"base64 of hex": func(s string, rnd *rand.Rand) string {
		if rnd.IntN(2) == 0 {
			s = revString(s)
		}
		h := randCase(hex.EncodeToString([]byte(s)), rnd)
		if rnd.IntN(2) == 0 {
			h = wrap(h, 2, []string{":", " ", "-"}[rnd.IntN(3)])
		}
		return base64Of(h, rnd)
	},
	// (Percent-escaped separators of more than one byte are not read as
	// separators: ASCII ones here.)
	"base64 of url-escaped": func(s string, rnd *rand.Rand) string {
		return base64Of(perRune(transformed(s, []string{" ", "\n", "-", ".", "_", ", "}, rnd), rnd, 0.5, percentEscape, "%"), rnd)
	},
	"base64 of json-escaped": func(s string, rnd *rand.Rand) string {
		return base64Of(perRune(transformed(s, nil, rnd), rnd, 0.5, jsonEscape, `\"`), rnd)
	},
	// The inner token stands apart in what the outer one decodes to.
	"base64 of base64 of transformed": func(s string, rnd *rand.Rand) string {
		return base64Of(" "+base64Of(transformed(s, nil, rnd), rnd)+"\n", rnd)
	},
	"zero width": func(s string, rnd *rand.Rand) string {
		var b strings.Builder
		for _, r := range s {
			b.WriteRune(r)
			b.WriteString([]string{"\u200b", "\u200d", "\u00ad", "\u202e", "\x00", "\x1b", "\xff", "\ufeff"}[rnd.IntN(8)])
		}
		return b.String()
	},
}

// base64Of writes form in base64 as a writer may: with some text around
// it, in either alphabet, padded or not, on one line or wrapped at 76
// characters (MIME, `\r\n` or `\n`).
func base64Of(form string, rnd *rand.Rand) string {
	plain := strings.Repeat("p", rnd.IntN(3)) + form + strings.Repeat("s", rnd.IntN(3))
	encs := []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding}
	e := encs[rnd.IntN(len(encs))].EncodeToString([]byte(plain))
	switch rnd.IntN(3) {
	case 0:
		return wrap(e, 76, "\r\n")
	case 1:
		return wrap(e, 76, "\n")
	}
	return e
}

// randCaseLetters writes each ASCII letter of s in random case.
func randCaseLetters(s string, rnd *rand.Rand) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' && rnd.IntN(2) == 0 {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// lowerEscapes writes the hex digits of e's percent-escapes in lower case.
func lowerEscapes(e string) string {
	b := []byte(e)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lower(b[i+1]), lower(b[i+2])
			i += 2
		}
	}
	return string(b)
}

// perRune escapes each character of s with probability p, and those in
// always (at most one) always.
func perRune(s string, rnd *rand.Rand, p float64, esc func(rune, *rand.Rand) string, always ...string) string {
	var b strings.Builder
	for _, r := range s {
		if rnd.Float64() < p || len(always) > 0 && strings.ContainsRune(always[0], r) {
			b.WriteString(esc(r, rnd))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// randCase writes the hex digits a-f of s in random case.
func randCase(s string, rnd *rand.Rand) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'f' && rnd.IntN(2) == 0 {
			b[i] = strings.ToUpper(string(c))[0]
		}
	}
	return string(b)
}

func jsonEscape(r rune, rnd *rand.Rand) string {
	if r > 0xffff {
		hi, lo := rune(0xd800+((r-0x10000)>>10)), rune(0xdc00+((r-0x10000)&0x3ff))
		return randCase(fmt.Sprintf(`\u%04x\u%04x`, hi, lo), rnd)
	}
	return randCase(fmt.Sprintf(`\u%04x`, r), rnd)
}

// percentEscape escapes every byte of r, as URL encoders do.
func percentEscape(r rune, rnd *rand.Rand) string {
	var b strings.Builder
	for _, c := range []byte(string(r)) {
		fmt.Fprintf(&b, "%%%02x", c)
	}
	return randCase(b.String(), rnd)
}

func htmlEscape(r rune, rnd *rand.Rand) string {
	if rnd.IntN(2) == 0 {
		return fmt.Sprintf("&#%d;", r)
	}
	return randCase(fmt.Sprintf([]string{"&#x%x;", "&#X%x;"}[rnd.IntN(2)], r), rnd)
}

// checkGone asserts that out holds the secret in no form the Redactor
// knows, and not the encoded text itself.
func checkGone(t testing.TB, r *Redactor, out, encoded string) {
	t.Helper()
	if strings.Contains(out, encoded) {
		t.Fatalf("the encoded secret %q survived in %q", encoded, out)
	}
	if r.Contains(out) {
		t.Fatalf("a secret survived in %q", out)
	}
}

func TestEveryForm(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{key, odd} {
		r := New(secret)
		for name, enc := range encoders {
			t.Run(name+"/"+secret[:2], func(t *testing.T) {
				t.Parallel()
				for seed := range uint64(50) {
					rnd := rand.New(rand.NewPCG(seed, 1))
					encoded := enc(secret, rnd)
					text := "before " + encoded + " after"
					out := r.String(text)
					checkGone(t, r, out, encoded)
					assert.True(t, strings.HasPrefix(out, "before "), out)
					assert.True(t, strings.HasSuffix(out, " after"), out)
					assert.Contains(t, out, Mark)
					assert.Equal(t, out, string(r.Bytes([]byte(text))))
				}
			})
		}
	}
}

func TestBase64AtEveryAlignment(t *testing.T) {
	t.Parallel()
	r := New(key, odd)
	encs := map[string]*base64.Encoding{
		"std": base64.StdEncoding, "raw std": base64.RawStdEncoding,
		"url": base64.URLEncoding, "raw url": base64.RawURLEncoding,
	}
	for name, enc := range encs {
		for _, secret := range []string{key, odd} {
			for before := range 7 {
				for after := range 4 {
					plain := strings.Repeat("p", before) + secret + strings.Repeat("s", after)
					encoded := enc.EncodeToString([]byte(plain))
					out := r.String("x " + encoded + " y")
					stable := base64Stable(secret, enc.WithPadding(base64.NoPadding))[before%3]
					assert.NotContains(t, out, stable, "%s, %d before, %d after", name, before, after)
					assert.False(t, r.Contains(out))
				}
			}
		}
	}
}

func TestOrdinaryTextUnchanged(t *testing.T) {
	t.Parallel()
	r := New(key, odd)
	texts := []string{
		"",
		"https://github.com/o/r/pull/1?x=1&y=%20#frag",
		`{"run_id":"run-1","artifacts":[{"url":"https:\/\/x\u0026y"}]}`,
		"## Oz run \\`run\\-1\\` &amp; more @\u200dalice",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		base64.StdEncoding.EncodeToString([]byte("hello, world: nothing secret here")),
		"wk-3f9a8b7c6d5e4f3a2b1c0d9e8f7", // one character short
		"wk-3f9a8b7c6d5e\nX4f3a2b1c0d9e8f7a",
		strings.Repeat("\\u00", 1000) + strings.Repeat("&#", 1000) + strings.Repeat("%", 1000),
		"\xff\xfe invalid \x00 bytes \u202e",
	}
	for _, s := range texts {
		assert.Equal(t, s, r.String(s))
		assert.False(t, r.Contains(s), s)
	}
}

func TestShortSecretsOnlyAsTheyAre(t *testing.T) {
	t.Parallel()
	r := New("x7", "   ", "")
	assert.Equal(t, "a *** b", r.String("a x7 b"))
	assert.Equal(t, `\u0078\u0037 78 eDc=`, r.String(`\u0078\u0037 78 eDc=`), "no encoded forms of a short secret")
	assert.True(t, New("").Empty())
	assert.True(t, New(" \n").Empty())
}

func TestMultiLineSecret(t *testing.T) {
	t.Parallel()
	r := New("first-line-secret\r\nsecond-line-secret\n")
	assert.Equal(t, "a *** b *** c", r.String("a first-line-secret b second-line-secret c"))
	assert.Equal(t, "***\n", r.String("first-line-secret\nsecond-line-secret\n"), "a separator at the end is not part of the mark")
}

func TestLongSecret(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ab", MaxEncodedLen)
	r := New(long)
	assert.Equal(t, "x *** y", r.String("x "+long+" y"))
	assert.Equal(t, "x *** y", r.String("x "+long+"ab y"), "overlapping occurrences are one")
	assert.Equal(t, []byte("x ***"), r.Bytes([]byte("x "+long)))
	assert.Equal(t, "x "+long[1:], r.String("x "+long[1:]))
}

func TestOverlapsMerge(t *testing.T) {
	t.Parallel()
	r := New("abcdefgh", "efghijkl")
	assert.Equal(t, "x *** y", r.String("x abcdefghijkl y"))
	assert.Equal(t, "******", r.String("abcdefghabcdefgh"))
	assert.Equal(t, "*** ***", New("abcdefgh").String("abcdefgh YWJjZGVmZ2g="), "the whole base64 token")
}

func TestZeroValueAndAdd(t *testing.T) {
	t.Parallel()
	var r Redactor
	assert.True(t, r.Empty())
	assert.Equal(t, "wk-secret-1", r.String("wk-secret-1"))
	r.Add("wk-secret-1")
	r.Add("wk-secret-1")
	assert.Equal(t, "***", r.String("wk-secret-1"))
	assert.False(t, r.Empty())
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	r := New(key)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				r.Add(fmt.Sprintf("secret-%d-%d", i, j))
				assert.NotContains(t, r.String("k "+key), key)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, "***", r.String("secret-7-9"))
}

func TestJSON(t *testing.T) {
	t.Parallel()
	r := New(key)
	tests := []struct{ name, in, want string }{
		{"raw", `{"a":"` + key + `"}`, `{"a":"***"}`},
		{"escaped every char", `{"a":"` + perRune(key, rand.New(rand.NewPCG(1, 2)), 1, jsonEscape) + `"}`, `{"a":"***"}`},
		{"twice escaped", `["x \\u0077k-3f9a8b7c6d5e4f3a2b1c0d9e8f7a y"]`, `["x *** y"]`},
		{"key as key", `{"` + key + `":1}`, `{"***":1}`},
		{"number", `{"n":12345678901}`, `{"n":12345678901}`},
		{"nothing", "{\"a\": [1, \"b\\n\", null]}\n", "{\"a\": [1, \"b\\n\", null]}\n"},
		{"not JSON", `{"a":"` + key, `{"a":"***`},
		{"re-encoded", `{"a":"<\u0026\n` + key + `"}`, `{"a":"<&\u000a***"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := r.JSON([]byte(tt.in))
			assert.Equal(t, tt.want, string(got))
			if json.Valid([]byte(tt.in)) {
				assert.True(t, json.Valid(got), "still valid: %s", got)
			}
		})
	}
	digits := New("12345678")
	got := digits.JSON([]byte(`{"n":-12345678901,"m":[12345678]}`))
	assert.Equal(t, `{"n":"-***901","m":["***"]}`, string(got))
	unchanged := []byte(`{"a":"b"}`)
	assert.Same(t, &unchanged[0], &r.JSON(unchanged)[0], "no copy when nothing is found")
}

func TestDecodeJSONStringMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, lit := range []string{
		`"plain"`, `"\u0077k\n\t\"\\\/"`, `"\ud83d\ude00 pair"`, `"\ud83d lone high"`, `"\ude00 lone low"`,
		`"\ud83d\u0041 high then not low"`, `"é€ raw"`,
	} {
		var want string
		require.NoError(t, json.Unmarshal([]byte(lit), &want), lit)
		assert.Equal(t, want, string(decodeJSONString(nil, []byte(lit[1:len(lit)-1]))), lit)
	}
}

func TestAppendJSONStringRoundTrips(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "a\"b\\c\x00\x1f\x7f", "line\u2028sep\u2029", "é€😀"} {
		var got string
		require.NoError(t, json.Unmarshal(appendJSONString(nil, []byte(s)), &got))
		assert.Equal(t, s, got)
	}
}

func TestEntities(t *testing.T) {
	t.Parallel()
	r := New("a<b>c&d\"e'f")
	assert.Equal(t, "x *** y", r.String("x a&lt;b&gt;c&amp;d&quot;e&apos;f y"))
	assert.Equal(t, "&#0; &#xD800; &#99999999; &bogus; &#;", r.String("&#0; &#xD800; &#99999999; &bogus; &#;"))
}

func TestFamiliesReadApart(t *testing.T) {
	t.Parallel()
	r := New("deadbeef-secret")
	for _, text := range []string{
		`100%\u0064eadbeef-secret`,      // a percent sign, then JSON
		`100%deadbeef\u002dsecret`,      // %de would be a URL escape
		`\%64eadbeef-secret`,            // a backslash, then a URL escape
		`&%64eadbeef-secret`,            // an ampersand, then a URL escape
		`%&#100;eadbeef-secret`,         // a percent sign, then an HTML reference
		"\u200b%64eadbeef\u200b-secret", // invisible characters in a URL reading
	} {
		assert.NotContains(t, r.String(text), "eadbeef", text)
	}
}
