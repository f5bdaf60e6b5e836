package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// followupAPI is fakeAPI that also takes follow-ups.
type followupAPI struct {
	*fakeAPI
	fmu       sync.Mutex
	resp      oz.FollowupResponse
	err       error
	block     bool // SubmitFollowup waits for ctx, then fails as uncertain
	followups []oz.FollowupRequest
}

func (f *followupAPI) SubmitFollowup(ctx context.Context, runID string, req oz.FollowupRequest) (*oz.FollowupResponse, error) {
	f.fmu.Lock()
	f.followups = append(f.followups, req)
	f.fmu.Unlock()
	if f.block {
		<-ctx.Done()
		return nil, fmt.Errorf("follow-up: no answer: %w", oz.ErrUncertainFollowup)
	}
	if f.err != nil {
		return nil, f.err
	}
	resp := f.resp
	return &resp, nil
}

func (f *followupAPI) sent() int {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	return len(f.followups)
}

// The server's clock: the run ended at t0; the follow-up was accepted at
// t1 (its Date header, to the second).
var (
	t0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Minute)
)

func stamp(t time.Time) string { return t.Format(time.RFC3339Nano) }

func followupSpec() Spec {
	spec := testSpec()
	spec.Create.Prompt, spec.RunID, spec.Followup = "", "run-7", "also fix the docs"
	spec.Timeout = 300 * time.Millisecond
	return spec
}

