// Package runner is the use case: submit a run (or attach to one), wait for
// it to end with backoff, and apply the timeout and abort policies. It talks
// to the API and the CI through two small interfaces, so it is tested with
// fakes and no processes.
package runner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// RunsAPI is the part of the Oz API the runner uses (*oz.Client has it).
type RunsAPI interface {
	CreateRun(ctx context.Context, req oz.CreateRunRequest) (*oz.CreateRunResponse, error)
	GetRun(ctx context.Context, runID string) (*oz.Run, error)
	CancelRun(ctx context.Context, runID string) error
	// FindRunByRequestID finds the run a create with that request id
	// started; nil, nil when there is none.
	FindRunByRequestID(ctx context.Context, requestID string) (*oz.Run, error)
	// SubmitFollowup sends a message to a run once (the followup input);
	// its error wraps oz.ErrUncertainFollowup when it may or may not have
	// arrived.
	SubmitFollowup(ctx context.Context, runID string, req oz.FollowupRequest) (*oz.FollowupResponse, error)
	// GetConversation reads a run's conversation: after a follow-up to a
	// run that had ended, the runner looks in it for the agent's reply.
	GetConversation(ctx context.Context, runID string) (*oz.Conversation, error)
	// ListRuns lists runs, newest first: a later attempt of the step looks
	// up the runs of the earlier ones by their metadata (rerun.go).
	ListRuns(ctx context.Context, opts oz.ListOptions) (*oz.ListRunsResponse, error)
}

// Reporter is where progress goes (a ci.Platform has it). It escapes what
// it prints; the runner passes API text through it unmodified.
type Reporter interface {
	Logf(format string, args ...any)
	Debugf(format string, args ...any)
	Notice(title, message string)
	Warning(title, message string)
}

// Options tune the runner's timing; the zero value means the defaults.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Heartbeat is how often a line is logged while nothing changes
	// (default 1m; the line comes with the first read after it is due).
	Heartbeat time.Duration
	// CancelBudget bounds the remote cancel after a timeout or an abort,
	// retries of a 409 included (default 4s). After an abort the signal's
	// deadline bounds it too, through CancelContext.
	CancelBudget time.Duration
	// CancelContext, when set, bounds the context of the remote cancel
	// (and of the lookup and the read around it) further: it returns
	// parent ended also when the abort's share for the cancel has passed,
	// once a signal has come, and a func that releases it. main's ends at
	// the signal's deadline's share (internal/abort), which a signal during
	// a cancel after a timeout brings in too.
	CancelContext func(parent context.Context) (context.Context, context.CancelFunc)
	// ConflictRetry is the wait between cancel attempts answered 409 (default 500ms).
	ConflictRetry time.Duration
	// Metadata is the CI context attached to a created run; the user's
	// metadata wins on a key clash and the total stays within the API's limit.
	Metadata map[string]string
	// Sinks hear of the run as it goes (Sink.Observe); the step's wiring
	// gives them its outcome (Sink.Finish). Any number, nil among none.
	Sinks []Sink
}

// Sink is what follows a run: the PR/MR comment now, a Check Run or a
// batch's table later; any number of them follow one run.
//
// Observe hears of the run as it goes, from the runner's goroutine: once
// its id is known, then on each state change and when the session link
// first appears. It must return at once: the wait never stands still for
// a sink.
//
// Finish gets the outcome once the runner has returned, the agent's work
// has been read and the Result redacted; the step's wiring calls it, once,
// before the outputs are published. ctx is the step's: after a signal it
// has ended and carries the signal's deadline (abort.From), which bounds
// what Finish may still do.
type Sink interface {
	Observe(runID, state, sessionLink string)
	Finish(ctx context.Context, res outcome.Result)
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.CancelBudget <= 0 {
		o.CancelBudget = 4 * time.Second
	}
	if o.ConflictRetry <= 0 {
		o.ConflictRetry = 500 * time.Millisecond
	}
	return o
}

// DefaultHeartbeat is how often, by default, a line says that the run is
// still going: often enough that a log reader knows the step is alive.
const DefaultHeartbeat = time.Minute

// warnAfterFailures is how many transient read failures in a row raise a
// warning (fewer are only debug lines: one failed read is routine).
const warnAfterFailures = 3

// MaxMetadataKeys is the API's limit on a run's metadata keys.
const MaxMetadataKeys = 20

