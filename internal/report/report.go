// Package report maps a step's outcome to the contract: the outputs in
// the contract's order, what the platform publishes (the summaries, the
// JUnit case's title and message, the result file) and the lines that
// announce how the step ended. It is pure: no I/O, no clock; the Result
// comes in redacted, and the platform escapes and writes what it returns.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/summary"
)

// Options are the inputs the mapping reads.
type Options struct {
	// FailOn says which conclusions fail the step (fail_on).
	FailOn outcome.FailOn
	// Title names the run (the title input); empty: the run's own title.
	Title string
	// Summary renders the job summary (the summary input).
	Summary bool
	// Text renders the summary as plain text too, for a terminal.
	Text bool
	// ResultFile is where the run object is written (result_file); empty
	// writes none.
	ResultFile string
	// Timeout is the timeout input, which the outcome's line names.
	Timeout time.Duration
	// LeaveOnTimeout is on_timeout: leave: a run still going after the
	// timeout may be waited for again.
	LeaveOnTimeout bool
	// FileBase is the web URL of the repository's files at the head
	// commit, which a finding's path:line links to; empty links none.
	FileBase string
}

// Build is what the platform publishes for res: the outputs (comment_url
// empty: see SetOutput), whether the step fails, the summaries, and the
// result file.
func Build(res outcome.Result, opts Options) ci.Report {
	r := ci.Report{
		Outputs:  Outputs(res),
		Failed:   res.ExitCode(opts.FailOn) != outcome.ExitOK,
		Title:    title(res, opts),
		Message:  message(res, opts),
		Duration: res.Ended.Sub(res.Started),
		Answer:   res.Work.Answer,
	}
	if opts.Summary {
		so := summary.Options{FailOn: opts.FailOn, Timeout: opts.Timeout, FileBase: opts.FileBase}
		r.Summary = summary.Render(res, so)
		if opts.Text {
			r.SummaryText = summary.Text(res, so)
		}
	}
	addVerdict(&r, res)
	if opts.ResultFile != "" && res.RunID != "" { // no run, no run object
		r.ResultFile = opts.ResultFile
		r.ResultJSON = ResultJSON(res)
	}
	return r
}

// InputsURL is where every input is described, for a reader of a CI log
// (who cannot run oz-run --help there).
// (config.InputsURL is the same: TestInputsURL.)
const InputsURL = "https://github.com/oz-run/oz-run-action/blob/main/docs/inputs.md#inputs"

// InputError is what a step stopped by invalid input publishes (as on
// every path: the outputs, the summary and, off GitHub, the report files,
// so that a merge request shows the failure too), and the error it says.
// err is redacted already. On a terminal the line points at oz-run --help;
// in a CI log, at the inputs page (docs/inputs.md).
func InputError(err error, terminal bool) (Line, ci.Report) {
	where := "Every input is described at " + InputsURL + "."
	if terminal {
		where = "Run `oz-run --help` for every input."
	}
	return Line{Level: Error, Title: "Invalid input", Message: err.Error() + "\nNothing was sent to the Oz API. " + where},
		ci.Report{
			Outputs: Outputs(outcome.Result{}),
			Summary: summary.InputError(err),
			Failed:  true,
			Title:   "Oz run",
			Message: "invalid input: " + err.Error(),
		}
}

// title names the run in the reports: the title input, the run's title,
// its id.
func title(res outcome.Result, opts Options) string {
	switch {
	case opts.Title != "":
		return opts.Title
	case res.Run != nil && res.Run.Title != "":
		return res.Run.Title
	case res.RunID != "":
		return "Oz run " + res.RunID
	}
	return "Oz run"
}

// message is the step's outcome in one line: the error, or how the run
// ended.
func message(res outcome.Result, opts Options) string {
	if res.Err != nil {
		return res.Err.Error()
	}
	return Ending(res, opts)
}

