package runner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// A batch (prompts): many Specs, at most MaxParallel working at once, and
// one poller that lists the batch's runs (GET /agent/runs filtered by the
// batch's id in their metadata and updated_after) instead of reading each
// run. Each run keeps its own outcome in its own waiter, which the single
// run's code (submit, observe, interrupted, cancelRemote) drives as it does
// for one run; the report aggregates.
//
// A run read BLOCKED follows on_blocked as one run does (blocked.go): with
// wait it stays in the list, working for max_parallel, until it moves or
// the batch ends; with reply its blocked_reply is sent once, by a
// goroutine of its own (as a create is) so that the others' polls go on,
// and from then on its state counts only once it has picked the reply up
// (followup.go). A reply that may or may not have arrived is never sent
// again: that run ends with the error (exit 3), the others go on.

// The metadata keys a batch's runs carry besides the client's request id.
const (
	// BatchIDKey holds the batch's id: the list's filter.
	BatchIDKey = "oz_run_batch"
	// BatchItemKey holds the item's key.
	BatchItemKey = "oz_run_item"
)

// BatchItem is one run of a batch: its key (unique in the batch) and what
// it needs.
type BatchItem struct {
	Key  string
	Spec Spec
}

// BatchSpec is a batch: its runs in list order and how they run together.
// The items' own Timeout, PollInterval, PollMaxInterval, CancelOnTimeout
// and CancelOnAbort are not read: the batch's are.
type BatchSpec struct {
	// ID is the batch's id, in every run's metadata (BatchIDKey).
	ID    string
	Items []BatchItem
	// MaxParallel is how many runs work at once (at least 1).
	MaxParallel int
	// FailFast cancels the other runs, and starts no more, once a run
	// ends in a conclusion FailOn fails.
	FailFast bool
	FailOn   outcome.FailOn
	// Timeout bounds the whole batch: creates and waits.
	Timeout         time.Duration
	PollInterval    time.Duration
	PollMaxInterval time.Duration
	CancelOnTimeout bool
	CancelOnAbort   bool
	// MaxCostUSD caps the batch's cost, its runs' reported costs summed
	// (max_cost_usd): once reached, the working runs are cancelled
	// (conclusion over_budget) and no more start; zero: no cap.
	MaxCostUSD float64
}

// BatchAPI is what a batch needs of the API: a run's calls and the list.
type BatchAPI interface {
	RunsAPI
	// ListAllRuns lists runs from opts.Cursor on, following the pages
	// (at most maxPages, maxItems runs), and says how many requests it
	// took (*oz.Client has it).
	ListAllRuns(ctx context.Context, opts oz.ListOptions, maxPages, maxItems int) (*oz.ListRunsResponse, int, error)
}

// BatchResult is a batch's outcome (each run's, in list order, and how
// the batch ended), and what its polls took.
type BatchResult struct {
	outcome.Batch
	// ListRefused: the list was refused, each working run was read
	// instead.
	ListRefused bool
	// Polls counts the polls while runs worked; Reads the requests they
	// took (list pages, or reads of single runs).
	Polls, Reads int
}

// listOverlap is how far before the latest updated_at seen the next list
// starts: writes stamped out of order, or in the same instant, are not
// missed (a run seen twice changes nothing).
const listOverlap = 2 * time.Second

// listPageSize is the list's page: the API's most.
const listPageSize = 100

// batchRun is one run of the batch as the poller follows it; only the
// poller's goroutine touches it, but for its waiter while its create is
// under way (creating).
type batchRun struct {
	key      string
	w        *waiter
	started  bool      // its create has been tried
	creating bool      // its create is under way
	seen     time.Time // when a list last showed it (or it was created)
	done     bool      // ended (a conclusion or an error), or never started
	created  bool      // its create succeeded: it has a run id
	// replying: its blocked_reply is being sent; the sending goroutine
	// has its waiter until it hands the run back (replyDone).
	replying bool
	// readNext: read it on its own at the next poll (a list may have
	// shown it while its reply was under way, and the list shows a run
	// again only once it changes again).
	readNext bool
}

