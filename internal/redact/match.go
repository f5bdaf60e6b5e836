package redact

import (
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// The matcher: one Aho-Corasick automaton, run over the text and over each
// decoded reading of it, each with and without its separators.

// span is a part of the text to replace: [start, end). base64 says a
// base64 form matched in it: the span is widened to the whole token.
type span struct {
	start, end int
	base64     bool
}

// ringSize bounds the decoded and separated patterns: a pass that skips
// bytes remembers where the last ringSize bytes it read came from. The
// longest such pattern is a URL-escaped secret of MaxEncodedLen bytes (3
// bytes each).
const ringSize = 1024

// matcher is an Aho-Corasick automaton over the patterns, as a full
// transition table over byte classes, and the long secrets searched as
// they are. Built once per set of secrets, then only read (but for the
// verdicts repeats remembers, each entry stored whole, atomically).
//
// Bytes no pattern holds share class 0, and the two cases of an ASCII
// letter share one: matching ignores case. The separated readings read the
// text through sepClass, which sends separators to the last class, whose
// transitions go nowhere (a state's own row), so they are skipped without a
// branch.
//
// A state is its row's offset in the table (its number times k). An entry
// holds the next state, with rawBit set when a pattern looked for in the
// raw text ends there, decBit a decoded one and sepBit a separated one: the
// scan looks up lengths (outRaw, outDec, outSep, by state number) only on a
// match.
type matcher struct {
	class, sepClass        [256]uint32
	step                   [256]uint // 0 for a separator, else 1
	k                      int
	next                   []uint32
	outRaw, outDec, outSep []int32
	base64                 []bool // by state number: a base64 form ends there
	maxDec, maxSep         int    // the longest decoded and separated patterns
	minB64                 int    // the shortest pattern or long secret of MinEncodedLen bytes or more: 0 for none (scanBase64)
	b64Run                 int    // a token scanBase64 decodes holds a run of base64 characters this long; 0: none is decoded
	raw, decoded           bool   // the readings that keep separators are needed (formSet)
	aliases                bool   // every reading starts afresh after boundary: decodeTokens may read a decoding once for all its copies
	// repeats remembers, for tokens of one character repeated, whether
	// scanBase64 found a match in their decoding (copyOf): repeatKey, with
	// repeatHit. The only part written after newMatcher, each entry whole.
	repeats [256]atomic.Uint64
	long    []longSecret
}

const (
	rawBit  = 1 << 31
	decBit  = 1 << 30
	sepBit  = 1 << 29
	offMask = sepBit - 1
)

func newMatcher(fs formSet) *matcher {
	if len(fs.patterns) == 0 && len(fs.long) == 0 {
		return nil
	}
	m := &matcher{k: 1, raw: fs.raw, decoded: fs.decoded}
	shorter := func(n int) {
		if n >= MinEncodedLen && (m.minB64 == 0 || n < m.minB64) {
			m.minB64 = n
		}
	}
	for _, l := range fs.long {
		m.long = append(m.long, newLongSecret(l))
		shorter(len(l))
	}
	for _, p := range fs.patterns {
		shorter(len(p.text))
	}
	if m.minB64 > 0 {
		// A token's first line is all its characters, or minWrapLine or more.
		m.b64Run = min((m.minB64*8+5)/6, minWrapLine)
	}
	for _, p := range fs.patterns {
		for i := 0; i < len(p.text); i++ {
			if c := lower(p.text[i]); m.class[c] == 0 {
				m.class[c] = uint32(m.k)
				m.k++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[lower(byte(c))]
	}
	// boundary is in no pattern (so class 0, and not a separator) nor long
	// secret: no reading's match holds it, and none of the escapes a
	// reading undoes spans it but one that ends with it.
	m.aliases = m.class[boundary] == 0 && !slices.ContainsFunc(m.long, func(l longSecret) bool { return strings.IndexByte(l.text, boundary) >= 0 })
	skip := m.k // the separators' class, in the separated readings only
	m.k++
	for c := range 256 {
		m.sepClass[c], m.step[c] = m.class[c], 1
		if separatorByte[c] || c < utf8.RuneSelf && invisible(rune(c)) {
			m.sepClass[c], m.step[c] = uint32(skip), 0
		}
	}
	k := m.k
	var next []int32 // by state number while building; -1: no edge yet
	newState := func() int32 {
		for range k {
			next = append(next, -1)
		}
		m.outRaw = append(m.outRaw, 0)
		m.outDec = append(m.outDec, 0)
		m.outSep = append(m.outSep, 0)
		m.base64 = append(m.base64, false)
		return int32(len(m.outRaw) - 1)
	}
	newState() // the root, 0
	for _, p := range fs.patterns {
		s := int32(0)
		for i := 0; i < len(p.text); i++ {
			idx := int(s)*k + int(m.class[p.text[i]])
			if next[idx] < 0 {
				t := newState()
				next[idx] = t
			}
			s = next[idx]
		}
		n := int32(len(p.text))
		if p.sets&inRaw != 0 {
			m.outRaw[s] = max(m.outRaw[s], n)
		}
		if p.sets&inDecoded != 0 && n <= ringSize {
			m.outDec[s] = max(m.outDec[s], n)
			m.maxDec = max(m.maxDec, int(n))
		}
		if p.sets&inSeparated != 0 && n <= ringSize {
			m.outSep[s] = max(m.outSep[s], n)
			m.maxSep = max(m.maxSep, int(n))
		}
		m.base64[s] = m.base64[s] || p.sets&isBase64 != 0
	}
	// Breadth first: a state's failure link (its longest proper suffix that
	// is a state) is complete before the state itself is.
	fail := make([]int32, len(m.outRaw))
	var queue []int32
	for c := range skip {
		if t := next[c]; t < 0 {
			next[c] = 0
		} else {
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := fail[s]
		m.outRaw[s] = max(m.outRaw[s], m.outRaw[f])
		m.outDec[s] = max(m.outDec[s], m.outDec[f])
		m.outSep[s] = max(m.outSep[s], m.outSep[f])
		m.base64[s] = m.base64[s] || m.base64[f]
		for c := range skip {
			idx := int(s)*k + c
			if t := next[idx]; t < 0 {
				next[idx] = next[int(f)*k+c]
			} else {
				fail[t] = next[int(f)*k+c]
				queue = append(queue, t)
			}
		}
	}
	m.next = make([]uint32, len(next))
	for i, t := range next {
		if i%k == skip {
			m.next[i] = uint32(i - skip) // its own row, no match
			continue
		}
		v := uint32(int(t) * k)
		if m.outRaw[t] > 0 {
			v |= rawBit
		}
		if m.outDec[t] > 0 {
			v |= decBit
		}
		if m.outSep[t] > 0 {
			v |= sepBit
		}
		m.next[i] = v
	}
	return m
}

// lower is c in lower case when it is an ASCII letter.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// find returns the parts of t to replace, sorted and disjoint; nil when
// there are none.
func find[T text](m *matcher, t T) []span {
	sp := findReadings(m, t)
	if m.b64Run > 0 && hasRun(t, m.b64Run) {
		sp = union(sp, scanBase64(m, t))
	}
	return widen(t, sp)
}

// findReadings is find but for the base64 tokens' decoded reading, and
// without widening base64 matches to their tokens.
func findReadings[T text](m *matcher, t T) []span {
	sp, fams := scanRaw(m, t)
	// The plain reading (nothing decoded, invisible characters skipped)
	// with separators is the raw scan's; without, it has a pass of its own.
	if fams&anyFamily != 0 && m.decoded {
		sp = union(sp, scanDecoded(m, t, 0))
	}
	if fams&backslashes != 0 {
		sp = union(sp, scanDecoded(m, t, backslashes))
	}
	if fams&percents != 0 {
		sp = union(sp, scanDecoded(m, t, percents))
	}
	for _, l := range m.long {
		sp = union(sp, searchLong(t, l))
	}
	return sp
}

// scanRaw runs the automaton over t's bytes (when a pattern needs them as
// they are) and over its plain reading without separators, and says which
// decoded readings could differ from them.
//
// The plain reading skips separators and invisible characters, so that an
// escape introducer put between a secret's characters as a separator is
// read as one here, whatever the escape readings make of it (`%a8` is a
// byte in a URL, `\b` a control character in JSON).
func scanRaw[T text](m *matcher, t T) (sp []span, fams uint8) {
	k := uint32(m.k)
	next, class := m.next, &m.class
	if m.maxSep == 0 {
		raw := uint32(0)
		for i := 0; i < len(t); i++ {
			c := t[i]
			fams |= families[c]
			v := next[raw+class[c]]
			raw = v & offMask
			if v&rawBit != 0 {
				sp = push(sp, i+1-int(m.outRaw[raw/k]), i+1, m.base64[raw/k])
			}
		}
		return sp, fams
	}
	sepClass, step := &m.sepClass, &m.step
	var from [ringSize]int // from[p%ringSize]: where the separated reading's byte p is
	pos := uint(0)
	raw, sep := uint32(0), uint32(0)
	keepRaw := m.raw
	for i := 0; i < len(t); {
		c := t[i]
		if c < utf8.RuneSelf {
			fams |= families[c]
			if keepRaw {
				v := next[raw+class[c]]
				raw = v & offMask
				if v&rawBit != 0 {
					sp = push(sp, i+1-int(m.outRaw[raw/k]), i+1, m.base64[raw/k])
				}
			}
			from[pos%ringSize] = i // overwritten when c is skipped
			pos += step[c]
			w := next[sep+sepClass[c]]
			sep = w & offMask
			if w&sepBit != 0 {
				sp = push(sp, from[(pos-uint(m.outSep[sep/k]))%ringSize], i+1, m.base64[sep/k])
			}
			i++
			continue
		}
		fams |= anyFamily
		u := decodeUnit(t, i, 0)
		for j := i; keepRaw && j < u.end; j++ {
			v := next[raw+class[t[j]]]
			raw = v & offMask
			if v&rawBit != 0 {
				sp = push(sp, j+1-int(m.outRaw[raw/k]), j+1, m.base64[raw/k])
			}
		}
		if u.n > 1 && !separatorUnit(u) {
			for j := range u.n {
				from[pos%ringSize] = i
				pos++
				w := next[sep+sepClass[u.bytes[j]]]
				sep = w & offMask
				if w&sepBit != 0 {
					sp = push(sp, from[(pos-uint(m.outSep[sep/k]))%ringSize], u.end, m.base64[sep/k])
				}
			}
		}
		i = u.end
	}
	return sp, fams
}

// scanDecoded runs the automaton over t's decoded reading in family (0:
// nothing decoded, invisible characters skipped) as needed: with
// separators, and without (but for family 0: scanRaw did it). A match
// covers the raw units its decoded bytes came from. Up to the first byte
// that may decode otherwise, the reading is the text itself, already
// scanned, and the automaton's state depends only on the last maxDec bytes
// read (maxSep without separators): the scan starts that far before that
// byte.
func scanDecoded[T text](m *matcher, t T, family uint8) []span {
	decoded, separated := m.decoded, m.maxSep > 0 && family != 0
	if !decoded && !separated {
		return nil
	}
	trigger := family | anyFamily
	first := 0
	for first < len(t) && families[t[first]]&trigger == 0 {
		first++
	}
	start, kept := first, uint(0)
	for start > 0 && (decoded && first-start < m.maxDec || separated && kept < uint(m.maxSep)) {
		start--
		kept += m.step[t[start]]
	}
	var sp []span
	// fromDec[p%ringSize]: where decoded byte p starts in t; fromSep the
	// same for the decoded bytes that are not separators.
	var fromDec, fromSep [ringSize]int
	posDec, posSep := uint(0), uint(0)
	dec, sep, k := uint32(0), uint32(0), uint32(m.k)
	next, class, sepClass, step := m.next, &m.class, &m.sepClass, &m.step
	for i := start; i < len(t); {
		c := t[i]
		if families[c]&trigger == 0 { // itself: one byte, not invisible
			if decoded {
				fromDec[posDec%ringSize] = i
				posDec++
				w := next[dec+class[c]]
				dec = w & offMask
				if w&decBit != 0 {
					sp = push(sp, fromDec[(posDec-uint(m.outDec[dec/k]))%ringSize], i+1, m.base64[dec/k])
				}
			}
			if separated {
				fromSep[posSep%ringSize] = i
				posSep += step[c]
				w := next[sep+sepClass[c]]
				sep = w & offMask
				if w&sepBit != 0 {
					sp = push(sp, fromSep[(posSep-uint(m.outSep[sep/k]))%ringSize], i+1, m.base64[sep/k])
				}
			}
			i++
			continue
		}
		u := decodeUnit(t, i, family)
		sepOK := u.n <= 1 || !separatorUnit(u)
		for j := range u.n {
			b := u.bytes[j]
			if decoded {
				fromDec[posDec%ringSize] = i
				posDec++
				w := next[dec+class[b]]
				dec = w & offMask
				if w&decBit != 0 {
					sp = push(sp, fromDec[(posDec-uint(m.outDec[dec/k]))%ringSize], u.end, m.base64[dec/k])
				}
			}
			if separated && sepOK {
				fromSep[posSep%ringSize] = i
				posSep += step[b]
				w := next[sep+sepClass[b]]
				sep = w & offMask
				if w&sepBit != 0 {
					sp = push(sp, fromSep[(posSep-uint(m.outSep[sep/k]))%ringSize], u.end, m.base64[sep/k])
				}
			}
		}
		i = u.end
	}
	return sp
}

// widen extends each span where a base64 form matched to the whole base64
// token around it (letters, digits, `+/-_`, then `=` padding): the
// characters at the token's ends carry bits of the secret too, and those
// beyond them the text it was encoded with. Each byte is looked at once at
// most: a span extends left no further than the previous one ends, and one
// that ends inside the previous one does not extend right.
func widen[T text](t T, sp []span) []span {
	if !slices.ContainsFunc(sp, func(x span) bool { return x.base64 }) {
		return sp
	}
	out := sp[:0]
	for _, x := range sp {
		prevEnd := 0
		if len(out) > 0 {
			prevEnd = out[len(out)-1].end
		}
		if x.base64 {
			for x.start > prevEnd && base64Char[t[x.start-1]] {
				x.start--
			}
			if x.end > prevEnd {
				for x.end < len(t) && base64Char[t[x.end]] {
					x.end++
				}
				for pad := 0; pad < 2 && x.end < len(t) && t[x.end] == '='; pad++ {
					x.end++
				}
			}
		}
		if len(out) > 0 && x.start < prevEnd {
			last := &out[len(out)-1]
			last.end = max(last.end, x.end)
			last.base64 = last.base64 || x.base64
			continue
		}
		out = append(out, x)
	}
	return out
}

// base64Char tells the characters of both base64 alphabets.
var base64Char = func() (b [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_") {
		b[c] = true
	}
	return b
}()

// searchLong finds the occurrences of a secret too long for the automaton
// (Knuth-Morris-Pratt: linear in t, overlapping occurrences included).
func searchLong[T text](t T, l longSecret) []span {
	var sp []span
	q := 0
	for i := 0; i < len(t); i++ {
		for q > 0 && l.text[q] != t[i] {
			q = l.fail[q-1]
		}
		if l.text[q] == t[i] {
			q++
		}
		if q == len(l.text) {
			sp = push(sp, i+1-q, i+1, false)
			q = l.fail[q-1]
		}
	}
	return sp
}

// longSecret is a secret searched as it is, with its KMP failure table:
// fail[i] is the length of the longest proper prefix of text[:i+1] that is
// also its suffix.
type longSecret struct {
	text string
	fail []int
}

func newLongSecret(s string) longSecret {
	fail := make([]int, len(s))
	for i, q := 1, 0; i < len(s); i++ {
		for q > 0 && s[q] != s[i] {
			q = fail[q-1]
		}
		if s[q] == s[i] {
			q++
		}
		fail[i] = q
	}
	return longSecret{s, fail}
}

// push adds [start, end) to sp, which is sorted and disjoint and whose
// spans end at or before end, merging the spans it overlaps.
func push(sp []span, start, end int, base64 bool) []span {
	for len(sp) > 0 && start < sp[len(sp)-1].end {
		last := sp[len(sp)-1]
		start = min(start, last.start)
		base64 = base64 || last.base64
		sp = sp[:len(sp)-1]
	}
	return append(sp, span{start, end, base64})
}

// union merges two sorted, disjoint lists into one.
func union(a, b []span) []span {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	all := append(slices.Clip(a), b...)
	slices.SortFunc(all, func(x, y span) int { return x.start - y.start })
	out := all[:1]
	for _, x := range all[1:] {
		if last := &out[len(out)-1]; x.start < last.end {
			last.end = max(last.end, x.end)
			last.base64 = last.base64 || x.base64
		} else {
			out = append(out, x)
		}
	}
	return out
}
