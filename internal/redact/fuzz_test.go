package redact

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzRedact: a secret embedded in any text, in any form a Redactor knows
// (the encoders, transformed forms and base64 of them included),
// never survives; text left holds nothing the Redactor would find; text
// without a secret comes back unchanged.
func FuzzRedact(f *testing.F) {
	f.Add("before ", " after", uint8(0), uint64(1))
	f.Add(`{"a":"`, `"}`, uint8(3), uint64(7))
	f.Add(`\`, `\`, uint8(5), uint64(2))
	f.Add("%", "&#", uint8(9), uint64(3))
	f.Add("\xe2\x80", "\xae", uint8(11), uint64(4))
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range encoders {
			if !yield(n) {
				return
			}
		}
	})
	r := New(key, odd)
	f.Fuzz(func(t *testing.T, prefix, suffix string, form uint8, seed uint64) {
		for _, s := range []string{prefix, suffix, prefix + suffix} {
			out := r.String(s)
			if r.Contains(out) {
				t.Fatalf("String(%q) = %q still holds a secret", s, out)
			}
			if !r.Contains(s) && out != s {
				t.Fatalf("String(%q) = %q: changed text without a secret", s, out)
			}
		}
		// An escape introducer just before the secret could swallow its
		// start in the reading the encoding needs: then it is not there.
		name := names[int(form)%len(names)]
		// (TestFamiliesReadApart covers an introducer of another family.)
		if tail := prefix[max(0, len(prefix)-12):]; strings.ContainsAny(tail, `\&%`) {
			prefix += " "
		}
		// A token decoded by the base64 reading starts at its first
		// character: base64 glued before it shifts it (padding would
		// tell, but not every token has it).
		if strings.HasPrefix(name, "base64 of") && prefix != "" && base64Char[prefix[len(prefix)-1]] {
			prefix += " "
		}
		rnd := rand.New(rand.NewPCG(seed, 0))
		secret := []string{key, odd}[seed%2]
		encoded := encoders[name](secret, rnd)
		out := r.String(prefix + encoded + suffix)
		checkGone(t, r, out, encoded)
		if b := string(r.Bytes([]byte(prefix + encoded + suffix))); b != out {
			t.Fatalf("Bytes and String differ: %q, %q", b, out)
		}
	})
}

// FuzzTransformed: a secret written in any case, reversed or not, with any
// separators (taken from seps) and invisible characters between its
// characters, inside any text, leaves nothing that an oracle independent
// of the automaton (plainLeak: case folded, separators dropped) would read
// as the secret, nor anything the Redactor finds; and masking keeps the
// text around it.
func FuzzTransformed(f *testing.F) {
	f.Add("before ", " after", " ", uint64(1))
	f.Add("['", "']", "', '", uint64(2))
	f.Add("x", "y", "\n\t-._", uint64(3))
	f.Add("", "", "\u200b\u00a0\u3000\u2014", uint64(4))
	f.Add("wk-3f9a8b7c6d5e4f", "3a2b1c0d9e8f7a", ":/|", uint64(5))
	r := New(key, "glpat-0123456789abcdefghij")
	f.Fuzz(func(t *testing.T, prefix, suffix, seps string, seed uint64) {
		var use []string
		for _, c := range seps {
			if c < utf8.RuneSelf && separatorByte[c] || c >= utf8.RuneSelf && (unicode.IsSpace(c) || unicode.IsPunct(c) || invisible(c)) {
				use = append(use, string(c))
			}
		}
		if tail := prefix[max(0, len(prefix)-12):]; strings.ContainsAny(tail, `\&%`) {
			prefix += " "
		}
		rnd := rand.New(rand.NewPCG(seed, 0))
		secret := []string{key, "glpat-0123456789abcdefghij"}[seed%2]
		form := transformed(secret, use, rnd)
		in := prefix + form + suffix
		out := r.String(in)
		if r.Contains(out) {
			t.Fatalf("String(%q) = %q still holds a secret", in, out)
		}
		if plainLeak(out, key) || plainLeak(out, "glpat-0123456789abcdefghij") {
			t.Fatalf("String(%q) = %q: the secret is still there, transformed", in, out)
		}
		if b := string(r.Bytes([]byte(in))); b != out {
			t.Fatalf("Bytes and String differ: %q, %q", b, out)
		}
	})
}
