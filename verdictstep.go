package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/verdict"
	"github.com/oz-run/oz-run-action/internal/work"
)

// The agent's verdict, between the runner's outcome and the report: a run
// that SUCCEEDED with output_schema has its answer judged (verdict); an
// invalid answer is sent back to the agent as a repair follow-up through
// the runner (its follow-up path, with the stale-state rule) while
// output_retries remain, and within what is left of the step's timeout.

// fileBase is the web URL of the repository's files at the PR/MR's head
// commit (ending in /), from the facts prfacts checked: the PR's URL
// without /pull/N (GitHub) or /-/merge_requests/N (GitLab), then
// blob/SHA/ (GitHub) or -/blob/SHA/ (GitLab); "" when a fact is unknown.
func fileBase(cfg *config.Config) string {
	pr := cfg.PR
	if pr == nil || pr.URL == "" || pr.HeadSHA == "" || pr.Number <= 0 {
		return ""
	}
	n := "/" + strconv.Itoa(pr.Number)
	if pr.GitLab {
		if repo, ok := strings.CutSuffix(pr.URL, "/-/merge_requests"+n); ok {
			return repo + "/-/blob/" + pr.HeadSHA + "/"
		}
		return ""
	}
	if repo, ok := strings.CutSuffix(pr.URL, "/pull"+n); ok {
		return repo + "/blob/" + pr.HeadSHA + "/"
	}
	return ""
}

// judging is what judging a run's answer needs: output_schema and pass_if
// (a nil Schema judges nothing), output_retries, and the run's Spec, whose
// wait settings and timeout the repair follow-ups keep.
type judging struct {
	verdict verdict.Spec
	retries int
	run     runner.Spec
}

// judgeRun judges the step's run (judgeWith with the step's inputs).
func judgeRun(ctx context.Context, cfg *config.Config, api *oz.Client, p ci.Platform, opts runner.Options, wopts work.Options, res outcome.Result) outcome.Result {
	return judgeWith(ctx, judging{verdict: cfg.Judge, retries: cfg.OutputRetries, run: cfg.Spec()}, api, p, opts, wopts, res)
}

// judgeWith judges res's answer as j says, asking for repairs, and returns
// the result with its Verdict (and its conclusion rejected or
// invalid_output when the verdict says so). A run that did not succeed, or
// one without output_schema, is returned as it is. The repair's run may end
// otherwise (failed, timed out, aborted): that is the outcome. A batch
// item's ended run is judged with it too, with the item's Spec.
func judgeWith(ctx context.Context, j judging, api *oz.Client, p ci.Platform, opts runner.Options, wopts work.Options, res outcome.Result) outcome.Result {
	for asked := 0; judged(j, res); asked++ {
		v := j.verdict.Judge(res.Work.Answer)
		repair := v.Repair()
		if v.Conclusion != verdict.InvalidOutput || repair == "" || asked >= j.retries || ctx.Err() != nil {
			return withVerdict(p, res, v)
		}
		left := j.run.Timeout - time.Since(res.Started)
		if left <= 0 {
			v.Reason += "; no time was left within timeout to ask the agent to correct it"
			return withVerdict(p, res, v)
		}
		p.Notice("Structured output", fmt.Sprintf("The answer does not match output_schema (%s); asking the agent to correct it (follow-up %d of %d, within the %s left of timeout).",
			v.Reason, asked+1, j.retries, outcome.FormatDuration(left.Round(time.Second))))
		res = repairRun(ctx, j.run, api, p, opts, wopts, res, repair, left)
	}
	return res
}

// judged reports whether res's answer is to be judged: output_schema is
// set and the run SUCCEEDED (and was waited for).
func judged(j judging, res outcome.Result) bool {
	return j.verdict.Schema != nil && res.Err == nil && !res.NoWait && res.Conclusion == outcome.Succeeded
}

// withVerdict is res with the verdict v, and its conclusion.
func withVerdict(p ci.Platform, res outcome.Result, v verdict.Outcome) outcome.Result {
	if w := verdict.DroppedWarning(v.Findings); w != "" {
		p.Warning("Findings", w)
	}
	res.Verdict = &v
	switch v.Conclusion {
	case verdict.Rejected:
		res.Conclusion = outcome.Rejected
	case verdict.InvalidOutput:
		res.Conclusion = outcome.InvalidOutput
	}
	return res
}

// repairRun sends the repair follow-up to res's run and waits for it to end
// again (the runner's follow-up path: its stale-state rule), within left;
// then reads the new answer. The step's run stays res's: when it started,
// how it was started, the files downloaded after the first end.
func repairRun(ctx context.Context, spec runner.Spec, api *oz.Client, p ci.Platform, opts runner.Options, wopts work.Options, res outcome.Result, repair string, left time.Duration) outcome.Result {
	spec.Create = oz.CreateRunRequest{}
	spec.RunID, spec.Followup, spec.Wait, spec.Timeout = res.RunID, repair, true, left
	spec.Rerun = runner.Rerun{}
	opts.Sinks = nil // the comment hears of the step's outcome at its end
	next := runner.Run(ctx, spec, api, p, opts)
	next.Started, next.Attached, next.Reattached = res.Started, res.Attached, res.Reattached
	next.Followup = res.Followup
	next.Timeline = append(append([]outcome.Transition(nil), res.Timeline...), next.Timeline...)
	if next.RunID == "" {
		next.RunID = res.RunID
	}
	if next.Run == nil {
		next.Run = res.Run
	}
	files := res.Work.Files
	next.Work = res.Work
	if work.Due(next) {
		wopts.FilesDir = "" // the files were downloaded after the first end
		next.Work = work.Read(ctx, api, next.RunID, next.Run, p, wopts)
		for _, w := range next.Work.Warnings {
			p.Warning("The agent's work", w)
		}
	}
	next.Work.Files = files
	return next
}
