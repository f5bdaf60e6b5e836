package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/abort"
	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/summary"
	"github.com/oz-run/oz-run-action/internal/work"
	"github.com/oz-run/oz-run-action/internal/workspace"
)

// The run subcommand: the inputs loaded and checked, the platform set up,
// the run created or attached to and waited for, the agent's work read, and
// the outcome published (outputs, summaries, report files, the PR/MR
// comment) with the exit code.

// runAction is the product: inputs -> run -> outputs, summary, exit code.
// version goes into the User-Agent.
func runAction(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer, version string) int {
	return runWith(ctx, args, env, stdout, stderr, runSettings{version: version})
}

// runSettings vary a run for the demo.
type runSettings struct {
	version string
	// noReportFiles writes no dotenv, summary or JUnit file.
	noReportFiles bool
	// printComment prints the PR/MR comment's final body (with comment:
	// true) instead of writing it on a forge: the demo has no PR/MR.
	printComment bool
}

func runWith(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer, rs runSettings) int {
	sur := newSurroundings(args, env, stdout, stderr, rs)
	// Secrets first, on every path: the key, the tokens and api_url's
	// credentials, as far as they can be read, are masked and redacted
	// before anything is reported, the errors about them included.
	sur.secrets = config.Secrets(args, env)
	red := redact.New(sur.secrets...)
	cfg, warnings, err := config.Load(args, env, sur.ws)
	if errors.Is(err, config.ErrHelp) {
		fmt.Fprint(stdout, config.Usage())
		return outcome.ExitOK
	}
	if err != nil {
		p := sur.platform(nil)
		warnUnknownInputs(p, warnings)
		reportInputError(p, red, err)
		return outcome.ExitInput
	}
	for _, s := range append([]string{cfg.APIKey}, cfg.Tokens()...) {
		if !slices.Contains(sur.secrets, s) {
			sur.secrets = append(sur.secrets, s)
		}
	}
	red.Add(sur.secrets...) // one rebuild, only when one is new
	p := sur.platform(cfg)
	warnUnknownInputs(p, warnings)
	if err := config.CheckOutputFiles(sur.ws, sur.outputFiles(cfg, p)); err != nil {
		reportInputError(p, red, err)
		return outcome.ExitInput
	}
	logSettings(p, cfg)
	if cfg.DryRun {
		dryRun(p, cfg)
		return outcome.ExitOK
	}

	clientOpts := []oz.Option{
		oz.WithAPIKey(cfg.APIKey),
		oz.WithUserAgent("oz-run/" + rs.version),
		oz.WithTeamUID(cfg.TeamUID),
		oz.WithRedactor(red), // the step's: what it hides, the client hides too
	}
	if cfg.Debug {
		clientOpts = append(clientOpts, oz.WithLogf(p.Debugf))
	}
	// Hidden, for tests: OZ_RUN_REQUEST_TIMEOUT (a Go duration) bounds each
	// HTTP attempt instead of oz.DefaultRequestTimeout, and OZ_RUN_HEARTBEAT
	// is how often a line says the run is still going instead of
	// runner.DefaultHeartbeat; not contract inputs.
	if d, err := time.ParseDuration(env.Get("OZ_RUN_REQUEST_TIMEOUT")); err == nil && d > 0 {
		clientOpts = append(clientOpts, oz.WithRequestTimeout(d))
	}
	// After a signal, the remote cancel has its share of the signal's
	// deadline (internal/abort); the comment's final edit and publishing
	// come after it.
	deadline := abort.From(ctx)
	runOpts := runner.Options{Metadata: p.Metadata(), CancelContext: func(parent context.Context) (context.Context, context.CancelFunc) {
		return deadline.Bound(parent, abort.Cancel)
	}}
	if d, err := time.ParseDuration(env.Get("OZ_RUN_HEARTBEAT")); err == nil && d > 0 {
		runOpts.Heartbeat = d
	}
	client, err := oz.NewClient(cfg.APIURL, clientOpts...)
	if err != nil { // config has checked every value: not expected
		reportInputError(p, red, err)
		return outcome.ExitInput
	}

	pc := startComment(ctx, p, cfg, red, env.Get, rs)
	defer pc.close()
	runOpts.Observer = pc.observer()

	// No log group around the wait: the run and session links, the state
	// changes and the heartbeats are what a reader of the log looks for.
	res := runner.Run(ctx, cfg.Spec(), client, p, runOpts)
	// The agent's work, once the run has ended: read before anything is
	// published, so that every report has it. Its failures are warnings;
	// a signal meanwhile (or since the runner returned) aborts the step.
	if work.Due(res) {
		res.Work = work.Read(ctx, client, res.RunID, res.Run, p, workOptions(cfg, sur.ws))
		for i, w := range res.Work.Warnings {
			if i == maxWorkWarnings { // GitHub shows 10 annotations of a kind per step
				p.Warning("The agent's work", fmt.Sprintf("%d more warnings like these (the job summary lists them)", len(res.Work.Warnings)-i))
				break
			}
			p.Warning("The agent's work", w)
		}
	}
	if work.Abort(ctx, &res) {
		p.Warning("Aborted", res.Err.Error())
	}

	code := res.ExitCode(cfg.FailOn)
	// One pass over the whole result, before anything renders or escapes
	// it: a secret that the API echoed, in any form, is in none of it.
	shown := redact.Copy(red, res)
	report := buildReport(cfg, shown, code, p.Name() == "local")
	setOutput(report.Outputs, "comment_url", pc.finish(ctx, shown))
	exit := code
	if err := p.Publish(report); err != nil {
		// Later steps read these files: one that could not be written
		// fails the step. Every check that can be made beforehand was
		// (exit 2, nothing sent); this is a full disk or a path changed
		// during the run. A failing run keeps its own code.
		msg := err.Error()
		if code == outcome.ExitOK {
			exit = outcome.ExitInput
			msg += fmt.Sprintf("; so the step fails (exit 2), though the run's conclusion (%s) passes", shown.Conclusion)
		}
		p.Error("Writing outputs", msg)
	}
	if rs.printComment && cfg.Comment {
		printComment(stdout, cfg, shown)
	}
	announce(p, cfg, shown, code)
	if ctx.Err() != nil && exit != outcome.ExitAborted {
		// A signal while the outcome was published aborts the step too;
		// what was written stands.
		p.Warning("Aborted", fmt.Sprintf("aborted (%v) while the outcome was published; the outputs were written", context.Cause(ctx)))
		exit = outcome.ExitAborted
	}
	return exit
}

