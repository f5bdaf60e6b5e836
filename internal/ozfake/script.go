package ozfake

import (
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// Step is one working state of a scripted run, held For (before the time
// scale applies). A step of zero length is never seen.
type Step struct {
	State oz.State
	For   time.Duration
}

// Script is what a run does from its creation on. The run's state is
// computed from its creation time and the clock: no goroutine drives it.
type Script struct {
	// Steps are the states the run goes through, in order.
	Steps []Step
	// Final is the state after the last step. A working state here is held
	// forever (the run never ends by itself).
	Final oz.State
	// StatusMessage is shown once the run is terminal; nil picks a realistic
	// message for Final.
	StatusMessage *oz.StatusMessage
	// SessionID is the agent session's id, shown from INPROGRESS on; empty
	// means one is made up for each run.
	SessionID string
	// NoSessionLink leaves session_link out (session_id alone is shown), as
	// the API sometimes does.
	NoSessionLink bool
	// Artifacts adds a PULL_REQUEST artifact when the run succeeds.
	Artifacts bool
	// Usage is the run's request_usage once terminal; nil means a default.
	Usage *oz.Usage
	// Uncancellable makes the cancel endpoint answer 422, as for runs
	// started from GitHub Actions or self-hosted workers.
	Uncancellable bool
	// AtCapacity sets at_capacity in the create's answer.
	AtCapacity bool
}

// DefaultScript is a run that succeeds in about five seconds and opens a
// pull request.
func DefaultScript() Script {
	return Script{
		Steps: []Step{
			{oz.StateQueued, 500 * time.Millisecond},
			{oz.StatePending, 500 * time.Millisecond},
			{oz.StateClaimed, 500 * time.Millisecond},
			{oz.StateInProgress, 3 * time.Second},
		},
		Final:     oz.StateSucceeded,
		Artifacts: true,
		Usage:     usage(1.84, 0.32, 0.05),
	}
}

// scaled returns a copy of sc with every step's duration multiplied by f.
func (sc Script) scaled(f float64) Script {
	out := sc
	out.Steps = make([]Step, len(sc.Steps))
	for i, st := range sc.Steps {
		out.Steps[i] = Step{State: st.State, For: time.Duration(float64(st.For) * f)}
	}
	if sc.StatusMessage != nil {
		m := *sc.StatusMessage
		out.StatusMessage = &m
	}
	if sc.Usage != nil {
		u := *sc.Usage
		out.Usage = &u
	}
	return out
}

// timeline is where a run stands at one instant.
type timeline struct {
	state oz.State
	// since is when the run entered state: the run's updated_at.
	since time.Time
	// started is when the run was first CLAIMED or INPROGRESS; zero if never.
	started time.Time
	// inProgress reports whether the run has reached INPROGRESS (the agent
	// session exists from then on).
	inProgress bool
}

// at computes the timeline of a run created at created, following sc, at
// instant now.
func (sc Script) at(created, now time.Time) timeline {
	tl := timeline{since: created}
	t := created
	for _, st := range sc.Steps {
		if st.For <= 0 {
			continue
		}
		tl.enter(st.State, t)
		end := t.Add(st.For)
		if now.Before(end) {
			return tl
		}
		t = end
	}
	final := sc.Final
	if final == "" {
		final = oz.StateSucceeded
	}
	tl.enter(final, t)
	return tl
}

// enter moves the timeline to state st at instant t.
func (tl *timeline) enter(st oz.State, t time.Time) {
	if st != tl.state {
		tl.state, tl.since = st, t
	}
	if (st == oz.StateClaimed || st == oz.StateInProgress) && tl.started.IsZero() {
		tl.started = t
	}
	if st == oz.StateInProgress {
		tl.inProgress = true
	}
}

func usage(inference, compute, platform float64) *oz.Usage {
	return &oz.Usage{InferenceCost: &inference, ComputeCost: &compute, PlatformCost: &platform}
}

// defaultMessage is a realistic status message for a terminal state.
func defaultMessage(st oz.State, artifacts bool) *oz.StatusMessage {
	no, yes := false, true
	switch st {
	case oz.StateSucceeded:
		if artifacts {
			return &oz.StatusMessage{Message: "Completed the task and opened a pull request with the changes."}
		}
		return &oz.StatusMessage{Message: "Completed the task."}
	case oz.StateFailed:
		return &oz.StatusMessage{
			Message:   "Environment setup failed: the setup command `npm ci` exited with status 1.",
			ErrorCode: "environment_setup_failed",
			Retryable: &no,
		}
	case oz.StateError:
		return &oz.StatusMessage{
			Message:   "The agent stopped because of an internal error. Warp has been notified.",
			ErrorCode: "internal_error",
			Retryable: &yes,
		}
	case oz.StateBlocked:
		return &oz.StatusMessage{Message: "Waiting for approval to run a command: `git push --force origin main`."}
	case oz.StateCancelled:
		return &oz.StatusMessage{Message: "The run was cancelled."}
	}
	return nil
}