// errTimedOut is the cause of the wait context's deadline.
var errTimedOut = errors.New("timed out")

// Spec is what one run needs: the run to create, or the one to attach to
// and the follow-up to send it, and how to wait for it. config makes it
// from the inputs (Config.Spec); nothing in it is read from elsewhere.
type Spec struct {
	// Create is the run to start when RunID is empty, with the user's
	// metadata only (Request merges the CI context in). When RunID is set
	// nothing is created: a prompt or skill in it is said to be ignored.
	Create oz.CreateRunRequest
	// RunID is the existing run to attach to (run_id).
	RunID string
	// Followup is the message sent to the run RunID names; empty sends
	// none.
	Followup string
	// Wait waits until the run ends; false reads it once (wait: false).
	Wait bool
	// Timeout bounds the create and the wait.
	Timeout time.Duration
	// PollInterval is the first wait between two reads of the run, which
	// grows up to PollMaxInterval.
	PollInterval    time.Duration
	PollMaxInterval time.Duration
	// CancelOnTimeout cancels the remote run when the timeout passes
	// (on_timeout: cancel); false leaves it running (on_timeout: leave).
	CancelOnTimeout bool
	// CancelOnAbort cancels the remote run when the step is aborted.
	CancelOnAbort bool
	// MaxCostUSD cancels the run once its reported cost reaches it
	// (max_cost_usd; conclusion over_budget); zero: no cap.
	MaxCostUSD float64
	// OnBlocked is what to do with a BLOCKED run (blocked.go); empty is
	// OnBlockedFail. BlockedReply is the follow-up OnBlockedReply sends.
	OnBlocked    OnBlocked
	BlockedReply string
	// Rerun marks created runs with the step's attempt, and makes a later
	// attempt look the earlier ones' runs up first (rerun.go).
	Rerun Rerun
}

// Run submits or attaches to a run and waits for it as spec says. It
// always returns a Result, as complete as what was learned: ctx ending
// means the step was aborted (SIGINT/SIGTERM).
func Run(ctx context.Context, spec Spec, api RunsAPI, rep Reporter, opts Options) outcome.Result {
	w := &waiter{spec: spec, api: api, rep: rep, opts: opts.withDefaults()}
	w.res.Started = w.opts.Now()
	w.res.MaxCostUSD = spec.MaxCostUSD
	w.run(ctx)
	w.res.FollowupPending = w.res.Followup != nil && !w.moved && !w.res.NoWait
	w.res.Ended = w.opts.Now()
	return w.res
}

type waiter struct {
	spec Spec
	api  RunsAPI
	rep  Reporter
	opts Options
	res  outcome.Result
	// lookups, in a batch, is shared by its runs' re-run lookups; nil for
	// one run.
	lookups *rerunLookups

	lastChange    time.Time // last state change or start
	lastHeartbeat time.Time
	sessionShown  bool

	// After a follow-up (followup.go): the run as it was before, whether
	// it has moved since (its state may be stale until then), whether the
	// log has said so, and the look for the agent's reply (nil: none).
	before     *oz.Run
	moved      bool
	staleShown bool
	reply      *replyWatch

	// The step's own context (ending it aborts), for a follow-up sent
	// while polling (on_blocked: reply); and what on_blocked has done.
	parent         context.Context
	blockedShown   bool
	blockedReplied bool
}

func (w *waiter) run(ctx context.Context) {
	waitCtx, cancel := context.WithTimeoutCause(ctx, w.spec.Timeout, errTimedOut)
	defer cancel()
	w.parent = ctx

	if w.spec.RunID != "" {
		w.res.RunID = w.spec.RunID
		w.res.Attached = true
		w.rep.Logf("Attaching to run %s: %s", w.res.RunID, oz.RunURL(w.res.RunID))
		w.notify()
		if w.spec.Create.Prompt != "" || w.spec.Create.Skill != "" {
			w.rep.Warning("Inputs ignored", "run_id is given, so no run is created: prompt, prompt_file and skill (and the run's configuration inputs) are ignored.")
		}
		if w.spec.Followup != "" && !w.followUp(ctx, waitCtx) {
			if w.res.Err == nil {
				w.interrupted(ctx, waitCtx)
			}
			return
		}
	} else if !w.earlier(waitCtx) && !w.submit(waitCtx) {
		w.interrupted(ctx, waitCtx)
		return
	}
	w.lastChange = w.opts.Now()
	w.lastHeartbeat = w.lastChange

	done := w.poll
	if !w.spec.Wait {
		done = w.peek
	}
	if !done(waitCtx) {
		w.interrupted(ctx, waitCtx)
	}
}

