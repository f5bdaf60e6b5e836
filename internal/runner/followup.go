package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// Follow-ups: one sent to an existing run, and the wait past the stale
// state the run shows until it picks it up.

// A follow-up to an ended run starts a new execution of the same run, but
// for a while after the API accepts it the run still shows its old
// terminal state: that state is not the follow-up's outcome. Accepting the
// follow-up writes the run, so its updated_at may move at once while the
// old state is still served: updated_at proves nothing. The wait after a
// follow-up therefore takes a terminal state as the end only once the run
// has picked the follow-up up:
//
//   - it was seen working (QUEUED ... INPROGRESS) since; or
//   - it shows another terminal state than before the follow-up; or
//   - its conversation holds an assistant message after the follow-up's
//     own message (one more user message holding its text than before it
//     was sent), and the state was read again after that.
//
// The third rule matters when a new execution runs from start to end
// between two reads (a fast run, a slow poll): its working states are
// never seen. The conversation is read at most once a poll, and only when
// it may have changed: at once when the run's updated_at has moved since
// the last look (before the follow-up, or at the last read), otherwise at
// polls further and further apart (replyWatch.due); a run that has not
// been written since the follow-up is not read at all. A run that was
// working when the follow-up was handed to it (live_session,
// queued_prompt) has no stale state: its next terminal state is the
// outcome. The wait is bounded by the timeout input: a run that never
// picks the follow-up up ends the step timed_out, saying so.

// replyReadLimit bounds one read of the conversation while the run may
// still show its stale state, so that an endpoint that hangs costs the
// wait little.
const replyReadLimit = 10 * time.Second

// maxReplyGap is the most polls between two reads of the conversation
// while the run is not written.
const maxReplyGap = 8

// replyWatch looks for the agent's reply to the follow-up in the run's
// conversation.
type replyWatch struct {
	api     RunsAPI
	message string // the follow-up's text, normalized (words)
	seen    int    // user messages holding it before the follow-up was sent
	stamp   string // the run's updated_at at the last look
	read    bool   // the conversation was read since the follow-up
	polls   int    // polls since the last read
	gap     int    // polls between two reads of a run not written since
}

// words normalizes a text for comparison: its words, one space apart.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

// due reports whether, at a poll that read the run with updated_at stamp,
// the conversation is worth reading (at most once a poll).
func (r *replyWatch) due(stamp string) bool {
	switch {
	case stamp != r.stamp: // written since the last look
		r.stamp, r.polls, r.gap = stamp, 0, 1
	case !r.read && stamp != "":
		return false // not written since the follow-up was sent
	default:
		r.polls++
		if r.polls < r.gap {
			return false
		}
		r.polls, r.gap = 0, min(max(2*r.gap, 1), maxReplyGap)
	}
	r.read = true
	return true
}

// count is how many user messages of the root steps hold the follow-up's
// text, and whether an assistant message follows one beyond the first
// r.seen of them.
func (r *replyWatch) count(conv *oz.Conversation) (n int, replied bool) {
	for _, st := range conv.Steps {
		for _, m := range st.Messages {
			switch {
			case strings.EqualFold(m.Role, oz.RoleUser) && r.holds(m):
				n++
			case n > r.seen && strings.EqualFold(m.Role, oz.RoleAssistant):
				replied = true
			}
		}
	}
	return n, replied
}

// holds reports whether a message's text is the follow-up's.
func (r *replyWatch) holds(m oz.Message) bool {
	var texts []string
	for _, b := range m.Content {
		if strings.EqualFold(b.Type, oz.BlockText) {
			texts = append(texts, b.Text)
		}
	}
	return words(strings.Join(texts, " ")) == r.message
}

// watchReplies reads the conversation of the run, which has ended, before
// the follow-up is sent: how many messages already hold its text (a
// re-run of the step sends the same text again). nil when the reply
// cannot be looked for; then only the run seen working, or another
// terminal state, shows that it picked the follow-up up.
func (w *waiter) watchReplies(ctx context.Context, before *oz.Run, text string) *replyWatch {
	r := &replyWatch{api: w.api, message: words(text), stamp: before.UpdatedAt}
	if r.message == "" {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, min(replyReadLimit, w.spec.Timeout/4))
	defer cancel()
	conv, err := w.api.GetConversation(cctx, w.res.RunID)
	switch {
	case errors.Is(err, oz.ErrNoConversation):
		return r // none yet: the run never worked
	case err != nil:
		w.rep.Debugf("reading the conversation of run %s before the follow-up: %v; its reply will not be looked for there", w.res.RunID, err)
		return nil
	case conv.Truncated:
		w.rep.Debugf("the conversation of run %s is too large to be kept whole; the reply to the follow-up will not be looked for there", w.res.RunID)
		return nil
	}
	r.seen, _ = r.count(conv)
	return r
}