// replyDone is a blocked_reply's end: the run, whether the follow-up was
// accepted, and the run's reporter to give back.
type replyDone struct {
	r   *batchRun
	ok  bool
	rep Reporter
}

// createdRun is a create's end: the run, and whether it was created.
type createdRun struct {
	r  *batchRun
	ok bool
}

// batch is the poller's state; only its goroutine touches runs once they
// are created (creates hand them back over a channel).
type batch struct {
	spec BatchSpec
	api  BatchAPI
	rep  Reporter
	opts Options
	res  BatchResult

	runs      []*batchRun
	byID      map[string]*batchRun
	filter    map[string]string // the list's metadata filter
	next      int               // the next item to create
	active    int               // created or being created, not done
	watermark time.Time
	stop      bool // fail_fast or max_cost_usd: no more creates
	// stopRun ends a run still working once the batch has stopped (now, or
	// when its create or its reply comes back).
	stopRun func(w *waiter)

	// The step's context (ending it aborts) and the batch's (its timeout
	// too), for the replies sent while polling; the replies under way,
	// and where they hand their runs back.
	parent, waitCtx context.Context
	replies         sync.WaitGroup
	replied         chan replyDone

	lastHeartbeat time.Time
	marks         []runMark // what the observers last saw (batchprogress.go)
}

// RunBatch runs the batch as spec says and returns every run's outcome,
// as complete as what was learned: ctx ending means the step was aborted.
func RunBatch(ctx context.Context, spec BatchSpec, api BatchAPI, rep Reporter, opts Options) BatchResult {
	opts = opts.withDefaults()
	rep = &lockedReporter{rep: rep}
	b := &batch{spec: spec, api: api, rep: rep, opts: opts, byID: map[string]*batchRun{}}
	lookups := &rerunLookups{}
	b.spec.MaxParallel = max(spec.MaxParallel, 1)
	b.res.ID = spec.ID
	b.res.Started = opts.Now()
	b.lastHeartbeat = b.res.Started
	for _, it := range spec.Items {
		s := it.Spec
		s.Timeout, s.PollInterval, s.PollMaxInterval = spec.Timeout, spec.PollInterval, spec.PollMaxInterval
		s.CancelOnTimeout, s.CancelOnAbort, s.Wait = spec.CancelOnTimeout, spec.CancelOnAbort, true
		s.RunID, s.Followup = "", ""
		md := maps.Clone(s.Create.Metadata)
		if md == nil {
			md = map[string]string{}
		}
		md[BatchIDKey], md[BatchItemKey] = spec.ID, it.Key
		s.Create.Metadata = md
		if len(s.Rerun.Lookup) > 0 && s.Rerun.Policy != RerunNew {
			// A later attempt: each item looks up its own run of the
			// earlier attempts (its key with the step's pairs), and the
			// list follows the step's runs of every attempt, the ones it
			// re-attaches to included.
			lookup := maps.Clone(s.Rerun.Lookup)
			lookup[BatchItemKey] = it.Key
			s.Rerun.Lookup = lookup
			b.filter = maps.Clone(it.Spec.Rerun.Lookup)
		}
		ro := opts
		ro.Sinks = nil
		w := &waiter{spec: s, api: api, rep: &keyReporter{rep: rep, key: it.Key}, opts: ro, lookups: lookups}
		w.res.Started = b.res.Started
		b.runs = append(b.runs, &batchRun{key: it.Key, w: w})
	}
	if b.filter == nil || len(b.filter) > 5 {
		b.filter = map[string]string{BatchIDKey: spec.ID}
	}
	rep.Logf("Batch %s: %d runs, at most %d at once", spec.ID, len(b.runs), b.spec.MaxParallel)
	b.run(ctx)
	b.res.Ended = opts.Now()
	for _, r := range b.runs {
		r.w.res.Ended = b.res.Ended
		r.w.res.FollowupPending = r.w.res.Followup != nil && !r.w.moved
		b.res.Runs = append(b.res.Runs, outcome.BatchRun{Key: r.key, Result: r.w.res, NotStarted: !r.started})
	}
	return b.res
}

