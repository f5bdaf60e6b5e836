package prcomment

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/abort"
	"github.com/oz-run/oz-run-action/internal/comment"
	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/runner"
)

// Both comments follow a batch as it goes.
var (
	_ runner.BatchObserver = (*Forge)(nil)
	_ runner.BatchObserver = (*Printer)(nil)
	_ BatchSink            = (*Forge)(nil)
	_ BatchSink            = (*Printer)(nil)
)

// hostileState is a state as a hostile API could send it: Markdown, HTML,
// a mention, the key.
const hostileState = "IN|PROGRESS`<img src=x>@octocat " + secret

// snapshots are a batch of three as the runner tells it: before any run
// has an id, then each step of its runs (k2's state hostile, its session
// link carrying the key), every run working or ended, none answered yet.
func snapshots() []outcome.Batch {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	run := func(id string, s oz.State, link string) outcome.Result {
		return outcome.Result{RunID: id, State: s, Started: t0, Run: &oz.Run{RunID: id, State: s, SessionLink: link}}
	}
	ended := func(r outcome.Result, c outcome.Conclusion) outcome.Result {
		r.Conclusion, r.Ended = c, t0.Add(time.Minute)
		return r
	}
	b := func(runs ...outcome.BatchRun) outcome.Batch {
		return outcome.Batch{ID: "batch-1", Started: t0, Runs: runs}
	}
	notStarted := func(k string) outcome.BatchRun { return outcome.BatchRun{Key: k, NotStarted: true} }
	link := "https://app.warp.dev/session/s2?t=" + secret
	return []outcome.Batch{
		b(outcome.BatchRun{Key: "k1"}, notStarted("k2"), notStarted("k3")),
		b(outcome.BatchRun{Key: "k1", Result: run("run-1", oz.StateQueued, "")}, notStarted("k2"), notStarted("k3")),
		b(outcome.BatchRun{Key: "k1", Result: run("run-1", oz.StateInProgress, "")}, outcome.BatchRun{Key: "k2", Result: run("run-2", oz.State(hostileState), link)}, notStarted("k3")),
		b(outcome.BatchRun{Key: "k1", Result: ended(run("run-1", oz.StateSucceeded, ""), outcome.Succeeded)}, outcome.BatchRun{Key: "k2", Result: run("run-2", oz.State(hostileState), link)},
			outcome.BatchRun{Key: "k3", Result: run("run-3", oz.StateClaimed, "")}),
	}
}

// finalBatch is the batch's outcome: every run ended, k2 failed.
func finalBatch() outcome.Batch {
	snaps := snapshots()
	b := snaps[len(snaps)-1]
	b.Runs = slices.Clone(b.Runs)
	b.Ended = b.Started.Add(2 * time.Minute)
	for i := range b.Runs {
		r := &b.Runs[i].Result
		r.Ended = b.Ended
		if r.Conclusion == "" {
			r.Conclusion, r.State = outcome.Succeeded, oz.StateSucceeded
		}
	}
	b.Runs[1].Result.Conclusion, b.Runs[1].Result.State = outcome.Failed, oz.StateFailed
	return b
}

// startForge is the comment on a fake GitHub's pull request, its edits at
// most one every interval.
func startForge(t *testing.T, interval time.Duration) (*forgefake.Forge, *Forge, *said) {
	t.Helper()
	f := forgefake.NewGitHub("")
	t.Cleanup(f.Close)
	opts := testOptions()
	opts.interval = interval
	rep := &said{}
	fg := Start(context.Background(), comment.Config{Getenv: githubStep(t, f), GitHubToken: forgefake.DefaultToken}, opts, rep)
	require.NotNil(t, fg)
	t.Cleanup(fg.Close)
	return f, fg, rep
}

// assertClean checks a body for what the API sent: escaped, and the key
// nowhere.
func assertClean(t *testing.T, body string) {
	t.Helper()
	assert.NotContains(t, body, secret)
	assert.NotContains(t, body, "<img")
	assert.NotContains(t, body, "@octocat")
}