// replied reports whether the conversation, read now if it is due, holds
// the agent's reply to the follow-up. The run read with it may be stale:
// the caller reads it again.
func (w *waiter) replied(ctx context.Context, run *oz.Run) bool {
	r := w.reply
	if r == nil || !r.due(run.UpdatedAt) {
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, replyReadLimit)
	defer cancel()
	conv, err := r.api.GetConversation(cctx, w.res.RunID)
	if err != nil {
		w.rep.Debugf("reading the conversation of run %s for the reply to the follow-up: %v", w.res.RunID, err)
		return false
	}
	if _, ok := r.count(conv); !ok || conv.Truncated {
		return false
	}
	w.rep.Logf("Run %s picked up the follow-up: its conversation holds the agent's reply to the follow-up", w.res.RunID)
	return true
}

// followUp reads the run, then sends it the follow-up once; false when the
// step ends here (w.res.Err or an abort says why).
func (w *waiter) followUp(parent, ctx context.Context) bool {
	id := w.res.RunID
	before, err := w.api.GetRun(ctx, id)
	if err != nil {
		return w.notSent(parent, ctx, err)
	}
	w.observe(before)
	return w.sendFollowup(parent, ctx, before, w.spec.Followup)
}

// sendFollowup sends text to the run, read just before as before, once
// (the followup input, or blocked_reply); false when the step ends here
// (w.res.Err or an abort says why). From then on the run's state counts
// only once it has picked the follow-up up (the rule above).
func (w *waiter) sendFollowup(parent, ctx context.Context, before *oz.Run, text string) bool {
	id := w.res.RunID
	w.before, w.moved, w.staleShown = before, false, false
	if w.spec.Wait && before.State.IsTerminal() {
		w.reply = w.watchReplies(ctx, before, text)
		if ctx.Err() != nil {
			return w.notSent(parent, ctx, fmt.Errorf("reading its conversation: %w", context.Cause(ctx)))
		}
	}
	w.rep.Logf("Sending a follow-up to run %s (%s)", id, before.State)
	resp, err := w.api.SubmitFollowup(ctx, id, oz.FollowupRequest{Message: text})
	if err != nil {
		w.followupFailed(parent, err)
		return false
	}
	w.res.Followup = &outcome.Followup{ID: resp.FollowupID, Outcome: resp.Outcome, Accepted: resp.ServerDate}
	// Only a run that was not working when it was handed the follow-up
	// can show a stale state.
	staleRisk := before.State.IsTerminal() || resp.Outcome == oz.OutcomeHandoffExecution || resp.Outcome == oz.OutcomeQueuePending
	w.moved = !staleRisk
	w.rep.Logf("The follow-up was accepted: %s", outcomeWords(resp.Outcome))
	return true
}

// notSent ends the step before the follow-up was sent, reading the run
// having failed (err); false.
func (w *waiter) notSent(parent, ctx context.Context, err error) bool {
	if parent.Err() != nil {
		return false // aborted before anything was sent
	}
	if ctx.Err() != nil {
		// Timed out before anything was sent: the step did not do what it
		// was asked, and the run is as it was (not timed out, not
		// cancelled), as a create never answered is no run.
		err = fmt.Errorf("the timeout (%s) passed first: %w", w.spec.Timeout, err)
	}
	w.res.Err = fmt.Errorf("reading run %s before sending the follow-up (it was not sent): %w", w.res.RunID, err)
	return false
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
	if w.spec.CancelOnAbort {
		ctx, cancel := w.cancelContext()
		defer cancel()
		w.cancelRemote(ctx, "the step was aborted")
	}
}

// awaitPickup reads the run until it has picked up the follow-up (true)
// or ctx ends (false); w.res.State is then its state, read after the
// pickup was known.
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
		// Proven by the conversation: the next read's state is the one
		// after the pickup.
		w.moved = w.replied(ctx, run)
	}
	return false
}

// hasMoved reports whether run, read after the follow-up was accepted,
// shows by its state that the run has picked the follow-up up (see above;
// the conversation is the caller's).
func (w *waiter) hasMoved(run *oz.Run) bool {
	return w.moved || run.State.IsWorking() || (w.before.State.IsTerminal() && run.State != w.before.State)
}