func (b *batch) run(ctx context.Context) {
	waitCtx, cancel := context.WithTimeoutCause(ctx, b.spec.Timeout, errTimedOut)
	defer cancel()
	b.parent, b.waitCtx = ctx, waitCtx

	// Buffered for every run: a create's goroutine (a reply's: one a run
	// at most) never waits to hand its run back, whatever the poller is
	// doing.
	created := make(chan createdRun, len(b.runs))
	b.replied = make(chan replyDone, len(b.runs))
	var creating sync.WaitGroup
	defer creating.Wait()
	defer b.replies.Wait()

	bo := newPollBackOff(waitCtx, b.spec.PollInterval, b.spec.PollMaxInterval)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	pollDue := false
	var pollAt time.Time // when the armed timer fires
	for {
		// Start what may start.
		for !b.stop && b.active < b.spec.MaxParallel && b.next < len(b.runs) && waitCtx.Err() == nil {
			r := b.runs[b.next]
			b.next++
			b.active++
			r.started, r.creating = true, true
			creating.Add(1)
			go func() {
				defer creating.Done()
				// A run of an earlier attempt of the step (rerun), else a new one.
				created <- createdRun{r, r.w.earlier(waitCtx) || r.w.submit(waitCtx)}
			}()
		}
		b.progress() // the sinks see the batch as it goes
		if b.active == 0 && (b.next == len(b.runs) || b.stop) {
			b.finishNotStarted(outcome.Cancelled)
			return
		}
		if !pollDue && b.working() > 0 {
			pollDue = true
			d := b.nextWait(bo)
			timer.Reset(d)
			pollAt = time.Now().Add(d)
		}
		select {
		case <-waitCtx.Done():
			b.interrupted(ctx, waitCtx, created, &creating)
			return
		case c := <-created:
			r := c.r
			r.creating = false
			if !c.ok && waitCtx.Err() != nil {
				continue // cut short by the timeout or the abort: the interruption looks its run up
			}
			if !c.ok {
				// The create failed on its own (an API error): this run
				// ends with it, the others go on.
				b.end(r)
				b.rep.Warning("Run not started", fmt.Sprintf("[%s] %v", r.key, r.w.res.Err))
				continue
			}
			r.created = true
			r.seen = b.opts.Now()
			b.byID[r.w.res.RunID] = r
			bo.Reset()
			if pollDue && time.Until(pollAt) > b.spec.PollInterval {
				// A new run is polled soon (a quick failure is seen
				// early), but a stream of creates never holds the poll
				// off: a poll already due sooner stays.
				timer.Reset(b.spec.PollInterval)
				pollAt = time.Now().Add(b.spec.PollInterval)
			}
			switch {
			case r.w.res.State == oz.StateBlocked && !b.stop && r.w.spec.OnBlocked != "" && r.w.spec.OnBlocked != OnBlockedFail:
				// Found BLOCKED by its create's lookup (the answer was
				// lost): on_blocked needs the run whole (its question,
				// what it was before a reply), so the next poll reads it
				// and applies on_blocked, as one run's first poll does.
				r.readNext = true
			case r.w.res.State.IsTerminal():
				b.conclude(r)
			case b.stop:
				b.cancelLate(r)
			}
		case d := <-b.replied:
			b.replyDone(d, false)
		case <-timer.C:
			pollDue = false
			if b.poll(waitCtx) {
				bo.Reset()
			}
			b.overBudget()
			b.heartbeat()
		}
	}
}

