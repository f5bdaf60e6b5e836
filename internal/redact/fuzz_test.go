package redact

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// FuzzRedact: a secret embedded in any text, in any form a Redactor knows,
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
