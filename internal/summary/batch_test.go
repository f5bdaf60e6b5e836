package summary

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

func testBatch() outcome.Batch {
	t0 := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	usd := 0.25
	return outcome.Batch{ID: "b1", Started: t0, Ended: t0.Add(3 * time.Minute), Runs: []outcome.BatchRun{
		{Key: "pkg.a", Result: outcome.Result{RunID: "run-a", State: oz.StateSucceeded, Conclusion: outcome.Succeeded, Started: t0, Ended: t0.Add(2 * time.Minute),
			Timeline: []outcome.Transition{{State: oz.StateQueued, At: t0.Add(time.Minute)}},
			Run: &oz.Run{RunID: "run-a", SessionLink: "https://app.warp.dev/session/s1", RequestUsage: &oz.Usage{InferenceCostUSD: &usd},
				Artifacts: []oz.Artifact{{Type: oz.ArtifactPullRequest, Data: []byte(`{"url":"https://github.com/o/r/pull/7","branch":"b"}`)}}},
			Work: outcome.Work{Answer: "# All good\n@octocat see #12 <script>"}}},
		{Key: "pkg.b", Result: outcome.Result{RunID: "run-b", State: oz.StateFailed, Conclusion: outcome.Failed, Started: t0, Ended: t0.Add(time.Minute)}},
		{Key: "pkg.c", Result: outcome.Result{Err: errors.New("starting the run: 500")}},
		{Key: "pkg.d", NotStarted: true, Result: outcome.Result{Conclusion: outcome.Cancelled}},
	}}
}

func TestRenderBatch(t *testing.T) {
	t.Parallel()
	md := RenderBatch(testBatch(), Options{FailOn: outcome.FailOn{outcome.Failed: true}})
	for _, want := range []string{
		"## Oz batch: `error` (failed)",
		"4 runs: 1 succeeded, 1 failed, 1 error, 1 cancelled (not started).",
		"| `pkg.a` | `succeeded` | — | 1m (waited) | $0.25 | [run](https://oz.warp.dev/runs/run-a) · [session](https://app.warp.dev/session/s1) · [PR 1](https://github.com/o/r/pull/7) |",
		"| `pkg.b` | `failed` |",
		`| ` + "`pkg.d`" + ` | cancelled \(not started\) | — | — | — | — |`,
		"<summary>pkg.a: the agent's answer</summary>",
	} {
		assert.Contains(t, md, want)
	}
	assert.NotContains(t, md, "\n# All good")
	assert.NotContains(t, md, "<script>")
	assert.Equal(t, 1, strings.Count(md, "<details>"))
}

func TestRenderBatchFits(t *testing.T) {
	t.Parallel()
	b := testBatch()
	long := strings.Repeat("a line of the answer\n", 10000)
	for i := range b.Runs {
		b.Runs[i].Result.Work.Answer = long
	}
	for _, size := range []int{4000, 64000, DefaultMaxBytes} {
		md := renderBatch(b, Options{}, size)
		assert.LessOrEqual(t, len(md), size)
		assert.Contains(t, md, "| `pkg.d` |")
	}
}

func TestCommentBatchFitsManyRuns(t *testing.T) {
	t.Parallel()
	b := testBatch()
	run := b.Runs[0]
	b.Runs = nil
	for i := range 256 {
		r := run
		r.Key = fmt.Sprintf("run-%03d", i)
		b.Runs = append(b.Runs, r)
	}
	md := CommentBatch(b, Options{MaxBytes: 8000})
	assert.LessOrEqual(t, len(md), 8000)
	assert.True(t, strings.Contains(md, "more runs |"), "the rows left out are counted")
	assert.True(t, strings.Contains(md, "| `run-000` |"))
	assert.LessOrEqual(t, len(CommentBatch(b, Options{})), DefaultCommentMaxBytes)
	assert.True(t, strings.HasSuffix(md, "each run's page is linked in the table.\n"), "the last line stays")
	assert.True(t, strings.Contains(RenderBatch(b, Options{}), "| `run-255` |"), "the job summary has them all")
}