// nextWait is the batch's next wait between polls.
func (b *batch) nextWait(bo *pollBackOff) time.Duration {
	d := bo.NextBackOff()
	if d < 0 {
		return 0 // the context has ended: the select sees it
	}
	return d
}

// working counts the runs created and not ended.
func (b *batch) working() int {
	n := 0
	for _, r := range b.runs {
		if r.created && !r.done {
			n++
		}
	}
	return n
}

// poll reads the working runs once: one list (paged) while the list
// works, each run otherwise. True when something changed.
func (b *batch) poll(ctx context.Context) bool {
	b.res.Polls++
	if !b.res.ListRefused {
		changed, ok := b.list(ctx)
		if ok {
			unseen := b.unseen(ctx)
			return b.pickups(ctx) || unseen || changed
		}
	}
	if !b.res.ListRefused {
		return false // a transient failure: the next poll lists again
	}
	changed := false
	for _, r := range b.runs {
		if !r.created || r.done || r.replying || ctx.Err() != nil {
			continue
		}
		r.readNext = false
		b.res.Reads++
		run, err := b.api.GetRun(ctx, r.w.res.RunID)
		switch {
		case err == nil:
			if b.observe(ctx, r, run) {
				changed = true
			}
		case ctx.Err() != nil:
		case !oz.IsTransient(err):
			r.w.res.Err = fmt.Errorf("reading run %s: %w", r.w.res.RunID, err)
			b.end(r)
			changed = true
		default:
			b.rep.Debugf("[%s] reading run %s failed, retrying: %v", r.key, r.w.res.RunID, err)
		}
	}
	return b.pickups(ctx) || changed
}

// unseen reads each working run that no list has shown for a while (ten
// of the longest polls): a server whose list misses a run's writes, or
// that stamps them oddly, cannot hold the batch until its timeout. It
// reads a run whose reply has just come back too (readNext). True when
// something changed.
func (b *batch) unseen(ctx context.Context) bool {
	stale := 10 * max(b.spec.PollMaxInterval, b.spec.PollInterval)
	now := b.opts.Now()
	changed := false
	for _, r := range b.runs {
		if !r.created || r.done || r.replying || (now.Sub(r.seen) < stale && !r.readNext) || ctx.Err() != nil {
			continue
		}
		why := fmt.Sprintf("no list has shown run %s for %s", r.w.res.RunID, stale)
		if r.readNext {
			why = fmt.Sprintf("run %s is due a read of its own (its blocked_reply came back, or its create found it BLOCKED)", r.w.res.RunID)
		}
		next := r.readNext
		r.seen, r.readNext = now, false
		b.res.Reads++
		run, err := b.api.GetRun(ctx, r.w.res.RunID)
		switch {
		case err == nil:
			b.rep.Debugf("[%s] %s: read it", r.key, why)
			if b.observe(ctx, r, run) {
				changed = true
			}
		case ctx.Err() == nil && !oz.IsTransient(err):
			r.w.res.Err = fmt.Errorf("reading run %s: %w", r.w.res.RunID, err)
			b.end(r)
			changed = true
		default:
			r.readNext = next // the next poll tries again
		}
	}
	return changed
}

