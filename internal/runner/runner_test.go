package runner

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// step is one scripted answer of the fake API to a GetRun.
type step struct {
	state   oz.State
	err     error
	link    string
	msg     string
	updated string // updated_at
}

// fakeAPI answers GetRun from a script (the last step repeats) and records calls.
type fakeAPI struct {
	mu         sync.Mutex
	createErr  error
	create     oz.CreateRunResponse
	script     []step
	cancelErrs []error // answers to successive cancels; nil after they run out
	onGet      func(n int)
	gets       int
	cancels    int
	getTimes   []time.Time
	requests   []oz.CreateRunRequest
}

func (f *fakeAPI) CreateRun(_ context.Context, req oz.CreateRunRequest) (*oz.CreateRunResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	if f.createErr != nil {
		return nil, f.createErr
	}
	resp := f.create
	if resp.RunID == "" {
		resp.RunID, resp.State = "run-1", oz.StateQueued
	}
	return &resp, nil
}

func (f *fakeAPI) GetRun(ctx context.Context, id string) (*oz.Run, error) {
	f.mu.Lock()
	n := f.gets
	f.gets++
	f.getTimes = append(f.getTimes, time.Now())
	s := f.script[min(n, len(f.script)-1)]
	hook := f.onGet
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.err != nil {
		return nil, s.err
	}
	run := &oz.Run{RunID: id, State: s.state, SessionLink: s.link, UpdatedAt: s.updated}
	if s.msg != "" {
		run.StatusMessage = &oz.StatusMessage{Message: s.msg}
	}
	return run, nil
}

func (f *fakeAPI) FindRunByRequestID(context.Context, string) (*oz.Run, error) {
	return nil, nil
}

// SubmitFollowup: fakeAPI takes no follow-up (followupAPI does).
func (f *fakeAPI) SubmitFollowup(context.Context, string, oz.FollowupRequest) (*oz.FollowupResponse, error) {
	return nil, errors.New("fakeAPI: follow-ups are not scripted")
}

// GetConversation: fakeAPI has no conversation (convAPI does), so the
// reply to a follow-up is not looked for.
func (f *fakeAPI) GetConversation(context.Context, string) (*oz.Conversation, error) {
	return nil, errors.New("fakeAPI: conversations are not scripted")
}

func (f *fakeAPI) CancelRun(_ context.Context, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancels++
	if len(f.cancelErrs) > 0 {
		err := f.cancelErrs[0]
		f.cancelErrs = f.cancelErrs[1:]
		return err
	}
	return nil
}

// logReporter records what the runner reports.
type logReporter struct {
	mu    sync.Mutex
	lines []string
}

func (r *logReporter) add(kind, s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, kind+" "+s)
}
func (r *logReporter) Logf(f string, a ...any)   { r.add("log", fmt.Sprintf(f, a...)) }
func (r *logReporter) Debugf(f string, a ...any) { r.add("debug", fmt.Sprintf(f, a...)) }
func (r *logReporter) Notice(t, m string)        { r.add("notice", t+": "+m) }
func (r *logReporter) Warning(t, m string)       { r.add("warning", t+": "+m) }
func (r *logReporter) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

func testSpec() Spec {
	return Spec{
		Create: oz.CreateRunRequest{Prompt: "do it", Mode: "normal"}, Wait: true, Timeout: 5 * time.Second,
		CancelOnTimeout: true, CancelOnAbort: true,
		PollInterval: time.Millisecond, PollMaxInterval: 4 * time.Millisecond,
	}
}

// testFailOn is fail_on's default.
var testFailOn = outcome.FailOn{outcome.Failed: true, outcome.Error: true, outcome.Blocked: true, outcome.Cancelled: true, outcome.TimedOut: true}

var fastOpts = Options{CancelBudget: 500 * time.Millisecond, ConflictRetry: time.Millisecond}

