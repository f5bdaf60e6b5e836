package summary

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	judge "github.com/oz-run/oz-run-action/internal/verdict"
)

// reviewed is a run that succeeded and whose review was judged.
func reviewed(c outcome.Conclusion, findings []judge.Finding, reason string) outcome.Result {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return outcome.Result{RunID: "run_1", State: oz.StateSucceeded, Conclusion: c, Started: at, Ended: at.Add(time.Minute),
		Run:     &oz.Run{RunID: "run_1", State: oz.StateSucceeded},
		Verdict: &judge.Outcome{Review: true, Verdict: "fail", Findings: findings, Reason: reason, Structured: []byte(`{}`)}}
}

func TestFindingsTable(t *testing.T) {
	t.Parallel()
	const base = "https://github.com/octo/repo/blob/" + "0123456789abcdef0123456789abcdef01234567" + "/"
	hostile := []judge.Finding{
		{Path: "src/a b.go", Line: 7, Severity: "error", Title: "t|x", Message: "m <img src=x> | @octocat"},
		{Path: "../etc/passwd", Line: 1, Severity: "warning", Message: "up", Dropped: "holds .."},
		{Path: "x](https://evil.example)", Line: 2, Severity: "notice", Message: "n"},
	}
	many := make([]judge.Finding, 60)
	for i := range many {
		many[i] = judge.Finding{Path: fmt.Sprintf("f%d.go", i), Line: i + 1, Severity: "notice", Message: "m"}
	}
	tests := []struct {
		name    string
		res     outcome.Result
		comment bool
		want    []string
		not     []string
	}{
		{"linked at the head commit, escaped", reviewed(outcome.Rejected, hostile, `pass_if "output.verdict == \"pass\"" is false`), false,
			[]string{
				"### Why", "### Findings: 1 error, 1 warning, 1 notice",
				"[src/a b.go\\:7](" + base + "src/a%20b.go#L7)",
				"t\\|x", "&lt;img",
				"| `warning` | ../etc/passwd\\:1 |",
			},
			[]string{"(" + base + "../", "](https://evil.example)", "<img"}},
		{"the comment caps the table", reviewed(outcome.Rejected, many, "r"), true, []string{"… and 10 more", "f49.go"}, []string{"f50.go"}},
		{"the summary shows all", reviewed(outcome.Rejected, many, "r"), false, []string{"f59.go"}, []string{"more"}},
		{"a pass says no why", reviewed(outcome.Succeeded, nil, ""), false, []string{"### Findings: none"}, []string{"### Why", "| Severity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := Options{FailOn: outcome.FailOn{outcome.Rejected: true}, FileBase: base}
			got := Render(tt.res, opts)
			if tt.comment {
				got = Comment(tt.res, opts)
			}
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
			for _, n := range tt.not {
				assert.NotContains(t, got, n)
			}
			assert.False(t, strings.Contains(Text(tt.res, opts), "\x1b"))
		})
	}
}
