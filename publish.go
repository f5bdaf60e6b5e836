package main

import (
	"context"
	"fmt"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/prcomment"
	"github.com/oz-run/oz-run-action/internal/report"
)

// The end of a step, a run's or a batch's: the outcome published and the
// exit code.

// publish writes the report (the comment's URL set in it) and returns the
// step's exit code: code, the outcome's, but 2 when a file could not be
// written under a passing outcome (which names), and 5 when a signal came
// while the outcome was published. announce says how the step ended, after
// the files are written; the comment's trouble, if it was never written,
// is the last line.
func publish(ctx context.Context, p ci.Platform, forge *prcomment.Forge, rep ci.Report, code int, which string, announce func()) int {
	report.SetOutput(rep.Outputs, "comment_url", forge.URL())
	exit := code
	if err := p.Publish(rep); err != nil {
		// Later steps read these files: one that could not be written
		// fails the step. Every check that can be made beforehand was
		// (exit 2, nothing sent); this is a full disk or a path changed
		// during the run. A failing run keeps its own code.
		msg := err.Error()
		if code == outcome.ExitOK {
			exit = outcome.ExitInput
			msg += "; so the step fails (exit 2), though " + which + " passes"
		}
		p.Error("Writing outputs", msg)
	}
	announce()
	if why := forge.Unwritten(); why != "" {
		// Said last, once, as a plain line (the warning was given when
		// the write failed): the reader of the log's end learns that the
		// PR/MR has no comment from this step, and why.
		p.Logf("PR comment: no comment was written on the pull request or merge request (comment_url is empty): %s", why)
	}
	if ctx.Err() != nil && exit != outcome.ExitAborted {
		// A signal while the outcome was published aborts the step too;
		// what was written stands.
		p.Warning("Aborted", fmt.Sprintf("aborted (%v) while the outcome was published; the outputs were written", context.Cause(ctx)))
		exit = outcome.ExitAborted
	}
	return exit
}
