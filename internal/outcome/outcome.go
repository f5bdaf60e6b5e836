// Package outcome is what a run comes to: its Result (the run as last
// seen, the conclusion, the agent's work), the conclusions and the fail_on
// set that judges them, and the exit code the step ends with. The runner
// fills a Result, work adds the agent's work, report and summary render it;
// config parses fail_on into a FailOn. It does no I/O.
package outcome

import (
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// Conclusion is the word a step ends with, as users write it in fail_on and
// read it in the `conclusion` output.
type Conclusion string

// The conclusions.
const (
	Succeeded Conclusion = "succeeded"
	Failed    Conclusion = "failed"
	Error     Conclusion = "error"
	Blocked   Conclusion = "blocked"
	Cancelled Conclusion = "cancelled"
	TimedOut  Conclusion = "timed_out"
	Submitted Conclusion = "submitted"
	// Skipped: no API key at all and missing_key: skip (fork and
	// Dependabot pull requests get no secrets); nothing was sent.
	Skipped Conclusion = "skipped"
	// OverBudget: the run's reported cost reached max_cost_usd and oz-run
	// cancelled it.
	OverBudget Conclusion = "over_budget"
	// Rejected: the run succeeded, its structured answer is valid and
	// pass_if is false: the agent said no.
	Rejected Conclusion = "rejected"
	// InvalidOutput: the run succeeded but its answer holds no value valid
	// against output_schema (after the repair follow-ups), or pass_if
	// could not be evaluated on it.
	InvalidOutput Conclusion = "invalid_output"
)

// Conclusions lists every conclusion, in the contract's order.
var Conclusions = []Conclusion{Succeeded, Failed, Error, Blocked, Cancelled, TimedOut, Submitted, Rejected, InvalidOutput, OverBudget, Skipped}

// ConclusionOf maps a terminal state to its conclusion; unknown states fail.
func ConclusionOf(s oz.State) Conclusion {
	switch s {
	case oz.StateSucceeded:
		return Succeeded
	case oz.StateError:
		return Error
	case oz.StateBlocked:
		return Blocked
	case oz.StateCancelled:
		return Cancelled
	}
	return Failed
}

// FailOn is the set of conclusions that fail the step (the fail_on input,
// parsed by config).
type FailOn map[Conclusion]bool

// Fails reports whether the conclusion fails the step.
func (f FailOn) Fails(c Conclusion) bool { return f[c] }

// Exit codes, as the contract lists them.
const (
	ExitOK       = 0
	ExitFailed   = 1
	ExitInput    = 2
	ExitAPI      = 3
	ExitTimedOut = 4
	ExitAborted  = 5
)

// ExitCode is the process exit code for the result under fail_on.
func (r Result) ExitCode(failOn FailOn) int {
	switch {
	case r.Aborted:
		return ExitAborted
	case r.Err != nil:
		return ExitAPI
	case r.Conclusion == TimedOut && failOn.Fails(TimedOut):
		return ExitTimedOut
	case r.Conclusion != TimedOut && failOn.Fails(r.Conclusion):
		return ExitFailed
	}
	return ExitOK
}

// FormatDuration writes d as briefly as Go syntax allows: 2s, 500ms, 1m30s,
// 1h (not 1h0m0s). Inputs and messages about the run say durations so.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
