package summary

import (
	"fmt"

	"github.com/oz-run/oz-run-action/internal/outcome"
)

// What spend, blocked runs and re-runs add to the summary and the comment:
// the cost against max_cost_usd.

// usd writes an amount of US dollars: cents, or four decimals for less
// than a cent.
func usd(v float64) string {
	if v > 0 && v < 0.01 {
		return fmt.Sprintf("$%.4f", v)
	}
	return fmt.Sprintf("$%.2f", v)
}

// costCell is the run's cost in US dollars, against the cap when
// max_cost_usd set one ("$0.52 of $1.00 (max_cost_usd)"); "" when neither
// is known.
func costCell(r outcome.Result, f format) string {
	cost := costUSD(r)
	if r.MaxCostUSD <= 0 {
		return cost
	}
	if cost == "" {
		cost = "—"
	}
	return cost + " of " + usd(r.MaxCostUSD) + " (" + f.lit("max_cost_usd") + ")"
}

// reattachedNote says that the run is one an earlier attempt of the step
// started (rerun): "Re-attached to run X from attempt 1 (rerun: attach):
// no run was created."
func reattachedNote(r outcome.Result, f format) string {
	ra := r.Reattached
	from := "an earlier attempt"
	switch {
	case ra.Attempt == "":
	case ra.Attempt[0] >= '0' && ra.Attempt[0] <= '9':
		from = "attempt " + f.text(ra.Attempt, maxWord)
	default:
		from = f.text(ra.Attempt, maxWord)
	}
	how := f.lit("rerun: attach") + ", it was still working"
	if ra.Reused {
		how = f.lit("rerun: reuse") + ", it had succeeded: its outcome is reported again"
	}
	return "Re-attached to run " + f.word(ra.RunID) + " from " + from + " of this step (" + how + "); no run was created."
}
