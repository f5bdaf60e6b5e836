// Package prcomment is the PR/MR comment as a runner.Sink. Forge keeps it
// on the pull request or merge request (comment.Sticky writes it in the
// background, at most one edit every 10 s, and once the run has ended
// gives it the final body); Printer prints each state it would be edited
// to (oz-run demo --comment). Both render the body with summary.Comment
// from the same redacted Result as the job summary, and redact the
// Markdown again after escaping. Nothing here changes the exit code: a
// missing PR/MR is a notice, any other failure a warning.
package prcomment

import (
	"time"

	"github.com/oz-run/oz-run-action/internal/comment"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/summary"
)

// Options are what the comment's body shows, and how it is kept secret.
type Options struct {
	// FailOn says whether the conclusion fails the step (the verdict).
	FailOn outcome.FailOn
	// Title names the run in the heading (the title input).
	Title string
	// Redactor is the step's: the key, the tokens, api_url's credentials.
	// It must not be nil.
	Redactor *redact.Redactor
}

// renderer makes the comment's bodies.
type renderer struct {
	opts    Options
	started time.Time
	// maxBytes caps a body: what one comment holds on the forge.
	maxBytes int
}

// progress is the body while the run works: its links and state, redacted
// before they are escaped.
func (r *renderer) progress(pr comment.Progress) string {
	state := oz.State(pr.State)
	return r.final(redact.Copy(r.opts.Redactor, outcome.Result{
		RunID: pr.RunID, State: state, Started: r.started,
		Run: &oz.Run{RunID: pr.RunID, State: state, SessionLink: pr.SessionLink},
	}))
}

// final is the body for res, redacted already (Ended zero: the run still
// works); the Markdown is redacted again after escaping.
func (r *renderer) final(res outcome.Result) string {
	body := summary.Comment(res, summary.Options{FailOn: r.opts.FailOn, Title: r.opts.Title, MaxBytes: r.maxBytes})
	return r.opts.Redactor.String(body)
}
