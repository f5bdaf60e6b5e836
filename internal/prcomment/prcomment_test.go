package prcomment

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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
	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/runner"
)

const secret = "wk-prcomment-SECRET-0123456789"

// Both comments are sinks.
var (
	_ runner.Sink = (*Forge)(nil)
	_ runner.Sink = (*Printer)(nil)
)

// said records the notices and warnings.
type said struct {
	mu    sync.Mutex
	lines []string
}

func (s *said) Notice(title, msg string)  { s.add("notice " + title + ": " + msg) }
func (s *said) Warning(title, msg string) { s.add("warning " + title + ": " + msg) }
func (s *said) add(l string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, l)
}
func (s *said) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

func testOptions() Options {
	return Options{FailOn: outcome.FailOn{outcome.Failed: true}, Title: "Review", Redactor: redact.New(secret)}
}

// final is a run that ended, its status message echoing the secret.
func final(c outcome.Conclusion, state oz.State) outcome.Result {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return outcome.Result{RunID: "run-1", State: state, Conclusion: c, Started: t0, Ended: t0.Add(time.Minute),
		Run: &oz.Run{RunID: "run-1", State: state, StatusMessage: &oz.StatusMessage{Message: "done with " + secret}}}
}

// The printer prints each state once, as it would be edited, then the
// outcome; never a secret.
func TestPrinterPrintsEachState(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := NewPrinter(&out, testOptions())
	p.Observe("", "QUEUED", "") // no run id: no comment yet
	p.Observe("run-1", "QUEUED", "")
	p.Observe("run-1", "QUEUED", "")
	p.Observe("run-1", "INPROGRESS", "")
	p.Observe("run-1", "INPROGRESS", "https://app.warp.dev/session/s1?t="+secret)
	p.Finish(context.Background(), final(outcome.Failed, oz.StateFailed))
	got := out.String()
	assert.Equal(t, 4, strings.Count(got, "--- the PR/MR comment, version "), got)
	for i, what := range []string{"1 (QUEUED;", "2 (INPROGRESS;", "3 (INPROGRESS;", "4 (the outcome;"} {
		assert.Contains(t, got, "--- the PR/MR comment, version "+what, "version %d", i+1)
	}
	assert.Less(t, strings.Index(got, "`QUEUED`"), strings.Index(got, "`INPROGRESS`"), "in order")
	assert.Contains(t, got, "## ❌ Review failed")
	assert.NotContains(t, got, secret)
}

// Without a run id nothing was created: no comment would be written.
func TestPrinterWithoutARun(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	NewPrinter(&out, testOptions()).Finish(context.Background(), outcome.Result{Err: os.ErrDeadlineExceeded})
	assert.Empty(t, out.String())
}

// A nil Forge (no comment) does nothing.
func TestNilForge(t *testing.T) {
	t.Parallel()
	var f *Forge
	f.Observe("run-1", "QUEUED", "")
	f.Finish(context.Background(), final(outcome.Succeeded, oz.StateSucceeded))
	assert.Empty(t, f.URL())
	f.Close()
}

func TestStartWithoutAPullRequest(t *testing.T) {
	t.Parallel()
	rep := &said{}
	f := Start(context.Background(), comment.Config{Getenv: func(string) string { return "" }, GitHubToken: "t"}, testOptions(), rep)
	assert.Nil(t, f)
	require.Len(t, rep.all(), 1)
	assert.True(t, strings.HasPrefix(rep.all()[0], "notice PR comment: comment: true, but no pull request"), rep.all()[0])
}

// githubStep is the environment of a pull_request workflow run against
// the fake GitHub f.
func githubStep(t *testing.T, f *forgefake.Forge) func(string) string {
	event := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(event, []byte(`{"action":"synchronize","number":7,"pull_request":{"number":7}}`), 0o644))
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": event,
		"GITHUB_REPOSITORY": "acme/app", "GITHUB_API_URL": f.APIURL(),
		"GITHUB_WORKFLOW": "CI", "GITHUB_JOB": "review", "GITHUB_ACTION": "oz",
	}
	return func(k string) string { return env[k] }
}

// On the forge: the comment is created once the run id is known, the
// final edit holds the outcome (redacted), and URL names it.
func TestForgeWritesTheOutcome(t *testing.T) {
	t.Parallel()
	f := forgefake.NewGitHub("")
	t.Cleanup(f.Close)
	rep := &said{}
	fg := Start(context.Background(), comment.Config{Getenv: githubStep(t, f), GitHubToken: forgefake.DefaultToken}, testOptions(), rep)
	require.NotNil(t, fg)
	defer fg.Close()
	fg.Observe("run-1", "QUEUED", "")
	fg.Finish(context.Background(), final(outcome.Succeeded, oz.StateSucceeded))
	cs := f.Comments()
	require.Len(t, cs, 1)
	assert.Contains(t, cs[0].Body, "Review succeeded")
	assert.NotContains(t, cs[0].Body, secret)
	assert.Contains(t, fg.URL(), "https://github.com/acme/app/pull/7#issuecomment-")
	assert.Empty(t, rep.all())
}

// After a signal whose deadline leaves the final edit no time, it is not
// tried: one warning, and the comment stays as it was.
func TestForgeFinishGivesUpPastTheDeadline(t *testing.T) {
	t.Parallel()
	f := forgefake.NewGitHub("")
	t.Cleanup(f.Close)
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	d := abort.New(clock)
	defer d.Release()
	rep := &said{}
	fg := Start(context.Background(), comment.Config{Getenv: githubStep(t, f), GitHubToken: forgefake.DefaultToken}, testOptions(), rep)
	require.NotNil(t, fg)
	d.Signal(syscall.SIGTERM)
	mu.Lock()
	now = now.Add(abort.Window(syscall.SIGTERM)) // the whole window has passed
	mu.Unlock()
	fg.Finish(d.Context(), final(outcome.Succeeded, oz.StateSucceeded))
	assert.Empty(t, f.Comments(), "no final edit")
	require.Len(t, rep.all(), 1)
	assert.Contains(t, rep.all()[0], "warning PR comment: The comment was not updated with the outcome")
}