// Ending is a one-line description of how the run ended.
func Ending(res outcome.Result, opts Options) string {
	var b strings.Builder
	id := res.RunID
	if id == "" {
		id = "(id unknown)"
	}
	state := ""
	if res.State != "" {
		state = fmt.Sprintf(" (state %s)", res.State)
	}
	timeout := outcome.FormatDuration(opts.Timeout)
	switch {
	case res.Conclusion == outcome.Skipped:
		b.WriteString(SkippedWhy)
	case res.Conclusion == outcome.OverBudget:
		spent := "its reported cost"
		if res.Run != nil {
			if usd, ok := res.Run.RequestUsage.CostUSD(); ok {
				spent = fmt.Sprintf("its reported cost ($%.2f)", usd)
			}
		}
		verb := "was cancelled"
		if !res.Cancelled {
			verb = "could not be cancelled"
		}
		fmt.Fprintf(&b, "run %s reached max_cost_usd ($%.2f) with %s and %s%s", id, res.MaxCostUSD, spent, verb, state)
	case res.Conclusion == outcome.Submitted && res.Followup != nil:
		fmt.Fprintf(&b, "follow-up sent to run %s (outcome %s), not waited for (wait: false)%s", id, res.Followup.Outcome, state)
	case res.Conclusion == outcome.TimedOut && res.FollowupPending:
		fmt.Fprintf(&b, "run %s did not pick up the follow-up within %s (timeout)%s", id, timeout, state)
	case res.Conclusion == outcome.Submitted && res.Attached:
		fmt.Fprintf(&b, "run %s is still working%s; not waited for (wait: false)", id, state)
	case res.Conclusion == outcome.Submitted:
		fmt.Fprintf(&b, "run %s submitted, not waited for (wait: false)%s", id, state)
	case res.Conclusion == outcome.TimedOut && res.RunID == "":
		fmt.Fprintf(&b, "the run was not started within %s (timeout)", timeout)
	case res.Conclusion == outcome.TimedOut && res.Cancelled:
		fmt.Fprintf(&b, "run %s did not end within %s (timeout) and was cancelled%s", id, timeout, state)
	case res.Conclusion == outcome.TimedOut && res.State.IsWorking():
		fmt.Fprintf(&b, "run %s did not end within %s (timeout) and is still running%s", id, timeout, state)
		if res.CancelErr == nil && opts.LeaveOnTimeout {
			fmt.Fprintf(&b, "; to wait for it again, run the step with run_id: %s", id)
		}
	case res.Conclusion == outcome.TimedOut:
		fmt.Fprintf(&b, "run %s did not end within %s (timeout)%s", id, timeout, state)
	case (res.Conclusion == outcome.Rejected || res.Conclusion == outcome.InvalidOutput) && res.Verdict != nil:
		fmt.Fprintf(&b, "run %s succeeded, %s", id, verdictWords(res))
	default:
		// The conclusion once, in words; the state only when it says more
		// (a state oz-run does not know, taken as failed).
		if strings.EqualFold(string(res.State), string(res.Conclusion)) || res.State == "" {
			state = ""
		}
		fmt.Fprintf(&b, "run %s %s%s", id, endedWords(res.Conclusion), state)
	}
	if res.Run != nil && res.Run.StatusMessage != nil && res.Run.StatusMessage.Message != "" {
		fmt.Fprintf(&b, ": %s", res.Run.StatusMessage.Message)
	}
	if res.RunID != "" {
		fmt.Fprintf(&b, " — %s", oz.RunURL(res.RunID))
	}
	return b.String()
}

// endedWords says how a run ended, after its id.
func endedWords(c outcome.Conclusion) string {
	switch c {
	case outcome.Succeeded, outcome.Failed:
		return string(c)
	case outcome.Error:
		return "ended in an error"
	case outcome.Blocked:
		return "is blocked"
	case outcome.Cancelled:
		return "was cancelled"
	case "":
		return "ended without a conclusion"
	}
	return "ended: " + string(c)
}

// SkippedWhy says why a step was skipped (conclusion skipped).
const SkippedWhy = "skipped: no Oz API key was given (warp_api_key and WARP_API_KEY are empty) and missing_key is skip, so nothing was sent to the Oz API; pull requests from forks and Dependabot get no secrets"

// Level is how a Line is said: a notice, a warning, an error.
type Level int

// The levels.
const (
	Notice Level = iota
	Warning
	Error
)

// Line is one annotation (GitHub) or marked line (elsewhere).
type Line struct {
	Level   Level
	Title   string
	Message string
}

// Announce is how the step says it ended: one line, and once more, when
// cancelling the run failed, that it may still be going.
func Announce(res outcome.Result, opts Options) []Line {
	var out []Line
	switch {
	case res.Err != nil:
		out = append(out, Line{Error, "Oz run", res.Err.Error()})
	case res.ExitCode(opts.FailOn) != outcome.ExitOK:
		out = append(out, Line{Error, "Oz run " + string(res.Conclusion), Ending(res, opts)})
	default:
		out = append(out, Line{Notice, "Oz run " + string(res.Conclusion), Ending(res, opts)})
	}
	if res.CancelErr != nil {
		what := "; check it on its run page and cancel it there if needed: "
		if oz.IsUncancellable(res.CancelErr) { // its message says so already
			what = ": "
		}
		out = append(out, Line{Warning, "Oz run may still be going", res.CancelErr.Error() + what + oz.RunURL(res.RunID)})
	}
	return out
}

