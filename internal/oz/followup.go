package oz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// SubmitFollowup: a message sent to a run once, never twice, saying when it
// may or may not have arrived.

// ErrUncertainFollowup is wrapped by the error of a follow-up whose fate is
// unknown: it may or may not have reached the run, and it was not sent
// again so that it does not arrive twice.
var ErrUncertainFollowup = errors.New("the follow-up may or may not have arrived")

// Outcomes of a follow-up.
const (
	// OutcomeLiveSession: handed to the running agent.
	OutcomeLiveSession = "live_session"
	// OutcomeQueuedPrompt: appended to a run that had not started.
	OutcomeQueuedPrompt = "queued_prompt"
	// OutcomeHandoffExecution: the run had ended; a new execution of the
	// same run starts. Until it is picked up, the run still shows its old
	// terminal state.
	OutcomeHandoffExecution = "handoff_execution"
	// OutcomeQueuePending: queued behind a follow-up not yet picked up.
	OutcomeQueuePending = "queue_pending"
)

// FollowupRequest is the body of POST /agent/runs/{id}/followups.
type FollowupRequest struct {
	Message string `json:"message"`
	// Mode is normal, plan or orchestrate; empty keeps the run's.
	Mode string `json:"mode,omitempty"`
}

// FollowupResponse is the answer to a follow-up.
type FollowupResponse struct {
	// FollowupID names the follow-up; empty when the API sent none (or
	// one that is not shaped like an id).
	FollowupID string
	// Outcome is one of the Outcome constants, or a newer word.
	Outcome string
	// ServerDate is the answer's Date header: when the server accepted the
	// follow-up, by its clock, to the second; zero when absent. A run's
	// updated_at later than this (allow for the second's rounding) means
	// it has moved since.
	ServerDate time.Time
}

// SubmitFollowup sends a follow-up message to a run, in any state. It is
// not idempotent: it is sent again only when the earlier attempt surely
// had no effect, that is when no connection could be made (see notSent)
// or the API refused it with a 429 that is not a lack of credits. After any
// other failure that leaves its fate unknown (no answer after sending, a
// 408, a 5xx, an unreadable 2xx, the end of ctx after sending) it returns
// an error wrapping ErrUncertainFollowup, with the run's link. Never are
// two follow-ups sent for one call. Final refusals (400, 401, 403, 404,
// 409, 422) are returned as *APIError.
func (c *Client) SubmitFollowup(ctx context.Context, runID string, req FollowupRequest) (*FollowupResponse, error) {
	switch {
	case runID == "":
		return nil, errors.New("oz: SubmitFollowup: the run id is empty")
	case strings.TrimSpace(req.Message) == "":
		return nil, errors.New("oz: SubmitFollowup: the message is empty")
	}
	op := "follow-up to run " + quoteID(runID)
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding the request: %w", op, err)
	}
	u := c.endpoint("agent", "runs", runID, "followups")
	b := c.retry.newBackOff()
	for n := 1; ; n++ {
		var out *FollowupResponse
		sent, err := c.exchange(ctx, op, n, http.MethodPost, u, body, maxBody, func(resp *http.Response, r io.Reader) (err error) {
			if out, err = decodeFollowup(r); err != nil {
				return err
			}
			if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
				out.ServerDate = t
			}
			return nil
		})
		if err == nil {
			return out, nil
		}
		var ae *APIError
		isAPI := errors.As(err, &ae)
		if isAPI && misconfigured(ae.Err) {
			sent = false // a certificate or a host name refused: before any byte of the request
		}
		switch {
		case ctx.Err() != nil && sent:
			return nil, uncertainFollowup(interrupted(op, ctx.Err(), err), runID)
		case ctx.Err() != nil:
			return nil, interrupted(op, ctx.Err(), err)
		case !isAPI:
			return nil, err
		case sent && !refusedUnseen(ae):
			if ambiguousFollowup(ae) {
				return nil, uncertainFollowup(err, runID)
			}
			return nil, err // refused: it had no effect
		case !ae.Retryable:
			return nil, err
		case n >= c.retry.MaxAttempts:
			return nil, fmt.Errorf("%w (gave up after %d attempts; the follow-up was not delivered)", err, n)
		}
		b.Observe(ae)
		d := b.NextBackOff()
		c.logf("oz: %s: attempt %d of %d was not delivered, retrying in %s: %s", op, n, c.retry.MaxAttempts, d.Round(time.Millisecond), err)
		if c.sleep(ctx, d) != nil {
			return nil, interrupted(op, ctx.Err(), err)
		}
	}
}

// refusedUnseen reports whether an answer says the request was turned away
// before it had any effect, so that it may be sent again: a 429 (too many
// requests, at capacity). Which 429 may be retried is ae.Retryable's
// business (not a lack of credits).
func refusedUnseen(ae *APIError) bool { return ae.StatusCode == http.StatusTooManyRequests }

// ambiguousFollowup reports whether a failed follow-up that was sent may
// have arrived: no answer, an unreadable 2xx, a 408 or a 5xx (a gateway
// may answer so after the API took it).
func ambiguousFollowup(ae *APIError) bool {
	s := ae.StatusCode
	return s == 0 || s >= 200 && s < 300 || s == http.StatusRequestTimeout || s >= 500 && s < 600
}

// uncertainFollowup is the final error of a follow-up that may have
// arrived.
func uncertainFollowup(err error, runID string) error {
	cause := fmt.Errorf("%w: it was not sent again, so that it cannot arrive twice; "+
		"look at the run's conversation at %s before sending it again", ErrUncertainFollowup, RunURL(runID))
	var ae *APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("%w; %w", err, cause)
	}
	e := *ae
	e.Retryable = false
	if e.Err != nil {
		cause = fmt.Errorf("%w; %w", e.Err, cause)
	}
	e.Err = cause
	return &e
}

func decodeFollowup(r io.Reader) (*FollowupResponse, error) {
	var out FollowupResponse
	err := readObject(r, func(d *jsonReader) {
		d.object(func(key string, _ bool) {
			switch key {
			case "followup_id":
				if id := d.ident(maxIdent); CheckRunID(id) == nil {
					out.FollowupID = id
				}
			case "outcome":
				out.Outcome = d.ident(maxState)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	if out.Outcome == "" {
		return nil, errors.New("the answer has no outcome")
	}
	return &out, nil
}