func TestRunEndsInEachTerminalState(t *testing.T) {
	t.Parallel()
	cases := []struct {
		final oz.State
		want  outcome.Conclusion
		code  int
	}{
		{oz.StateSucceeded, outcome.Succeeded, outcome.ExitOK},
		{oz.StateFailed, outcome.Failed, outcome.ExitFailed},
		{oz.StateError, outcome.Error, outcome.ExitFailed},
		{oz.StateBlocked, outcome.Blocked, outcome.ExitFailed},
		{oz.StateCancelled, outcome.Cancelled, outcome.ExitFailed},
		{"EXPLODED", outcome.Failed, outcome.ExitFailed},
	}
	for _, tc := range cases {
		t.Run(string(tc.final), func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{script: []step{{state: oz.StateQueued}, {state: oz.StateInProgress, link: "https://app.warp.dev/session/s1"}, {state: tc.final, msg: "done"}}}
			rep := &logReporter{}
			res := Run(context.Background(), testSpec(), api, rep, fastOpts)
			require.NoError(t, res.Err)
			assert.Equal(t, tc.final, res.State)
			assert.Equal(t, tc.want, res.Conclusion)
			assert.Equal(t, tc.code, res.ExitCode(testFailOn))
			assert.Equal(t, 3, api.gets)
			assert.Equal(t, []oz.State{oz.StateQueued, oz.StateInProgress, tc.final}, states(res.Timeline))
			assert.Equal(t, 1, strings.Count(rep.text(), "notice Oz session"), "the session link is announced once")
			assert.Equal(t, "done", res.Run.StatusMessage.Message)
			assert.Zero(t, api.cancels)
		})
	}
}

func states(ts []outcome.Transition) []oz.State {
	var out []oz.State
	for _, t := range ts {
		out = append(out, t.State)
	}
	return out
}

func TestCreateRequestCarriesInputsAndMetadata(t *testing.T) {
	t.Parallel()
	spec := testSpec()
	spec.Create.Title, spec.Create.Skill = "T", "o/r:s"
	yes := true
	spec.Create.Config = &oz.AgentConfig{Name: "grp", EnvironmentID: "env1", ModelID: "m1", WorkerHost: "h1", ComputerUseEnabled: &yes}
	spec.Create.Mode = "plan"
	spec.Create.Metadata = map[string]string{"team": "core", "github_sha": "user-wins"}
	api := &fakeAPI{script: []step{{state: oz.StateSucceeded}}}
	opts := fastOpts
	opts.Metadata = map[string]string{"github_sha": "abc", "github_repository": "o/r", "empty": ""}
	Run(context.Background(), spec, api, &logReporter{}, opts)
	require.Len(t, api.requests, 1)
	req := api.requests[0]
	assert.Equal(t, "do it", req.Prompt)
	assert.Equal(t, "plan", req.Mode)
	assert.Equal(t, "o/r:s", req.Skill)
	assert.Equal(t, "T", req.Title)
	require.NotNil(t, req.Config)
	assert.Equal(t, oz.AgentConfig{Name: "grp", EnvironmentID: "env1", ModelID: "m1", WorkerHost: "h1", ComputerUseEnabled: &yes}, *req.Config)
	assert.Equal(t, map[string]string{"team": "core", "github_sha": "user-wins", "github_repository": "o/r"}, req.Metadata)
}

// The request is built without a client (a dry run prints it).
func TestRequestWithoutAClient(t *testing.T) {
	t.Parallel()
	spec := testSpec()
	spec.Create.Metadata = map[string]string{"a": "1"}
	req, dropped := Request(spec, map[string]string{"github_sha": "abc"})
	assert.Equal(t, oz.CreateRunRequest{Prompt: "do it", Mode: "normal", Metadata: map[string]string{"a": "1", "github_sha": "abc"}}, req)
	assert.Empty(t, dropped)
	assert.Equal(t, map[string]string{"a": "1"}, spec.Create.Metadata, "the spec's metadata are left as they were")

	spec.Create.Metadata = nil
	req, _ = Request(spec, nil)
	assert.Nil(t, req.Metadata, "no metadata, none sent")
}

func TestMetadataStaysWithinTheLimit(t *testing.T) {
	t.Parallel()
	user, ciMeta := map[string]string{}, map[string]string{}
	for i := range 15 {
		user[fmt.Sprintf("u%02d", i)] = "v"
		ciMeta[fmt.Sprintf("c%02d", i)] = "v"
	}
	got := mergeMetadata(ciMeta, user)
	assert.Len(t, got, MaxMetadataKeys-1, "one key is left for the request id")
	for k := range user {
		assert.Contains(t, got, k)
	}
	assert.Nil(t, mergeMetadata(nil, nil))
}

