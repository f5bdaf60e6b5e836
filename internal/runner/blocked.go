package runner

import (
	"context"
	"fmt"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// A BLOCKED run (the agent waits for a person) and on_blocked: fail ends
// the step blocked; wait keeps polling until the run moves or the
// timeout; reply sends blocked_reply once as a follow-up, with the
// follow-up's stale-state rule (followup.go), then waits: a second
// BLOCKED ends the step blocked.

// OnBlocked is what to do with a BLOCKED run (on_blocked).
type OnBlocked string

// The on_blocked policies; the zero value is OnBlockedFail.
const (
	OnBlockedFail  OnBlocked = "fail"
	OnBlockedWait  OnBlocked = "wait"
	OnBlockedReply OnBlocked = "reply"
)

// blockedAction is what on_blocked does with a BLOCKED run whose state
// counts.
type blockedAction int

const (
	blockedEnd   blockedAction = iota // the run ends blocked
	blockedWait                       // the wait goes on
	blockedReply                      // send blocked_reply, then wait
)

// onBlocked decides what on_blocked does with run, read BLOCKED with a
// state that counts (no follow-up pending pickup), and says so: one run
// waits the same way alone or in a batch (batch.go sends the reply
// without holding the other runs' polls).
func (w *waiter) onBlocked(run *oz.Run) blockedAction {
	question := ""
	if run.StatusMessage != nil {
		question = run.StatusMessage.Message
	}
	where := oz.RunURL(w.res.RunID)
	if link := run.SessionURL(); link != "" {
		where = link
	}
	switch {
	case w.spec.OnBlocked == OnBlockedWait:
		if !w.blockedShown {
			w.blockedShown = true
			w.rep.Notice("Run blocked: waiting", fmt.Sprintf("Run %s waits for a person (%s). Waiting (on_blocked: wait) for someone to answer from the session: %s, until the timeout (%s).",
				w.res.RunID, or(question, "no message"), where, w.spec.Timeout))
		}
		return blockedWait
	case w.spec.OnBlocked == OnBlockedReply && !w.blockedReplied:
		w.blockedReplied = true
		w.rep.Logf("Run %s waits for a person (%s): sending blocked_reply as a follow-up (on_blocked: reply)", w.res.RunID, or(question, "no message"))
		return blockedReply
	case w.spec.OnBlocked == OnBlockedReply:
		w.rep.Warning("Run blocked again", fmt.Sprintf("Run %s is BLOCKED again after blocked_reply (%s): the step ends blocked. Answer it from the session: %s",
			w.res.RunID, or(question, "no message"), where))
	}
	return blockedEnd
}

// blocked handles a run read BLOCKED whose state counts (no follow-up
// pending pickup): true when the wait goes on, false when the step ends
// with the run blocked. A failed reply ends the step too (w.res.Err).
func (w *waiter) blocked(parent, ctx context.Context, run *oz.Run) (goOn bool) {
	switch w.onBlocked(run) {
	case blockedWait:
		return true
	case blockedReply:
		return w.sendFollowup(parent, ctx, run, w.spec.BlockedReply)
	}
	return false
}

// or is s, or alt when s is empty.
func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// waitBlocked reports whether the wait goes on past run, read in a
// terminal state that counts: only a BLOCKED run under on_blocked wait or
// reply does.
func (w *waiter) waitBlocked(ctx context.Context, run *oz.Run) bool {
	if run.State != oz.StateBlocked || w.spec.OnBlocked == "" || w.spec.OnBlocked == OnBlockedFail {
		return false
	}
	return w.blocked(w.parent, ctx, run)
}
