package outcome

import (
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/verdict"
)

// The Result of a step: the run as last seen, its conclusion, and the
// agent's work.

// Transition is one state change seen while waiting.
type Transition struct {
	State oz.State
	At    time.Time
}

// Result is everything known about the run when the step ends.
type Result struct {
	RunID      string
	Run        *oz.Run // the last run object read; nil if none was
	State      oz.State
	Conclusion Conclusion // empty when the run never reached one (Err set)
	AtCapacity bool
	Attached   bool // run_id was given: nothing was created
	// NoWait is set for wait: false: the run was read once, not waited for.
	NoWait bool
	// Followup is the follow-up sent to the run (followup input), once
	// accepted; nil when none was.
	Followup *Followup
	// FollowupPending is set when the wait after a follow-up ended (timed
	// out, aborted) before the run showed that it had picked it up: its
	// state is the one from before the follow-up.
	FollowupPending bool
	Timeline        []Transition
	Started         time.Time // when the step started
	Ended           time.Time
	// Err is set when the step could not finish normally: the API failed
	// (exit 3) or the process was aborted (exit 5, see Aborted).
	Err     error
	Aborted bool
	// CancelErr is set when cancelling the remote run (on timeout or abort)
	// failed; the run may still be going.
	CancelErr error
	Cancelled bool // the remote run was cancelled by us
	// MaxCostUSD is the cost cap the run was held to (max_cost_usd);
	// zero: none.
	MaxCostUSD float64
	// Reattached is set when the run is one an earlier attempt of the step
	// started (rerun): nothing was created.
	Reattached *Reattached

	// Work is what the agent said and made, read once the run has ended
	// (after the runner returns); zero when nothing was read.
	Work Work
	// Verdict is what the agent concluded (output_schema): its answer
	// judged once the run SUCCEEDED (Conclusion then Rejected or
	// InvalidOutput when it says so); nil when nothing was judged.
	Verdict *verdict.Outcome
}

// Followup is the follow-up the step sent, once the API accepted it.
type Followup struct {
	ID string
	// Outcome is what the API said it did (oz.Outcome...), as it said it.
	Outcome string
	// Accepted is when, by the server's clock (its Date header, to the
	// second); zero when it sent none.
	Accepted time.Time
}

// Work is the agent's work brought back into CI after the run ended. Every
// failure to read it is a warning (Warnings), never a changed outcome.
type Work struct {
	// Answer is the agent's answer: the text of the last assistant message
	// of the run's conversation, capped; empty when there is none.
	Answer string
	// ConversationID names the run's conversation, for a later run.
	ConversationID string
	// Files are the downloaded FILE artifacts, in the order written.
	Files []File
	// Warnings say what could not be read or downloaded, one line each.
	Warnings []string
}

// File is one downloaded artifact file.
type File struct {
	// Path is where it was written, relative to the workspace (slashes).
	Path string
	// Name is the artifact's name as the agent gave it, cleaned: its path
	// below files_dir (slashes), what readers of the summary and the
	// comment know it by.
	Name string
	// Size is its length in bytes.
	Size int64
}

// Reattached is the run of an earlier attempt of the step that a later
// attempt took instead of starting one (rerun).
type Reattached struct {
	RunID string
	// Attempt is the attempt that started it, as its metadata says
	// ("2" on GitHub, "job 88" on GitLab); empty when it does not.
	Attempt string
	// Reused is set when the run had already succeeded (rerun: reuse).
	Reused bool
}
