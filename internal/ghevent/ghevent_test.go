package ghevent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	ev, err := Read(write("pr.json", `{"pull_request":{"number":7,"head":{"sha":"abc"}},"other":[1,2]}`))
	require.NoError(t, err)
	require.NotNil(t, ev.PullRequest)
	assert.Equal(t, 7, ev.PullRequest.Number)
	assert.Equal(t, "abc", ev.PullRequest.Head.SHA)
	assert.Nil(t, ev.Issue)

	ev, err = Read(write("comment.json", `{"issue":{"number":3,"pull_request":{"url":"x"}}}`))
	require.NoError(t, err)
	require.NotNil(t, ev.Issue)
	assert.Equal(t, 3, ev.Issue.Number)
	assert.NotNil(t, ev.Issue.PullRequest)

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
