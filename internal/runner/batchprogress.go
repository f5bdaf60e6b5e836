package runner

import (
	"slices"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// A batch's progress for its sinks: the PR/MR comment shows the batch's
// table while its runs work, not only once they have all ended.

// BatchObserver is a Sink that follows a batch as it goes. RunBatch calls
// ObserveBatch from its poller's goroutine once the first run of the
// batch has an id, then each time a run is created, changes state, shows
// its session link or ends (not after the batch's timeout or an abort:
// the final outcome follows soon). b is a snapshot: each run as known so
// far (NotStarted: not created yet; a Result with no run id: being
// created; Ended zero and no conclusion: still working), b.Ended zero. Its
// runs' *oz.Run and Timeline are shared with the runner, which never
// writes them again (a read replaces a run's *oz.Run; a Timeline grows
// past b's length): b may be read later, from any goroutine, but never
// written. ObserveBatch must return at once: the poller waits for it.
type BatchObserver interface {
	ObserveBatch(b outcome.Batch)
}

// runMark is what a sink sees change of one run.
type runMark struct {
	started, creating, done bool
	id                      string
	state                   oz.State
	session                 string
	conclusion              outcome.Conclusion
}

// progress tells the batch's observers its snapshot when a run has an id
// and something they see has changed since the last time. Only the
// poller's goroutine calls it, never while a run's create or cancel is
// under way in another (their waiters are read).
func (b *batch) progress() {
	var obs []BatchObserver
	for _, s := range b.opts.Sinks {
		if o, ok := s.(BatchObserver); ok && o != nil {
			obs = append(obs, o)
		}
	}
	if len(obs) == 0 {
		return
	}
	marks := make([]runMark, len(b.runs))
	anyID := false
	for i, r := range b.runs {
		m := runMark{started: r.started, creating: r.creating, done: r.done}
		if r.started && !r.creating {
			res := &r.w.res
			m.id, m.state, m.session, m.conclusion = res.RunID, res.State, res.Run.SessionURL(), res.Conclusion
			anyID = anyID || res.RunID != ""
		}
		marks[i] = m
	}
	if !anyID || slices.Equal(marks, b.marks) {
		return
	}
	b.marks = marks
	snap := outcome.Batch{ID: b.res.ID, Started: b.res.Started, Runs: make([]outcome.BatchRun, len(b.runs))}
	for i, r := range b.runs {
		run := outcome.BatchRun{Key: r.key, NotStarted: !r.started}
		if r.started && !r.creating {
			run.Result = r.w.res
		}
		snap.Runs[i] = run
	}
	for _, o := range obs {
		o.ObserveBatch(snap)
	}
}
