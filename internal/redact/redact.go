// Package redact hides secrets (the Oz API key, forge tokens) in any text
// oz-run prints or writes. A hostile server can send a secret back in
// another form, an agent can be talked into writing it out transformed,
// and a renderer can change its bytes, so a Redactor looks for more than
// the raw secret:
//
//   - the secret as it is, and each line of a multi-line secret;
//   - URL query- and path-escaped;
//   - base64 (standard and URL alphabets, padded or not) at each of the three
//     alignments it can have inside a longer base64 text: the part of the
//     encoding that does not depend on the neighbouring bytes is matched,
//     and the whole base64 token around it is masked (its end characters
//     carry bits of the secret too);
//   - hex;
//   - in what a base64 token decodes to, in every form listed here (base64 of
//     the secret upper-cased, reversed, spaced out, in hex or URL-escaped
//     too), the whole token masked; a token is a run of base64 characters
//     in either alphabet, padded or not, and the lines of one wrapped as
//     MIME or PEM do (lines of whole quadruples, 32 characters or more,
//     one line break between them, raw or escaped `\n`); a token that
//     decodes to another is decoded once more. Each token is decoded from
//     its first character (and, when its padding does not fit its length,
//     from where the padding says it starts);
//   - in any case: ASCII letters are matched whatever their case (so hex
//     and escapes in either case too), other letters all in upper or all in
//     lower case;
//   - reversed (by characters), in all the forms above;
//   - with separators between any of its characters, in all the forms above
//     (`w k - 3`, `w-k-3`, `['w', 'k']`, one character a line, hex with
//     colons, base64 cut into lines): ASCII white space and punctuation but
//     `*` (the mark is made of it, and must keep apart what it separates),
//     Unicode spaces and punctuation;
//   - any of the above after one layer of per-character escaping, each
//     character escaped or not, in one of two readings: JSON (`\u0077`,
//     surrogate pairs, `\/`), Markdown backslash escapes (`\-`, `\_`) and
//     HTML character references (`&#119;`, `&#x77;`, `&amp;`), as Markdown
//     renders all three; or URL percent-escapes (`%77`, any case). The two
//     are read apart because one's escape can swallow the start of the
//     other's (`%ab` is a byte in a URL, three characters in JSON), and a
//     third reading decodes nothing, since an escape introducer can be a
//     separator too (`%` before `a8`). In all three, invisible characters
//     (control, format, zero-width, bidi, invalid UTF-8 bytes) between the
//     secret's characters are skipped, since a sink that drops them would
//     join the secret back together.
//
// Two layers (Markdown inside JSON, say) are not undone by String; JSON
// decodes a document's strings first, so a JSON text gets two. Redact before
// escaping: that is the order sinks must follow anyway. Not looked for: a
// part of a secret; hex and URL escapes of a re-cased or spaced-out secret
// (each case mix or spacing encodes differently); base64 glued to text
// before it without padding to tell where it starts; and base64 nested
// three times.
//
// Every match is replaced by a mark (`***`) covering the whole escaped text,
// from a separated secret's first character to its last. Matching is one
// Aho-Corasick automaton, run over the plain reading without separators
// and, when the text holds anything that decodes, over each decoded reading
// without separators; the readings that keep them are run only for secrets
// not looked for without (short ones). The base64 tokens long enough to
// hold a secret (found by looking at every few bytes) are decoded into one
// buffer, read by the same automaton; their own tokens into another. Linear
// in the text, whatever it holds.
//
// Secrets shorter than MinEncodedLen bytes are redacted only as they are
// (their encoded forms would match too much: a key "x" would hide every x);
// the configuration refuses such keys anyway. Those shorter than
// MinTransformedLen are not looked for reversed or with separators. Secrets
// longer than MaxEncodedLen are redacted only as they are (in their case),
// by a plain search.
package redact

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Mark replaces each secret found.
const Mark = "***"

// MinEncodedLen is the shortest secret whose encoded and escaped forms are
// redacted; shorter ones are redacted only as they are.
const MinEncodedLen = 8

// MinTransformedLen is the shortest secret also looked for reversed and
// with separators between its characters: short ones could be read into
// ordinary words run together. Keys and forge tokens are at least this long
// (the configuration warns about a shorter key: a stand-in, masked as it is).
const MinTransformedLen = 16

// MaxEncodedLen is the longest secret whose encoded and escaped forms are
// redacted (real keys and tokens are well under it); longer ones are
// redacted only as they are.
const MaxEncodedLen = 256

// Redactor replaces secrets, in every form it knows, by Mark. The zero
// value holds no secret. It is safe for concurrent use: Add may run while
// other goroutines redact.
type Redactor struct {
	mu      sync.Mutex // serialises Add
	secrets []string
	m       atomic.Pointer[matcher] // nil: no secret
}

// New returns a Redactor for the secrets given (blank ones are ignored).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add adds secrets; blank ones (only white space) are ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, s := range secrets {
		if strings.TrimSpace(s) == "" || slices.Contains(r.secrets, s) {
			continue
		}
		r.secrets = append(r.secrets, s)
		changed = true
	}
	if changed {
		r.m.Store(newMatcher(forms(r.secrets)))
	}
}

// Empty reports whether the Redactor holds no secret.
func (r *Redactor) Empty() bool { return r.m.Load() == nil }

// String returns s with every secret found replaced by the mark; s itself
// when nothing was found.
func (r *Redactor) String(s string) string {
	m := r.m.Load()
	if m == nil {
		return s
	}
	sp := find(m, s)
	if sp == nil {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, x := range sp {
		b.WriteString(s[last:x.start])
		b.WriteString(Mark)
		last = x.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// Bytes is String for a byte slice; it returns b itself when nothing was
// found.
func (r *Redactor) Bytes(b []byte) []byte {
	m := r.m.Load()
	if m == nil {
		return b
	}
	sp := find(m, b)
	if sp == nil {
		return b
	}
	return replaceSpans(b, sp, Mark)
}

// Contains reports whether s holds a secret in any form String would
// redact.
func (r *Redactor) Contains(s string) bool {
	m := r.m.Load()
	return m != nil && find(m, s) != nil
}

func replaceSpans(b []byte, sp []span, mark string) []byte {
	out := make([]byte, 0, len(b))
	last := 0
	for _, x := range sp {
		out = append(out, b[last:x.start]...)
		out = append(out, mark...)
		last = x.end
	}
	return append(out, b[last:]...)
}
