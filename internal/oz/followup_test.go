package oz

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const followupJSON = `{"followup_id":"fu-1","outcome":"handoff_execution"}`

func TestSubmitFollowup(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 200, body: followupJSON, header: map[string]string{"Date": "Wed, 01 May 2024 10:00:30 GMT"}})
	c, _ := testClient(t, s)
	out, err := c.SubmitFollowup(t.Context(), "run-1", FollowupRequest{Message: "also fix the docs", Mode: "plan"})
	require.NoError(t, err)
	assert.Equal(t, "fu-1", out.FollowupID)
	assert.Equal(t, OutcomeHandoffExecution, out.Outcome)
	assert.Equal(t, time.Date(2024, 5, 1, 10, 0, 30, 0, time.UTC), out.ServerDate.UTC())
	r := s.requests()[0]
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/api/v1/agent/runs/run-1/followups", r.Path)
	assert.JSONEq(t, `{"message":"also fix the docs","mode":"plan"}`, string(r.Body))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
}

func TestSubmitFollowupAnswers(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]FollowupResponse{
		`{"followup_id":null,"outcome":"live_session"}`:                            {Outcome: OutcomeLiveSession},
		`{"outcome":"queued_prompt","extra":[1]}`:                                  {Outcome: OutcomeQueuedPrompt},
		`{"followup_id":"../../x","outcome":"queue_pending"}`:                      {Outcome: OutcomeQueuePending},
		`{"followup_id":"` + strings.Repeat("f", 200) + `","outcome":"brand_new"}`: {Outcome: "brand_new"},
	} {
		s := newStub(t, reply{status: 200, body: body})
		c, _ := testClient(t, s)
		out, err := c.SubmitFollowup(t.Context(), "run-1", FollowupRequest{Message: "m"})
		require.NoError(t, err, body)
		assert.WithinDuration(t, time.Now(), out.ServerDate, time.Minute, "the server's Date")
		out.ServerDate = time.Time{}
		assert.Equal(t, want, *out, body)
	}
}

func TestSubmitFollowupRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	s := newStub(t)
	c, _ := testClient(t, s)
	for _, tc := range []struct {
		id, msg, want string
	}{
		{"", "m", "oz: SubmitFollowup: the run id is empty"},
		{"run-1", " \n", "oz: SubmitFollowup: the message is empty"},
	} {
		_, err := c.SubmitFollowup(t.Context(), tc.id, FollowupRequest{Message: tc.msg})
		assert.ErrorContains(t, err, tc.want)
	}
	assert.Empty(t, s.requests())
}