// maxWorkWarnings is how many warnings about the agent's work are
// annotations; one more says how many were left out.
const maxWorkWarnings = 9

// workOptions are where the run's files go (files_dir), and the time that
// reading the answer and downloading share: 5 minutes, or timeout when
// shorter (work.Budget).
func workOptions(cfg *config.Config, ws *workspace.Workspace) work.Options {
	return work.Options{FilesDir: cfg.FilesDir, Workspace: ws, Time: work.Budget(cfg.Timeout)}
}

// warnUnknownInputs prints one warning for each INPUT_ variable that names
// no input.
func warnUnknownInputs(p ci.Platform, warnings []string) {
	for _, w := range warnings {
		p.Warning("Unknown input", w)
	}
}

// logSettings logs the settings that shape the run, on one line; with
// debug, every input's effective value too, in a collapsed group (never
// the key, nor the MCP servers' settings).
func logSettings(p ci.Platform, cfg *config.Config) {
	p.Logf("Settings: %s", cfg.Brief())
	if !cfg.Debug {
		return
	}
	end := p.Group("Every setting (debug)")
	defer end()
	for _, s := range cfg.Settings() {
		v := s.Value
		if v == "" {
			v = "(unset)"
		}
		p.Logf("  %s: %s", s.Name, v)
	}
}

// surroundings are what a run learns of where it runs, once: the workspace
// (in CI it confines paths) and the options of the CI platform.
type surroundings struct {
	args []string
	env  config.Env
	ws   *workspace.Workspace
	opts ci.Options
	rs   runSettings
	// secrets are masked on the platform as soon as it is made.
	secrets []string
}

func newSurroundings(args []string, env config.Env, stdout, stderr io.Writer, rs runSettings) *surroundings {
	ws := workspace.New(ci.WorkspaceDir(env.Get), ci.InCI(env.Get))
	return &surroundings{args: args, env: env, ws: ws, rs: rs,
		opts: ci.Options{Getenv: env.Get, Stdout: stdout, Stderr: stderr, Workspace: ws}}
}

