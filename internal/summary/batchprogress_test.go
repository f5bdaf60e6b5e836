package summary

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// progressBatch is a batch's snapshot: one run ended, one working with
// its session link (its state and title hostile), one being created, one
// not created yet.
func progressBatch() outcome.Batch {
	t0 := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	return outcome.Batch{ID: "b1", Started: t0, Runs: []outcome.BatchRun{
		{Key: "pkg.a", Result: outcome.Result{RunID: "run-a", State: oz.StateSucceeded, Conclusion: outcome.Succeeded, Started: t0, Ended: t0.Add(2 * time.Minute)}},
		{Key: "pkg.b", Result: outcome.Result{RunID: "run-b", State: "IN|PROGRESS`<img src=x>@octocat", Started: t0,
			Run: &oz.Run{RunID: "run-b", SessionLink: "https://app.warp.dev/session/s2", Title: "# <script>alert(1)</script>"}}},
		{Key: "pkg.c"},
		{Key: "pkg.d", NotStarted: true},
	}}
}

func TestCommentBatchProgress(t *testing.T) {
	t.Parallel()
	md := CommentBatchProgress(progressBatch(), Options{FailOn: outcome.FailOn{outcome.Failed: true}})
	assert.True(t, strings.HasPrefix(md, "## 🔄 Oz batch: 1 of 4 runs ended\n\n"), md)
	for _, want := range []string{
		"| run | conclusion | verdict | duration | cost | links |",
		"| `pkg.a` | `succeeded` | — | 2m (waited) | — | [run](https://oz.warp.dev/runs/run-a) |",
		"| `pkg.b` | IN\\|PROGRESS\\`&lt;img src=x&gt;@\u200doctocat | — |",
		"[run](https://oz.warp.dev/runs/run-b) · [session](https://app.warp.dev/session/s2) |",
		"| `pkg.c` | starting | — | — | — | — |",
		"| `pkg.d` | not started yet | — | — | — | — |",
		"it will hold the batch's outcome when every run has ended.\n",
	} {
		assert.Contains(t, md, want)
	}
	// The API's text cannot make HTML, a mention or a cell of its own.
	assert.NotContains(t, md, "<img")
	assert.NotContains(t, md, "<script")
	assert.NotContains(t, md, "@octocat")
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| `pkg.b`") {
			assert.Equal(t, 7, strings.Count(line, " | ")+2, "six cells: %s", line)
		}
	}
	assert.NotContains(t, md, "<details>", "no answer while the runs work")

	titled := CommentBatchProgress(progressBatch(), Options{Title: "Review <b>all</b>"})
	assert.True(t, strings.HasPrefix(titled, "## 🔄 Review "), titled)
	assert.NotContains(t, titled, "<b>")
}

// A snapshot counts ended runs: a conclusion, an API error, an abort;
// a not-started run the batch cut short has ended too.
func TestCommentBatchProgressCounts(t *testing.T) {
	t.Parallel()
	b := progressBatch()
	b.Runs[2].Result.Err = fmt.Errorf("starting the run: 500")
	assert.Contains(t, CommentBatchProgress(b, Options{}), "2 of 4 runs ended")
	assert.Contains(t, CommentBatchProgress(b, Options{}), "| `pkg.c` | `error` |")
	b.Runs[3].Result.Conclusion = outcome.Cancelled
	assert.Contains(t, CommentBatchProgress(b, Options{}), "3 of 4 runs ended")
}

func TestCommentBatchProgressFits(t *testing.T) {
	t.Parallel()
	var b outcome.Batch
	for i := range 500 {
		b.Runs = append(b.Runs, outcome.BatchRun{Key: fmt.Sprintf("run-%03d", i), Result: outcome.Result{RunID: fmt.Sprintf("r%d", i), State: oz.StateInProgress}})
	}
	md := CommentBatchProgress(b, Options{MaxBytes: 8000})
	assert.LessOrEqual(t, len(md), 8000)
	assert.Contains(t, md, "more runs |")
	assert.Contains(t, md, "0 of 500 runs ended")
	assert.LessOrEqual(t, len(CommentBatchProgress(b, Options{})), DefaultCommentMaxBytes)
}