func TestTransientErrorsAreRetriedAndFinalOnesEndTheStep(t *testing.T) {
	t.Parallel()
	transient := &oz.APIError{Op: "get run", StatusCode: 503, Retryable: true}
	final := &oz.APIError{Op: "get run", StatusCode: 404}

	api := &fakeAPI{script: []step{{err: transient}, {err: transient}, {state: oz.StateSucceeded}}}
	rep := &logReporter{}
	res := Run(context.Background(), testSpec(), api, rep, fastOpts)
	require.NoError(t, res.Err)
	assert.Equal(t, outcome.Succeeded, res.Conclusion)
	assert.Equal(t, 3, api.gets)
	assert.NotContains(t, rep.text(), "warning", "two failures are routine")

	api = &fakeAPI{script: []step{{err: transient}, {err: transient}, {err: transient}, {err: transient}, {state: oz.StateSucceeded}}}
	rep = &logReporter{}
	res = Run(context.Background(), testSpec(), api, rep, fastOpts)
	assert.Equal(t, outcome.Succeeded, res.Conclusion)
	assert.Equal(t, 1, strings.Count(rep.text(), "warning Oz API failing"), "three in a row warn, once")

	api = &fakeAPI{script: []step{{state: oz.StateQueued}, {err: final}}}
	res = Run(context.Background(), testSpec(), api, &logReporter{}, fastOpts)
	require.ErrorAs(t, res.Err, new(*oz.APIError))
	assert.Equal(t, outcome.ExitAPI, res.ExitCode(testFailOn))
	assert.Equal(t, oz.StateQueued, res.State, "the last state seen is kept")
	assert.Equal(t, 2, api.gets)
}

func TestCreateFailureEndsTheStepWithAPIError(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{createErr: &oz.APIError{Op: "create run", StatusCode: 401, Message: "bad key"}}
	res := Run(context.Background(), testSpec(), api, &logReporter{}, fastOpts)
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "starting the run")
	assert.Equal(t, outcome.ExitAPI, res.ExitCode(testFailOn))
	assert.Zero(t, api.gets)
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	limited := &oz.APIError{Op: "get run", StatusCode: 429, Retryable: true, RetryAfter: 150 * time.Millisecond}
	api := &fakeAPI{script: []step{{state: oz.StateQueued}, {err: limited}, {state: oz.StateSucceeded}}}
	res := Run(context.Background(), testSpec(), api, &logReporter{}, fastOpts)
	require.NoError(t, res.Err)
	require.Len(t, api.getTimes, 3)
	assert.GreaterOrEqual(t, api.getTimes[2].Sub(api.getTimes[1]), 150*time.Millisecond)
}

func TestBackoffGrowsAndResetsOnStateChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newPollBackOff(ctx, 100*time.Millisecond, time.Second)
	var waits []time.Duration
	for range 6 {
		waits = append(waits, b.NextBackOff())
	}
	assert.InDelta(t, 100*time.Millisecond, waits[0], float64(25*time.Millisecond))
	assert.InDelta(t, 300*time.Millisecond, waits[1], float64(70*time.Millisecond), "x3")
	assert.Greater(t, waits[3], 750*time.Millisecond, "waits grow to the cap")
	for _, w := range waits {
		assert.LessOrEqual(t, w, time.Second, "never past the cap, jitter included")
	}
	b.Reset()
	assert.InDelta(t, 100*time.Millisecond, b.NextBackOff(), float64(25*time.Millisecond), "a state change resets the wait")

	b.retryAfter(&oz.APIError{RetryAfter: 5 * time.Second})
	assert.Equal(t, 5*time.Second, b.NextBackOff(), "Retry-After is a floor, past the cap too")
	assert.Less(t, b.NextBackOff(), 5*time.Second, "used once")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.Less(t, newPollBackOff(cctx, time.Second, time.Second).NextBackOff(), time.Duration(0), "stops when ctx ends")
}

