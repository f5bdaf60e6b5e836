package redact

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// The texts are 16 MiB, the API's body cap: plain, an agent's answer
// (Markdown prose, with an emoji and an ampersand: decoded readings run), made of almost-secrets (the automaton's worst case),
// the same spaced out (the separated reading's), dense with escapes (the
// decoded pass's), a JSON document of 100k objects, and base64 of base64
// wrapped as MIME (the base64 tokens' decoded reading's, at both levels).
func benchTexts() map[string]string {
	const size = 16 << 20
	fill := func(unit string) string { return strings.Repeat(unit, size/len(unit)) }
	var doc strings.Builder
	doc.WriteString("[")
	for i := range 100_000 {
		if i > 0 {
			doc.WriteString(",")
		}
		b, _ := json.Marshal(map[string]string{"artifact_type": "PULL_REQUEST", "url": "https://github.com/o/r/pull/1?a=1&b=" + strings.Repeat("x", 100)})
		doc.Write(b)
	}
	doc.WriteString("]")
	// base64 of base64 of prose, wrapped as MIME: one token, decoded
	// whole, and its decoding again (the base64 reading's worst case).
	b64 := base64.StdEncoding.EncodeToString
	inner := b64([]byte(strings.Repeat("Some prose, then some more of it. ", size*9/16/34)))
	mime := wrap(b64([]byte(inner)), 76, "\r\n")
	return map[string]string{
		"base64":   mime[:min(len(mime), size)],
		"plain":    fill("https://github.com/o/r/pull/1234 "),
		"answer":   fill("## Done ✅\n\nI changed `internal/x.go` — see https://github.com/o/r/pull/1234: the *tests* & docs pass, 3/3.\n"),
		"prefixes": fill(key[:len(key)-1] + " "),
		"spaced":   fill(strings.Join(strings.Split(key[:len(key)-1], ""), " ") + "\n"),
		"escapes":  fill(`\u0077\u006b%2d&#51;` + "\u200b"),
		"json":     doc.String(),
	}
}

func BenchmarkString(b *testing.B) {
	r := New(key, "glpat-0123456789abcdefghij")
	for name, text := range benchTexts() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				_ = r.String(text)
			}
		})
	}
}

func BenchmarkJSON(b *testing.B) {
	r := New(key)
	data := []byte(benchTexts()["json"])
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_ = r.JSON(data)
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = New(key, odd)
	}
}