func TestFollowupWaitsPastTheStaleState(t *testing.T) {
	t.Parallel()
	ended := step{state: oz.StateSucceeded, updated: stamp(t0)}
	handoff := oz.FollowupResponse{FollowupID: "fu-1", Outcome: oz.OutcomeHandoffExecution, ServerDate: t1}
	cases := []struct {
		name    string
		before  step
		resp    oz.FollowupResponse
		after   []step
		want    outcome.Conclusion
		state   oz.State
		pending bool // timed out before the run moved
	}{
		{name: "stale, then a new execution", before: ended, resp: handoff,
			after: []step{ended, ended, {state: oz.StateQueued}, {state: oz.StateInProgress}, {state: oz.StateFailed, updated: stamp(t1.Add(time.Minute))}},
			want:  outcome.Failed, state: oz.StateFailed},
		{name: "updated_at moved, the state did not: not the outcome (no conversation to read)", before: ended, resp: handoff,
			after: []step{ended, {state: oz.StateSucceeded, updated: stamp(t1.Add(3 * time.Second))}},
			want:  outcome.TimedOut, state: oz.StateSucceeded, pending: true},
		{name: "another terminal state", before: ended, resp: handoff,
			after: []step{ended, {state: oz.StateBlocked, updated: stamp(t0)}},
			want:  outcome.Blocked, state: oz.StateBlocked},
		{name: "never moves: timed out", before: ended, resp: handoff,
			after: []step{ended},
			want:  outcome.TimedOut, state: oz.StateSucceeded, pending: true},
		{name: "updated_at moved to the acceptance's second: not the outcome", before: ended, resp: handoff,
			after: []step{{state: oz.StateSucceeded, updated: stamp(t1.Add(500 * time.Millisecond))}},
			want:  outcome.TimedOut, state: oz.StateSucceeded, pending: true},
		{name: "updated before the acceptance's second: not the new execution", before: ended, resp: handoff,
			after: []step{{state: oz.StateSucceeded, updated: stamp(t1.Add(-500 * time.Millisecond))}},
			want:  outcome.TimedOut, state: oz.StateSucceeded, pending: true},
		{name: "no updated_at: only a state seen counts", before: step{state: oz.StateSucceeded}, resp: handoff,
			after: []step{{state: oz.StateSucceeded, updated: stamp(t1.Add(time.Hour))}},
			want:  outcome.TimedOut, state: oz.StateSucceeded, pending: true},
		{name: "no Date header: a later updated_at does not count either", before: ended,
			resp:  oz.FollowupResponse{Outcome: oz.OutcomeHandoffExecution},
			after: []step{ended, {state: oz.StateSucceeded, updated: stamp(t0.Add(time.Second))}},
			want:  outcome.TimedOut, state: oz.StateSucceeded, pending: true},
		{name: "updated_at moved at the acceptance, then the new execution fails", before: ended, resp: handoff,
			after: []step{{state: oz.StateSucceeded, updated: stamp(t1)}, {state: oz.StateSucceeded, updated: stamp(t1)},
				{state: oz.StateQueued, updated: stamp(t1.Add(time.Second))}, {state: oz.StateFailed, updated: stamp(t1.Add(time.Minute))}},
			want: outcome.Failed, state: oz.StateFailed},
		{name: "no Date header: seen working", before: ended,
			resp:  oz.FollowupResponse{Outcome: oz.OutcomeHandoffExecution},
			after: []step{ended, {state: oz.StateInProgress}, ended},
			want:  outcome.Succeeded, state: oz.StateSucceeded},
		{name: "handed to a working run: its end is the outcome", before: step{state: oz.StateInProgress, updated: stamp(t0)},
			resp:  oz.FollowupResponse{Outcome: oz.OutcomeLiveSession, ServerDate: t1},
			after: []step{{state: oz.StateInProgress}, {state: oz.StateSucceeded, updated: stamp(t0)}},
			want:  outcome.Succeeded, state: oz.StateSucceeded},
		{name: "the run ended between the read and the follow-up", before: step{state: oz.StateInProgress, updated: stamp(t0)},
			resp:  oz.FollowupResponse{Outcome: oz.OutcomeHandoffExecution, ServerDate: t1},
			after: []step{{state: oz.StateSucceeded, updated: stamp(t0.Add(time.Second))}, {state: oz.StateQueued}, {state: oz.StateError}},
			want:  outcome.Error, state: oz.StateError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &followupAPI{fakeAPI: &fakeAPI{script: append([]step{tc.before}, tc.after...)}, resp: tc.resp}
			rep := &logReporter{}
			spec := followupSpec()
			if !tc.pending {
				// The run reaches its end within the script's few polls: a
				// timeout of 300 ms, which the pending cases run out, could
				// cut those polls short on a busy machine.
				spec.Timeout = time.Minute
			}
			res := Run(context.Background(), spec, api, rep, fastOpts)
			require.NoError(t, res.Err)
			assert.Equal(t, tc.want, res.Conclusion)
			assert.Equal(t, tc.state, res.State)
			assert.Equal(t, tc.pending, res.FollowupPending)
			assert.Equal(t, 1, api.sent(), "one follow-up")
			assert.Equal(t, "also fix the docs", api.followups[0].Message)
			assert.Empty(t, api.followups[0].Mode, "the run keeps its mode")
			require.NotNil(t, res.Followup)
			assert.Equal(t, tc.resp.Outcome, res.Followup.Outcome)
			assert.True(t, res.Attached)
			if tc.pending {
				// The follow-up would start the run again: on_timeout cancel.
				assert.Equal(t, 1, api.cancels, "the run that has not picked up the follow-up is cancelled")
			} else {
				assert.Zero(t, api.cancels, "nothing to cancel: the run has ended")
			}
			if tc.pending {
				assert.Contains(t, rep.text(), "did not pick up the follow-up within 300ms")
				assert.Contains(t, rep.text(), "still shows its state from before the follow-up (SUCCEEDED)")
			}
		})
	}
}

// pickupAPI is a run that picks up the follow-up only after a cancel has
// been refused because it still showed its ended state (the real API
// answers 400 then), or never.
type pickupAPI struct {
	*followupAPI
	never   bool
	mu      sync.Mutex
	refused bool
	reads   int // after the refusal
}

func (p *pickupAPI) GetRun(ctx context.Context, id string) (*oz.Run, error) {
	p.mu.Lock()
	refused := p.refused
	if refused {
		p.reads++
	}
	p.mu.Unlock()
	if refused && !p.never {
		return &oz.Run{RunID: id, State: oz.StateInProgress}, nil
	}
	return p.followupAPI.GetRun(ctx, id)
}

func (p *pickupAPI) CancelRun(ctx context.Context, id string) error {
	_ = p.followupAPI.CancelRun(ctx, id) // counts it
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refused && !p.never {
		return nil
	}
	p.refused = true
	return &oz.APIError{Op: "cancel run " + id, StatusCode: 400, Message: "the run has already ended (SUCCEEDED)"}
}

