package ci

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A FIFO where the runner's files are (issue 16, item 8) is never waited
// on: the event payload is refused with a warning and the metadata goes
// without it; $GITHUB_OUTPUT that nobody reads fails the write at once.
// The deadlines below only detect a hang (a refusal takes microseconds; a
// busy machine may pause a test for seconds).
func TestGitHubFIFOsAreNotWaitedOn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	event, output := filepath.Join(dir, "event"), filepath.Join(dir, "output-fifo")
	require.NoError(t, syscall.Mkfifo(event, 0o600))
	require.NoError(t, syscall.Mkfifo(output, 0o600))
	g, stdout, _ := newTestGitHub(t, map[string]string{
		"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": event, "GITHUB_OUTPUT": output, "GITHUB_REF": "refs/pull/7/merge", "GITHUB_REPOSITORY": "o/r",
	})

	meta := make(chan map[string]string, 1)
	go func() { meta <- g.Metadata() }()
	select {
	case m := <-meta:
		assert.Equal(t, "7", m["github_pr"], "what GITHUB_REF says is kept")
	case <-time.After(30 * time.Second):
		t.Fatal("Metadata blocked on a FIFO at GITHUB_EVENT_PATH")
	}
	assert.Contains(t, stdout.String(), "::warning title=Event payload::GITHUB_EVENT_PATH was not read: the event payload "+event+" is not a regular file (a FIFO): it is not read")

	published := make(chan error, 1)
	go func() { published <- g.Publish(Report{Outputs: []Output{{"run_id", "r"}}}) }()
	select {
	case err := <-published:
		require.Error(t, err)
		assert.Contains(t, err.Error(), "appending to the step outputs $GITHUB_OUTPUT")
	case <-time.After(30 * time.Second):
		t.Fatal("Publish blocked on a FIFO at GITHUB_OUTPUT that nobody reads")
	}
}

// A missing payload stays quiet, as before (the metadata goes without it).
func TestGitHubMissingEventIsQuiet(t *testing.T) {
	t.Parallel()
	g, stdout, _ := newTestGitHub(t, map[string]string{"GITHUB_EVENT_PATH": filepath.Join(t.TempDir(), "nope.json")})
	g.Metadata()
	assert.NotContains(t, stdout.String(), "warning")
}