// While nothing changes, a line about once a heartbeat says how long the
// run has been going, how long in its state, and how long is left.
func TestHeartbeatWhileNothingChanges(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	api := &fakeAPI{script: []step{{state: oz.StateInProgress}, {state: oz.StateInProgress}, {state: oz.StateInProgress}, {state: oz.StateSucceeded}}}
	api.onGet = func(int) { mu.Lock(); clock = clock.Add(40*time.Second + 300*time.Millisecond); mu.Unlock() }
	rep := &logReporter{}
	opts := fastOpts
	opts.Now = now
	spec := testSpec()
	spec.Timeout = time.Hour
	res := Run(context.Background(), spec, api, rep, opts)
	require.Equal(t, outcome.Succeeded, res.Conclusion)
	var beats []string
	for _, l := range strings.Split(rep.text(), "\n") {
		if strings.Contains(l, "left before the timeout") {
			beats = append(beats, l)
		}
	}
	// Reads at 0:40 (QUEUED -> INPROGRESS), 1:21, 2:01, 2:41 (SUCCEEDED):
	// one heartbeat, at the first read a minute after the change.
	assert.Equal(t, []string{"log [2:01] INPROGRESS for 1:21, 57:59 left before the timeout"}, beats)
	assert.Equal(t, DefaultHeartbeat, Options{}.withDefaults().Heartbeat)
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	for policy, cancel := range map[string]bool{"cancel": true, "leave": false} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			spec := testSpec()
			spec.Timeout = 50 * time.Millisecond
			spec.CancelOnTimeout = cancel
			api := &fakeAPI{script: []step{{state: oz.StateInProgress}}, cancelErrs: []error{&oz.APIError{StatusCode: 409}}}
			rep := &logReporter{}
			res := Run(context.Background(), spec, api, rep, fastOpts)
			require.NoError(t, res.Err)
			assert.Equal(t, outcome.TimedOut, res.Conclusion)
			assert.Equal(t, outcome.ExitTimedOut, res.ExitCode(testFailOn))
			if cancel {
				assert.Equal(t, 2, api.cancels, "a 409 is retried")
				assert.True(t, res.Cancelled)
			} else {
				assert.Zero(t, api.cancels)
				assert.False(t, res.Cancelled)
				assert.Contains(t, rep.text(), "to wait for it again, attach with run_id: run-1")
			}
		})
	}
}

func TestTimeoutDuringCreate(t *testing.T) {
	t.Parallel()
	spec := testSpec()
	spec.Timeout = 20 * time.Millisecond
	res := Run(context.Background(), spec, &blockingCreate{}, &logReporter{}, fastOpts)
	require.Error(t, res.Err, "no run is known: not a timed-out run")
	assert.Empty(t, res.Conclusion)
	assert.Equal(t, outcome.ExitAPI, res.ExitCode(outcome.FailOn{}), "whatever fail_on says")
	assert.Empty(t, res.RunID)
}

// A create cut short by an abort may have started a run; the step must
// still say how to find it (regression: the create's error, with the
// request id, was dropped).
func TestCreateCutShortKeepsTheRequestID(t *testing.T) {
	t.Parallel()
	ctx, abort := context.WithCancelCause(context.Background())
	abort(errors.New("received interrupt"))
	res := Run(ctx, testSpec(), &blockingCreate{}, &logReporter{}, fastOpts)
	assert.True(t, res.Aborted)
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "may or may not have been created")
	assert.Contains(t, res.Err.Error(), "oz_run_request_id=req-1")
}