// list reads the batch's runs written since the watermark; ok false when
// the list failed (ListRefused set when it was refused for good).
func (b *batch) list(ctx context.Context) (changed, ok bool) {
	opts := oz.ListOptions{Limit: listPageSize, Metadata: maps.Clone(b.filter)}
	if !b.watermark.IsZero() {
		opts.UpdatedAfter = b.watermark.Add(-listOverlap)
	}
	pages := max(len(b.runs)/listPageSize+2, 3)
	list, n, err := b.api.ListAllRuns(ctx, opts, pages, len(b.runs)*2+listPageSize)
	b.res.Reads += n
	if err != nil {
		var apiErr *oz.APIError
		if ctx.Err() == nil && errors.As(err, &apiErr) && !apiErr.Retryable && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 {
			b.res.ListRefused = true
			b.rep.Warning("Batch list refused", fmt.Sprintf("Listing the batch's runs was refused (%v): reading each working run instead, one request a run a poll.", err))
			return false, false
		}
		b.rep.Debugf("listing the batch's runs failed, retrying: %v", err)
		return false, false
	}
	latest := b.watermark
	for i := range list.Runs {
		run := &list.Runs[i]
		if t, err := time.Parse(time.RFC3339Nano, run.UpdatedAt); err == nil && t.After(latest) {
			latest = t
		}
		r := b.byID[run.RunID]
		if r == nil || r.done || r.replying {
			continue
		}
		r.seen, r.readNext = b.opts.Now(), false
		own := *run // not the page's array: a run keeps only its own
		if b.observe(ctx, r, &own) {
			changed = true
		}
	}
	if !list.PageInfo.HasNextPage {
		// Runs left out of a cut walk are older than those read: the
		// watermark stays until a walk is whole.
		b.watermark = latest
	}
	return changed, true
}

// observe records a read of the run; true when its state changed. A
// terminal state counts as the single run's does: once the run has picked
// up its blocked_reply, and past on_blocked.
func (b *batch) observe(ctx context.Context, r *batchRun, run *oz.Run) bool {
	w := r.w
	changed := w.observe(run)
	if w.res.Followup != nil && !w.moved {
		if w.moved = w.hasMoved(run); !w.moved {
			if !w.staleShown {
				w.staleShown = true
				w.rep.Logf("Run %s still shows its state from before the follow-up (%s): waiting for it to pick the follow-up up", w.res.RunID, run.State)
			}
			return changed
		}
	}
	if !run.State.IsTerminal() {
		return changed
	}
	if b.blocked(r, run) {
		return true
	}
	b.conclude(r)
	return true
}

// blocked applies on_blocked to a run read BLOCKED, its state counting:
// true when the run goes on (it waits, or its reply is being sent).
func (b *batch) blocked(r *batchRun, run *oz.Run) bool {
	if run.State != oz.StateBlocked || b.stop {
		return false
	}
	switch r.w.onBlocked(run) {
	case blockedWait:
		return true
	case blockedReply:
		b.reply(r, run)
		return true
	}
	return false
}

// reply sends the run its blocked_reply once, from a goroutine of its
// own, which hands the run back over b.replied: the poller goes on
// polling the others meanwhile and leaves this one alone. Its warnings
// are log lines meanwhile (an abort is said once, for the batch); a reply
// that failed is said when it comes back.
func (b *batch) reply(r *batchRun, run *oz.Run) {
	w := r.w
	r.replying = true
	rep := w.rep
	if kr, ok := rep.(*keyReporter); ok {
		quiet := *kr
		quiet.quiet = true
		w.rep = &quiet
	}
	b.replies.Add(1)
	go func() {
		defer b.replies.Done()
		ok := w.sendFollowup(b.parent, b.waitCtx, run, w.spec.BlockedReply)
		b.replied <- replyDone{r: r, ok: ok, rep: rep}
	}()
}

// replyDone takes back a run whose reply has ended. Accepted, the run is
// read at the next poll (or ended at once if the batch has stopped); not
// accepted, it ends with the error that says whether the reply may have
// arrived (never sent again), and the others go on. A reply cut short by
// the abort or the timeout before it was sent leaves the run to the
// interruption, as does an accepted one once interrupted.
func (b *batch) replyDone(d replyDone, interrupted bool) {
	r, w := d.r, d.r.w
	r.replying, w.rep = false, d.rep
	switch {
	case d.ok && interrupted:
	case d.ok && b.stop:
		b.stopRun(w)
		b.rep.Logf("[%s] ended: %s (%s)", r.key, w.res.State, w.res.Conclusion)
		b.end(r)
	case d.ok:
		r.readNext = true
	case w.res.Err != nil && !w.res.Aborted:
		b.rep.Warning("Blocked reply failed", fmt.Sprintf("[%s] %v; this run ends with the error (it is not sent again), the others go on.", r.key, w.res.Err))
		b.end(r)
	case w.res.Aborted:
		b.end(r)
	}
}

