package summary

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// spendCases are the outcomes of spend, blocked runs and re-runs.
func spendCases() map[string]outcome.Result {
	over := terminal(oz.StateCancelled, outcome.OverBudget, &oz.StatusMessage{Message: "The run was cancelled."})
	over.Cancelled = true
	over.MaxCostUSD = 1
	over.Run.SessionLink = "https://app.warp.dev/session/sess_1"
	over.Run.RequestUsage = &oz.Usage{InferenceCostUSD: ptr(0.9), ComputeCostUSD: ptr(0.15)}

	under := terminal(oz.StateSucceeded, outcome.Succeeded, &oz.StatusMessage{Message: "Done."})
	under.MaxCostUSD = 5
	under.Run.RequestUsage = &oz.Usage{InferenceCostUSD: ptr(0.004)}

	return map[string]outcome.Result{"over_budget": over, "under_budget": under}
}

// TestSpendGolden: the summary (Markdown and text) and the comment of
// each spend outcome, in golden files spend_*.golden.
func TestSpendGolden(t *testing.T) {
	t.Parallel()
	opts := Options{FailOn: defaultFailOn()}
	opts.FailOn[outcome.OverBudget] = true
	for name, r := range spendCases() {
		for kind, render := range map[string]func(outcome.Result, Options) string{"": Render, "text_": Text, "comment_": Comment} {
			t.Run(kind+name, func(t *testing.T) {
				t.Parallel()
				got := render(r, opts)
				path := filepath.Join("testdata", "spend_"+kind+name+".golden")
				if *update {
					require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
					return
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "run `go test ./internal/summary -update` to create the golden files")
				assert.Equal(t, string(want), got)
			})
		}
	}
}

func TestCostAgainstTheCap(t *testing.T) {
	t.Parallel()
	r := spendCases()["over_budget"]
	assert.Equal(t, "$1.05 of $1.00 (`max_cost_usd`)", costCell(r, markdown))
	r.Run.RequestUsage = nil
	assert.Equal(t, "— of $1.00 (`max_cost_usd`)", costCell(r, markdown))
	r.MaxCostUSD = 0
	assert.Empty(t, costCell(r, markdown))
	assert.Contains(t, Render(spendCases()["over_budget"], Options{}), "went over budget")
}

// TestReattachedIsSaid: the summary, the text and the comment say which
// earlier attempt's run the step took (rerun).
func TestReattachedIsSaid(t *testing.T) {
	t.Parallel()
	r := terminal(oz.StateSucceeded, outcome.Succeeded, nil)
	r.Attached = true
	r.Reattached = &outcome.Reattached{RunID: "run_8f3a", Attempt: "1"}
	for kind, got := range map[string]string{"summary": Render(r, Options{}), "comment": Comment(r, Options{})} {
		assert.Contains(t, got, "Re-attached to run `run_8f3a` from attempt 1 of this step (`rerun: attach`", kind)
		assert.NotContains(t, got, "`run_id`", kind)
	}
	assert.Contains(t, Text(r, Options{}), "Re-attached to run run_8f3a from attempt 1 of this step (rerun: attach")
	r.Reattached = &outcome.Reattached{RunID: "run_8f3a", Attempt: "job 88", Reused: true}
	assert.Contains(t, Render(r, Options{}), "from job 88 of this step (`rerun: reuse`, it had succeeded")
	r.Reattached.Attempt = ""
	assert.Contains(t, Render(r, Options{}), "from an earlier attempt of this step")
}

// TestBlockedShowsTheQuestionAndTheSession: a BLOCKED run's question (its
// status message) is shown with the session link where it can be
// answered, in the summary and in the comment.
func TestBlockedShowsTheQuestionAndTheSession(t *testing.T) {
	t.Parallel()
	r := terminal(oz.StateBlocked, outcome.Blocked, &oz.StatusMessage{Message: "Which branch should I push to?"})
	r.Run.SessionLink = "https://app.warp.dev/session/sess_1"
	for kind, got := range map[string]string{"summary": Render(r, Options{}), "comment": Comment(r, Options{}), "text": Text(r, Options{})} {
		assert.Contains(t, got, "Which branch should I push to?", kind)
		assert.Contains(t, got, "https://app.warp.dev/session/sess_1", kind)
	}
}
