package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// Spend, blocked runs and re-runs (issue 21), as a step on GitHub and
// GitLab sees them.

func TestSpendCostCapCancelsTheRun(t *testing.T) {
	t.Parallel()
	const prompt = "[fake:costly] [fake:slow] refactor everything"
	t.Run("github", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": prompt, "max_cost_usd": "0.50"}).run()
		assert.Equal(t, 1, s.code, "over_budget is in the default fail_on")
		out := s.outputs()
		assert.Equal(t, "over_budget", out["conclusion"])
		runs := fake.Runs()
		require.Len(t, runs, 1)
		assert.Equal(t, oz.StateCancelled, runs[0].State, "the run was cancelled")
		assert.Contains(t, s.stdout, "Cost limit reached")
		summary := s.file("summary")
		assert.Contains(t, summary, "went over budget")
		assert.Contains(t, summary, "of $0.50 (`max_cost_usd`)")
		s.assertNoKey()
	})
	t.Run("gitlab", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := gitlabStep(t, base, prompt)
		s.env["INPUT_MAX_COST_USD"] = "0.5"
		s.run()
		assert.Equal(t, 1, s.code)
		vars, err := ci.ParseDotenv([]byte(s.file("oz-run.env")))
		require.NoError(t, err)
		assert.Equal(t, "over_budget", vars["OZ_CONCLUSION"])
		assert.Equal(t, oz.StateCancelled, fake.Runs()[0].State)
		assert.Contains(t, s.file("oz-run-summary.md"), "of $0.50 (`max_cost_usd`)")
	})
	t.Run("report only", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": prompt, "max_cost_usd": "0.5", "fail_on": "failed,error"}).run()
		assert.Equal(t, 0, s.code)
		assert.Equal(t, "over_budget", s.outputs()["conclusion"])
	})
	t.Run("under the cap", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": "[fake:costly] cheap", "max_cost_usd": "100"}).run()
		assert.Equal(t, 0, s.code)
		assert.Equal(t, "succeeded", s.outputs()["conclusion"])
		assert.Contains(t, s.file("summary"), "of $100.00 (`max_cost_usd`)")
	})
}

func TestSpendBadCostCapSendsNothing(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"0", "-1", "$5", "five", "1e9"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := githubStep(t, base, map[string]string{"max_cost_usd": v}).run()
			assert.Equal(t, 2, s.code)
			assert.Contains(t, s.stdout+s.stderr, "max_cost_usd")
			assert.Zero(t, fake.CreatedCount())
		})
	}
}
