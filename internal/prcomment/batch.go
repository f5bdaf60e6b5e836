package prcomment

import (
	"context"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/summary"
)

// A batch (prompts): the comment is written once, with the batch's
// outcome: one table, a row a run, and each answer collapsed.

// BatchSink is what follows a batch: its outcome, once, redacted.
type BatchSink interface {
	FinishBatch(ctx context.Context, b outcome.Batch)
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

// anyRun reports whether the batch created a run.
func anyRun(b outcome.Batch) bool {
	for _, r := range b.Runs {
		if r.Result.RunID != "" {
			return true
		}
	}
	return false
}
