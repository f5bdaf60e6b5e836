package verdict

import (
	"fmt"
	"strings"
	"testing"
)

// maxAnswer is the longest answer oz-run reads (upstream's cap).
const maxAnswer = 16 << 20

// longAnswer is an answer of 16 MiB: prose, code blocks of other
// languages and json blocks on the way, then the review at the end.
func longAnswer(tail string) string {
	var b strings.Builder
	for i := 0; b.Len() < maxAnswer-len(tail)-200; i++ {
		switch i % 10 {
		case 3:
			fmt.Fprintf(&b, "```go\nfunc f%d() {}\n```\n", i)
		case 7:
			fmt.Fprintf(&b, "```json\n{\"step\": %d}\n```\n", i)
		default:
			fmt.Fprintf(&b, "%d. Checked package `pkg/m%05d`: no change needed (naïve café résumé).\n", i, i)
		}
	}
	b.WriteString(tail)
	return b.String()
}

// BenchmarkJudge16MiB judges the longest answer: one pass over its lines
// to find the last json block, then the block alone is decoded.
func BenchmarkJudge16MiB(b *testing.B) {
	answer := longAnswer(fenced(`{"verdict":"fail","summary":"s","findings":[{"path":"a.go","line":3,"severity":"error","message":"m"}]}`))
	g, err := NewGate(DefaultReviewGate, Review())
	if err != nil {
		b.Fatal(err)
	}
	spec := Spec{Schema: Review(), Gate: g}
	if o := spec.Judge(answer); o.Conclusion != Rejected {
		b.Fatalf("%q %s", o.Conclusion, o.Reason)
	}
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		spec.Judge(answer)
	}
}

// BenchmarkJudge16MiBFences: 16 MiB of fences that open and close, an
// answer written to make a reader go back and forth.
func BenchmarkJudge16MiBFences(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < maxAnswer {
		sb.WriteString("```json\n1\n```\n~~~\n````json\n~~~\n")
	}
	answer := sb.String()
	spec := Spec{Schema: Review()}
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		spec.Judge(answer)
	}
}

// BenchmarkJudge16MiBJSON: the whole answer is 16 MiB of JSON (too large:
// the compact value exceeds MaxValueBytes).
func BenchmarkJudge16MiBJSON(b *testing.B) {
	answer := "[" + strings.Repeat(`"abcdefghijklmnopqrstuvwxyz",`, maxAnswer/29) + "1]"
	spec := Spec{Schema: Review()}
	if o := spec.Judge(answer); o.Conclusion != InvalidOutput {
		b.Fatal(o.Conclusion)
	}
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		spec.Judge(answer)
	}
}