// A create that gets no answer within the timeout is looked up by its
// request id. Found, the run is reported (and cancelled) as timed out;
// not found, no run was started and the API could not be used: exit 3,
// whatever fail_on says; the lookup failing says a run may exist. An
// abort stays an abort. Against the fake API, through the real client
// (only it makes the errors that carry a request id).
func TestCreateWithoutAnswerWithinTheTimeout(t *testing.T) {
	t.Parallel()
	hang := ozfaketest.Fault{Path: "POST /agent/runs", Hang: true}
	tests := []struct {
		name       string
		fault      ozfaketest.Fault
		filter     bool // the fake filters runs by metadata
		down       bool // nothing listens
		abort      bool
		code       int
		conclusion outcome.Conclusion
		says       []string
	}{
		{name: "no run created", fault: hang, filter: true, code: outcome.ExitAPI,
			says: []string{"no run was started within 2s (timeout input)", "no run carries its request id (metadata oz_run_request_id="}},
		{name: "a run created and found", fault: withCreate(hang), filter: true, code: outcome.ExitOK, conclusion: outcome.TimedOut},
		{name: "the lookup fails", fault: withCreate(hang), filter: false, code: outcome.ExitAPI,
			says: []string{"failed too: a run may or may not have been created", "oz_run_request_id="}},
		{name: "the API is down", down: true, code: outcome.ExitAPI, says: []string{"no run was started within 2s (timeout input)"}},
		{name: "aborted", fault: hang, filter: true, abort: true, code: outcome.ExitAborted, says: []string{"aborted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := ozfake.New(ozfake.WithAPIKey("wk-runner-test"), ozfake.WithTimeScale(0.05), ozfake.WithMetadataFilter(tt.filter))
			fake.Inject(tt.fault)
			srv := httptest.NewServer(fake)
			base := srv.URL + "/api/v1"
			srv.Config.SetKeepAlivesEnabled(false)
			if tt.down {
				srv.Close()
			} else {
				defer srv.Close()
			}
			client, err := oz.NewClient(base, oz.WithAPIKey("wk-runner-test"), oz.WithRequestTimeout(5*time.Second))
			require.NoError(t, err)
			spec := testSpec()
			spec.Create.Prompt = "[fake:slow] never ends"
			// The create must have arrived before the timeout passes: 2 s
			// leave a busy machine room. The cancel's budget only bounds a
			// hang here (fastOpts' 500ms could pass while the lookup and
			// the cancel are on their way).
			spec.Timeout = 2 * time.Second
			failOn := outcome.FailOn{outcome.Failed: true} // not timed_out
			opts := fastOpts
			opts.CancelBudget = 30 * time.Second
			ctx, abort := context.WithCancelCause(context.Background())
			defer abort(nil)
			if tt.abort {
				// Only the abort ends the wait, once the create has arrived.
				spec.Timeout = time.Hour
				go func() {
					for fake.Count("POST /agent/runs") == 0 && ctx.Err() == nil {
						time.Sleep(time.Millisecond)
					}
					abort(errors.New("received terminated"))
				}()
			}
			res := Run(ctx, spec, client, &logReporter{}, opts)
			assert.Equal(t, tt.code, res.ExitCode(failOn))
			assert.Equal(t, tt.conclusion, res.Conclusion)
			if tt.code == outcome.ExitAPI {
				require.Error(t, res.Err)
				assert.Empty(t, res.RunID)
				assert.NotContains(t, res.Err.Error(), "timed_out")
			}
			for _, w := range tt.says {
				require.Error(t, res.Err)
				assert.Contains(t, res.Err.Error(), w)
			}
		})
	}
}

func withCreate(f ozfaketest.Fault) ozfaketest.Fault { f.CreateThenFail = true; return f }

type blockingCreate struct{ fakeAPI }

func (b *blockingCreate) CreateRun(ctx context.Context, _ oz.CreateRunRequest) (*oz.CreateRunResponse, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("create run: stopped: %w; a run may have been created with metadata oz_run_request_id=req-1", ctx.Err())
}

func TestAbortCancelsTheRemoteRun(t *testing.T) {
	t.Parallel()
	for _, cancelOnAbort := range []bool{true, false} {
		t.Run(fmt.Sprint(cancelOnAbort), func(t *testing.T) {
			t.Parallel()
			ctx, abort := context.WithCancelCause(context.Background())
			defer abort(nil)
			spec := testSpec()
			spec.CancelOnAbort = cancelOnAbort
			api := &fakeAPI{script: []step{{state: oz.StateInProgress}}}
			api.onGet = func(n int) {
				if n == 2 {
					abort(errors.New("received terminated"))
				}
			}
			res := Run(ctx, spec, api, &logReporter{}, fastOpts)
			assert.True(t, res.Aborted)
			assert.Equal(t, outcome.ExitAborted, res.ExitCode(testFailOn))
			assert.Contains(t, res.Err.Error(), "received terminated")
			assert.Equal(t, cancelOnAbort, res.Cancelled)
			assert.Equal(t, oz.StateInProgress, res.State)
		})
	}
}

func TestCancelFailureIsReported(t *testing.T) {
	t.Parallel()
	spec := testSpec()
	spec.Timeout = 20 * time.Millisecond
	api := &fakeAPI{script: []step{{state: oz.StateInProgress}}, cancelErrs: []error{&oz.APIError{StatusCode: 422, Message: "cannot cancel"}}}
	rep := &logReporter{}
	res := Run(context.Background(), spec, api, rep, fastOpts)
	assert.Equal(t, outcome.TimedOut, res.Conclusion)
	require.Error(t, res.CancelErr)
	assert.False(t, res.Cancelled)
	assert.NotContains(t, rep.text(), "cannot cancel", "said once, by main, from CancelErr")
}