func TestFollowupTimedOutBeforePickupIsCancelledOncePickedUp(t *testing.T) {
	t.Parallel()
	ended := step{state: oz.StateSucceeded, updated: stamp(t0)}
	handoff := oz.FollowupResponse{FollowupID: "fu-1", Outcome: oz.OutcomeHandoffExecution, ServerDate: t1}
	for _, never := range []bool{false, true} {
		t.Run(fmt.Sprintf("never picked up %v", never), func(t *testing.T) {
			t.Parallel()
			api := &pickupAPI{followupAPI: &followupAPI{fakeAPI: &fakeAPI{script: []step{ended}}, resp: handoff}, never: never}
			spec := followupSpec()
			rep := &logReporter{}
			res := Run(context.Background(), spec, api, rep, Options{CancelBudget: 200 * time.Millisecond, ConflictRetry: 5 * time.Millisecond})
			require.NoError(t, res.Err)
			assert.Equal(t, outcome.TimedOut, res.Conclusion)
			assert.Equal(t, 1, api.sent())
			if never {
				assert.False(t, res.Cancelled)
				require.Error(t, res.CancelErr)
				assert.Contains(t, res.CancelErr.Error(), "had not picked up the follow-up within 200ms, so it could not be cancelled")
				assert.Equal(t, 1, api.cancels, "no cancel while it shows its ended state")
				return
			}
			assert.True(t, res.Cancelled, "cancelled once it picked the follow-up up")
			assert.NoError(t, res.CancelErr)
			assert.Equal(t, 2, api.cancels)
			assert.Positive(t, api.reads)
			assert.Equal(t, oz.StateInProgress, res.State)
		})
	}
}

func TestFollowupWithoutWaiting(t *testing.T) {
	t.Parallel()
	spec := followupSpec()
	spec.Wait = false
	api := &followupAPI{fakeAPI: &fakeAPI{script: []step{{state: oz.StateSucceeded, updated: stamp(t0)}}},
		resp: oz.FollowupResponse{Outcome: oz.OutcomeHandoffExecution, ServerDate: t1}}
	res := Run(context.Background(), spec, api, &logReporter{}, fastOpts)
	require.NoError(t, res.Err)
	assert.Equal(t, outcome.Submitted, res.Conclusion, "not the run's earlier conclusion")
	assert.True(t, res.NoWait)
	assert.False(t, res.FollowupPending)
	assert.Equal(t, 1, api.sent())
	assert.Equal(t, 1, api.gets, "only the read before the follow-up")
	assert.Equal(t, outcome.ExitOK, res.ExitCode(testFailOn))
}

func TestFollowupFailures(t *testing.T) {
	t.Parallel()
	conflict := &oz.APIError{Op: "follow-up to run run-7", StatusCode: 409, Message: "the run cannot take a follow-up now"}
	cases := []struct {
		name   string
		script []step
		err    error
		sent   int
		says   []string
	}{
		{name: "refused (409)", script: []step{{state: oz.StateSucceeded}}, err: conflict, sent: 1,
			says: []string{"it was not delivered: https://oz.warp.dev/runs/run-7", "HTTP 409"}},
		{name: "may or may not have arrived", script: []step{{state: oz.StateSucceeded}},
			err: fmt.Errorf("follow-up to run run-7: HTTP 502: %w; look at the run's conversation at https://oz.warp.dev/runs/run-7", oz.ErrUncertainFollowup), sent: 1,
			says: []string{"may or may not have arrived", "https://oz.warp.dev/runs/run-7"}},
		{name: "the run cannot be read", script: []step{{err: &oz.APIError{Op: "get run run-7", StatusCode: 404}}}, sent: 0,
			says: []string{"before sending the follow-up (it was not sent)", "HTTP 404"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &followupAPI{fakeAPI: &fakeAPI{script: tc.script}, err: tc.err}
			spec := followupSpec()
			res := Run(context.Background(), spec, api, &logReporter{}, fastOpts)
			require.Error(t, res.Err)
			assert.Equal(t, outcome.ExitAPI, res.ExitCode(testFailOn))
			assert.Equal(t, tc.sent, api.sent(), "never sent twice")
			assert.Nil(t, res.Followup)
			for _, s := range tc.says {
				assert.Contains(t, res.Err.Error(), s)
			}
		})
	}

	// Reads failing until the timeout: nothing was sent, so the step
	// neither times out nor cancels the run; the API could not be used.
	slow := &followupAPI{fakeAPI: &fakeAPI{script: []step{{state: oz.StateSucceeded}}}}
	slow.onGet = func(int) { time.Sleep(150 * time.Millisecond) }
	spec := followupSpec()
	spec.Timeout = 50 * time.Millisecond
	res := Run(context.Background(), spec, slow, &logReporter{}, fastOpts)
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "before sending the follow-up (it was not sent): the timeout (50ms) passed first")
	assert.Equal(t, outcome.ExitAPI, res.ExitCode(testFailOn))
	assert.Empty(t, res.Conclusion, "not timed_out")
	assert.Zero(t, slow.sent())
	assert.Zero(t, slow.cancels, "the step did nothing to the run: it is not cancelled")
}

