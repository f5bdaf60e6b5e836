package main

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
)

// Issue 16, item 4: a marked comment is oz-run's own only when its author
// is the token's own account (by id, or the app's Bot by its "[bot]"
// login), never by login text alone. A User called what the app's GraphQL
// viewer is called ("github-actions", without "[bot]") copies the marker:
// a re-run leaves that comment as it was and writes its own.
func TestProcessCommentImposterIsLeftAlone(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	f := newForge(t, false)
	const imposterBody = githubMarker + "\nI am github-actions, a User; edit me"
	imposter := f.Add("github-actions", 666, false, imposterBody)

	s := onPullRequest(githubStep(t, base, nil), f).run()
	require.Equal(t, 0, s.code, "stderr: %s", s.stderr)

	assert.Equal(t, imposterBody, f.Bodies()[imposter], "the imposter's comment is untouched")
	ours := marked(f, githubMarker)
	require.Len(t, ours, 2, "the imposter's and a new one")
	assert.Equal(t, imposter, ours[0].ID)
	assert.Equal(t, f.SelfID, ours[1].UID, "the new one is written with the token")
	assert.Contains(t, ours[1].Body, "succeeded")
	assert.Contains(t, f.Calls(), forgefake.OpCreate, "a new comment is created")
	assert.Equal(t, "https://github.com/acme/app/pull/7#issuecomment-"+strconv.FormatInt(ours[1].ID, 10), s.outputs()["comment_url"])
	s.assertNoToken(f)
}