// The batch's comment is created with the first snapshot that has a run
// id, before any run has ended; the snapshots after it wait for the
// interval (here longer than the test: none is written), and the final
// edit holds the outcome at once.
func TestForgeBatchCreatedEarlyThenThrottled(t *testing.T) {
	t.Parallel()
	f, fg, rep := startForge(t, time.Hour)
	snaps := snapshots()
	fg.ObserveBatch(snaps[0]) // no run id yet: no comment
	fg.ObserveBatch(snaps[1])
	require.Eventually(t, func() bool { return len(f.Comments()) == 1 }, 10*time.Second, 5*time.Millisecond, "the comment is created with the first run id")
	created := f.Comments()[0].Body
	assert.Contains(t, created, "0 of 3 runs ended")
	assert.Contains(t, created, "| `k1` | `QUEUED` |")
	assert.Contains(t, created, "[run](https://oz.warp.dev/runs/run-1)")
	assert.Contains(t, created, "| `k2` | not started yet |")
	assert.Equal(t, []string{forgefake.OpList, forgefake.OpCreate}, f.Calls(), "one list (an earlier comment?), one create")

	fg.ObserveBatch(snaps[2])
	fg.ObserveBatch(snaps[3])
	fg.FinishBatch(context.Background(), finalBatch())
	assert.Equal(t, []string{forgefake.OpList, forgefake.OpCreate, forgefake.OpEdit}, f.Calls(), "the snapshots within the interval are not written; the outcome is")
	cs := f.Comments()
	require.Len(t, cs, 1, "exactly one comment")
	assert.Contains(t, cs[0].Body, "Review: `failed` (failed)")
	assert.Contains(t, cs[0].Body, "| `k2` | `failed` |")
	assert.NotContains(t, cs[0].Body, "runs ended", "the progress line is gone")
	assertClean(t, cs[0].Body)
	assert.Contains(t, fg.URL(), "#issuecomment-")
	assert.Empty(t, rep.all())
}

// With a short interval, each change is written in turn, the latest one
// last: the last pending change is always written, with no final edit to
// carry it.
func TestForgeBatchWritesTheLatestSnapshot(t *testing.T) {
	t.Parallel()
	f, fg, rep := startForge(t, 10*time.Millisecond)
	for _, s := range snapshots() {
		fg.ObserveBatch(s)
	}
	require.Eventually(t, func() bool {
		cs := f.Comments()
		return len(cs) == 1 && strings.Contains(cs[0].Body, "1 of 3 runs ended")
	}, 10*time.Second, 5*time.Millisecond, "the latest snapshot is written")
	body := f.Comments()[0].Body
	assert.Contains(t, body, "| `k1` | `succeeded` |")
	assert.Contains(t, body, "| `k2` | IN\\|PROGRESS")
	assert.Contains(t, body, "| `k3` | `CLAIMED` |")
	assert.Contains(t, body, "[session](https://app.warp.dev/session/s2?t=")
	assertClean(t, body)
	fg.Close()
	assert.Len(t, f.Comments(), 1)
	assert.Empty(t, rep.all())
}

// A batch that created no run leaves the comment as it was: no call at
// all.
func TestForgeBatchWithoutARun(t *testing.T) {
	t.Parallel()
	f, fg, _ := startForge(t, time.Millisecond)
	fg.ObserveBatch(snapshots()[0])
	fg.FinishBatch(context.Background(), outcome.Batch{Runs: []outcome.BatchRun{{Key: "k1", Result: outcome.Result{Err: context.DeadlineExceeded}}}})
	assert.Empty(t, f.Calls())
	var nilForge *Forge
	nilForge.ObserveBatch(snapshots()[1])
	nilForge.FinishBatch(context.Background(), finalBatch())
}

// After a signal whose deadline leaves no time, the batch's final edit is
// not tried either: the comment keeps its last progress, one warning.
func TestForgeBatchFinishGivesUpPastTheDeadline(t *testing.T) {
	t.Parallel()
	f, fg, rep := startForge(t, time.Hour)
	fg.ObserveBatch(snapshots()[1])
	require.Eventually(t, func() bool { return len(f.Comments()) == 1 }, 10*time.Second, 5*time.Millisecond)
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	d := abort.New(clock)
	defer d.Release()
	d.Signal(syscall.SIGTERM)
	mu.Lock()
	now = now.Add(abort.Window(syscall.SIGTERM))
	mu.Unlock()
	fg.FinishBatch(d.Context(), finalBatch())
	assert.NotContains(t, f.Calls(), forgefake.OpEdit, "no final edit")
	assert.Contains(t, f.Comments()[0].Body, "0 of 3 runs ended")
	require.Len(t, rep.all(), 1)
	assert.Contains(t, rep.all()[0], "The comment was not updated with the outcome")
}

// The demo's printer prints each different snapshot, then the outcome.
func TestPrinterPrintsTheBatch(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := NewPrinter(&out, testOptions())
	snaps := snapshots()
	for _, s := range append(snaps, snaps[3]) { // the last one twice
		p.ObserveBatch(s)
	}
	p.FinishBatch(context.Background(), finalBatch())
	got := out.String()
	assert.Equal(t, 4, strings.Count(got, "--- the PR/MR comment, version "), got)
	for _, what := range []string{"1 (0 of 3 runs ended;", "2 (0 of 3 runs ended;", "3 (1 of 3 runs ended;", "4 (the outcome;"} {
		assert.Contains(t, got, "--- the PR/MR comment, version "+what)
	}
	assertClean(t, got)
}