// platform is the CI platform for cfg, with the secrets masked; for a nil
// cfg (the inputs did not load) with the report files as far as the
// arguments and the environment give them.
func (s *surroundings) platform(cfg *config.Config) ci.Platform {
	o := s.opts
	o.Dotenv, o.SummaryFile, o.JUnitFile = s.reportFiles(cfg)
	if cfg != nil {
		o.Debug = cfg.Debug
		if !s.rs.noReportFiles {
			o.OutputFile = cfg.OutputFile
		}
	}
	p := ci.Detect(o)
	p.Mask(s.secrets...)
	return p
}

// reportFiles are the dotenv, summary and JUnit paths: cfg's, or for a nil
// cfg as far as the arguments and the environment give them; none for the
// demo. (GitHub's platform writes none of them; on a terminal they are
// set only when asked for.)
func (s *surroundings) reportFiles(cfg *config.Config) (dotenv, summaryFile, junitFile string) {
	switch {
	case s.rs.noReportFiles:
		return "", "", ""
	case cfg == nil:
		return config.ReportFiles(s.args, s.env, s.ws)
	}
	return cfg.Dotenv, cfg.SummaryFile, cfg.JUnitFile
}

// outputFiles are the files p writes when the step ends, by the input that
// names each: the result file, the directory of the downloaded files and,
// off GitHub, the report files and the answer file.
func (s *surroundings) outputFiles(cfg *config.Config, p ci.Platform) []config.OutputFile {
	files := []config.OutputFile{
		{Input: "files_dir", Path: cfg.FilesDir, Dir: true},
		{Input: "result_file", Path: cfg.ResultFile},
	}
	if p.Name() == "github" {
		return files
	}
	if !s.rs.noReportFiles {
		files = append(files, config.OutputFile{Input: "output_file", Path: cfg.OutputFile})
	}
	dotenv, summaryFile, junitFile := s.reportFiles(cfg)
	if !cfg.Summary {
		summaryFile = "" // not written
	}
	return append(files,
		config.OutputFile{Input: "dotenv", Path: dotenv},
		config.OutputFile{Input: "summary_file", Path: summaryFile},
		config.OutputFile{Input: "junit_file", Path: junitFile})
}

// announce prints the one line that says how the step ended, and once,
// when cancelling the run failed, that it may still be going.
func announce(p ci.Platform, cfg *config.Config, res outcome.Result, code int) {
	switch {
	case res.Err != nil:
		p.Error("Oz run", res.Err.Error())
	case code != outcome.ExitOK:
		p.Error("Oz run "+string(res.Conclusion), outcomeLine(cfg, res))
	default:
		p.Notice("Oz run "+string(res.Conclusion), outcomeLine(cfg, res))
	}
	if res.CancelErr != nil {
		p.Warning("Oz run may still be going", res.CancelErr.Error()+"; check it on its run page and cancel it there if needed: "+oz.RunURL(res.RunID))
	}
}

// outcomeLine is a one-line description of how the run ended.
func outcomeLine(cfg *config.Config, res outcome.Result) string {
	var b strings.Builder
	id := res.RunID
	if id == "" {
		id = "(id unknown)"
	}
	state := ""
	if res.State != "" {
		state = fmt.Sprintf(" (state %s)", res.State)
	}
	switch {
	case res.Conclusion == outcome.Submitted && res.Followup != nil:
		fmt.Fprintf(&b, "follow-up sent to run %s (outcome %s), not waited for (wait: false)%s", id, res.Followup.Outcome, state)
	case res.Conclusion == outcome.TimedOut && res.FollowupPending:
		fmt.Fprintf(&b, "run %s did not pick up the follow-up within %s (timeout)%s", id, outcome.FormatDuration(cfg.Timeout), state)
	case res.Conclusion == outcome.Submitted && res.Attached:
		fmt.Fprintf(&b, "run %s is still working%s; not waited for (wait: false)", id, state)
	case res.Conclusion == outcome.Submitted:
		fmt.Fprintf(&b, "run %s submitted, not waited for (wait: false)%s", id, state)
	case res.Conclusion == outcome.TimedOut && res.RunID == "":
		fmt.Fprintf(&b, "the run was not started within %s (timeout)", outcome.FormatDuration(cfg.Timeout))
	case res.Conclusion == outcome.TimedOut && res.Cancelled:
		fmt.Fprintf(&b, "run %s did not end within %s (timeout) and was cancelled%s", id, outcome.FormatDuration(cfg.Timeout), state)
	case res.Conclusion == outcome.TimedOut && res.State.IsWorking():
		fmt.Fprintf(&b, "run %s did not end within %s (timeout) and is still running%s", id, outcome.FormatDuration(cfg.Timeout), state)
		if res.CancelErr == nil && cfg.OnTimeout == config.OnTimeoutLeave {
			fmt.Fprintf(&b, "; to wait for it again, run the step with run_id: %s", id)
		}
	case res.Conclusion == outcome.TimedOut:
		fmt.Fprintf(&b, "run %s did not end within %s (timeout)%s", id, outcome.FormatDuration(cfg.Timeout), state)
	default:
		fmt.Fprintf(&b, "run %s ended %s%s", id, res.Conclusion, state)
	}
	if sm := statusMessage(res.Run); sm != nil && sm.Message != "" {
		fmt.Fprintf(&b, ": %s", sm.Message)
	}
	if res.RunID != "" {
		fmt.Fprintf(&b, " — %s", oz.RunURL(res.RunID))
	}
	return b.String()
}