func TestWaitFalseReturnsAtOnce(t *testing.T) {
	t.Parallel()
	spec := testSpec()
	spec.Wait = false
	api := &fakeAPI{create: oz.CreateRunResponse{RunID: "r9", State: oz.StateQueued, AtCapacity: true}, script: []step{{state: oz.StateQueued}}}
	rep := &logReporter{}
	res := Run(context.Background(), spec, api, rep, fastOpts)
	require.NoError(t, res.Err)
	assert.Equal(t, outcome.Submitted, res.Conclusion)
	assert.Equal(t, "r9", res.RunID)
	assert.True(t, res.AtCapacity)
	assert.Contains(t, rep.text(), "at capacity")
	assert.Equal(t, 1, api.gets)
	assert.Equal(t, outcome.ExitOK, res.ExitCode(testFailOn))
}

func TestAttach(t *testing.T) {
	t.Parallel()
	spec := testSpec()
	spec.RunID, spec.Create.Prompt = "existing", ""
	api := &fakeAPI{script: []step{{state: oz.StateInProgress}, {state: oz.StateSucceeded}}}
	res := Run(context.Background(), spec, api, &logReporter{}, fastOpts)
	assert.Empty(t, api.requests, "nothing is created")
	assert.True(t, res.Attached)
	assert.Equal(t, "existing", res.RunID)
	assert.Equal(t, outcome.Succeeded, res.Conclusion)

	// wait: false reports an attached run as it is.
	spec.Wait = false
	api = &fakeAPI{script: []step{{state: oz.StateFailed, link: "https://app.warp.dev/session/s1"}}}
	rep := &logReporter{}
	res = Run(context.Background(), spec, api, rep, fastOpts)
	assert.Equal(t, outcome.Failed, res.Conclusion, "a run that has ended gets its conclusion")
	assert.Equal(t, oz.StateFailed, res.State)
	assert.True(t, res.NoWait)
	assert.Equal(t, outcome.ExitFailed, res.ExitCode(testFailOn), "and its exit code")
	assert.NotContains(t, rep.text(), "Follow the agent live", "an ended run is not live")
	assert.Contains(t, rep.text(), "log Session: https://app.warp.dev/session/s1")

	api = &fakeAPI{script: []step{{state: oz.StateInProgress}}}
	res = Run(context.Background(), spec, api, &logReporter{}, fastOpts)
	assert.Equal(t, outcome.Submitted, res.Conclusion, "a run still working is submitted")
	assert.Equal(t, outcome.ExitOK, res.ExitCode(testFailOn))
}

func TestAbortDuringWaitFalseRead(t *testing.T) {
	t.Parallel()
	ctx, abort := context.WithCancelCause(context.Background())
	defer abort(nil)
	spec := testSpec()
	spec.Wait = false
	api := &fakeAPI{script: []step{{state: oz.StateQueued}}}
	api.onGet = func(int) { abort(errors.New("received interrupt")) }
	res := Run(ctx, spec, api, &logReporter{}, fastOpts)
	assert.True(t, res.Aborted)
	assert.Equal(t, outcome.ExitAborted, res.ExitCode(testFailOn))
	assert.Equal(t, 1, api.cancels, "the new run is cancelled")
	assert.NotEqual(t, outcome.Submitted, res.Conclusion)
}

func TestCIMetadataKeptByUsefulnessAndDropsNamed(t *testing.T) {
	t.Parallel()
	spec := testSpec()
	spec.Create.Metadata = map[string]string{}
	for i := range 16 {
		spec.Create.Metadata[fmt.Sprintf("u%02d", i)] = "v"
	}
	opts := fastOpts
	opts.Metadata = map[string]string{"github_job": "j", "github_ref": "r", "github_repository": "o/r",
		"github_run_url": "https://x", "github_sha": "abc", "github_workflow": "w"}
	api := &fakeAPI{script: []step{{state: oz.StateSucceeded}}}
	rep := &logReporter{}
	Run(context.Background(), spec, api, rep, opts)
	md := api.requests[0].Metadata
	assert.Len(t, md, MaxMetadataKeys-1)
	for _, k := range []string{"github_repository", "github_run_url", "github_sha"} {
		assert.Contains(t, md, k, "the most useful CI keys are kept")
	}
	assert.Contains(t, rep.text(), "notice CI metadata left out")
	assert.Contains(t, rep.text(), "github_job, github_ref, github_workflow")
}

func TestAttachWarnsAboutIgnoredInputs(t *testing.T) {
	t.Parallel()
	spec := testSpec()
	spec.RunID = "r1"
	rep := &logReporter{}
	Run(context.Background(), spec, &fakeAPI{script: []step{{state: oz.StateSucceeded}}}, rep, fastOpts)
	assert.Contains(t, rep.text(), "warning Inputs ignored")
}
