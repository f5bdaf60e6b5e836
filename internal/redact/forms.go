package redact

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
)

// The forms of a secret that are looked for: as it is, escaped and encoded.

// pattern is one byte string to look for. decoded says it is also looked
// for in the decoded text (one layer of escapes undone, invisible
// characters skipped); raw-only patterns are the short secrets.
type pattern struct {
	text    string
	decoded bool
}

// maxPatternBytes bounds the automaton (its table has a row per pattern
// byte): once the patterns hold that many bytes, further secrets are
// searched only as they are. Real keys and tokens take a few KiB each.
const maxPatternBytes = 64 << 10

// formSet is what a matcher is built from: patterns for the automaton, and
// secrets too long for it, searched as they are.
type formSet struct {
	patterns []pattern
	long     []string
}

// forms lists what to look for for each secret: itself and each of its
// lines, and, for those of MinEncodedLen to MaxEncodedLen bytes, their
// encoded forms.
func forms(secrets []string) formSet {
	var fs formSet
	seen := map[string]bool{}
	size := 0
	add := func(text string, decoded bool) {
		if text == "" || seen[text] {
			return
		}
		seen[text] = true
		size += len(text)
		fs.patterns = append(fs.patterns, pattern{text, decoded})
	}
	for _, s := range secrets {
		norm := strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
		candidates := []string{s, norm}
		if strings.Contains(norm, "\n") {
			for _, l := range strings.Split(norm, "\n") {
				if strings.TrimSpace(l) != "" {
					candidates = append(candidates, l)
				}
			}
		}
		for _, c := range candidates {
			switch {
			case len(c) > MaxEncodedLen, size > maxPatternBytes:
				if !seen[c] {
					seen[c] = true
					fs.long = append(fs.long, c)
				}
			case len(c) < MinEncodedLen:
				add(c, false)
			default:
				add(c, true)
				if v := visible(c); len(v) >= MinEncodedLen {
					add(v, true)
				}
				for _, e := range encodings(c) {
					if len(e) >= MinEncodedLen {
						add(e, true)
					}
				}
			}
		}
	}
	return fs
}

// visible is s without the characters the decoded pass skips.
func visible(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		u := decodeUnit(s, i, 0)
		b.Write(u.bytes[:u.n])
		i = u.end
	}
	return b.String()
}

// encodings are the encoded forms of s: URL-escaped (query and path, upper
// and lower hex), base64 (the stable parts at each alignment, both
// alphabets) and hex (lower and upper).
func encodings(s string) []string {
	var out []string
	for _, e := range []string{url.QueryEscape(s), url.PathEscape(s)} {
		out = append(out, e, lowerEscapes(e))
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		out = append(out, base64Stable(s, enc)...)
	}
	h := hex.EncodeToString([]byte(s))
	return append(out, h, strings.ToUpper(h))
}

// lowerEscapes writes the hex digits of e's percent-escapes in lower case.
func lowerEscapes(e string) string {
	b := []byte(e)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerHex(b[i+1]), lowerHex(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lowerHex(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// base64Stable returns, for each of the three byte alignments s can have in
// a longer text, the base64 characters that depend on s's bytes only. Each
// character carries 6 bits: with p bytes before s, character i covers bits
// [6i, 6i+6) of the text, and it is stable when those bits all lie within
// s's bits [8p, 8p+8len(s)).
func base64Stable(s string, enc *base64.Encoding) []string {
	var out []string
	for p := range 3 {
		buf := make([]byte, p+len(s))
		copy(buf[p:], s)
		e := enc.EncodeToString(buf)
		first := (8*p + 5) / 6
		end := min(8*(p+len(s))/6, len(e))
		if first < end {
			out = append(out, e[first:end])
		}
	}
	return out
}
