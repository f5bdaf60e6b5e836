package prcomment

import (
	"context"
	"errors"
	"time"

	"github.com/oz-run/oz-run-action/internal/abort"
	"github.com/oz-run/oz-run-action/internal/comment"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/summary"
)

// minFinalEdit is the least time worth trying the final edit in.
const minFinalEdit = 300 * time.Millisecond

// Reporter is where Forge says why there is no comment, or that the final
// edit was not tried (a ci.Platform is one).
type Reporter interface {
	Notice(title, message string)
	Warning(title, message string)
}

// Forge is the comment on the job's pull request or merge request. A nil
// *Forge does nothing.
type Forge struct {
	st  *comment.Sticky
	rep Reporter
	r   renderer
}

// Start sets up the comment on the forge with cfg (its Render is Forge's);
// opts.Redactor is passed on to it. It returns nil, and says so once to
// rep (a notice without a PR/MR, else a warning), when there is no PR/MR
// or the comment cannot be written; no forge is called here. Call Close
// (or Finish) on a Forge in every case.
func Start(ctx context.Context, cfg comment.Config, opts Options, rep Reporter) *Forge {
	if opts.JobURL == "" && cfg.Getenv != nil {
		opts.JobURL = JobURL(cfg.Getenv)
	}
	f := &Forge{rep: rep, r: renderer{opts: opts, started: time.Now()}}
	cfg.Render = f.r.progress
	cfg.Redactor = opts.Redactor
	if opts.interval > 0 {
		cfg.Interval = opts.interval
	}
	st, err := comment.New(ctx, cfg)
	switch {
	case errors.Is(err, comment.ErrNoPullRequest):
		rep.Notice("PR comment", "comment: true, but "+err.Error()+": no comment is written.")
		return nil
	case err != nil:
		rep.Warning("PR comment", "No comment is written on the pull request or merge request: "+err.Error()+".")
		return nil
	}
	f.st = st
	f.r.maxBytes = min(summary.DefaultCommentMaxBytes, st.MaxBody())
	return f
}

// Observe hands what the runner tells to the comment, which renders and
// writes it in the background when something changed.
func (f *Forge) Observe(runID, state, sessionLink string) {
	if f == nil {
		return
	}
	f.st.Observe(runID, state, sessionLink)
}

// Finish writes the outcome res (redacted) into the comment. ctx is the
// step's: after a signal, the edit ends when the signal's deadline leaves
// publishing its reserve (abort.Comment: the remote cancel has had its
// share before), and a signal while it waits on the forge cuts it there,
// so that the outputs, written after it, are out before the runner kills
// the step. Without a run id (nothing was created) the comment is left as
// it was.
func (f *Forge) Finish(ctx context.Context, res outcome.Result) {
	if f == nil {
		return
	}
	defer f.Close()
	if res.RunID == "" {
		return
	}
	f.finish(ctx, func() string { return f.r.final(res) })
}

// finish makes the comment's final edit with the body body gives, within
// its own budget (10 s) or what a signal leaves of its deadline's share,
// whichever is shorter; none when the signal left too little.
func (f *Forge) finish(ctx context.Context, body func() string) {
	d := abort.From(ctx)
	if left, ok := d.Left(abort.Comment); ok && left < minFinalEdit {
		f.rep.Warning("PR comment", "The comment was not updated with the outcome: the step was aborted and no time is left before the runner stops it.")
		return
	}
	budget, cancelBudget := context.WithTimeout(context.WithoutCancel(ctx), comment.DefaultFinishBudget)
	defer cancelBudget()
	fctx, cancel := d.Bound(budget, abort.Comment)
	defer cancel()
	f.st.Finish(fctx, body())
}

// URL is the comment's web page once it has been written or found (the
// comment_url output); empty before, and without a comment.
func (f *Forge) URL() string {
	if f == nil {
		return ""
	}
	return f.st.URL()
}

// Unwritten says why no write of the comment ever succeeded (empty once
// one has, or when none was tried, or without a comment).
func (f *Forge) Unwritten() string {
	if f == nil {
		return ""
	}
	return f.st.Unwritten()
}

// Close stops the comment's background work; it may be called after
// Finish.
func (f *Forge) Close() {
	if f == nil {
		return
	}
	f.st.Close()
}