// pickups looks, for each run whose blocked_reply is not yet known to be
// picked up, for the agent's answer to it in its conversation when that is
// due (replyWatch.due: at once when the run was written, otherwise at
// polls further and further apart), and reads the run again once it is
// there: a new execution that ran from start to end between two polls
// shows no working state. True when something changed.
func (b *batch) pickups(ctx context.Context) bool {
	changed := false
	for _, r := range b.runs {
		w := r.w
		if !r.created || r.done || r.replying || w.res.Followup == nil || w.moved || w.res.Run == nil || ctx.Err() != nil {
			continue
		}
		if !w.replied(ctx, w.res.Run) {
			continue
		}
		w.moved = true
		b.res.Reads++
		run, err := b.api.GetRun(ctx, w.res.RunID)
		if err != nil {
			r.readNext = true // read by the next poll
			b.rep.Debugf("[%s] reading run %s after its reply was found: %v", r.key, w.res.RunID, err)
			continue
		}
		r.seen = b.opts.Now()
		b.observe(ctx, r, run)
		changed = true
	}
	return changed
}

// conclude ends a run at its terminal state, and applies fail_fast.
func (b *batch) conclude(r *batchRun) {
	r.w.res.Conclusion = outcome.ConclusionOf(r.w.res.State) // its state's line has said it
	b.end(r)
	if b.spec.FailFast && !b.stop && b.spec.FailOn.Fails(r.w.res.Conclusion) {
		b.res.FailedFast = true
		b.rep.Warning("Failing fast", fmt.Sprintf("Run %s ended %s (fail_fast): cancelling the runs still working and starting no more.", r.key, r.w.res.Conclusion))
		b.stopWith(stopper("fail_fast: another run of the batch failed", outcome.Cancelled, false))
		for _, o := range b.runs {
			if o.created && !o.done && !o.replying {
				b.rep.Logf("[%s] ended: %s (%s)", o.key, o.w.res.State, o.w.res.Conclusion)
				b.end(o)
			}
		}
	}
}

// stopWith stops the batch: no more creates, and end ends each run still
// working, all at once (a run whose create or reply is under way, when it
// comes back).
func (b *batch) stopWith(end func(w *waiter)) {
	b.stop, b.stopRun = true, end
	b.cancelWorking(end)
}

// stopper ends a run working when the batch stops: cancelled for why, and
// concluding c (force: even if the cancel's last read gave it another). A
// BLOCKED run that waits (on_blocked) has nothing working to cancel: it
// ends blocked.
func stopper(why string, c outcome.Conclusion, force bool) func(w *waiter) {
	return func(w *waiter) {
		if w.res.State.IsTerminal() && (w.res.Followup == nil || w.moved) {
			w.res.Conclusion = outcome.ConclusionOf(w.res.State)
			return
		}
		ctx, cancel := w.cancelContext()
		defer cancel()
		w.cancelRemote(ctx, why)
		if force || w.res.Conclusion == "" {
			w.res.Conclusion = c
		}
	}
}

// cancelLate cancels a run whose create came back after the batch
// stopped.
func (b *batch) cancelLate(r *batchRun) {
	b.stopRun(r.w)
	b.rep.Logf("[%s] ended: %s (%s)", r.key, r.w.res.State, r.w.res.Conclusion)
	b.end(r)
}

