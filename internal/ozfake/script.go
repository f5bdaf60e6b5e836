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
	// Files are FILE artifacts the run shows once it has ended after
	// working (reaching INPROGRESS).
	Files []File
	// LongAnswer makes the agent's final answer longer than 64 KiB.
	LongAnswer bool
	// NoConversation makes the run's conversation 404, as on servers older
	// than the endpoint.
	NoConversation bool
	// CostGrowth is what the run's cost grows by, in US dollars, every
	// CostEvery of work (from CLAIMED on): request_usage shows the cost so
	// far while the run works, and the cost at its end once it has ended
	// ([fake:costly]). Zero: the run shows Usage once ended, nothing before.
	CostGrowth float64
	CostEvery  time.Duration
	// Review, when set, makes the agent's answer on success a review
	// ending with a fenced json block (ReviewPass, ReviewFail,
	// ReviewInvalidThenFixed, ReviewInvalid, ReviewHostile); a follow-up's
	// execution keeps the run's unless its message names another.
	Review string
	// AcceptWrites, in the script of a follow-up's new execution, makes
	// the follow-up's acceptance write the run: its updated_at moves at
	// once, while its old terminal state is still served until the new
	// execution is picked up (as the real API may do).
	AcceptWrites bool
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
	out.Files = append([]File(nil), sc.Files...)
	out.CostEvery = time.Duration(float64(sc.CostEvery) * f)
	return out
}

// timeline is where a run stands at one instant.
type timeline struct {
	state oz.State
	// since is when the run entered state.
	since time.Time
	// written is when a follow-up's acceptance last wrote the run
	// (Script.AcceptWrites) without changing its state; zero if never.
	written time.Time
	// started is when the run was first CLAIMED or INPROGRESS; zero if never.
	started time.Time
	// inProgress reports whether the run has reached INPROGRESS (the agent
	// session exists from then on).
	inProgress bool
	// segInProgress reports whether the current execution (the first, or
	// the one a follow-up started) has reached INPROGRESS.
	segInProgress bool
}

// follow moves tl along sc from start on, up to now: an execution of the
// run (the first, or one a follow-up started).
func (sc Script) follow(tl *timeline, start, now time.Time) {
	tl.segInProgress = false
	tl.since = start // a new execution updates the run, even to the state it had
	t := start
	for _, st := range sc.Steps {
		if st.For <= 0 {
			if st.State == oz.StateInProgress {
				// Never seen, but the agent worked (WithTimeScale(0)): it has a
				// session, a conversation and its files.
				tl.inProgress, tl.segInProgress = true, true
			}
			continue
		}
		tl.enter(st.State, t)
		end := t.Add(st.For)
		if now.Before(end) {
			return
		}
		t = end
	}
	final := sc.Final
	if final == "" {
		final = oz.StateSucceeded
	}
	tl.enter(final, t)
}

// updated is the run's updated_at: when it entered its state, or when a
// follow-up's acceptance wrote it since.
func (tl timeline) updated() time.Time {
	if tl.written.After(tl.since) {
		return tl.written
	}
	return tl.since
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
		tl.inProgress, tl.segInProgress = true, true
	}
}

// usage is a request_usage of these credits; dollars are a cent per
// credit, tokens ten thousand per inference credit.
func usage(inference, compute, platform float64) *oz.Usage {
	iu, cu, pu := inference/100, compute/100, platform/100
	tokens := int64(inference * 10000)
	return &oz.Usage{
		InferenceCost: &inference, ComputeCost: &compute, PlatformCost: &platform,
		InferenceCostUSD: &iu, ComputeCostUSD: &cu, PlatformCostUSD: &pu, TotalTokens: &tokens,
	}
}

// grownUsage is the request_usage of a run whose cost grows
// (Script.CostGrowth) after working for d; nil when it does not grow.
func (sc Script) grownUsage(d time.Duration) *oz.Usage {
	if sc.CostGrowth <= 0 || sc.CostEvery <= 0 || d < 0 {
		return nil
	}
	usd := sc.CostGrowth * float64(d) / float64(sc.CostEvery)
	credits := usd * 100 // usage's rate: a cent a credit
	return usage(credits*0.8, credits*0.2, 0)
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
