package prcomment

import (
	"context"
	"fmt"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/summary"
)

// A batch (prompts): the comment is created once the batch's first run
// has an id, shows the batch's table as its runs go on (ObserveBatch:
// each run's state so far, through the same throttle as one run's, at
// most one edit every 10 s), and is edited a last time with the batch's
// outcome (FinishBatch): one table, a row a run, each answer collapsed.

// BatchSink is what follows a batch: its outcome, once, redacted.
type BatchSink interface {
	FinishBatch(ctx context.Context, b outcome.Batch)
}

// ObserveBatch hands the batch's snapshot b (runner.BatchObserver) to the
// comment, which writes it in the background: created with the first
// snapshot that has a run id, then edited at most once every interval,
// the latest snapshot winning. b is rendered (redacted) by the comment's
// goroutine when it is written: a snapshot dropped for a later one costs
// the runner's poller nothing.
func (f *Forge) ObserveBatch(b outcome.Batch) {
	if f == nil || !anyRun(b) {
		return
	}
	f.st.UpdateFunc(func() string { return f.r.batchProgress(b) })
}

// FinishBatch writes the batch's outcome b (redacted) into the comment,
// within the same windows as Finish. Without a run created, the comment is
// left as it was.
func (f *Forge) FinishBatch(ctx context.Context, b outcome.Batch) {
	if f == nil {
		return
	}
	defer f.Close()
	if !anyRun(b) {
		return
	}
	f.finish(ctx, func() string { return f.r.batch(b) })
}

// ObserveBatch prints the body the comment would be edited to, when it
// changed.
func (p *Printer) ObserveBatch(b outcome.Batch) {
	if !anyRun(b) {
		return
	}
	body := p.r.batchProgress(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	if body == p.lastBatch {
		return
	}
	p.lastBatch = body
	p.print(fmt.Sprintf("%d of %d runs ended", summary.BatchEnded(b), len(b.Runs)), body)
}

// FinishBatch prints the batch's final body, for the demo.
func (p *Printer) FinishBatch(_ context.Context, b outcome.Batch) {
	if !anyRun(b) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.print("the outcome", p.r.batch(b))
}

// batch is the body for b, redacted already; the Markdown is redacted
// again after escaping.
func (r *renderer) batch(b outcome.Batch) string {
	body := summary.CommentBatch(b, summary.Options{FailOn: r.opts.FailOn, Title: r.opts.Title, MaxBytes: r.maxBytes})
	return r.opts.Redactor.String(body)
}

// batchProgress is the body while the batch's runs go on: b (a snapshot,
// as the runner tells it) redacted before it is escaped, the Markdown
// redacted again after.
func (r *renderer) batchProgress(b outcome.Batch) string {
	body := summary.CommentBatchProgress(redact.Copy(r.opts.Redactor, b), summary.Options{FailOn: r.opts.FailOn, Title: r.opts.Title, MaxBytes: r.maxBytes})
	return r.opts.Redactor.String(body)
}

// anyRun reports whether the batch created a run.
func anyRun(b outcome.Batch) bool {
	for _, r := range b.Runs {
		if r.Result.RunID != "" {
			return true
		}
	}
	return false
}
