package ghevent

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	ev, err := Read(write("pr.json", `{"pull_request":{"number":7,"html_url":"https://x/7","title":"t","head":{"ref":"h","sha":"abc"},"base":{"ref":"b","sha":"def"}},"other":[1,2]}`))
	require.NoError(t, err)
	require.NotNil(t, ev.PullRequest)
	assert.Equal(t, PullRequest{Number: 7, HTMLURL: "https://x/7", Head: Branch{"h", "abc"}, Base: Branch{"b", "def"}}, *ev.PullRequest)
	assert.Nil(t, ev.Issue)

	ev, err = Read(write("comment.json", `{"issue":{"number":3,"pull_request":{"url":"x","html_url":"https://x/3"}}}`))
	require.NoError(t, err)
	require.NotNil(t, ev.Issue)
	assert.Equal(t, 3, ev.Issue.Number)
	require.NotNil(t, ev.Issue.PullRequest)
	assert.Equal(t, "https://x/3", ev.Issue.PullRequest.HTMLURL)

	ev, err = Read(write("issue.json", `{"issue":{"number":3,"pull_request":null}}`))
	require.NoError(t, err)
	assert.Nil(t, ev.Issue.PullRequest)

	for _, tc := range []struct{ path, want string }{
		{"", "GITHUB_EVENT_PATH is not set"},
		{filepath.Join(dir, "missing.json"), "read the event payload"},
		{write("bad.json", `{"pull_request":`), "is not the JSON expected"},
		{write("big.json", `{"x":"`+strings.Repeat("a", MaxSize)+`"}`), "larger than 32 MiB"},
	} {
		_, err := Read(tc.path)
		assert.ErrorContains(t, err, tc.want, tc.path)
	}
}

// Only a regular file is read: a FIFO (with no writer, or one that never
// writes), a directory or a device is refused at once, never waited on.
func TestReadRefusesWhatIsNotARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	link := filepath.Join(dir, "link.json")
	require.NoError(t, os.Symlink(fifo, link))
	held := filepath.Join(dir, "held")
	require.NoError(t, syscall.Mkfifo(held, 0o600))
	// A writer that holds the FIFO open and never writes.
	w, err := os.OpenFile(held, os.O_RDWR, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	cases := []struct{ name, path, what string }{
		{"a FIFO", fifo, "a FIFO"},
		{"a link to a FIFO", link, "a FIFO"},
		{"a FIFO held open by a writer", held, "a FIFO"},
		{"a directory", dir, "a directory"},
		{"a device", os.DevNull, "a device or a socket"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan error, 1)
			go func() {
				_, err := Read(tc.path)
				done <- err
			}()
			// Only a hang detector: a refusal takes microseconds, but a
			// busy machine may pause the test for seconds.
			select {
			case err := <-done:
				require.ErrorIs(t, err, ErrNotRegular)
				assert.ErrorContains(t, err, "the event payload "+tc.path+" is not a regular file ("+tc.what+"): it is not read")
			case <-time.After(30 * time.Second):
				t.Fatal("Read blocked on a file that is not regular")
			}
		})
	}
}