// submit creates the run; false when it failed (w.res.Err is set).
func (w *waiter) submit(ctx context.Context) bool {
	req, dropped := Request(w.spec, w.opts.Metadata)
	if len(dropped) > 0 {
		w.rep.Notice("CI metadata left out", fmt.Sprintf("The run's metadata holds at most %d keys (one is oz-run's request id) and your metadata input comes first, so these CI keys were left out: %s.",
			MaxMetadataKeys, strings.Join(dropped, ", ")))
	}
	resp, err := w.api.CreateRun(ctx, req)
	if err != nil {
		w.res.Err = fmt.Errorf("starting the run: %w", err)
		return false
	}
	w.res.RunID = resp.RunID
	w.res.AtCapacity = resp.AtCapacity
	w.rep.Logf("Started run %s: %s", resp.RunID, oz.RunURL(resp.RunID))
	w.observeState(resp.State)
	w.notify()
	if resp.Recovered {
		w.rep.Warning("Run recovered", "The API's answer to the create was lost; found the run it created by its request id, so no second run was started.")
	}
	if resp.AtCapacity {
		w.rep.Notice("Oz is at capacity", "Your team is at its concurrent cloud agent limit: the run is queued and starts when a slot frees up.")
	}
	return true
}

// Request is the create request of spec, with the CI context ciMeta
// merged into its metadata (the user's keys win); dropped lists the CI
// keys left out to stay within the API's limit. It needs no client (a dry
// run prints it); the client adds its request id when it sends it.
func Request(spec Spec, ciMeta map[string]string) (req oz.CreateRunRequest, dropped []string) {
	req = spec.Create
	req.Metadata = mergeMetadata(ciMeta, withRerun(spec.Create.Metadata, spec.Rerun.Metadata))
	return req, droppedKeys(ciMeta, req.Metadata)
}

