// Package prcomment is the PR/MR comment as a runner.Sink. Forge keeps it
// on the pull request or merge request (comment.Sticky writes it in the
// background, at most one edit every 10 s, and once the run has ended
// gives it the final body); Printer prints each state it would be edited
// to (oz-run demo --comment). Both render the body with summary.Comment
// from the same redacted Result as the job summary, and redact the
// Markdown again after escaping. For a batch (prompts) both are also
// runner.BatchObservers: the comment shows the batch's table as its runs
// go on (summary.CommentBatchProgress), then its outcome (FinishBatch). Nothing here changes the exit code: a
// missing PR/MR is a notice, any other failure a warning.
package prcomment

import (
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/comment"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/summary"
	"github.com/oz-run/oz-run-action/internal/weburl"
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
	// Timeout is the timeout input, which a timed-out run's note names.
	Timeout time.Duration
	// JobURL is the page of the workflow run or job that runs the step;
	// Start reads it from the environment (JobURL) when it is empty.
	JobURL string
	// FileBase is the web URL of the repository's files at the head
	// commit, which a finding's path:line links to; empty links none.
	FileBase string

	// interval, set by tests, is the least time between two edits while
	// the runs work; zero is comment.DefaultInterval.
	interval time.Duration
}

// JobURL is the page of the workflow run (GitHub:
// $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID) or
// the job (GitLab: CI_JOB_URL) that runs the step, when it is a safe https
// URL; else empty.
func JobURL(getenv func(string) string) string {
	u := ""
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
		if server != "" && repo != "" && id != "" {
			u = strings.TrimSuffix(server, "/") + "/" + repo + "/actions/runs/" + id
		}
	case getenv("GITLAB_CI") == "true":
		u = getenv("CI_JOB_URL")
	}
	if safe, ok := weburl.ShellSafe(u); ok {
		return safe
	}
	return ""
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
	body := summary.Comment(res, summary.Options{FailOn: r.opts.FailOn, Title: r.opts.Title, MaxBytes: r.maxBytes,
		Timeout: r.opts.Timeout, JobURL: r.opts.JobURL, FileBase: r.opts.FileBase})
	return r.opts.Redactor.String(body)
}
