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
// (n > 0).
func hasRun[T text](t T, n int) bool { return runAt(t, 0, n) < len(t) }

// runAt returns where the first run of n base64 characters or more in
// t[from:] starts (a run that starts before from is taken to start at
// from), len(t) when there is none (n > 0). It looks at every n-th byte,
// which such a run must hold, and around those that are base64
// characters: each byte is looked at twice at most, and most of a prose's
// not at all.
func runAt[T text](t T, from, n int) int {
	low := from // the bytes before low are known not to start such a run
	for j := from + n - 1; j < len(t); {
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
			return start
		}
		low = end + 1
		j = end + n
	}
	return len(t)
}

// segment is a decoded token in a buffer, buf[start:end]: at the first
// level, tok is the token in the text; at the nested one, outer is the
// first level's segment it was decoded from. hit says a reading matched
// in it (or, at the first level, in a token decoded from it).
type segment struct {
	start, end int
	tok        span
	outer      int
	hit        bool
	key        uint64 // m.repeats' key when it is to learn the token's verdict, else 0
}

// alias is a token whose decoding is already in the buffer, as segment
// seg: the same character repeated as many times decodes to the same
// bytes, which the readings read alike wherever they are (boundary resets
// each of them), so that they are read once.
type alias struct {
	seg   int
	tok   span
	outer int
}

// repeat remembers where a token of one repeated character, c, that
// decodes to n bytes is in the buffer: segment seg (n is 0 for none).
type repeat struct {
	c      byte
	n, seg int
}

// boundary is written after each decoded token: no separator, invisible
// character or escape introducer, so no reading joins two tokens into one
// match, and each starts afresh after it.
const boundary = '*'

