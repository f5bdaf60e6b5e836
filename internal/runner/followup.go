package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// Follow-ups: one sent to an existing run, and the wait past the stale
// state the run shows until it picks it up.

// FollowupsAPI sends follow-ups to runs (*oz.Client has it). The runner
// sends one (the followup input) only through a RunsAPI that has it too.
type FollowupsAPI interface {
	// SubmitFollowup sends a message to a run once; its error wraps
	// oz.ErrUncertainFollowup when it may or may not have arrived.
	SubmitFollowup(ctx context.Context, runID string, req oz.FollowupRequest) (*oz.FollowupResponse, error)
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

// A follow-up to an ended run starts a new execution of the same run, but
// for a while after the API accepts it the run still shows its old
// terminal state: that state is not the follow-up's outcome. The wait
// after a follow-up therefore takes a terminal state as the end only once
// the run has moved since the follow-up was accepted:
//
//   - it was seen working (QUEUED ... INPROGRESS) since; or
//   - it shows another terminal state than before the follow-up; or
//   - its updated_at is later than before the follow-up (the stale state
//     keeps its updated_at), and not before the second in which the API
//     accepted the follow-up (its Date header, when it sent one).
//
// Every time compared is the server's, so the runner's own clock, which
// may be off, plays no part. The third rule matters when a new execution
// runs from start to end between two reads (a fast run, a slow poll): its
// working states are never seen. A run that was working when the
// follow-up was handed to it (live_session, queued_prompt) has no stale
// state: its next terminal state is the outcome. The wait is bounded by
// the timeout input: a run that never moves ends the step timed_out,
// saying that the run did not pick up the follow-up.

// followUp reads the run, then sends it the follow-up once; false when the
// step ends here (w.res.Err or an abort says why).
func (w *waiter) followUp(parent, ctx context.Context) bool {
	id := w.res.RunID
	fa, ok := w.api.(FollowupsAPI)
	if !ok {
		w.res.Err = errors.New("sending a follow-up: this API client cannot (nothing was sent)")
		return false
	}
	before, err := w.api.GetRun(ctx, id)
	if err != nil {
		if parent.Err() != nil {
			return false // aborted before anything was sent
		}
		if ctx.Err() != nil {
			// Timed out before anything was sent: the step did not do
			// what it was asked, and the run is as it was (not timed out,
			// not cancelled), as a create never answered is no run.
			err = fmt.Errorf("the timeout (%s) passed first: %w", w.cfg.Timeout, err)
		}
		w.res.Err = fmt.Errorf("reading run %s before sending the follow-up (it was not sent): %w", id, err)
		return false
	}
	w.observe(before)
	w.before = before
	w.rep.Logf("Sending a follow-up to run %s (%s)", id, before.State)
	resp, err := fa.SubmitFollowup(ctx, id, oz.FollowupRequest{Message: w.cfg.Followup})
	if err != nil {
		w.followupFailed(parent, err)
		return false
	}
	w.res.Followup = &Followup{ID: resp.FollowupID, Outcome: resp.Outcome, Accepted: resp.ServerDate}
	// Only a run that was not working when it was handed the follow-up
	// can show a stale state.
	staleRisk := before.State.IsTerminal() || resp.Outcome == oz.OutcomeHandoffExecution || resp.Outcome == oz.OutcomeQueuePending
	w.moved = !staleRisk
	w.rep.Logf("The follow-up was accepted: %s", outcomeWords(resp.Outcome))
	return true
}

// outcomeWords says what a follow-up's outcome means.
func outcomeWords(outcome string) string {
	switch outcome {
	case oz.OutcomeLiveSession:
		return "handed to the agent, which is working (live_session)"
	case oz.OutcomeQueuedPrompt:
		return "queued for the agent, which has not started yet (queued_prompt)"
	case oz.OutcomeHandoffExecution:
		return "the run had ended, so a new execution of it starts; until it is picked up the run still shows its earlier state (handoff_execution)"
	case oz.OutcomeQueuePending:
		return "queued behind an earlier follow-up that has not been picked up yet (queue_pending)"
	}
	return fmt.Sprintf("outcome %q", outcome)
}

// followupFailed ends the step after a follow-up that was not accepted:
// aborted (exit 5) or failed (exit 3), saying whether it may have arrived.
func (w *waiter) followupFailed(parent context.Context, err error) {
	id := w.res.RunID
	uncertain := errors.Is(err, oz.ErrUncertainFollowup)
	if parent.Err() == nil {
		if uncertain {
			w.res.Err = fmt.Errorf("sending the follow-up to run %s: %w", id, err)
		} else {
			w.res.Err = fmt.Errorf("sending the follow-up to run %s (it was not delivered: %s): %w", id, oz.RunURL(id), err)
		}
		return
	}
	w.res.Aborted = true
	if uncertain {
		w.res.Err = fmt.Errorf("aborted (%v) while sending the follow-up: %w", context.Cause(parent), err)
	} else {
		w.res.Err = fmt.Errorf("aborted (%v) before the follow-up was delivered (%s)", context.Cause(parent), oz.RunURL(id))
	}
	w.rep.Warning("Aborted", w.res.Err.Error())
	if w.cfg.CancelOnAbort {
		ctx, cancel := w.cancelContext()
		defer cancel()
		w.cancelRemote(ctx, "the step was aborted")
	}
}

// awaitPickup reads the run until it has picked up the follow-up (true)
// or ctx ends (false); w.res.State is then its state.
func (w *waiter) awaitPickup(ctx context.Context) bool {
	for sleep(ctx, w.opts.ConflictRetry) {
		run, err := w.api.GetRun(ctx, w.res.RunID)
		if err != nil {
			w.rep.Debugf("reading run %s while waiting for it to pick up the follow-up: %v", w.res.RunID, err)
			continue
		}
		w.observe(run)
		if w.moved = w.hasMoved(run); w.moved {
			return true
		}
	}
	return false
}

// hasMoved reports whether run, read after the follow-up was accepted,
// shows that the run has moved since (see above).
func (w *waiter) hasMoved(run *oz.Run) bool {
	if w.moved || run.State.IsWorking() || (w.before.State.IsTerminal() && run.State != w.before.State) {
		return true
	}
	u, was := oz.Time(run.UpdatedAt), oz.Time(w.before.UpdatedAt)
	if u.IsZero() || was.IsZero() || !u.After(was) {
		return false
	}
	accepted := w.res.Followup.Accepted // to the second; zero when unknown
	return accepted.IsZero() || !u.Before(accepted.Truncate(time.Second))
}
