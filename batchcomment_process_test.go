package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/runner"
)

// A batch's PR comment, as a process: created while the batch's runs
// still work (its last run cannot end before the test ends it), then
// edited with the outcome; one comment, the key and the token in none.
func TestBatchCommentProcessCreatedEarly(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	f := newForge(t, false)
	prompts := promptList(3, "fix it", map[int]string{3: "[fake:slow] fix it"})
	s := onPullRequest(batchStep(t, base, prompts, map[string]string{"max_parallel": "3"}), f)
	cmd := s.command()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// The comment is created while r3 works: it is [fake:slow], and
	// stays INPROGRESS until the test ends it below.
	slowID := ""
	deadline := time.Now().Add(hangLimitAbort) // detects a hang only
	for {
		for _, r := range fake.Runs() {
			if r.Metadata[runner.BatchItemKey] == "r3" && r.State == oz.StateInProgress {
				slowID = r.RunID
			}
		}
		if slowID != "" && len(marked(f, githubMarker)) == 1 {
			break
		}
		require.False(t, time.Now().After(deadline), "r3 did not start working, or the comment was not created while it worked")
		time.Sleep(5 * time.Millisecond)
	}
	early := marked(f, githubMarker)[0]
	assert.Regexp(t, `## 🔄 Oz batch: [0-2] of 3 runs ended`, early.Body, "the comment shows the batch still going")
	assert.Contains(t, early.Body, "| `r1` |")
	assert.NotContains(t, early.Body, "| `r3` | `succeeded` |")
	calls := f.Calls()
	require.GreaterOrEqual(t, len(calls), 2)
	assert.Equal(t, []string{forgefake.OpList, forgefake.OpCreate}, calls[:2], "listed (an earlier comment?), then created")
	created := len(calls)

	require.NoError(t, fake.Finish(slowID, oz.StateSucceeded))
	s.finish(cmd, cmd.Wait(), &out, &errb, start)
	require.Equal(t, 0, s.code)

	ours := marked(f, githubMarker)
	require.Len(t, ours, 1, "exactly one comment")
	assert.Equal(t, early.ID, ours[0].ID, "the comment created early is the one edited")
	final := ours[0].Body
	assert.Contains(t, final, "## Oz batch: `succeeded` (passed)")
	for _, k := range []string{"r1", "r2", "r3"} {
		assert.Contains(t, final, "| `"+k+"` | `succeeded` |")
	}
	assert.NotContains(t, final, "runs ended", "the progress line gave way to the outcome")
	later := f.Calls()[created:]
	require.NotEmpty(t, later, "edited at the end")
	assert.Equal(t, forgefake.OpEdit, later[len(later)-1], "the last call is the final edit")
	assert.NotContains(t, later, forgefake.OpCreate, "never a second comment")
	assert.True(t, strings.HasSuffix(s.outputs()["comment_url"], "/pull/7#issuecomment-"+strconv.FormatInt(ours[0].ID, 10)), s.outputs()["comment_url"])
	assert.NotContains(t, s.stdout, "::warning", "no warning")
	s.assertNoToken(f)
}
