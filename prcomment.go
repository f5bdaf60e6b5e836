package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/comment"
	"github.com/oz-run/oz-run-action/internal/config"
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

// commentAbortWindow is how long after SIGINT the final edit of the comment
// may end: GitHub sends SIGTERM 7.5 s after SIGINT (then kills 2.5 s
// later), and the outputs, written after the comment, must be out before
// that. The remote cancel (runner.Options.CancelBudget, 4 s) comes first.
const commentAbortWindow = 6500 * time.Millisecond

// commentTermWindow is commentAbortWindow after SIGTERM: GitHub kills the
// step 2.5 s after it (GitLab's grace may be as short), and the outputs
// come after the comment.
const commentTermWindow = 1200 * time.Millisecond

// abortWindow is how long after the abort that ended ctx the final edit
// may end.
func abortWindow(ctx context.Context) time.Duration {
	if terminated(ctx) {
		return commentTermWindow
	}
	return commentAbortWindow
}

// minFinalEdit is the least time worth trying the final edit in.
const minFinalEdit = 300 * time.Millisecond

// prComment is the comment of one step; a nil *prComment does nothing.
type prComment struct {
	st      *comment.Sticky
	p       ci.Platform
	cfg     *config.Config
	secrets *redact.Redactor // the step's: the key, the tokens, api_url's credentials
	started time.Time

	abortedAt atomic.Int64 // UnixNano of the abort; 0 while not aborted
	stopAbort func() bool
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
	pc.stopAbort = context.AfterFunc(ctx, func() { pc.abortedAt.Store(time.Now().UnixNano()) })
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
	return pc.render(redact.Copy(pc.secrets, runner.Result{
		RunID: pr.RunID, State: state, Started: pc.started,
		Run: &oz.Run{RunID: pr.RunID, State: state, SessionLink: pr.SessionLink},
	}))
}

// render is the comment's body for res, redacted already (Ended zero: the
// run still works); the Markdown is redacted again after escaping.
func (pc *prComment) render(res runner.Result) string {
	body := summary.Comment(res, summary.Options{
		FailOn:   pc.cfg.FailOn,
		Title:    pc.cfg.Title,
		MaxBytes: min(summary.DefaultCommentMaxBytes, pc.st.MaxBody()),
	})
	return pc.secrets.String(body)
}

// finish writes the outcome res (redacted) into the comment and returns
// its web URL, or "" when none was written. ctx is the step's: ended when
// the step was aborted, and then the edit must fit in what is left of the
// abort window.
// Without a run id (nothing was created) the comment is left as it was.
func (pc *prComment) finish(ctx context.Context, res runner.Result) string {
	if pc == nil {
		return ""
	}
	defer pc.close()
	if res.RunID == "" {
		return ""
	}
	// Finish has its own budget (10 s); an abort leaves less.
	deadline := time.Now().Add(comment.DefaultFinishBudget)
	if at := pc.abortedAt.Load(); at != 0 || ctx.Err() != nil {
		if at == 0 { // the AfterFunc has not run yet: the abort is this moment
			at = time.Now().UnixNano()
		}
		deadline = time.Unix(0, at).Add(abortWindow(ctx))
		if time.Until(deadline) < minFinalEdit {
			pc.p.Warning("PR comment", "The comment was not updated with the outcome: the step was aborted and no time is left before the runner stops it.")
			return pc.st.URL()
		}
	}
	fctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	// A signal while the edit waits on the forge cuts it to the abort
	// window from that moment: the outputs, written after it, must be out
	// before the runner kills the step. The goroutine that waits for it
	// ends before finish returns.
	cut := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(cut)
		t := time.NewTimer(abortWindow(ctx))
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-fctx.Done():
		}
	})
	defer func() {
		cancel()
		if !stop() {
			<-cut
		}
	}()
	pc.st.Finish(fctx, pc.render(res))
	return pc.st.URL()
}

// close stops the comment's background work; it may be called after finish.
func (pc *prComment) close() {
	if pc == nil {
		return
	}
	pc.stopAbort()
	pc.st.Close()
}

// printComment prints the comment's final body, for `oz-run demo --comment`.
func printComment(w io.Writer, cfg *config.Config, res runner.Result) {
	body := summary.Comment(res, summary.Options{FailOn: cfg.FailOn, Title: cfg.Title})
	fmt.Fprintf(w, "\n--- the PR/MR comment (comment: true; not sent: the demo has no pull request) ---\n%s", body)
}
