package redact

import (
	"slices"
	"sync"
)

// The decoded reading of base64 tokens: each token long enough to hold a
// secret is decoded once (twice when its padding does not fit it), and the secrets are looked for in what it decodes
// to with all of find's readings, so that base64 of a transformed secret
// (upper-cased, reversed, spaced out, hex, URL-escaped) is found too; a
// token that decodes to another one is decoded once more. The automaton's
// base64 patterns match only an encoding of the secret as it is, in one of
// the forms base64Stable lists.

// b64Val is the 6-bit value of each character of both alphabets.
var b64Val = func() (v [256]byte) {
	for i, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
		v[c] = byte(i)
	}
	v['-'], v['_'] = 62, 63
	return v
}()

// A token is read across a line break when the line before it is a whole
// number of quadruples, minWrapLine characters or more, as MIME (76) and
// PEM (64) wrap base64 (shorter lines are too like prose). The line break
// may be raw (`\n`, `\r\n`) or escaped as in a JSON or shell string
// (`\n`), with spaces or tabs around it, maxWrap bytes at most.
const (
	maxWrap     = 8
	minWrapLine = 32
)

// tokenEnd returns the end of the base64 token that starts at t[i] (a
// base64 character), its number of base64 characters and its padding. A
// token is a run of base64 characters, the lines of a wrapped one with the
// line breaks between them, and its `=` padding (two at most), which ends
// it.
func tokenEnd[T text](t T, i int) (end, n, pad int) {
	for {
		line := i
		for i < len(t) && base64Char[t[i]] {
			i++
		}
		n += i - line
		for pad < 2 && i < len(t) && t[i] == '=' {
			i++
			pad++
		}
		if pad > 0 || n%4 != 0 || i-line < minWrapLine {
			return i, n, pad
		}
		j := skipWrap(t, i)
		if j == i || j >= len(t) || !base64Char[t[j]] {
			return i, n, pad
		}
		i = j
	}
}

// skipWrap returns the end of the line break that starts at t[i] (i itself
// when there is none): one line break, raw or escaped (`\n`), with spaces,
// tabs and carriage returns, in maxWrap bytes at most.
func skipWrap[T text](t T, i int) int {
	j, breaks := i, 0
	for j < len(t) && j-i <= maxWrap {
		switch c := t[j]; {
		case c == ' ' || c == '\t' || c == '\r':
			j++
		case c == '\n':
			breaks++
			j++
		case c == '\\' && j+1 < len(t) && (t[j+1] == 'n' || t[j+1] == 'r' || t[j+1] == 't'):
			if t[j+1] == 'n' {
				breaks++
			}
			j += 2
		default:
			if breaks != 1 || j-i > maxWrap {
				return i
			}
			return j
		}
	}
	return i // the text ends, or the wrapping is too long
}

// decodeToken appends to buf what the token t[start:end] decodes to, its
// first skip characters left out. The token was delimited by tokenEnd, so
// that what is not a base64 character or padding in it is wrapping (an
// escaped line break's letter included), which skipWrap steps over.
func decodeToken[T text](buf []byte, t T, start, end, skip int) []byte {
	var acc uint32
	bits := 0
	for i := start; i < end; {
		c := t[i]
		switch {
		case base64Char[c]:
			i++
			if skip > 0 {
				skip--
				continue
			}
			acc = acc<<6 | uint32(b64Val[c])
			bits += 6
			if bits >= 8 {
				bits -= 8
				buf = append(buf, byte(acc>>bits))
			}
		case c == '=':
			i++
		default:
			if j := skipWrap(t, i); j > i {
				i = j
			} else {
				i++ // not reached: tokenEnd let no other byte in
			}
		}
	}
	return buf
}

// hasRun reports whether t holds a run of n base64 characters or more
// (n > 0). It looks at every n-th byte, which such a run must hold, and
// around those that are base64 characters: each byte is looked at twice
// at most, and most of a prose's not at all.
func hasRun[T text](t T, n int) bool {
	low := 0 // the bytes before low are known not to start such a run
	for j := n - 1; j < len(t); {
		if !base64Char[t[j]] {
			low = j + 1
			j += n
			continue
		}
		start := j
		for start > low && base64Char[t[start-1]] {
			start--
		}
		end := j + 1
		for end < len(t) && end-start < n && base64Char[t[end]] {
			end++
		}
		if end-start >= n {
			return true
		}
		low = end + 1
		j = end + n
	}
	return false
}

// segment is a decoded token in a buffer, buf[start:end], and the token
// in the text it stands for (for a token decoded from a decoded one, the
// outer token).
type segment struct {
	start, end int
	tok        span
}

