package runner

import (
	"fmt"
	"strconv"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// The cost cap (max_cost_usd): the cost the API reports on each read of
// the run, against the limit; once reached, the run is cancelled and the
// step concludes over_budget.

// Budget is a cap in US dollars over one or more runs' reported costs. A
// batch (prompts) sums its runs' costs into one Budget; a single run is a
// batch of one. The zero Budget has no cap.
type Budget struct {
	// LimitUSD is the cap; zero or less: none.
	LimitUSD float64
}

// Capped reports whether there is a cap.
func (b Budget) Capped() bool { return b.LimitUSD > 0 }

// Spent is the sum of the runs' reported costs in US dollars; runs that
// report none count nothing.
func (b Budget) Spent(runs ...*oz.Run) float64 {
	sum := 0.0
	for _, r := range runs {
		if r == nil {
			continue
		}
		if usd, ok := r.RequestUsage.CostUSD(); ok {
			sum += usd
		}
	}
	return sum
}

// Reached reports whether spent reaches the cap.
func (b Budget) Reached(spent float64) bool { return b.Capped() && spent >= b.LimitUSD }

// FormatUSD writes an amount of US dollars as the inputs take it: $0.50,
// $12.34, $0.0021 (cents unless less would show nothing).
func FormatUSD(usd float64) string {
	if usd != 0 && usd < 0.01 && usd > -0.01 {
		return "$" + strconv.FormatFloat(usd, 'f', -1, 64)
	}
	return "$" + strconv.FormatFloat(usd, 'f', 2, 64)
}

// overBudget checks the run just read against the cap: once its cost
// reaches it while the run works, the run is cancelled (the timeout's and
// abort's cancel path, within the same budget) and the step concludes
// over_budget; true then. A run that has ended on its own keeps its own
// conclusion: there was nothing left to stop.
func (w *waiter) overBudget(run *oz.Run) bool {
	b := Budget{LimitUSD: w.spec.MaxCostUSD}
	if !b.Capped() || run == nil || !run.State.IsWorking() {
		return false
	}
	spent := b.Spent(run)
	if !b.Reached(spent) {
		return false
	}
	w.rep.Warning("Cost limit reached", fmt.Sprintf("Run %s has cost %s so far, which reaches max_cost_usd (%s): cancelling it. The API reports cost with a delay, so the bill may be somewhat higher.",
		w.res.RunID, FormatUSD(spent), FormatUSD(b.LimitUSD)))
	ctx, cancel := w.cancelContext()
	defer cancel()
	w.cancelRemote(ctx, "its cost reached max_cost_usd")
	w.res.Conclusion = outcome.OverBudget
	return true
}