// overBudget checks the batch's cost against max_cost_usd after a poll:
// once the runs' reported costs reach it, every working run is cancelled
// at once and concludes over_budget, and no more start. A run that ended
// on its own keeps its conclusion. (A run's cost that grows without
// another change is seen when it next changes: the list shows changed
// runs only.)
func (b *batch) overBudget() {
	bud := Budget{LimitUSD: b.spec.MaxCostUSD}
	if !bud.Capped() || b.stop {
		return
	}
	var runs []*oz.Run
	for _, r := range b.runs {
		if r.created {
			runs = append(runs, r.w.res.Run)
		}
	}
	spent := bud.Spent(runs...)
	if !bud.Reached(spent) {
		return
	}
	b.rep.Warning("Cost limit reached", fmt.Sprintf("The batch's runs have cost %s so far, which reaches max_cost_usd (%s): cancelling the runs still working and starting no more. The API reports cost with a delay, so the bill may be somewhat higher.",
		FormatUSD(spent), FormatUSD(bud.LimitUSD)))
	b.stopWith(stopper("the batch's cost reached max_cost_usd", outcome.OverBudget, true))
	for _, o := range b.runs {
		if o.created && !o.done && !o.replying {
			b.end(o)
		}
	}
}

// end marks a run done.
func (b *batch) end(r *batchRun) {
	if !r.done {
		r.done = true
		b.active--
		r.w.res.Ended = b.opts.Now()
	}
}

// finishNotStarted gives the runs never created their conclusion.
func (b *batch) finishNotStarted(c outcome.Conclusion) {
	for _, r := range b.runs[b.next:] {
		r.done = true
		r.w.res.Conclusion = c
	}
}

// cancelWorking runs f on every created run still working, all at once,
// and returns when every call has; not on a run whose reply is under way
// (its goroutine has it).
func (b *batch) cancelWorking(f func(w *waiter)) {
	var wg sync.WaitGroup
	for _, r := range b.runs {
		if r.created && !r.done && !r.replying {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f(r.w)
			}()
		}
	}
	wg.Wait()
}

// interrupted ends the batch at its timeout or on an abort: the creates
// under way return (their runs found by request id), then every run still
// working is handled as a single run would be (cancelled unless the
// inputs say otherwise), all at once, each within the cancel's budget.
// One warning says it for the batch; each run's lines go to the log.
func (b *batch) interrupted(parent, waitCtx context.Context, created chan createdRun, creating *sync.WaitGroup) {
	creating.Wait()
	close(created)
	for c := range created {
		c.r.creating = false
		if c.ok {
			b.byID[c.r.w.res.RunID] = c.r
		}
	}
	// The replies under way return as well (the abort or the timeout cut
	// them short): one that failed ends its run with its error, the others
	// are handled below like every run still working.
	b.replies.Wait()
	for len(b.replied) > 0 {
		b.replyDone(<-b.replied, true)
	}
	aborted := parent.Err() != nil
	b.res.Aborted, b.res.TimedOut = aborted, !aborted
	working, waiting := 0, 0 // waiting: BLOCKED runs that wait (on_blocked), which the timeout ends blocked
	for _, r := range b.runs {
		if r.started && !r.done {
			working++
			r.created = true // interrupted looks up a run an interrupted create may have started
			if w := r.w; w.res.State == oz.StateBlocked && (w.res.Followup == nil || w.moved) {
				waiting++
			}
		}
	}
	if aborted {
		b.rep.Warning("Aborted", fmt.Sprintf("The step was aborted (%v): %d runs of the batch still working%s.", context.Cause(parent), working, map[bool]string{true: " are cancelled", false: " are left running (cancel_on_abort: false)"}[b.spec.CancelOnAbort]))
		b.finishNotStarted("")
	} else {
		blocked := ""
		if waiting > 0 {
			blocked = fmt.Sprintf(", %d BLOCKED end blocked (nothing to cancel)", waiting)
		}
		b.rep.Warning("Timed out", fmt.Sprintf("The batch did not end within %s (timeout input): %d runs still working%s%s, %d not started.", b.spec.Timeout, working-waiting,
			map[bool]string{true: " are cancelled", false: " are left running (on_timeout: leave)"}[b.spec.CancelOnTimeout], blocked, len(b.runs)-b.next))
		b.finishNotStarted(outcome.TimedOut)
	}
	b.cancelWorking(func(w *waiter) {
		if kr, ok := w.rep.(*keyReporter); ok {
			kr.quiet = true // one warning for the batch, said above
		}
		w.interrupted(parent, waitCtx)
	})
	for _, r := range b.runs[:b.next] {
		if !r.done {
			b.end(r)
		}
	}
	for _, r := range b.runs[b.next:] {
		if aborted {
			r.w.res.Aborted = true
			r.w.res.Err = fmt.Errorf("aborted (%v) before the run was created", context.Cause(parent))
		}
	}
}

