package report

import (
	"errors"
	"testing"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// TestSpendGolden: what a step publishes and announces when the run went
// over budget, cancelled or not (the cancel refused).
func TestSpendGolden(t *testing.T) {
	t.Parallel()
	failOn := outcome.FailOn{outcome.Failed: true, outcome.OverBudget: true}
	over := ended(oz.StateCancelled, outcome.OverBudget, &oz.StatusMessage{Message: "The run was cancelled."})
	over.Cancelled, over.MaxCostUSD = true, 1
	over.Run.RequestUsage = &oz.Usage{InferenceCostUSD: ptr(0.9), ComputeCostUSD: ptr(0.15)}

	refused := ended(oz.StateInProgress, outcome.OverBudget, nil)
	refused.MaxCostUSD = 0.5
	refused.Run.RequestUsage = &oz.Usage{InferenceCostUSD: ptr(0.75)}
	refused.CancelErr = errors.New("cancelling run run_8f3a: 422 run type cannot be cancelled")

	for name, res := range map[string]outcome.Result{"spend_over_budget": over, "spend_over_budget_cancel_refused": refused} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := opts()
			o.FailOn = failOn
			checkGolden(t, name, show(Build(res, o), Announce(res, o)))
		})
	}
}