// mergeMetadata joins the CI context and the user's metadata. The user's
// keys win, and CI keys are kept by their usefulness (ciKeyRank) while the
// total leaves room for the client's request id.
func mergeMetadata(ciMeta, user map[string]string) map[string]string {
	out := maps.Clone(user)
	if out == nil {
		out = map[string]string{}
	}
	keys := slices.Sorted(maps.Keys(ciMeta))
	slices.SortStableFunc(keys, func(a, b string) int { return ciKeyRank(a) - ciKeyRank(b) })
	for _, k := range keys {
		if len(out) >= MaxMetadataKeys-1 {
			break
		}
		if _, taken := out[k]; !taken && ciMeta[k] != "" {
			out[k] = ciMeta[k]
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ciKeyRank orders CI metadata keys by what finds the CI job behind a run:
// where it ran (repository, project), the link to it, the commit, the pull
// or merge request, then the rest.
func ciKeyRank(key string) int {
	for i, part := range []string{"repository", "project", "run_url", "job_url", "sha", "_pr", "mr_iid"} {
		if strings.Contains(key, part) {
			return i
		}
	}
	return 100
}

// droppedKeys lists the CI keys that are not in the request's metadata.
func droppedKeys(ciMeta, sent map[string]string) []string {
	var out []string
	for k, v := range ciMeta {
		if _, ok := sent[k]; !ok && v != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// peek reads the run once for wait: false, so that the outputs carry what
// is known. A created run concludes `submitted` whatever its state (the
// contract's promise for wait: false). An attached run is reported as it
// is: one that has already ended gets its conclusion, one still working
// `submitted`. (A follow-up sent to it, once there is one, leaves it
// working: that case stays `submitted` too.) False when ctx ended first.
func (w *waiter) peek(ctx context.Context) bool {
	w.res.NoWait = true
	w.res.Conclusion = outcome.Submitted
	if w.res.Followup != nil {
		// The run was read just before the follow-up; now it starts
		// anew, and a state read at once may be stale.
		w.rep.Logf("Not waiting for run %s to answer the follow-up (wait: false): %s", w.res.RunID, oz.RunURL(w.res.RunID))
		return true
	}
	run, err := w.api.GetRun(ctx, w.res.RunID)
	switch {
	case err == nil:
		w.observe(run)
		if w.res.Attached && run.State.IsTerminal() {
			w.res.Conclusion = outcome.ConclusionOf(run.State)
			w.rep.Logf("Run %s had already ended: %s (%s)", w.res.RunID, run.State, w.res.Conclusion)
		}
	case ctx.Err() != nil:
		return false
	case w.res.Attached:
		w.res.Err = fmt.Errorf("reading run %s: %w", w.res.RunID, err)
	default:
		w.rep.Debugf("reading the new run: %v", err)
	}
	return true
}

// poll waits until the run is terminal: true when it is, or when a final
// API error ended the wait (w.res.Err set); false when ctx ended first.
func (w *waiter) poll(ctx context.Context) bool {
	b := newPollBackOff(ctx, w.spec.PollInterval, w.spec.PollMaxInterval)
	failures := 0 // transient read failures in a row
	for {
		run, err := w.api.GetRun(ctx, w.res.RunID)
		switch {
		case err == nil:
			failures = 0
			if w.observe(run) {
				b.Reset()
			}
			if w.res.Followup != nil && !w.moved {
				w.moved = w.hasMoved(run)
				if !w.moved && w.replied(ctx, run) {
					w.moved = true
					continue // the state read before the conversation may be stale: read it again
				}
				if !w.moved && !w.staleShown {
					w.staleShown = true
					w.rep.Logf("Run %s still shows its state from before the follow-up (%s): waiting for it to pick the follow-up up", w.res.RunID, run.State)
				}
			}
			if w.overBudget(run) {
				return true
			}
			if run.State.IsTerminal() && (w.res.Followup == nil || w.moved) && !w.waitBlocked(ctx, run) {
				if w.res.Err != nil || w.res.Aborted {
					return true // the reply to the blocked run failed: said so
				}
				if ctx.Err() != nil {
					return false // the reply was cut short before it was sent
				}
				w.res.Conclusion = outcome.ConclusionOf(run.State)
				w.rep.Logf("Run %s ended: %s (%s)", w.res.RunID, run.State, w.res.Conclusion)
				return true
			}
		case ctx.Err() != nil:
			return false
		case !oz.IsTransient(err):
			w.res.Err = fmt.Errorf("reading run %s: %w", w.res.RunID, err)
			return true
		default:
			failures++
			w.rep.Debugf("reading run %s failed, retrying: %v", w.res.RunID, err)
			if failures == warnAfterFailures {
				w.rep.Warning("Oz API failing", fmt.Sprintf("Reading run %s failed %d times in a row (last: %v); retrying until the timeout (%s). The state shown may be stale.",
					w.res.RunID, failures, err, w.spec.Timeout))
			}
			b.retryAfter(err)
		}
		w.heartbeat()
		next := b.NextBackOff()
		if next < 0 { // backoff.Stop: ctx is done
			return false
		}
		w.rep.Debugf("next poll in %s", next.Round(time.Millisecond))
		if !sleep(ctx, next) {
			return false
		}
	}
}

// observe records what a read of the run tells; true when the state changed.
func (w *waiter) observe(run *oz.Run) bool {
	w.res.Run = run
	changed := w.observeState(run.State)
	linked := false
	if link := run.SessionURL(); link != "" && !w.sessionShown {
		w.sessionShown, linked = true, true
		if run.State.IsWorking() {
			w.rep.Notice("Oz session", "Follow the agent live: "+link)
		} else {
			w.rep.Logf("Session: %s", link)
		}
	}
	if changed || linked {
		w.notify()
	}
	return changed
}

// notify tells the sinks what is known of the run.
func (w *waiter) notify() {
	if w.res.RunID == "" {
		return
	}
	for _, s := range w.opts.Sinks {
		if s != nil {
			s.Observe(w.res.RunID, string(w.res.State), w.res.Run.SessionURL())
		}
	}
}

func (w *waiter) observeState(s oz.State) bool {
	if s == "" || s == w.res.State {
		return false
	}
	now := w.opts.Now()
	prev := w.res.State
	w.res.State = s
	w.res.Timeline = append(w.res.Timeline, outcome.Transition{State: s, At: now})
	w.lastChange, w.lastHeartbeat = now, now
	elapsed := formatElapsed(now.Sub(w.res.Started))
	if prev == "" {
		w.rep.Logf("[%s] %s", elapsed, s)
	} else {
		w.rep.Logf("[%s] %s -> %s", elapsed, prev, s)
	}
	if !s.IsKnown() {
		w.rep.Warning("Unknown run state", fmt.Sprintf("The API reported state %q, which oz-run does not know; it is treated as terminal and failed.", string(s)))
	}
	return true
}

// heartbeat says, once every Options.Heartbeat while nothing changes, that
// the run is still going: `[12:03] INPROGRESS for 10:41, 47:57 left before
// the timeout` (time since the start, time in this state, time left).
func (w *waiter) heartbeat() {
	now := w.opts.Now()
	if now.Sub(w.lastHeartbeat) < w.opts.Heartbeat {
		return
	}
	w.lastHeartbeat = now
	elapsed := now.Sub(w.res.Started)
	left := formatElapsed(max(w.spec.Timeout-elapsed, 0)) + " left before the timeout"
	if w.res.State == "" {
		w.rep.Logf("[%s] no answer yet about run %s, %s", formatElapsed(elapsed), w.res.RunID, left)
		return
	}
	w.rep.Logf("[%s] %s for %s, %s", formatElapsed(elapsed), w.res.State, formatElapsed(now.Sub(w.lastChange)), left)
}

// interrupted handles the wait (or the create) ending early: parent ctx
// done means aborted, otherwise the timeout passed. What follows (finding a
// run the interrupted create may have started, cancelling it, reading it
// once more) shares one fresh context (cancelContext).
func (w *waiter) interrupted(parent, waitCtx context.Context) {
	// A create cut short may have started a run: its error carries the
	// request id that finds it.
	createErr := w.res.Err
	aborted := parent.Err() != nil
	if !aborted && context.Cause(waitCtx) != errTimedOut {
		return // the create or a read failed on its own: w.res.Err says how
	}
	ctx, cancel := w.cancelContext()
	defer cancel()
	w.res.Conclusion = ""
	var lookup lookupResult
	if w.res.RunID == "" {
		lookup = w.recoverRun(ctx, createErr)
	}
	stale := w.res.Followup != nil && !w.moved // the state is from before the follow-up
	if !aborted && !stale && w.res.State != "" && w.res.State.IsTerminal() {
		// The recovered run had already ended: its outcome stands, as it
		// would had a poll seen it.
		w.res.Err = nil
		w.res.Conclusion = outcome.ConclusionOf(w.res.State)
		w.rep.Logf("Run %s ended: %s (%s)", w.res.RunID, w.res.State, w.res.Conclusion)
		return
	}

	if aborted {
		w.res.Aborted = true
		w.res.Err = fmt.Errorf("aborted (%v) while waiting for the run", context.Cause(parent))
		if w.res.RunID == "" {
			w.res.Err = fmt.Errorf("aborted (%v) while starting the run; it may or may not have been created", context.Cause(parent))
			if createErr != nil {
				w.res.Err = fmt.Errorf("%w (%w)", w.res.Err, createErr)
			}
		}
		w.rep.Warning("Aborted", w.res.Err.Error())
		if w.spec.CancelOnAbort {
			w.cancelRemote(ctx, "the step was aborted")
		}
		return
	}
	if w.res.RunID == "" {
		// No run is known: the API could not be used (exit 3), whatever
		// fail_on says. A run that was never created has not timed out.
		w.res.Err = lookup.notStarted(w.spec.Timeout, createErr)
		return
	}
	w.res.Err = nil
	w.res.Conclusion = outcome.TimedOut
	msg := fmt.Sprintf("The run did not end within %s (timeout input).", w.spec.Timeout)
	if w.res.Followup != nil && !w.moved {
		msg = fmt.Sprintf("The run did not pick up the follow-up within %s (timeout input): it still shows its state from before it (%s).", w.spec.Timeout, w.res.State)
	}
	w.rep.Warning("Timed out", msg)
	if w.spec.CancelOnTimeout {
		w.cancelRemote(ctx, "the timeout passed")
	} else {
		w.rep.Logf("Leaving run %s running (on_timeout: leave): %s; to wait for it again, attach with run_id: %s", w.res.RunID, oz.RunURL(w.res.RunID), w.res.RunID)
	}
}

// lookupResult is what looking up the run of an interrupted create found
// when it found none.
type lookupResult struct {
	requestID string // empty: the create was not sent, no run was started
	err       error  // the lookup failed
}

// notStarted is the error of a step whose create did not succeed within
// the timeout and whose run was not found: the API could not be used.
func (l lookupResult) notStarted(timeout time.Duration, createErr error) error {
	if createErr == nil {
		createErr = errors.New("the create did not succeed")
	}
	switch {
	case l.requestID == "":
		return fmt.Errorf("no run was started within %s (timeout input): %w", timeout, createErr)
	case l.err != nil:
		return fmt.Errorf("the create did not succeed within %s (timeout input), and looking its run up by request id (metadata %s=%s) "+
			"failed too: a run may or may not have been created; check the run list in Oz for that request id before running the step again "+
			"(create: %w; lookup: %w)", timeout, oz.RequestIDKey, l.requestID, createErr, l.err)
	}
	// The create's own error says a run may have been created: the lookup
	// has settled that.
	return fmt.Errorf("no run was started within %s (timeout input): the create did not succeed, and no run carries its request id (metadata %s=%s)",
		timeout, oz.RequestIDKey, l.requestID)
}

// recoverRun looks up the run an interrupted create may have started, by
// the request id its error carries, so that it can be reported and
// cancelled. When it finds none, it says what it knows.
func (w *waiter) recoverRun(ctx context.Context, createErr error) lookupResult {
	id, ok := oz.RequestIDFrom(createErr)
	if !ok {
		return lookupResult{}
	}
	run, err := w.api.FindRunByRequestID(ctx, id)
	if err != nil || run == nil {
		w.rep.Debugf("looking up the run of request %s: run %v, error %v (the create: %v)", id, run != nil, err, createErr)
		return lookupResult{requestID: id, err: err}
	}
	w.res.RunID = run.RunID
	w.rep.Logf("The interrupted create had started run %s: %s", run.RunID, oz.RunURL(run.RunID))
	w.observe(run)
	return lookupResult{requestID: id}
}

// cancelRemote cancels the run, retrying while the API answers 409 (the run
// is PENDING), then reads the run once more so that the outputs show its
// last state. A run that has not yet picked up the step's follow-up still
// shows its ended state and cannot be cancelled: it is cancelled once it
// has, within the budget, as the follow-up would start it again.
func (w *waiter) cancelRemote(ctx context.Context, why string) {
	pending := func() bool { return w.res.Followup != nil && !w.moved }
	if w.res.RunID == "" || (!pending() && w.res.State != "" && w.res.State.IsTerminal()) {
		return
	}
	w.rep.Logf("Cancelling run %s because %s", w.res.RunID, why)
	for {
		err := w.api.CancelRun(ctx, w.res.RunID)
		if err == nil {
			w.res.Cancelled = true
			break
		}
		var apiErr *oz.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == 409 && sleep(ctx, max(w.opts.ConflictRetry, apiErr.RetryAfter)) {
			continue
		}
		if errors.As(err, &apiErr) && apiErr.StatusCode == 400 && pending() {
			if !w.awaitPickup(ctx) {
				w.res.CancelErr = fmt.Errorf("cancelling run %s: it had not picked up the follow-up within %s, so it could not be cancelled, and it may still start working on it", w.res.RunID, allowance(ctx))
				return
			}
			if w.res.State.IsWorking() {
				continue
			}
			w.rep.Logf("Run %s picked up the follow-up and had already ended; nothing to cancel", w.res.RunID)
			break
		}
		if errors.As(err, &apiErr) && apiErr.StatusCode == 400 {
			w.rep.Logf("Run %s had already ended; nothing to cancel", w.res.RunID)
			break
		}
		// Said once, when the step ends (Result.CancelErr), not here too.
		// An API error names its call (cancel run <id>) already.
		if errors.As(err, &apiErr) {
			w.res.CancelErr = withCause(ctx, err)
		} else {
			w.res.CancelErr = fmt.Errorf("cancelling run %s: %w", w.res.RunID, withCause(ctx, err))
		}
		return
	}
	if run, err := w.api.GetRun(ctx, w.res.RunID); err == nil {
		w.observe(run)
		if w.res.Conclusion == "" && run.State.IsTerminal() {
			w.res.Conclusion = outcome.ConclusionOf(run.State)
		}
	}
}