func statusMessage(run *oz.Run) *oz.StatusMessage {
	if run == nil {
		return nil
	}
	return run.StatusMessage
}

// buildReport turns the result into what the platform publishes; with
// text, the summary as plain text too (for a terminal).
func buildReport(cfg *config.Config, res outcome.Result, code int, text bool) ci.Report {
	r := ci.Report{
		Outputs:  outputs(res),
		Failed:   code != outcome.ExitOK,
		Title:    reportTitle(cfg, res),
		Message:  oneLine(cfg, res),
		Duration: res.Ended.Sub(res.Started),
	}
	if cfg.Summary {
		r.Summary = summary.Render(res, summary.Options{FailOn: cfg.FailOn})
		if text {
			r.SummaryText = summary.Text(res, summary.Options{FailOn: cfg.FailOn})
		}
	}
	r.Answer = res.Work.Answer
	if cfg.ResultFile != "" && res.RunID != "" { // no run, no run object
		r.ResultFile = cfg.ResultFile
		r.ResultJSON = resultJSON(res)
	}
	return r
}

func reportTitle(cfg *config.Config, res outcome.Result) string {
	switch {
	case cfg.Title != "":
		return cfg.Title
	case res.Run != nil && res.Run.Title != "":
		return res.Run.Title
	case res.RunID != "":
		return "Oz run " + res.RunID
	}
	return "Oz run"
}

func oneLine(cfg *config.Config, res outcome.Result) string {
	if res.Err != nil {
		return res.Err.Error()
	}
	return outcomeLine(cfg, res)
}

// outputs are the contract's outputs, in its order; result_file is added by
// the platform once the file is written.
func outputs(res outcome.Result) []ci.Output {
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
		{Name: "agent_output", Value: res.Work.Answer},
		{Name: "conversation_id", Value: conversationID},
		{Name: "files", Value: strings.Join(files, "\n")},
		{Name: "cost_usd", Value: costUSD},
		{Name: "tokens", Value: tokens},
		{Name: "comment_url"}, // set once the comment is written
	}
}

// setOutput sets the value of the output name in outs.
func setOutput(outs []ci.Output, name, value string) {
	for i := range outs {
		if outs[i].Name == name {
			outs[i].Value = value
		}
	}
}

// resultJSON is the final run object, indented; when none was read, what
// is known. Its artifacts come last (a cut keeps the rest whole), and only
// as many as the file can hold.
func resultJSON(res outcome.Result) []byte {
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

// reportInputError reports a step stopped by invalid input: the error, and
// (as on every path) the outputs, the summary and, off GitHub, the report
// files, so that a merge request shows the failure too.
func reportInputError(p ci.Platform, red *redact.Redactor, err error) {
	err = redact.Copy(red, err) // before the summary escapes it
	p.Error("Invalid input", err.Error()+"\nNothing was sent to the Oz API. Run `oz-run --help` for every input.")
	if perr := p.Publish(ci.Report{
		Outputs: outputs(outcome.Result{}),
		Summary: summary.InputError(err),
		Failed:  true,
		Title:   "Oz run",
		Message: "invalid input: " + err.Error(),
	}); perr != nil {
		p.Warning("Writing outputs", perr.Error())
	}
}