func TestFollowupAborted(t *testing.T) {
	t.Parallel()
	api := &followupAPI{fakeAPI: &fakeAPI{script: []step{{state: oz.StateInProgress}}}, block: true}
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		for api.sent() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel(errors.New("received interrupt"))
	}()
	spec := followupSpec()
	spec.Timeout = 10 * time.Second
	res := Run(ctx, spec, api, &logReporter{}, fastOpts)
	assert.True(t, res.Aborted)
	assert.Equal(t, outcome.ExitAborted, res.ExitCode(testFailOn))
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "aborted (received interrupt) while sending the follow-up")
	assert.Contains(t, res.Err.Error(), "may or may not have arrived")
	assert.Equal(t, 1, api.sent())
	assert.Equal(t, 1, api.cancels, "cancel_on_abort: the working run is cancelled")
}

// convAPI is followupAPI that also serves the run's conversation: each
// read gets the next of convs (the last repeats), or errs when set.
type convAPI struct {
	*followupAPI
	cmu   sync.Mutex
	convs []*oz.Conversation
	errs  []error // by read, before convs; nil: answer
	reads int
	// order records, in order, "get" and "conv" reads after the follow-up.
	order []string
}

func (c *convAPI) GetConversation(ctx context.Context, _ string) (*oz.Conversation, error) {
	c.cmu.Lock()
	n := c.reads
	c.reads++
	if c.followupAPI.sent() > 0 {
		c.order = append(c.order, "conv")
	}
	c.cmu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n < len(c.errs) && c.errs[n] != nil {
		return nil, c.errs[n]
	}
	return c.convs[min(n, len(c.convs)-1)], nil
}

func (c *convAPI) GetRun(ctx context.Context, id string) (*oz.Run, error) {
	c.cmu.Lock()
	if c.followupAPI.sent() > 0 {
		c.order = append(c.order, "get")
	}
	c.cmu.Unlock()
	return c.followupAPI.GetRun(ctx, id)
}

func (c *convAPI) convReads() int {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	return c.reads
}

// msg is a message with one text block.
func msg(role, text string) oz.Message {
	return oz.Message{Role: role, Content: []oz.ContentBlock{{Type: oz.BlockText, Text: text}}}
}

// conv is a conversation of root steps, one per list of messages.
func conv(steps ...[]oz.Message) *oz.Conversation {
	c := &oz.Conversation{ConversationID: "conv-7"}
	for _, m := range steps {
		c.Steps = append(c.Steps, oz.Step{Messages: m})
	}
	return c
}

var (
	firstExecution = []oz.Message{msg(oz.RoleUser, "fix the build"), msg(oz.RoleAssistant, "Fixed.")}
	theFollowup    = msg(oz.RoleUser, "also fix the docs")
	aReply         = msg(oz.RoleAssistant, "Done: the docs are fixed.")
)

