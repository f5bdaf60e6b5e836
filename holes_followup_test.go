package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// Issue 16, item 1: after a follow-up to a run that had ended, the API may
// move updated_at as soon as it accepts the follow-up while it still
// serves the old terminal state. That stale state is not the follow-up's
// outcome: only a run seen working since, another terminal state, or the
// agent's reply to the follow-up in the conversation say the new execution
// has run.

// followupStep is a step that follows up the ended run fake-run-000001 of
// a fresh fake with message.
func followupStep(t *testing.T, message string) (*step, *ozfake.Server) {
	t.Helper()
	fake, base := newFake(t)
	_, err := ozfake.EndedRun(context.Background(), base, testKey)
	require.NoError(t, err)
	s := githubStep(t, base, map[string]string{"prompt": "", "run_id": "fake-run-000001", "followup": message, "timeout": "20s"})
	return s, fake
}

// TestFollowupTouchedStaleStateIsNotTheOutcome: the run ended SUCCEEDED;
// the follow-up's acceptance moves updated_at at once, the old SUCCEEDED
// is still served for the pickup window, then the new execution fails.
// The step fails with it (before the fix: exit 0, succeeded).
func TestFollowupTouchedStaleStateIsNotTheOutcome(t *testing.T) {
	t.Parallel()
	s, fake := followupStep(t, "[fake:touch] [fake:fail] also update the docs")
	s.run()
	out := s.outputs()
	assert.Equal(t, 1, s.code, "exit code\n%s%s", s.stdout, s.stderr)
	assert.Equal(t, "failed", out["conclusion"])
	assert.Equal(t, "FAILED", out["state"])
	assert.Contains(t, s.stdout, "still shows its state from before the follow-up")
	assert.Len(t, fake.Followups("fake-run-000001"), 1, "sent once")
	run, ok := fake.Run("fake-run-000001")
	require.True(t, ok)
	assert.Equal(t, "FAILED", string(run.State))
	s.assertNoKey()
}

// TestFollowupQuickExecutionProvenByConversation: the new execution starts
// and ends between two polls with the state it had before (SUCCEEDED): no
// read sees it working and no state differs; only the agent's reply in the
// conversation shows it ran. The step succeeds with that execution's
// answer, not the earlier one's (before the fix: the stale state and the
// earlier answer), and within the timeout (not timed_out).
func TestFollowupQuickExecutionProvenByConversation(t *testing.T) {
	t.Parallel()
	s, fake := followupStep(t, "[fake:touch] [fake:quick] also update the docs")
	s.run()
	out := s.outputs()
	assert.Equal(t, 0, s.code, "exit code\n%s%s", s.stdout, s.stderr)
	assert.Equal(t, "succeeded", out["conclusion"])
	assert.Contains(t, out["agent_output"], "handled the follow-up", "the new execution's answer")
	assert.NotContains(t, out["agent_output"], "TestClock no longer sleeps", "not the earlier execution's answer")
	assert.Contains(t, s.stdout, "conversation holds the agent's reply to the follow-up")
	fus := fake.Followups("fake-run-000001")
	require.Len(t, fus, 1)
	// Every read of the run's state after the follow-up showed SUCCEEDED:
	// none saw the new execution working.
	assert.False(t, strings.Contains(s.stdout, "-> QUEUED") || strings.Contains(s.stdout, "-> INPROGRESS"), "never seen working:\n%s", s.stdout)
	s.assertNoKey()
}
