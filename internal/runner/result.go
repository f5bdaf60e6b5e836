package runner

import (
	"time"

	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/oz"
)

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
	Conclusion config.Conclusion // empty when the run never reached one (Err set)
	AtCapacity bool
	Attached   bool // run_id was given: nothing was created
	Timeline   []Transition
	Started    time.Time // when the step started
	Ended      time.Time
	// Err is set when the step could not finish normally: the API failed
	// (exit 3) or the process was aborted (exit 5, see Aborted).
	Err     error
	Aborted bool
	// CancelErr is set when cancelling the remote run (on timeout or abort)
	// failed; the run may still be going.
	CancelErr error
	Cancelled bool // the remote run was cancelled by us
}
