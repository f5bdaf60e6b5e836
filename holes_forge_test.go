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

// forgeImposterCases are fault-matrix rows of a hostile forge: a comment
// that carries the step's marker, by an author who is not the token's own
// account however close its name. It is left as it was, and the step
// writes a comment of its own, without a warning.
func forgeImposterCases() []faultCase {
	const body = githubMarker + "\nnot oz-run's: leave me"
	row := func(name string, set func(*forgefake.Forge)) faultCase {
		return faultCase{name: "comment/" + name, forge: set, code: 0, conclusion: "succeeded", created: 1, creates: 1,
			check: func(t *testing.T, p *proc) {
				ours := marked(p.forge, githubMarker)
				require.Len(t, ours, 2, "the imposter's comment and a new one")
				assert.Equal(t, body, ours[0].Body, "the imposter's comment is untouched")
				assert.Equal(t, p.forge.SelfID, ours[1].UID)
				assert.Contains(t, ours[1].Body, "succeeded")
				assert.NotContains(t, p.s.stdout, "title=PR comment::")
				assert.Equal(t, "https://github.com/acme/app/pull/7#issuecomment-"+strconv.FormatInt(ours[1].ID, 10), p.s.outputs()["comment_url"])
				p.s.assertNoToken(p.forge)
			}}
	}
	add := func(login string, id int64, bot bool) func(*forgefake.Forge) {
		return func(f *forgefake.Forge) { f.Add(login, id, bot, body) }
	}
	return []faultCase{
		row("a User named as the app's GraphQL viewer", add("github-actions", 666, false)),
		row("a User named as the app's bot", add("github-actions[bot]", 666, false)),
		row("another app's Bot", add("other-app[bot]", 667, true)),
		row("a viewer without an id, a User of its login", func(f *forgefake.Forge) {
			f.GQLNoID = true
			add("github-actions", 41898282, false)(f)
		}),
	}
}