// heartbeat says, once every Options.Heartbeat, how many runs are in
// each state: `[12:03] 3 QUEUED, 10 INPROGRESS, 40 succeeded, 47 to start`.
func (b *batch) heartbeat() {
	now := b.opts.Now()
	if now.Sub(b.lastHeartbeat) < b.opts.Heartbeat {
		return
	}
	b.lastHeartbeat = now
	b.rep.Logf("[%s] %s", formatElapsed(now.Sub(b.res.Started)), b.counts())
}

// counts is the runs counted by state while they work, by conclusion once
// ended, in a fixed order.
func (b *batch) counts() string {
	n := map[string]int{}
	var order []string
	add := func(k string) {
		if n[k] == 0 {
			order = append(order, k)
		}
		n[k]++
	}
	for _, r := range b.runs {
		switch {
		case !r.started:
			add("to start")
		case r.creating:
			add("starting")
		case r.done && r.w.res.Conclusion != "":
			add(string(r.w.res.Conclusion))
		case r.done:
			add("error")
		case r.w.res.State == "":
			add("starting")
		default:
			add(string(r.w.res.State))
		}
	}
	rank := func(k string) int {
		for i, s := range []string{"starting", "QUEUED", "PENDING", "CLAIMED", "INPROGRESS"} {
			if k == s {
				return i
			}
		}
		if k == "to start" {
			return 100
		}
		return 50
	}
	slices.SortStableFunc(order, func(a, c string) int { return rank(a) - rank(c) })
	parts := make([]string, 0, len(order))
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
	}
	return strings.Join(parts, ", ")
}

// keyReporter prefixes a run's lines with its key. Its notices (the
// session link, at capacity) are log lines: a hundred of them would bury
// the step's annotations. Quiet, its warnings are log lines too.
type keyReporter struct {
	rep   Reporter
	key   string
	quiet bool
}

func (k *keyReporter) Logf(format string, args ...any) {
	k.rep.Logf("[%s] %s", k.key, fmt.Sprintf(format, args...))
}

func (k *keyReporter) Debugf(format string, args ...any) {
	k.rep.Debugf("[%s] %s", k.key, fmt.Sprintf(format, args...))
}

func (k *keyReporter) Notice(title, message string) {
	k.rep.Logf("[%s] %s: %s", k.key, title, message)
}

func (k *keyReporter) Warning(title, message string) {
	if k.quiet {
		k.rep.Logf("[%s] %s: %s", k.key, title, message)
		return
	}
	k.rep.Warning(title, "["+k.key+"] "+message)
}

// lockedReporter lets the runs' goroutines (creates, cancels) share one
// Reporter, a line at a time.
type lockedReporter struct {
	mu  sync.Mutex
	rep Reporter
}

func (l *lockedReporter) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rep.Logf(format, args...)
}

func (l *lockedReporter) Debugf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rep.Debugf(format, args...)
}

func (l *lockedReporter) Notice(title, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rep.Notice(title, message)
}

func (l *lockedReporter) Warning(title, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rep.Warning(title, message)
}
