package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/config"
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

func followupConfig() *config.Config {
	cfg := testConfig()
	cfg.Prompt, cfg.RunID, cfg.Followup = "", "run-7", "also fix the docs"
	cfg.Timeout = 300 * time.Millisecond
	return cfg
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
		want    config.Conclusion
		state   oz.State
		pending bool // timed out before the run moved
	}{
		{name: "stale, then a new execution", before: ended, resp: handoff,
			after: []step{ended, ended, {state: oz.StateQueued}, {state: oz.StateInProgress}, {state: oz.StateFailed, updated: stamp(t1.Add(time.Minute))}},
			want:  config.Failed, state: oz.StateFailed},
		{name: "a new execution that ended between two reads", before: ended, resp: handoff,
			after: []step{ended, {state: oz.StateSucceeded, updated: stamp(t1.Add(3 * time.Second))}},
			want:  config.Succeeded, state: oz.StateSucceeded},
		{name: "another terminal state", before: ended, resp: handoff,
			after: []step{ended, {state: oz.StateBlocked, updated: stamp(t0)}},
			want:  config.Blocked, state: oz.StateBlocked},
		{name: "never moves: timed out", before: ended, resp: handoff,
			after: []step{ended},
			want:  config.TimedOut, state: oz.StateSucceeded, pending: true},
		{name: "a new execution within the acceptance's second, never seen working", before: ended, resp: handoff,
			after: []step{ended, {state: oz.StateSucceeded, updated: stamp(t1.Add(500 * time.Millisecond))}},
			want:  config.Succeeded, state: oz.StateSucceeded},
		{name: "updated before the acceptance's second: not the new execution", before: ended, resp: handoff,
			after: []step{{state: oz.StateSucceeded, updated: stamp(t1.Add(-500 * time.Millisecond))}},
			want:  config.TimedOut, state: oz.StateSucceeded, pending: true},
		{name: "no updated_at: only a state seen counts", before: step{state: oz.StateSucceeded}, resp: handoff,
			after: []step{{state: oz.StateSucceeded, updated: stamp(t1.Add(time.Hour))}},
			want:  config.TimedOut, state: oz.StateSucceeded, pending: true},
		{name: "no Date header: a later updated_at counts", before: ended,
			resp:  oz.FollowupResponse{Outcome: oz.OutcomeHandoffExecution},
			after: []step{ended, {state: oz.StateSucceeded, updated: stamp(t0.Add(time.Second))}},
			want:  config.Succeeded, state: oz.StateSucceeded},
		{name: "no Date header: seen working", before: ended,
			resp:  oz.FollowupResponse{Outcome: oz.OutcomeHandoffExecution},
			after: []step{ended, {state: oz.StateInProgress}, ended},
			want:  config.Succeeded, state: oz.StateSucceeded},
		{name: "handed to a working run: its end is the outcome", before: step{state: oz.StateInProgress, updated: stamp(t0)},
			resp:  oz.FollowupResponse{Outcome: oz.OutcomeLiveSession, ServerDate: t1},
			after: []step{{state: oz.StateInProgress}, {state: oz.StateSucceeded, updated: stamp(t0)}},
			want:  config.Succeeded, state: oz.StateSucceeded},
		{name: "the run ended between the read and the follow-up", before: step{state: oz.StateInProgress, updated: stamp(t0)},
			resp:  oz.FollowupResponse{Outcome: oz.OutcomeHandoffExecution, ServerDate: t1},
			after: []step{{state: oz.StateSucceeded, updated: stamp(t0.Add(time.Second))}, {state: oz.StateQueued}, {state: oz.StateError}},
			want:  config.Error, state: oz.StateError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &followupAPI{fakeAPI: &fakeAPI{script: append([]step{tc.before}, tc.after...)}, resp: tc.resp}
			rep := &logReporter{}
			res := Run(context.Background(), followupConfig(), api, rep, fastOpts)
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
			cfg := followupConfig()
			rep := &logReporter{}
			res := Run(context.Background(), cfg, api, rep, Options{CancelBudget: 200 * time.Millisecond, ConflictRetry: 5 * time.Millisecond})
			require.NoError(t, res.Err)
			assert.Equal(t, config.TimedOut, res.Conclusion)
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
	cfg := followupConfig()
	cfg.Wait = false
	api := &followupAPI{fakeAPI: &fakeAPI{script: []step{{state: oz.StateSucceeded, updated: stamp(t0)}}},
		resp: oz.FollowupResponse{Outcome: oz.OutcomeHandoffExecution, ServerDate: t1}}
	res := Run(context.Background(), cfg, api, &logReporter{}, fastOpts)
	require.NoError(t, res.Err)
	assert.Equal(t, config.Submitted, res.Conclusion, "not the run's earlier conclusion")
	assert.True(t, res.NoWait)
	assert.False(t, res.FollowupPending)
	assert.Equal(t, 1, api.sent())
	assert.Equal(t, 1, api.gets, "only the read before the follow-up")
	assert.Equal(t, ExitOK, res.ExitCode(cfg.FailOn))
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
			cfg := followupConfig()
			res := Run(context.Background(), cfg, api, &logReporter{}, fastOpts)
			require.Error(t, res.Err)
			assert.Equal(t, ExitAPI, res.ExitCode(cfg.FailOn))
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
	cfg := followupConfig()
	cfg.Timeout = 50 * time.Millisecond
	res := Run(context.Background(), cfg, slow, &logReporter{}, fastOpts)
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "before sending the follow-up (it was not sent): the timeout (50ms) passed first")
	assert.Equal(t, ExitAPI, res.ExitCode(cfg.FailOn))
	assert.Empty(t, res.Conclusion, "not timed_out")
	assert.Zero(t, slow.sent())
	assert.Zero(t, slow.cancels, "the step did nothing to the run: it is not cancelled")

	// Through an API that cannot send follow-ups.
	res = Run(context.Background(), followupConfig(), &fakeAPI{script: []step{{state: oz.StateSucceeded}}}, &logReporter{}, fastOpts)
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "nothing was sent")
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
	cfg := followupConfig()
	cfg.Timeout = 10 * time.Second
	res := Run(ctx, cfg, api, &logReporter{}, fastOpts)
	assert.True(t, res.Aborted)
	assert.Equal(t, ExitAborted, res.ExitCode(cfg.FailOn))
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "aborted (received interrupt) while sending the follow-up")
	assert.Contains(t, res.Err.Error(), "may or may not have arrived")
	assert.Equal(t, 1, api.sent())
	assert.Equal(t, 1, api.cancels, "cancel_on_abort: the working run is cancelled")
}