// TestSubmitFollowupNeverTwice: a follow-up is sent again only when the
// earlier attempt surely had no effect; every ambiguous failure ends the
// call with ErrUncertainFollowup after one POST.
func TestSubmitFollowupNeverTwice(t *testing.T) {
	t.Parallel()
	good := reply{status: 200, body: followupJSON}
	problem := func(status int, code string) reply {
		return reply{status: status, header: map[string]string{"Content-Type": "application/problem+json"},
			body: `{"type":"https://warp.dev/errors/` + code + `","title":"t","status":` + jsonInt(status) + `,"error":"refused"}`}
	}
	tests := []struct {
		name      string
		replies   []reply
		refuse    bool // the first dial is refused: nothing sent
		posts     int
		uncertain bool
		status    int // of the final *APIError; 0: success
	}{
		{"ok", []reply{good}, false, 1, false, 0},
		{"dial refused, then sent", []reply{good}, true, 1, false, 0},
		{"429 refused, sent again", []reply{{status: 429, header: map[string]string{"Retry-After": "1"}}, good}, false, 2, false, 0},
		{"429 out of credits is final", []reply{{status: 429, header: map[string]string{"X-Warp-Error-Code": CodeOutOfCredits}}}, false, 1, false, 429},
		{"429 until given up", []reply{{status: 429}, {status: 429}, {status: 429}}, false, 3, false, 429},
		{"503 may have arrived", []reply{{status: 503}}, false, 1, true, 503},
		{"502 HTML may have arrived", []reply{{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html>Bad Gateway</html>"}}, false, 1, true, 502},
		{"504 may have arrived", []reply{{status: 504}}, false, 1, true, 504},
		{"408 may have arrived", []reply{{status: 408}}, false, 1, true, 408},
		{"reset after sending", []reply{{reset: true}}, false, 1, true, 0},
		{"no answer in time", []reply{{hang: true}}, false, 1, true, 0},
		{"unreadable 200", []reply{{status: 200, body: `{"outcome":`}}, false, 1, true, 200},
		{"200 without an outcome", []reply{{status: 200, body: `{"followup_id":"f"}`}}, false, 1, true, 200},
		{"HTML 200", []reply{{status: 200, header: map[string]string{"Content-Type": "text/html"}, body: "<html>hi</html>"}}, false, 1, true, 200},
		{"400 final", []reply{problem(400, "invalid_request")}, false, 1, false, 400},
		{"401 final", []reply{problem(401, "authentication_required")}, false, 1, false, 401},
		{"403 final", []reply{problem(403, "not_authorized")}, false, 1, false, 403},
		{"404 final", []reply{problem(404, "resource_not_found")}, false, 1, false, 404},
		{"409 final", []reply{problem(409, "conflict")}, false, 1, false, 409},
		{"422 final", []reply{problem(422, "operation_not_supported")}, false, 1, false, 422},
		{"redirect final", []reply{{status: 307, header: map[string]string{"Location": "https://elsewhere/"}}}, false, 1, false, 307},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.replies...)
			var opts []Option
			if tc.replies[0].hang {
				opts = append(opts, WithRequestTimeout(300*time.Millisecond))
			}
			if tc.refuse {
				opts = append(opts, WithHTTPClient(refuseFirstDial(s)))
			}
			c, _ := testClient(t, s, opts...)
			out, err := c.SubmitFollowup(context.Background(), "run-1", FollowupRequest{Message: "go on"})
			assert.Equal(t, tc.posts, s.count("POST", "/api/v1/agent/runs/run-1/followups"), "POSTs")
			if tc.status == 0 && !tc.uncertain {
				require.NoError(t, err)
				assert.Equal(t, OutcomeHandoffExecution, out.Outcome)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.uncertain, errors.Is(err, ErrUncertainFollowup), "uncertain: %v", err)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.status, ae.StatusCode)
			if tc.uncertain {
				assert.False(t, IsTransient(err), "an uncertain follow-up must not be retried by a caller's loop")
			}
			msg := err.Error()
			assert.NotContains(t, msg, testKey)
			assert.NotContains(t, msg, "\n")
			if tc.uncertain {
				assert.Contains(t, msg, "may or may not have arrived")
				assert.Contains(t, msg, RunsBaseURL+"run-1")
			} else {
				assert.NotContains(t, msg, "may or may not")
			}
		})
	}
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestSubmitFollowupContextEnds(t *testing.T) {
	t.Parallel()
	// Ended while the server holds the request: it may have arrived. (The
	// context ends when the request has arrived, not after a while: on a
	// busy machine the request could still be on its way.)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newStub(t, reply{hang: true, before: cancel})
	c, _ := testClient(t, s)
	_, err := c.SubmitFollowup(ctx, "run-1", FollowupRequest{Message: "m"})
	assert.ErrorIs(t, err, ErrUncertainFollowup)
	assert.ErrorIs(t, err, context.Canceled)

	// Ended before anything was sent: it did not.
	s = newStub(t)
	c, _ = testClient(t, s)
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = c.SubmitFollowup(ctx, "run-1", FollowupRequest{Message: "m"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrUncertainFollowup)

	// Ended during the wait after a 429: not sent again, not uncertain.
	// (The context ends once the wait has begun, as its log line says.)
	s = newStub(t, reply{status: 429, header: map[string]string{"Retry-After": "30"}})
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	c, _ = testClient(t, s, WithLogf(func(format string, _ ...any) {
		if strings.Contains(format, "retrying in") {
			cancel()
		}
	}))
	c.newTimer = nil // a real wait, ended by the context
	_, err = c.SubmitFollowup(ctx, "run-1", FollowupRequest{Message: "m"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrUncertainFollowup)
	assert.Equal(t, 1, len(s.requests()))
}