// boundary is written after each decoded token: no separator, invisible
// character or escape introducer, so no reading joins two tokens into one
// match.
const boundary = '*'

// eachToken calls f for each base64 token of t long enough to hold a
// pattern, with the number of characters to leave out at its start: from
// its first character, and a padded token whose length is not a whole
// number of quadruples also from the character where its padding says it
// starts (those before may be text glued to it, as in `path/<token>==`, or
// the `=` text glued after it).
func eachToken[T text](m *matcher, t T, f func(start, end, skip, n int)) {
	minChars := (m.minB64*8 + 5) / 6
	for i := 0; i < len(t); {
		if !base64Char[t[i]] {
			i++
			continue
		}
		start := i
		end, n, pad := tokenEnd(t, i)
		i = end
		if n < minChars {
			continue
		}
		f(start, end, 0, n)
		if skip := (n + pad) % 4; pad > 0 && skip > 0 && n-skip >= minChars {
			f(start, end, skip, n-skip)
		}
	}
}

// decodeTokens decodes the tokens of t eachToken finds into one buffer,
// each followed by boundary, and lists where each is; tok maps a token's
// span in t to the one to mask. The buffer is sized by a first pass (a
// token of n characters decodes to 6n/8 bytes), from scratch when that is
// big enough.
func decodeTokens[T text](m *matcher, t T, sc *scratch, tok func(start, end int) span) ([]byte, []segment) {
	size, count := 0, 0
	eachToken(m, t, func(_, _, _, n int) {
		size += n*6/8 + 1
		count++
	})
	if count == 0 {
		return nil, nil
	}
	buf, segs := sc.buf[:0], sc.segs[:0]
	if cap(buf) < size {
		buf = make([]byte, 0, size)
	}
	if cap(segs) < count {
		segs = make([]segment, 0, count)
	}
	eachToken(m, t, func(start, end, skip, _ int) {
		at := len(buf)
		buf = decodeToken(buf, t, start, end, skip)
		segs = append(segs, segment{at, len(buf), tok(start, end)})
		buf = append(buf, boundary)
	})
	if size <= maxPooled {
		sc.buf, sc.segs = buf, segs
	}
	return buf, segs
}

// scratch holds a decoding's buffers for the next one: a JSON document's
// literals are read one by one.
type scratch struct {
	buf  []byte
	segs []segment
}

// maxPooled bounds the buffers kept in scratchPool.
const maxPooled = 64 << 10

var scratchPool = sync.Pool{New: func() any { return new([2]scratch) }}

// scanBase64 returns the base64 tokens of t whose decoding, or the decoding
// of a token in it, holds a secret in a form find knows: each token whole.
// Each token is decoded once (and those inside decoded ones once more; a
// token whose padding does not fit its length twice: eachToken), and
// the decoded bytes of each level are read by one run of find's readings:
// linear in t. A match of fewer than MinEncodedLen bytes is a secret looked
// for only as it is (a short one), which is not looked for in decoded
// bytes.
func scanBase64[T text](m *matcher, t T) []span {
	if m.minB64 == 0 {
		return nil
	}
	sc := scratchPool.Get().(*[2]scratch)
	defer scratchPool.Put(sc)
	buf, segs := decodeTokens(m, t, &sc[0], func(start, end int) span { return span{start: start, end: end} })
	if len(segs) == 0 {
		return nil
	}
	out := tokensFound(m, buf, segs, nil)
	// Nested once: the tokens of each decoded token stand for its own.
	seg := 0
	buf2, segs2 := decodeTokens(m, buf, &sc[1], func(start, _ int) span {
		for segs[seg].end <= start {
			seg++
		}
		return segs[seg].tok
	})
	out = tokensFound(m, buf2, segs2, out)
	if len(out) == 0 {
		return nil
	}
	// Tokens are disjoint, but one is listed again for each match in it and
	// each token decoded from it.
	slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	return slices.Compact(out)
}

// tokensFound appends to out the tokens of the segments of buf where find's
// readings match.
func tokensFound(m *matcher, buf []byte, segs []segment, out []span) []span {
	if len(segs) == 0 {
		return out
	}
	found := findReadings(m, buf)
	j := 0
	for _, x := range found {
		if x.end-x.start < MinEncodedLen {
			continue
		}
		for j < len(segs) && segs[j].end <= x.start {
			j++
		}
		for k := j; k < len(segs) && segs[k].start < x.end; k++ {
			if tok := segs[k].tok; len(out) == 0 || out[len(out)-1] != tok {
				out = append(out, tok)
			}
		}
	}
	return out
}