// TestFollowupReplyInConversation: an ended state read after the follow-up
// counts once the conversation holds the agent's reply to it (a user
// message with its text beyond those there before it was sent, then an
// assistant message), and only from a read of the run made after that.
func TestFollowupReplyInConversation(t *testing.T) {
	t.Parallel()
	ended := step{state: oz.StateSucceeded, updated: stamp(t0)}
	touched := step{state: oz.StateSucceeded, updated: stamp(t1)}                    // the acceptance wrote the run
	ranUnseen := step{state: oz.StateSucceeded, updated: stamp(t1.Add(time.Minute))} // a new execution ran between two reads
	handoff := oz.FollowupResponse{FollowupID: "fu-1", Outcome: oz.OutcomeHandoffExecution, ServerDate: t1}
	noConv := fmt.Errorf("get conversation: HTTP 404: %w", oz.ErrNoConversation)
	cases := []struct {
		name    string
		after   []step
		convs   []*oz.Conversation
		errs    []error
		want    outcome.Conclusion
		pending bool
	}{
		{name: "a new execution that ended between two reads, shown by its reply",
			after: []step{touched, ranUnseen},
			convs: []*oz.Conversation{conv(firstExecution), conv(firstExecution), conv(firstExecution, []oz.Message{theFollowup, aReply})},
			want:  outcome.Succeeded},
		{name: "the state read with the reply is stale: the one read after it counts",
			after: []step{touched, {state: oz.StateFailed, updated: stamp(t1.Add(time.Minute))}},
			convs: []*oz.Conversation{conv(firstExecution), conv(firstExecution, []oz.Message{theFollowup, aReply})},
			want:  outcome.Failed},
		{name: "the follow-up's message, but no reply yet",
			after: []step{touched, ranUnseen},
			convs: []*oz.Conversation{conv(firstExecution), conv(firstExecution, []oz.Message{theFollowup})},
			want:  outcome.TimedOut, pending: true},
		{name: "the same text sent before, with its reply: not this follow-up's",
			after: []step{touched, ranUnseen},
			convs: []*oz.Conversation{conv(firstExecution, []oz.Message{theFollowup, aReply})},
			want:  outcome.TimedOut, pending: true},
		{name: "the same text sent before, then this one and its reply",
			after: []step{touched, ranUnseen},
			convs: []*oz.Conversation{conv(firstExecution, []oz.Message{theFollowup, aReply}),
				conv(firstExecution, []oz.Message{theFollowup, aReply}, []oz.Message{theFollowup, aReply})},
			want: outcome.Succeeded},
		{name: "no conversation before (the run never worked), then the reply",
			after: []step{touched, ranUnseen}, errs: []error{noConv},
			convs: []*oz.Conversation{conv([]oz.Message{theFollowup, aReply})},
			want:  outcome.Succeeded},
		{name: "the message echoed with other spacing",
			after: []step{touched, ranUnseen},
			convs: []*oz.Conversation{conv(firstExecution), conv(firstExecution, []oz.Message{msg(oz.RoleUser, "  also fix\n the docs\n"), aReply})},
			want:  outcome.Succeeded},
		{name: "a reply in a nested step only (a sub-agent): not the agent's",
			after: []step{touched, ranUnseen},
			convs: []*oz.Conversation{conv(firstExecution), {Steps: []oz.Step{{Messages: firstExecution},
				{Messages: []oz.Message{theFollowup}, Steps: []oz.Step{{Messages: []oz.Message{aReply}}}}}}},
			want: outcome.TimedOut, pending: true},
		{name: "the conversation unreadable before the follow-up: not looked for",
			after: []step{touched, ranUnseen}, errs: []error{&oz.APIError{Op: "get conversation", StatusCode: 500}},
			convs: []*oz.Conversation{conv(firstExecution, []oz.Message{theFollowup, aReply})},
			want:  outcome.TimedOut, pending: true},
		{name: "too large to be kept whole: not looked for",
			after: []step{touched, ranUnseen},
			convs: []*oz.Conversation{{Steps: conv(firstExecution).Steps, Truncated: true}, conv(firstExecution, []oz.Message{theFollowup, aReply})},
			want:  outcome.TimedOut, pending: true},
		{name: "a read that fails is no proof, a later one is",
			after: []step{touched, ranUnseen}, errs: []error{nil, &oz.APIError{Op: "get conversation", StatusCode: 502}},
			convs: []*oz.Conversation{conv(firstExecution), conv(firstExecution, []oz.Message{theFollowup, aReply})},
			want:  outcome.Succeeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &convAPI{followupAPI: &followupAPI{fakeAPI: &fakeAPI{script: append([]step{ended}, tc.after...)}, resp: handoff},
				convs: tc.convs, errs: tc.errs}
			rep := &logReporter{}
			spec := followupSpec()
			if !tc.pending {
				spec.Timeout = time.Minute // as above: room for the polls on a busy machine
			}
			res := Run(context.Background(), spec, api, rep, fastOpts)
			require.NoError(t, res.Err)
			assert.Equal(t, tc.want, res.Conclusion)
			assert.Equal(t, tc.pending, res.FollowupPending)
			assert.Equal(t, 1, api.sent())
			if tc.pending {
				return
			}
			assert.Contains(t, rep.text(), "its conversation holds the agent's reply to the follow-up")
			// The conclusion comes from a read of the run made after the
			// conversation showed the reply.
			api.cmu.Lock()
			order := api.order
			api.cmu.Unlock()
			require.NotEmpty(t, order)
			assert.Equal(t, "get", order[len(order)-1], "the last read is of the run: %v", order)
			assert.Equal(t, "conv", order[len(order)-2], "right after the conversation showed the reply: %v", order)
		})
	}
}

