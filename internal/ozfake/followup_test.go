package ozfake

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// TestFollowupTouchMovesUpdatedAtWhileStale: with [fake:touch], accepting
// the follow-up writes the run at once (updated_at moves, in GET and in
// the list), while the old terminal state is still served until the new
// execution is picked up; then it runs, and here fails.
func TestFollowupTouchMovesUpdatedAtWhileStale(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithFollowupPickup(2*time.Second))
	c := f.client()
	id := f.create("x")
	f.ended()
	before := f.get(id)
	require.Equal(t, oz.StateSucceeded, before.State)

	f.clock.Advance(time.Second)
	out, err := c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: "[fake:touch] [fake:fail] and the docs"})
	require.NoError(t, err)
	require.Equal(t, oz.OutcomeHandoffExecution, out.Outcome)
	accepted := f.clock.Now()

	f.clock.Advance(time.Second)
	stale := f.get(id)
	assert.Equal(t, oz.StateSucceeded, stale.State, "the old state is still served")
	assert.Equal(t, accepted, oz.Time(stale.UpdatedAt), "updated_at moved to the acceptance")
	assert.Equal(t, before.FinishedAt, stale.FinishedAt, "the old execution's end is unchanged")
	listed := f.list("updated_after=" + before.UpdatedAt)
	require.Len(t, listed.Runs, 1, "the write shows in the list's updated_after too")
	assert.Equal(t, stale.UpdatedAt, listed.Runs[0].UpdatedAt)
	conv, err := c.GetConversation(t.Context(), id)
	require.NoError(t, err)
	assert.Len(t, conv.Steps, 1, "the conversation has not moved")

	f.clock.Advance(time.Second) // picked up
	assert.Equal(t, oz.StateQueued, f.get(id).State)
	f.clock.Advance(time.Minute)
	done := f.get(id)
	assert.Equal(t, oz.StateFailed, done.State)
	assert.True(t, oz.Time(done.UpdatedAt).After(accepted))

	// Without the tag, the stale window keeps the old updated_at.
	id2 := f.create("y")
	f.ended()
	before2 := f.get(id2)
	_, err = c.SubmitFollowup(t.Context(), id2, oz.FollowupRequest{Message: "[fake:fail] again"})
	require.NoError(t, err)
	f.clock.Advance(time.Second)
	assert.Equal(t, before2.UpdatedAt, f.get(id2).UpdatedAt)
}

// TestFollowupQuickEndsUnseen: with [fake:quick], the new execution starts
// and ends at its pickup: no read ever sees it working, its updated_at
// moves, and its conversation holds the agent's reply to the follow-up.
func TestFollowupQuickEndsUnseen(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithFollowupPickup(2*time.Second))
	c := f.client()
	id := f.create("x")
	f.ended()
	before := f.get(id)
	_, err := c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: "[fake:quick] and the docs"})
	require.NoError(t, err)

	f.clock.Advance(time.Second)
	assert.Equal(t, before.UpdatedAt, f.get(id).UpdatedAt, "stale: nothing moved")
	f.clock.Advance(time.Second) // the pickup instant: it has run from start to end
	after := f.get(id)
	assert.Equal(t, oz.StateSucceeded, after.State)
	assert.True(t, oz.Time(after.UpdatedAt).After(oz.Time(before.UpdatedAt)))
	conv, err := c.GetConversation(t.Context(), id)
	require.NoError(t, err)
	require.Len(t, conv.Steps, 2, "a root step for the new execution")
	msgs := conv.Steps[1].Messages
	require.NotEmpty(t, msgs)
	assert.Equal(t, oz.RoleUser, msgs[0].Role)
	assert.Equal(t, "[fake:quick] and the docs", msgs[0].Content[0].Text)
	assert.Equal(t, oz.RoleAssistant, msgs[len(msgs)-1].Role)
	answer, _ := conv.Answer()
	assert.Contains(t, answer, "handled the follow-up")

	// As a run's own tag: it ends as soon as it is created.
	quick := f.create("[fake:quick] now")
	assert.Equal(t, oz.StateSucceeded, f.get(quick).State)
}
