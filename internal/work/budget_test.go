package work

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// Issue 16 items 5, 6 and 10: one budget for the answer and the files,
// one warning for the artifacts past the cap, and a signal after the run
// ended is an abort.

func TestBudget(t *testing.T) {
	t.Parallel()
	for timeout, want := range map[time.Duration]time.Duration{
		0:                MaxTime,
		time.Second:      time.Second,
		2 * time.Minute:  2 * time.Minute,
		5 * time.Minute:  5 * time.Minute,
		60 * time.Minute: 5 * time.Minute,
		-time.Second:     MaxTime,
	} {
		assert.Equal(t, want, Budget(timeout), "timeout %s", timeout)
	}
}

// TestReadOneBudget: a conversation that never answers takes the whole
// budget when it is shorter than the conversation's own bound, and the
// downloads then get none of it; each is a warning that says why, and
// the log said the budget when the work started.
func TestReadOneBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run := e.ended(t, "[fake:files] x")
	e.fake.Inject(ozfaketest.Fault{Path: routeConversation, Hang: true})
	opts := e.options("oz-files")
	opts.Time = 400 * time.Millisecond // ConversationTime stays 2m
	w, l := e.read(t, context.Background(), run, opts)

	assert.Empty(t, w.Answer)
	assert.Empty(t, w.Files)
	require.Len(t, w.Warnings, 2, "%q", w.Warnings)
	assert.Contains(t, w.Warnings[0], "the agent's answer was not read: the 400ms for the agent's work (its answer and files) passed")
	assert.Contains(t, w.Warnings[1], `2 file(s) were not downloaded, as the 400ms for the agent's work (its answer and files) passed: "reports/oz-report.md", "changes.patch"`)
	assert.Zero(t, e.fake.Count(routeArtifact), "no download started once the budget was spent")
	assert.Contains(t, l.text(), "Reading the agent's answer and downloading 2 file(s) into oz-files: at most 400ms for both.")
	assert.Equal(t, run.ConversationID, w.ConversationID)
}

// TestReadConversationBoundLeavesTheFiles: the conversation's own bound,
// shorter than the budget, leaves the rest of it to the files.
func TestReadConversationBoundLeavesTheFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run := e.ended(t, "[fake:files] x")
	e.fake.Inject(ozfaketest.Fault{Path: routeConversation, Hang: true})
	opts := e.options("oz-files")
	opts.ConversationTime = 300 * time.Millisecond
	w, l := e.read(t, context.Background(), run, opts)
	require.Len(t, w.Warnings, 1, "%q", w.Warnings)
	assert.Contains(t, w.Warnings[0], "the agent's answer was not read: the 300ms for reading it passed")
	assert.Len(t, w.Files, 2, "the files came in the rest of the budget")
	assert.Contains(t, l.text(), "at most 5m for both")
}

func TestReadLogsTheBudgetWithoutFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run := e.ended(t, "[fake:nopr] x")
	opts := e.options("")
	opts.Time = Budget(90 * time.Second)
	w, l := e.read(t, context.Background(), run, opts)
	assert.Empty(t, w.Warnings)
	assert.NotEmpty(t, w.Answer)
	assert.Contains(t, l.text(), "Reading the agent's answer: at most 1m30s.")
}

// TestReadArtifactsLeftOut: a run listing more artifacts than are read is
// one warning that says how many were left out, with or without files_dir;
// none when all were read.
func TestReadArtifactsLeftOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run := e.ended(t, "[fake:nopr] x")
	for i := range oz.MaxArtifacts + 3 {
		_, err := e.fake.AddFile(run.RunID, ozfake.File{Filepath: fmt.Sprintf("f%04d.txt", i), Content: []byte("0123456789")})
		require.NoError(t, err)
	}
	run = e.reread(t, run.RunID)
	require.Len(t, run.Artifacts, oz.MaxArtifacts)
	require.Equal(t, 3, run.ArtifactsLeftOut)

	for _, filesDir := range []string{"", "oz-files"} {
		opts := e.options(filesDir)
		opts.MaxFile = 5 // every file read is over it: refused without a request
		w, _ := e.read(t, context.Background(), run, opts)
		var leftOut []string
		for _, warning := range w.Warnings {
			if strings.Contains(warning, "left out") {
				leftOut = append(leftOut, warning)
			}
		}
		require.Len(t, leftOut, 1, "files_dir %q: one warning", filesDir)
		assert.Contains(t, leftOut[0], "the run lists 1003 artifacts, more than the 1000 oz-run reads: 3 were left out")
		if filesDir != "" {
			assert.Contains(t, leftOut[0], "3 were left out (not downloaded, and in no output)")
			assert.Len(t, w.Warnings, 1+oz.MaxArtifacts, "each file read is over the limit")
		} else {
			assert.Len(t, w.Warnings, 1)
		}
	}
	assert.Zero(t, e.fake.Count(routeFile))

	few := e.ended(t, "[fake:files] x")
	w, _ := e.read(t, context.Background(), few, e.options("oz-files"))
	assert.Empty(t, w.Warnings)
}

// TestAbort: a signal after the runner returned (while the work was read,
// or later) makes the step aborted, exit 5; the run's conclusion stays.
func TestAbort(t *testing.T) {
	t.Parallel()
	ended := outcome.Result{RunID: "r", State: oz.StateSucceeded, Conclusion: outcome.Succeeded}
	signalled, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("received terminated"))

	res := ended
	assert.False(t, Abort(context.Background(), &res), "no signal")
	assert.Equal(t, ended, res)

	res = ended
	require.True(t, Abort(signalled, &res))
	assert.True(t, res.Aborted)
	assert.Equal(t, outcome.Succeeded, res.Conclusion, "the run's conclusion stays")
	assert.Equal(t, oz.StateSucceeded, res.State)
	assert.EqualError(t, res.Err, "aborted (received terminated) after the run ended (succeeded), as its answer and files were read")
	assert.Equal(t, outcome.ExitAborted, res.ExitCode(outcome.FailOn{}))
	assert.False(t, Abort(signalled, &res), "marked once")

	timedOut := outcome.Result{RunID: "r", State: oz.StateCancelled, Conclusion: outcome.TimedOut, Cancelled: true}
	require.True(t, Abort(signalled, &timedOut))
	assert.EqualError(t, timedOut.Err, "aborted (received terminated) after the run's outcome was known (timed_out)")
	assert.Equal(t, outcome.TimedOut, timedOut.Conclusion)

	apiErr := errors.New("HTTP 503")
	failed := outcome.Result{RunID: "r", Err: apiErr}
	require.True(t, Abort(signalled, &failed))
	assert.ErrorIs(t, failed.Err, apiErr)
	assert.Equal(t, outcome.ExitAborted, failed.ExitCode(outcome.FailOn{}))

	byRunner := outcome.Result{RunID: "r", Aborted: true, Err: errors.New("aborted while waiting")}
	assert.False(t, Abort(signalled, &byRunner), "the runner's own abort stands")
	assert.EqualError(t, byRunner.Err, "aborted while waiting")
}