// eachToken calls f for each base64 token of t long enough to hold a
// pattern, with the number of characters to leave out at its start: from
// its first character, and a padded token whose length is not a whole
// number of quadruples also from the character where its padding says it
// starts (those before may be text glued to it, as in `path/<token>==`, or
// the `=` text glued after it).
func eachToken[T text](m *matcher, t T, f func(start, end, skip, n int)) {
	minChars := (m.minB64*8 + 5) / 6
	// Such a token's first line is a run of m.b64Run characters or more,
	// and a line that shorter neither is one nor is wrapped: each run
	// runAt skips is a token, too short, of its own.
	for i := 0; ; {
		start := runAt(t, i, m.b64Run)
		if start >= len(t) {
			return
		}
		end, n, pad := tokenEnd(t, start)
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
// each followed by boundary, and lists where each is; at says what each
// token stands for: the token to mask and the outer segment. A token of
// one character repeated (a rule, a filler) whose decoding is already in
// the buffer is listed as an alias of it instead, and with memo, one whose
// verdict m.repeats holds is listed as an alias of segment known (a
// match) or left out (none); either only when m.aliases. The buffers are
// sized by a first pass that finds the same aliases (a token of n
// characters decodes to 6n/8 bytes), from scratch when that is big enough
// (m.repeats may change in between: append grows them then).
func decodeTokens[T text](m *matcher, t T, sc *scratch, memo bool, at func(start, end int) (span, int)) ([]byte, []segment, []alias) {
	size, count, copies := 0, 0, 0
	sc.repeats = [len(sc.repeats)]repeat{}
	eachToken(m, t, func(start, _, skip, n int) {
		switch seg, _ := copyOf(sc, m, t, start, skip, n, count, memo); {
		case seg == none:
		case seg != unknown:
			copies++
		default:
			size += n*6/8 + 1
			count++
		}
	})
	if count == 0 && copies == 0 {
		return nil, nil, nil
	}
	buf, segs, aliases := sc.buf[:0], sc.segs[:0], sc.aliases[:0]
	if cap(buf) < size {
		buf = make([]byte, 0, size)
	}
	if cap(segs) < count {
		segs = make([]segment, 0, count)
	}
	if cap(aliases) < copies {
		aliases = make([]alias, 0, copies)
	}
	sc.repeats = [len(sc.repeats)]repeat{}
	eachToken(m, t, func(start, end, skip, n int) {
		seg, key := copyOf(sc, m, t, start, skip, n, len(segs), memo)
		if seg == none {
			return
		}
		tok, outer := at(start, end)
		if seg != unknown {
			aliases = append(aliases, alias{seg, tok, outer})
			return
		}
		from := len(buf)
		buf = decodeToken(buf, t, start, end, skip)
		segs = append(segs, segment{start: from, end: len(buf), tok: tok, outer: outer, key: key})
		buf = append(buf, boundary)
	})
	if size <= maxPooled {
		sc.buf = buf
	}
	if count <= maxPooledSegs {
		sc.segs = segs
	}
	if copies <= maxPooledSegs {
		sc.aliases = aliases
	}
	return buf, segs, aliases
}

// What copyOf says of a token but a segment.
const (
	unknown = -1 // to decode
	none    = -2 // m.repeats: no match
	known   = -3 // m.repeats: a match
)

// copyOf returns the segment already in the buffer that the token
// eachToken passed decodes to, known or none when memo and m.repeats has
// its verdict, or unknown. When unknown and the token is one character
// repeated, it remembers that the token is to be segment seg, and returns
// the token's key in m.repeats with memo (else 0).
func copyOf[T text](sc *scratch, m *matcher, t T, start, skip, n, seg int, memo bool) (int, uint64) {
	if !m.aliases || !repeated(t, start, start+skip+n) {
		return unknown, 0
	}
	c, size := t[start], n*6/8
	r := &sc.repeats[(int(c)*31+size)%len(sc.repeats)]
	if r.n == size && r.c == c {
		return r.seg, 0
	}
	*r = repeat{c, size, seg}
	if !memo {
		return unknown, 0
	}
	key := repeatKey(c, size)
	switch v := m.repeats[repeatSlot(key)].Load(); v &^ repeatHit {
	case key:
		r.seg = none
		if v&repeatHit != 0 {
			r.seg = known
		}
		return r.seg, 0
	}
	return unknown, key
}

// repeatKey is m.repeats' key for a token of character c repeated that
// decodes to size bytes (never 0).
func repeatKey(c byte, size int) uint64 { return uint64(size)<<8 | uint64(c) }

// repeatSlot is key's entry in m.repeats (Fibonacci hashing: the sizes of
// one character spread).
func repeatSlot(key uint64) uint64 { return key * 0x9e3779b97f4a7c15 >> 56 }

// repeatHit marks an entry of m.repeats whose token's decoding, or that of
// a token in it, holds a match.
const repeatHit = 1 << 63

// repeated reports whether t[start:end] is one character repeated: the
// same as itself shifted by one.
func repeated[T text](t T, start, end int) bool {
	return end-start < 2 || t[start] == t[start+1] && string(t[start+1:end]) == string(t[start:end-1])
}

// scratch holds a decoding's buffers for the next one: a JSON document's
// literals are read one by one.
type scratch struct {
	buf     []byte
	segs    []segment
	aliases []alias
	repeats [16]repeat
}

// maxPooled and maxPooledSegs bound the buffers kept in scratchPool.
const (
	maxPooled     = 64 << 10
	maxPooledSegs = 1 << 10
)

var scratchPool = sync.Pool{New: func() any { return new([2]scratch) }}

// scanBase64 returns the base64 tokens of t whose decoding, or the decoding
// of a token in it, holds a secret in a form find knows: each token whole.
// Each token is decoded once (and those inside decoded ones once more, when
// the decoded bytes hold a run long enough; a token whose padding does not
// fit its length twice: eachToken), and the decoded bytes of each level are
// read by one run of find's readings: linear in t. A match of fewer than
// MinEncodedLen bytes is a secret looked for only as it is (a short one),
// which is not looked for in decoded bytes.
func scanBase64[T text](m *matcher, t T) []span {
	if m.minB64 == 0 {
		return nil
	}
	sc := scratchPool.Get().(*[2]scratch)
	defer scratchPool.Put(sc)
	buf, segs, aliases := decodeTokens(m, t, &sc[0], true, func(start, end int) (span, int) { return span{start: start, end: end}, 0 })
	if len(segs) == 0 && len(aliases) == 0 {
		return nil
	}
	tokensFound(m, buf, segs)
	// Nested once: the tokens of each decoded token stand for its own.
	if hasRun(buf, m.b64Run) {
		seg := 0
		buf2, segs2, aliases2 := decodeTokens(m, buf, &sc[1], false, func(start, _ int) (span, int) {
			for segs[seg].end <= start {
				seg++
			}
			return span{}, seg
		})
		tokensFound(m, buf2, segs2)
		for _, s := range segs2 {
			if s.hit {
				segs[s.outer].hit = true
			}
		}
		for _, a := range aliases2 {
			if segs2[a.seg].hit {
				segs[a.outer].hit = true
			}
		}
	}
	var out []span
	for _, s := range segs {
		if s.key != 0 {
			v := s.key
			if s.hit {
				v |= repeatHit
			}
			m.repeats[repeatSlot(s.key)].Store(v)
		}
		if s.hit && (len(out) == 0 || out[len(out)-1] != s.tok) {
			out = append(out, s.tok)
		}
	}
	for _, a := range aliases {
		if a.seg == known || segs[a.seg].hit {
			out = append(out, a.tok)
		}
	}
	if len(out) == 0 {
		return nil
	}
	// Tokens are disjoint, but one is listed again for each reading of it
	// (eachToken) and its aliases come after the segments.
	slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	return slices.Compact(out)
}

// tokensFound marks the segments of buf where find's readings match.
func tokensFound(m *matcher, buf []byte, segs []segment) {
	if len(segs) == 0 {
		return
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
			segs[k].hit = true
		}
	}
}
