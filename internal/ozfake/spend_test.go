package ozfake

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// TestCostlyRunShowsItsCostWhileWorking: [fake:costly] reports a cost that
// grows while the run works, and keeps the last one once it has ended.
func TestCostlyRunShowsItsCostWhileWorking(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("[fake:costly] spend")
	cost := func() (float64, bool) {
		run := f.get(id)
		return run.RequestUsage.CostUSD()
	}
	_, ok := cost()
	assert.False(t, ok, "no cost before the run works")
	f.clock.Advance(time.Second) // CLAIMED: the work starts
	usd, ok := cost()
	require.True(t, ok)
	assert.InDelta(t, 0, usd, 1e-9)
	f.clock.Advance(2 * time.Second) // INPROGRESS
	usd, _ = cost()
	assert.InDelta(t, 0.5, usd, 1e-9)
	f.clock.Advance(time.Hour) // ended after 3.5 s of work
	run := f.get(id)
	assert.Equal(t, oz.StateSucceeded, run.State)
	usd, _ = run.RequestUsage.CostUSD()
	assert.InDelta(t, 0.875, usd, 1e-9)
	credits, ok := run.RequestUsage.Credits()
	require.True(t, ok)
	assert.InDelta(t, 87.5, credits, 1e-6)
}

// TestBlockedReplyIsUnblockedByAFollowup: [fake:blocked-reply] asks a
// question and stays BLOCKED; a follow-up answers it (the old state served
// for the pickup window), and the new execution succeeds.
func TestBlockedReplyIsUnblockedByAFollowup(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithFollowupPickup(2*time.Second))
	c := f.client()
	id := f.create("[fake:blocked-reply] push the fix")
	f.clock.Advance(time.Hour)
	run := f.get(id)
	require.Equal(t, oz.StateBlocked, run.State)
	require.NotNil(t, run.StatusMessage)
	assert.Contains(t, run.StatusMessage.Message, "Which branch")

	out, err := c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: "push to oz/fix"})
	require.NoError(t, err)
	assert.Equal(t, oz.OutcomeHandoffExecution, out.Outcome)
	f.clock.Advance(time.Second)
	assert.Equal(t, oz.StateBlocked, f.get(id).State, "the old state is served until the pickup")
	f.clock.Advance(2 * time.Second)
	assert.True(t, f.get(id).State.IsWorking())
	f.clock.Advance(time.Hour)
	assert.Equal(t, oz.StateSucceeded, f.get(id).State)
}