// TestFollowupConversationReadsAreBounded: while the run shows its stale
// state, the conversation is read at most once a poll: never while the
// run has not been written since the follow-up, at once when its
// updated_at moves, then at polls further and further apart.
func TestFollowupConversationReadsAreBounded(t *testing.T) {
	t.Parallel()
	ended := step{state: oz.StateSucceeded, updated: stamp(t0)}
	handoff := oz.FollowupResponse{FollowupID: "fu-1", Outcome: oz.OutcomeHandoffExecution, ServerDate: t1}
	for _, tc := range []struct {
		name  string
		stale step
		most  int // conversation reads after the one before the follow-up, at most
	}{
		{name: "not written since: never read", stale: ended, most: 0},
		{name: "written at the acceptance: read then, then ever less often", stale: step{state: oz.StateSucceeded, updated: stamp(t1)}, most: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &convAPI{followupAPI: &followupAPI{fakeAPI: &fakeAPI{script: []step{ended, tc.stale}}, resp: handoff},
				convs: []*oz.Conversation{conv(firstExecution)}}
			res := Run(context.Background(), followupSpec(), api, &logReporter{}, fastOpts)
			assert.Equal(t, outcome.TimedOut, res.Conclusion)
			assert.True(t, res.FollowupPending)
			api.mu.Lock()
			gets := api.gets
			api.mu.Unlock()
			polls := gets - 1 // the read before the follow-up
			reads := api.convReads() - 1
			require.Positive(t, polls)
			if tc.most == 0 {
				assert.Zero(t, reads)
				return
			}
			assert.Positive(t, reads)
			assert.LessOrEqual(t, reads, polls, "at most one a poll")
			// Gaps of 1, 2, 4, 8, 8, ... polls: far fewer reads than polls
			// once the wait is long.
			if polls > 40 {
				assert.Less(t, reads, polls/4, "%d reads in %d polls", reads, polls)
			}
		})
	}
}

func TestReplyWatchDue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		before string
		stamps []string
		want   string // r: read, .: not
	}{
		{"never written", "a", []string{"a", "a", "a", "a"}, "...."},
		{"written once", "a", []string{"b", "b", "b", "b", "b", "b", "b", "b"}, "rr.r...r"},
		{"written again resets the gap", "a", []string{"b", "b", "b", "c", "c", "c"}, "rr.rr."},
		{"no updated_at: on the cadence", "", []string{"", "", "", "", ""}, "rr.r."},
		{"the gap stops growing", "a", append([]string{"b"}, make9("b")...), "rr.r...r.."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &replyWatch{stamp: tc.before}
			var got strings.Builder
			for _, s := range tc.stamps {
				if r.due(s) {
					got.WriteByte('r')
				} else {
					got.WriteByte('.')
				}
			}
			assert.Equal(t, tc.want, got.String())
		})
	}
	r := &replyWatch{stamp: "a"}
	r.due("b")
	reads := 0
	for range 100 {
		if r.due("b") {
			reads++
		}
	}
	assert.Equal(t, 3+(100-7)/maxReplyGap, reads, "gaps of 1, 2, 4, then %d", maxReplyGap)
}

func make9(s string) []string {
	out := make([]string, 9)
	for i := range out {
		out[i] = s
	}
	return out
}
