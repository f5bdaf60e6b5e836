package runner

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

func TestOnBlocked(t *testing.T) {
	t.Parallel()
	const question = "Which branch should I push to?"
	blocked := step{state: oz.StateBlocked, msg: question, link: "https://app.warp.dev/session/s1"}
	working := step{state: oz.StateInProgress}
	done := step{state: oz.StateSucceeded}
	uncertain := fmt.Errorf("follow-up: 504: %w", oz.ErrUncertainFollowup)
	for name, tc := range map[string]struct {
		policy    OnBlocked
		script    []step
		err       error
		want      outcome.Conclusion
		followups int
		apiErr    bool
		log       string
	}{
		"default: fail":              {"", []step{working, blocked}, nil, outcome.Blocked, 0, false, ""},
		"fail":                       {OnBlockedFail, []step{working, blocked}, nil, outcome.Blocked, 0, false, ""},
		"wait: someone answers":      {OnBlockedWait, []step{working, blocked, blocked, working, done}, nil, outcome.Succeeded, 0, false, "on_blocked: wait"},
		"wait: nobody answers":       {OnBlockedWait, []step{working, blocked}, nil, outcome.Blocked, 0, false, question},
		"reply: unblocked":           {OnBlockedReply, []step{working, blocked, blocked, blocked, working, done}, nil, outcome.Succeeded, 1, false, "sending blocked_reply"},
		"reply: blocked again":       {OnBlockedReply, []step{working, blocked, blocked, working, blocked}, nil, outcome.Blocked, 1, false, "BLOCKED again"},
		"reply: never picked up":     {OnBlockedReply, []step{blocked}, nil, outcome.TimedOut, 1, false, "did not pick up the follow-up"},
		"reply: uncertain follow-up": {OnBlockedReply, []step{working, blocked}, uncertain, "", 1, true, "sending blocked_reply"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := &followupAPI{fakeAPI: &fakeAPI{script: tc.script}, err: tc.err,
				resp: oz.FollowupResponse{FollowupID: "fu-1", Outcome: oz.OutcomeHandoffExecution}}
			rep := &logReporter{}
			spec := testSpec()
			spec.Timeout = 300 * time.Millisecond
			spec.OnBlocked, spec.BlockedReply = tc.policy, "push to oz/fix"
			res := Run(context.Background(), spec, api, rep, Options{CancelBudget: 200 * time.Millisecond, ConflictRetry: time.Millisecond})
			assert.Equal(t, tc.want, res.Conclusion)
			assert.Equal(t, tc.followups, api.sent(), "the reply is sent at most once")
			if tc.followups > 0 {
				assert.Equal(t, "push to oz/fix", api.followups[0].Message)
			}
			assert.Equal(t, tc.apiErr, res.Err != nil, "%v", res.Err)
			if tc.apiErr {
				assert.ErrorIs(t, res.Err, oz.ErrUncertainFollowup)
			}
			assert.Contains(t, rep.text(), tc.log)
		})
	}
}
