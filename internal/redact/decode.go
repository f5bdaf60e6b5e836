package redact

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The escapes the matcher reads through (JSON, Markdown, HTML, URL) and the
// invisible characters it skips.

// text is what the matcher reads: a string or a byte slice (copy and
// indexing work on both).
type text interface{ ~string | ~[]byte }

// unit is one step of the decoded reading of a text: the raw bytes up to
// end decode to bytes[:n] (n may be 0: an invisible character).
type unit struct {
	bytes [utf8.UTFMax]byte
	n     int
	end   int
}

// Escape families: a decoded reading undoes one family's escapes. They are
// read apart, since an escape of one family can swallow the start of
// another's (`%ab` is a byte in a URL, `%` then `ab` in JSON).
const (
	// backslashes are JSON and Markdown escapes and HTML character
	// references (Markdown renders those).
	backslashes = 1 << iota
	// percents are URL escapes.
	percents
	// anyFamily marks bytes that may decode differently in every family:
	// control and non-ASCII bytes, which may be invisible.
	anyFamily
)

// families maps each byte to the families in which it may start a unit
// that decodes to something else than itself.
var families = func() (f [256]uint8) {
	for c := range 256 {
		if c >= utf8.RuneSelf || invisible(rune(c)) {
			f[c] = anyFamily
		}
	}
	f['\\'], f['&'], f['%'] = backslashes, backslashes, percents
	return f
}()

// decodeUnit reads the unit that starts at t[i]: with family, one layer of
// its escapes is undone; with 0, only invisible characters are skipped. A
// sequence that is not a complete escape is read as it is.
func decodeUnit[T text](t T, i int, family uint8) unit {
	c := t[i]
	switch {
	case c == '\\' && family == backslashes:
		if u, ok := backslash(t, i); ok {
			return u
		}
	case c == '&' && family == backslashes:
		if u, ok := entity(t, i); ok {
			return u
		}
	case c == '%' && family == percents:
		if i+2 < len(t) && isHex(t[i+1]) && isHex(t[i+2]) {
			return unit{bytes: [4]byte{hexVal(t[i+1])<<4 | hexVal(t[i+2])}, n: 1, end: i + 3}
		}
	}
	if c < utf8.RuneSelf {
		if invisible(rune(c)) {
			return unit{end: i + 1}
		}
		return unit{bytes: [4]byte{c}, n: 1, end: i + 1}
	}
	var buf [utf8.UTFMax]byte
	k := copy(buf[:], t[i:])
	r, size := utf8.DecodeRune(buf[:k])
	if r == utf8.RuneError && size <= 1 { // an invalid byte: sinks drop or replace it
		return unit{end: i + 1}
	}
	if invisible(r) {
		return unit{end: i + size}
	}
	return unit{bytes: buf, n: size, end: i + size}
}

// runeUnit is the unit for a decoded character.
func runeUnit(r rune, end int) unit {
	u := unit{end: end}
	if !invisible(r) {
		u.n = utf8.EncodeRune(u.bytes[:], r)
	}
	return u
}

// invisible reports the characters a sink may drop or that show as
// nothing: control characters but tab and line breaks, format characters
// (zero-width, bidi, soft hyphen, BOM) and the non-characters XML drops.
func invisible(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r':
		return false
	case r < 0x20, 0x7f <= r && r <= 0x9f, r == 0xfffe, r == 0xffff:
		return true
	case r < 0xad:
		return false
	}
	return unicode.Is(unicode.Cf, r)
}

// backslash reads a JSON escape (`\uXXXX`, a surrogate pair, `\n`...) or a
// Markdown one (a backslash before ASCII punctuation).
func backslash[T text](t T, i int) (unit, bool) {
	if i+1 >= len(t) {
		return unit{}, false
	}
	switch d := t[i+1]; {
	case d == 'u':
		r, ok := hex4(t, i+2)
		if !ok {
			return unit{}, false
		}
		end := i + 6
		if utf16.IsSurrogate(r) {
			lo, ok := rune(0), false
			if r < 0xdc00 && end+6 <= len(t) && t[end] == '\\' && t[end+1] == 'u' {
				lo, ok = hex4(t, end+2)
			}
			if ok && 0xdc00 <= lo && lo < 0xe000 {
				r, end = utf16.DecodeRune(r, lo), end+6
			} else {
				r = utf8.RuneError
			}
		}
		return runeUnit(r, end), true
	case d == 'b', d == 'f', d == 'n', d == 'r', d == 't':
		return runeUnit(rune(jsonControl[d]), i+2), true
	case d < utf8.RuneSelf && isPunct(d) && d != '&':
		// `\&` is read as a backslash before a character reference.
		return unit{bytes: [4]byte{d}, n: 1, end: i + 2}, true
	}
	return unit{}, false
}

var jsonControl = [128]byte{'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// isPunct is ASCII punctuation, what CommonMark lets a backslash escape.
func isPunct(c byte) bool {
	return '!' <= c && c <= '/' || ':' <= c && c <= '@' || '[' <= c && c <= '`' || '{' <= c && c <= '~'
}

// entity reads an HTML character reference: `&#119;`, `&#x77;` or one of
// the named ones Markdown renderers and HTML escapers write.
func entity[T text](t T, i int) (unit, bool) {
	j := i + 1
	limit := min(len(t), i+12)
	for j < limit && t[j] != ';' {
		j++
	}
	if j >= limit || j == i+1 {
		return unit{}, false
	}
	var name [10]byte
	n := copy(name[:], t[i+1:j])
	ref := name[:n]
	var r rune
	switch {
	case ref[0] == '#' && len(ref) > 2 && (ref[1] == 'x' || ref[1] == 'X'):
		for _, c := range ref[2:] {
			if !isHex(c) || r > 0x10ffff {
				return unit{}, false
			}
			r = r<<4 | rune(hexVal(c))
		}
	case ref[0] == '#' && len(ref) > 1:
		for _, c := range ref[1:] {
			if c < '0' || c > '9' || r > 0x10ffff {
				return unit{}, false
			}
			r = r*10 + rune(c-'0')
		}
	default:
		switch string(ref) {
		case "amp":
			r = '&'
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "quot":
			r = '"'
		case "apos":
			r = '\''
		default:
			return unit{}, false
		}
	}
	if r == 0 || r > unicode.MaxRune || utf16.IsSurrogate(r) {
		r = utf8.RuneError
	}
	return runeUnit(r, j+1), true
}

func hex4[T text](t T, i int) (rune, bool) {
	if i+4 > len(t) {
		return 0, false
	}
	var r rune
	for k := i; k < i+4; k++ {
		if !isHex(t[k]) {
			return 0, false
		}
		r = r<<4 | rune(hexVal(t[k]))
	}
	return r, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
