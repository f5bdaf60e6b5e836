package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/oz-run/oz-run-action/internal/abort"
	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/comment"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/summary"
)

// The PR/MR comment (comment: true) hangs off the run as the runner's
// Observer: comment.Sticky writes it in the background (at most one edit
// every 10 s), and once the run has ended it gets the final body, rendered
// by summary.Comment from the same redacted Result as the job summary.
// Nothing here changes the exit code: a missing PR/MR is a notice, any
// other failure a warning.

// minFinalEdit is the least time worth trying the final edit in.
const minFinalEdit = 300 * time.Millisecond

// prComment is the comment of one step; a nil *prComment does nothing.
type prComment struct {
	st      *comment.Sticky
	p       ci.Platform
	cfg     *config.Config
	secrets *redact.Redactor // the step's: the key, the tokens, api_url's credentials
	started time.Time
}

// startComment sets up the comment when cfg asks for one (and rs does not
// print it instead); red is the step's redactor. It returns nil (and prints
// one notice or warning) when there is no PR/MR or it cannot be written; no
// forge is called here.
func startComment(ctx context.Context, p ci.Platform, cfg *config.Config, red *redact.Redactor, getenv func(string) string, rs runSettings) *prComment {
	if !cfg.Comment || rs.printComment {
		return nil
	}
	pc := &prComment{p: p, cfg: cfg, secrets: red, started: time.Now()}
	ccfg := comment.Config{
		Getenv:      getenv,
		GitHubToken: cfg.GitHubToken,
		GitLabToken: cfg.GitLabToken,
		Key:         cfg.CommentKey,
		Render:      pc.renderProgress,
		Warner:      p,
		UserAgent:   "oz-run/" + rs.version,
		Redactor:    red,
	}
	if cfg.Debug {
		ccfg.Debugf = p.Debugf
	}
	st, err := comment.New(ctx, ccfg)
	switch {
	case errors.Is(err, comment.ErrNoPullRequest):
		p.Notice("PR comment", "comment: true, but "+err.Error()+": no comment is written.")
		return nil
	case err != nil:
		p.Warning("PR comment", "No comment is written on the pull request or merge request: "+err.Error()+".")
		return nil
	}
	pc.st = st
	return pc
}

// observer is the runner's Observer: the Sticky, or nil without one (a nil
// *prComment must not become a non-nil interface).
func (pc *prComment) observer() runner.Observer {
	if pc == nil {
		return nil
	}
	return pc.st
}

// renderProgress is the body while the run works: its links and state,
// redacted before they are escaped.
func (pc *prComment) renderProgress(pr comment.Progress) string {
	state := oz.State(pr.State)
	return pc.render(redact.Copy(pc.secrets, outcome.Result{
		RunID: pr.RunID, State: state, Started: pc.started,
		Run: &oz.Run{RunID: pr.RunID, State: state, SessionLink: pr.SessionLink},
	}))
}

// render is the comment's body for res, redacted already (Ended zero: the
// run still works); the Markdown is redacted again after escaping.
func (pc *prComment) render(res outcome.Result) string {
	body := summary.Comment(res, summary.Options{
		FailOn:   pc.cfg.FailOn,
		Title:    pc.cfg.Title,
		MaxBytes: min(summary.DefaultCommentMaxBytes, pc.st.MaxBody()),
	})
	return pc.secrets.String(body)
}

// finish writes the outcome res (redacted) into the comment and returns
// its web URL, or "" when none was written. ctx is the step's: after a
// signal, the edit ends when the signal's deadline leaves publishing its
// reserve (abort.Comment: the remote cancel has had its share before), and
// a signal while it waits on the forge cuts it there, so that the outputs,
// written after it, are out before the runner kills the step.
// Without a run id (nothing was created) the comment is left as it was.
func (pc *prComment) finish(ctx context.Context, res outcome.Result) string {
	if pc == nil {
		return ""
	}
	defer pc.close()
	if res.RunID == "" {
		return ""
	}
	d := abort.From(ctx)
	if left, ok := d.Left(abort.Comment); ok && left < minFinalEdit {
		pc.p.Warning("PR comment", "The comment was not updated with the outcome: the step was aborted and no time is left before the runner stops it.")
		return pc.st.URL()
	}
	// Finish has its own budget (10 s); a signal leaves less.
	budget, cancelBudget := context.WithTimeout(context.WithoutCancel(ctx), comment.DefaultFinishBudget)
	defer cancelBudget()
	fctx, cancel := d.Bound(budget, abort.Comment)
	defer cancel()
	pc.st.Finish(fctx, pc.render(res))
	return pc.st.URL()
}

// close stops the comment's background work; it may be called after finish.
func (pc *prComment) close() {
	if pc == nil {
		return
	}
	pc.st.Close()
}

// printComment prints the comment's final body, for `oz-run demo --comment`.
func printComment(w io.Writer, cfg *config.Config, res outcome.Result) {
	body := summary.Comment(res, summary.Options{FailOn: cfg.FailOn, Title: cfg.Title})
	fmt.Fprintf(w, "\n--- the PR/MR comment (comment: true; not sent: the demo has no pull request) ---\n%s", body)
}
