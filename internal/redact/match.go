package redact

import "slices"

// The matcher: one Aho-Corasick automaton, run over the text and over each
// decoded reading of it.

// span is a part of the text to replace: [start, end).
type span struct{ start, end int }

// ringSize bounds the decoded patterns: the decoded pass remembers where
// the last ringSize decoded bytes came from. The longest decoded pattern
// is a URL-escaped secret of MaxEncodedLen bytes (3 bytes each).
const ringSize = 1024

// matcher is an Aho-Corasick automaton over the patterns, as a full
// transition table over byte classes (bytes no pattern holds share class
// 0), and the long secrets searched as they are. Built once per set of
// secrets, then only read.
//
// A state is its row's offset in the table (its number times k). An entry
// holds the next state, with rawBit set when a pattern ends there and
// decBit when a decoded pattern does: the scan looks up lengths (outRaw,
// outDec, by state number) only on a match.
type matcher struct {
	class          [256]uint32
	k              int
	next           []uint32
	outRaw, outDec []int32
	maxDec         int // the longest decoded pattern
	long           []longSecret
}

const (
	rawBit  = 1 << 31
	decBit  = 1 << 30
	offMask = decBit - 1
)

func newMatcher(fs formSet) *matcher {
	if len(fs.patterns) == 0 && len(fs.long) == 0 {
		return nil
	}
	m := &matcher{k: 1}
	for _, l := range fs.long {
		m.long = append(m.long, newLongSecret(l))
	}
	for _, p := range fs.patterns {
		for i := 0; i < len(p.text); i++ {
			if c := p.text[i]; m.class[c] == 0 {
				m.class[c] = uint32(m.k)
				m.k++
			}
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
		m.outRaw[s] = max(m.outRaw[s], n)
		if p.decoded && n <= ringSize {
			m.outDec[s] = max(m.outDec[s], n)
			m.maxDec = max(m.maxDec, int(n))
		}
	}
	// Breadth first: a state's failure link (its longest proper suffix that
	// is a state) is complete before the state itself is.
	fail := make([]int32, len(m.outRaw))
	var queue []int32
	for c := range k {
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
		for c := range k {
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
		v := uint32(int(t) * k)
		if m.outRaw[t] > 0 {
			v |= rawBit
		}
		if m.outDec[t] > 0 {
			v |= decBit
		}
		m.next[i] = v
	}
	return m
}

// find returns the parts of t to replace, sorted and disjoint; nil when
// there are none.
func find[T text](m *matcher, t T) []span {
	sp, fams := scanRaw(m, t)
	if fams&backslashes != 0 || fams == anyFamily {
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

// scanRaw runs the automaton over t's bytes, and says which decoded
// readings could differ from them.
func scanRaw[T text](m *matcher, t T) (sp []span, fams uint8) {
	raw, k := uint32(0), uint32(m.k)
	next, class := m.next, &m.class
	for i := 0; i < len(t); i++ {
		c := t[i]
		fams |= families[c]
		v := next[raw+class[c]]
		raw = v & offMask
		if v&rawBit != 0 {
			sp = push(sp, i+1-int(m.outRaw[raw/k]), i+1)
		}
	}
	return sp, fams
}

// scanDecoded runs the automaton over t's decoded reading in family; a
// match covers the raw units its decoded bytes came from. The automaton's
// state depends on the last maxDec bytes only, and the reading is the text
// itself up to the first byte that may decode otherwise: the scan starts
// maxDec bytes before that byte.
func scanDecoded[T text](m *matcher, t T, family uint8) []span {
	trigger := family | anyFamily
	first := 0
	for first < len(t) && families[t[first]]&trigger == 0 {
		first++
	}
	var sp []span
	var from [ringSize]int // from[p%ringSize]: where decoded byte p starts in t
	pos := 0
	dec, k := uint32(0), uint32(m.k)
	next, class := m.next, &m.class
	for i := max(0, first-m.maxDec); i < len(t); {
		c := t[i]
		if families[c]&trigger == 0 {
			from[pos%ringSize] = i
			pos++
			w := next[dec+class[c]]
			dec = w & offMask
			if w&decBit != 0 {
				sp = push(sp, from[(pos-int(m.outDec[dec/k]))%ringSize], i+1)
			}
			i++
			continue
		}
		u := decodeUnit(t, i, family)
		for j := range u.n {
			from[pos%ringSize] = i
			pos++
			w := next[dec+class[u.bytes[j]]]
			dec = w & offMask
			if w&decBit != 0 {
				sp = push(sp, from[(pos-int(m.outDec[dec/k]))%ringSize], u.end)
			}
		}
		i = u.end
	}
	return sp
}

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
			sp = push(sp, i+1-q, i+1)
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
func push(sp []span, start, end int) []span {
	for len(sp) > 0 && start < sp[len(sp)-1].end {
		start = min(start, sp[len(sp)-1].start)
		sp = sp[:len(sp)-1]
	}
	return append(sp, span{start, end})
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
		} else {
			out = append(out, x)
		}
	}
	return out
}