// Outputs are the contract's outputs, in its order; result_file is added
// by the platform once the file is written, comment_url is empty (set it
// with SetOutput once the comment is written).
func Outputs(res outcome.Result) []ci.Output {
	run := res.Run
	if run == nil {
		run = &oz.Run{RunID: res.RunID, State: res.State}
	}
	sm := run.StatusMessage
	if sm == nil {
		sm = &oz.StatusMessage{}
	}
	credits, costUSD, tokens := "", "", ""
	if c, ok := run.RequestUsage.Credits(); ok {
		credits = strconv.FormatFloat(c, 'f', -1, 64)
	}
	if usd, ok := run.RequestUsage.CostUSD(); ok {
		// To the millionth of a dollar: no float noise (0.30000000000000004).
		costUSD = strconv.FormatFloat(math.Round(usd*1e6)/1e6, 'f', -1, 64)
	}
	if n, ok := run.RequestUsage.Tokens(); ok {
		tokens = strconv.FormatInt(n, 10)
	}
	conversationID := res.Work.ConversationID
	if conversationID == "" {
		conversationID = run.ConversationID
	}
	files := make([]string, 0, len(res.Work.Files))
	for _, f := range res.Work.Files {
		files = append(files, f.Path)
	}
	var structured []byte
	verdictWord, findings := "", ""
	if v := res.Verdict; v != nil && len(v.Structured) > 0 {
		structured, verdictWord = v.Structured, v.Verdict
		findings = reviewCounts(v)
	}
	artifacts := "[]"
	if len(run.Artifacts) > 0 {
		if b, err := oz.MarshalArtifacts(upTo(run.Artifacts, ci.MaxOutputValue)); err == nil {
			artifacts = string(b)
		}
	}
	return []ci.Output{
		{Name: "run_id", Value: res.RunID},
		{Name: "run_url", Value: oz.RunURL(res.RunID)},
		{Name: "state", Value: string(res.State)},
		{Name: "conclusion", Value: string(res.Conclusion)},
		{Name: "status_message", Value: sm.Message},
		{Name: "error_code", Value: sm.ErrorCode},
		{Name: "session_link", Value: run.SessionURL()},
		{Name: "pr_urls", Value: strings.Join(run.PullRequestURLs(), "\n")},
		{Name: "artifacts", Value: artifacts},
		{Name: "credits", Value: credits},
		{Name: "run_time", Value: run.RunTime},
		{Name: "result_file"}, // set once the file is written
		{Name: "agent_output", Value: res.Work.Answer},
		{Name: "conversation_id", Value: conversationID},
		{Name: "files", Value: strings.Join(files, "\n")},
		{Name: "cost_usd", Value: costUSD},
		{Name: "tokens", Value: tokens},
		{Name: "comment_url"}, // set once the comment is written
		{Name: "structured_output", Value: string(structured)},
		{Name: "verdict", Value: verdictWord},
		{Name: "findings", Value: findings},
		{Name: "runs"}, // with prompts only
	}
}

// SetOutput sets the value of the output name in outs.
func SetOutput(outs []ci.Output, name, value string) {
	for i := range outs {
		if outs[i].Name == name {
			outs[i].Value = value
		}
	}
}

// ResultJSON is the final run object, indented; when none was read, what
// is known. Its artifacts come last (a cut keeps the rest whole), and only
// as many as the file can hold.
func ResultJSON(res outcome.Result) []byte {
	run := res.Run
	if run == nil {
		run = &oz.Run{RunID: res.RunID, State: res.State}
	}
	r := *run
	r.Artifacts = upTo(run.Artifacts, ci.MaxResultFile)
	// Compact first, then indented: half the memory an indenting Encoder
	// takes on a run of 8 MiB.
	var compact, out bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false) // no \u003c: the text stays readable
	if enc.Encode(&r) != nil || json.Indent(&out, compact.Bytes(), "", "  ") != nil {
		return []byte("{}\n")
	}
	return out.Bytes()
}

// upTo is the artifacts that publishing can keep of limit bytes of their
// JSON, and one more when there are more (so that it sees the value is
// over its limit and says so): 1000 artifacts of 16 KiB each would
// otherwise be encoded in full only to be cut to 64 KiB.
func upTo(artifacts []oz.Artifact, limit int) []oz.Artifact {
	size := 0
	for i, a := range artifacts {
		b, err := a.MarshalJSON()
		if err != nil {
			return artifacts
		}
		if size += len(b) + 1; size > limit {
			return artifacts[:i+1]
		}
	}
	return artifacts
}
