package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/runner"
)

// on_blocked with prompts, as a process: the contract's on_blocked applies
// to every run of a batch.

// TestBlockedBatchProcessReply: two items, one of which stops to ask a
// question; on_blocked: reply answers it once, and both runs succeed.
func TestBlockedBatchProcessReply(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	prompts := promptList(2, "fix it", map[int]string{2: "[fake:blocked-reply] fix it"})
	s := batchStep(t, base, prompts, map[string]string{"on_blocked": "reply", "blocked_reply": "Push to oz/fix."}).run()
	assert.Equal(t, 0, s.code)
	outs := s.outputs()
	assert.Equal(t, "succeeded", outs["conclusion"])
	runs := batchRuns(t, outs["runs"])
	require.Len(t, runs, 2)
	for i, r := range runs {
		assert.Equal(t, []any{"r1", "r2"}[i], r["key"])
		assert.Equal(t, "succeeded", r["conclusion"], r["key"])
	}
	// Exactly one follow-up, to the blocked run, with the reply.
	require.Equal(t, 1, fake.Count(routeFollowup))
	var blocked string
	for _, r := range fake.Runs() {
		if r.Metadata[runner.BatchItemKey] == "r2" {
			blocked = r.RunID
		}
	}
	require.NotEmpty(t, blocked)
	for _, r := range fake.Requests() {
		if r.Route == routeFollowup {
			assert.Equal(t, "/api/v1/agent/runs/"+blocked+"/followups", r.Path)
			assert.Contains(t, string(r.Body), "Push to oz/fix.")
		}
	}
	assert.Len(t, fake.Runs(), 2)
	assert.Contains(t, s.stdout, "[r2] Run "+blocked+" waits for a person")
	assert.NotContains(t, strings.ToLower(s.stdout), "not supported with prompts")
	s.assertNoKey()
}
