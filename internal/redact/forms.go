package redact

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The forms of a secret that are looked for: as it is, reversed, escaped
// and encoded, and each of those with its separators taken out.

// pattern is one byte string to look for, in the readings sets says.
type pattern struct {
	text string
	sets uint8
}

// The readings a pattern is looked for in, and what a match of it is.
const (
	// inRaw: the text's bytes as they are.
	inRaw = 1 << iota
	// inDecoded: the decoded readings (one layer of escapes undone,
	// invisible characters skipped).
	inDecoded
	// inSeparated: the text's bytes and its decoded readings with the
	// separators (white space, punctuation) skipped too. These patterns
	// hold no separator.
	inSeparated
	// isBase64: a base64 form; its match is widened to the whole base64
	// token it is in, whose other characters carry bits of the secret too.
	isBase64
)

// maxPatternBytes bounds the automaton (its table has a row per pattern
// byte): once the patterns hold that many bytes, further secrets are
// searched only as they are. Real keys and tokens take a few KiB each.
const maxPatternBytes = 64 << 10

// formSet is what a matcher is built from: patterns for the automaton, and
// secrets too long for it, searched as they are. raw and decoded say
// whether the readings that keep separators are needed: not when every
// pattern looked for in them is also looked for without its separators,
// which finds all they would (with a separator at either end left out of
// the mark), as it is for keys and tokens.
type formSet struct {
	patterns     []pattern
	long         []string
	raw, decoded bool
}

// forms lists what to look for for each secret: itself and each of its
// lines; for those of MinEncodedLen to MaxEncodedLen bytes, their encoded
// forms; and for those of MinTransformedLen bytes or more, the same for the
// secret reversed, and all of them without separators.
func forms(secrets []string) formSet {
	var fs formSet
	index := map[string]int{} // pattern text → its index in fs.patterns
	seenLong := map[string]bool{}
	size := 0
	add := func(text string, sets uint8) {
		if text == "" {
			return
		}
		if i, ok := index[text]; ok {
			fs.patterns[i].sets |= sets
			return
		}
		index[text] = len(fs.patterns)
		size += len(text)
		fs.patterns = append(fs.patterns, pattern{text, sets})
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
				if !seenLong[c] {
					seenLong[c] = true
					fs.long = append(fs.long, c)
				}
			case len(c) < MinEncodedLen:
				add(c, inRaw)
			default:
				bases := []string{c}
				if v := visible(c); len(v) >= MinEncodedLen && v != c {
					bases = append(bases, v)
				}
				transformed := len(c) >= MinTransformedLen
				if transformed {
					// Matching folds ASCII letters only: other letters are
					// looked for in the secret's case, upper and lower.
					for _, b := range []string{strings.ToUpper(c), strings.ToLower(c)} {
						if foldASCII(b) != foldASCII(c) {
							bases = append(bases, b)
						}
					}
					for _, b := range bases {
						bases = append(bases, reverse(b))
					}
				}
				for _, b := range bases {
					for _, f := range append([]form{{b, 0}}, encodings(b)...) {
						if len(f.text) >= MinEncodedLen {
							add(f.text, inRaw|inDecoded|f.sets)
						}
						if sq := squeeze(f.text); transformed && len(sq) >= MinEncodedLen {
							add(sq, inSeparated|f.sets)
						}
					}
				}
			}
		}
	}
	for _, p := range fs.patterns {
		sq := squeeze(p.text)
		i, ok := index[sq]
		covered := ok && fs.patterns[i].sets&inSeparated != 0 && len(sq) <= ringSize
		fs.raw = fs.raw || p.sets&inRaw != 0 && !covered
		fs.decoded = fs.decoded || p.sets&inDecoded != 0 && !covered
	}
	return fs
}

// form is an encoded form of a secret; sets is isBase64 or 0.
type form struct {
	text string
	sets uint8
}

// visible is s without the characters the decoded readings skip.
func visible(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		u := decodeUnit(s, i, 0)
		b.Write(u.bytes[:u.n])
		i = u.end
	}
	return b.String()
}

// foldASCII is s with its ASCII letters in lower case.
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lower(c)
	}
	return string(b)
}

// reverse is s with its characters (not bytes: a string reversed by a
// program stays text) in the reverse order.
func reverse(s string) string {
	rs := []rune(s)
	slices.Reverse(rs)
	return string(rs)
}

// squeeze is s without the characters the separated readings skip:
// separators and invisible characters.
func squeeze(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		u := decodeUnit(s, i, 0)
		if u.n == 1 && !separatorByte[u.bytes[0]] || u.n > 1 && !separatorUnit(u) {
			b.Write(u.bytes[:u.n])
		}
		i = u.end
	}
	return b.String()
}

// separatorByte tells the ASCII separators: what a writer may put between
// a secret's characters to get it past a matcher (`w k - 3`, `w-k-3`,
// `['w', 'k']`, line breaks), that is white space and punctuation, but the
// asterisk: the mark is made of it, and a mark must keep apart what it
// separates.
var separatorByte = func() (s [256]bool) {
	for c := range 128 {
		s[c] = c == ' ' || '\t' <= c && c <= '\r' || isPunct(byte(c)) && c != '*'
	}
	return s
}()

// separatorUnit reports whether a decoded character of more than one byte
// is a separator: white space or punctuation (a no-break space, a dash, a
// middle dot).
func separatorUnit(u unit) bool {
	r, _ := utf8.DecodeRune(u.bytes[:u.n])
	return unicode.IsSpace(r) || unicode.IsPunct(r)
}

// encodings are the encoded forms of s: URL-escaped (query and path), base64
// (the stable parts at each alignment, both alphabets) and hex. Each is
// written in one case: matching ignores the case of ASCII letters.
func encodings(s string) []form {
	out := []form{{url.QueryEscape(s), 0}, {url.PathEscape(s), 0}}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for _, e := range base64Stable(s, enc) {
			out = append(out, form{e, isBase64})
		}
	}
	return append(out, form{hex.EncodeToString([]byte(s)), 0})
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
