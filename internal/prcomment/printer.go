package prcomment

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/oz-run/oz-run-action/internal/comment"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/summary"
)

// Printer prints each state of the comment as it would be edited, for
// oz-run demo --comment (the demo has no pull request): a body each time
// what the runner tells changes, and the final body. Unlike the forge's
// comment it prints every state, not one every 10 s.
type Printer struct {
	w io.Writer
	r renderer

	mu        sync.Mutex
	last      comment.Progress
	lastBatch string // the last batch's body printed
	n         int    // bodies printed
}

// NewPrinter prints the comment's bodies to w.
func NewPrinter(w io.Writer, opts Options) *Printer {
	return &Printer{w: w, r: renderer{opts: opts, started: time.Now(), maxBytes: summary.DefaultCommentMaxBytes}}
}

// Observe prints the body the comment would be edited to, when something
// changed.
func (p *Printer) Observe(runID, state, sessionLink string) {
	pr := comment.Progress{RunID: runID, State: state, SessionLink: sessionLink}
	p.mu.Lock()
	defer p.mu.Unlock()
	if runID == "" || pr == p.last {
		return
	}
	p.last = pr
	p.print(orUnknown(state), p.r.progress(pr))
}

// Finish prints the final body; without a run id (nothing was created),
// nothing, as the comment would be left as it was.
func (p *Printer) Finish(_ context.Context, res outcome.Result) {
	if res.RunID == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.print("the outcome", p.r.final(res))
}

func (p *Printer) print(what, body string) {
	p.n++
	fmt.Fprintf(p.w, "\n--- the PR/MR comment, version %d (%s; not sent: the demo has no pull request) ---\n%s", p.n, what, body)
}

func orUnknown(state string) string {
	if state == "" {
		return "state not known yet"
	}
	return state
}
