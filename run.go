package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/summary"
	"github.com/oz-run/oz-run-action/internal/workspace"
)

// runAction is the product: inputs -> run -> outputs, summary, exit code.
// version goes into the User-Agent.
func runAction(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, version string) int {
	return runWith(ctx, args, getenv, stdout, stderr, runSettings{version: version})
}

// runSettings vary a run for the demo.
type runSettings struct {
	version string
	// noReportFiles writes no dotenv, summary or JUnit file.
	noReportFiles bool
}

func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, rs runSettings) int {
	sur := newSurroundings(getenv, stdout, stderr, rs)
	cfg, err := config.Load(args, getenv, sur.ws)
	if errors.Is(err, config.ErrHelp) {
		fmt.Fprint(stdout, config.Usage())
		return runner.ExitOK
	}
	if err != nil {
		reportInputError(sur.platform(nil), err)
		return runner.ExitInput
	}
	p := sur.platform(cfg)
	p.Mask(cfg.APIKey)
	if err := config.CheckOutputFiles(sur.ws, sur.outputFiles(cfg, p)); err != nil {
		reportInputError(p, err)
		return runner.ExitInput
	}

	clientOpts := []oz.Option{
		oz.WithAPIKey(cfg.APIKey),
		oz.WithUserAgent("oz-run/" + rs.version),
		oz.WithTeamUID(cfg.TeamUID),
	}
	if cfg.Debug {
		clientOpts = append(clientOpts, oz.WithLogf(p.Debugf))
	}
	// Hidden, for tests: OZ_RUN_REQUEST_TIMEOUT (a Go duration) bounds each
	// HTTP attempt instead of oz.DefaultRequestTimeout; not a contract input.
	if d, err := time.ParseDuration(getenv("OZ_RUN_REQUEST_TIMEOUT")); err == nil && d > 0 {
		clientOpts = append(clientOpts, oz.WithRequestTimeout(d))
	}
	client, err := oz.NewClient(cfg.APIURL, clientOpts...)
	if err != nil { // config has checked every value: not expected
		reportInputError(p, err)
		return runner.ExitInput
	}

	end := p.Group("Oz agent run")
	res := runner.Run(ctx, cfg, client, p, runner.Options{Metadata: p.Metadata()})
	end()

	code := res.ExitCode(cfg.FailOn)
	report := buildReport(cfg, redacted(res, cfg.APIKey), code)
	if err := p.Publish(report); err != nil {
		// The exit code stays the run's (the contract has none for this);
		// the error says what was not written, and result_file stays empty.
		p.Error("Writing outputs", err.Error())
	}
	announce(p, res, code)
	return code
}

// surroundings are what a run learns of where it runs, once: the workspace
// (in CI it confines paths) and the options of the CI platform.
type surroundings struct {
	ws   *workspace.Workspace
	opts ci.Options
	rs   runSettings
}

func newSurroundings(getenv func(string) string, stdout, stderr io.Writer, rs runSettings) *surroundings {
	ws := workspace.New(ci.WorkspaceDir(getenv), ci.InCI(getenv))
	return &surroundings{ws: ws, rs: rs, opts: ci.Options{Getenv: getenv, Stdout: stdout, Stderr: stderr, Workspace: ws}}
}

// platform is the CI platform for cfg; for a nil cfg (the inputs did not
// load) with the report files as far as the environment gives them.
func (s *surroundings) platform(cfg *config.Config) ci.Platform {
	o := s.opts
	o.Dotenv, o.SummaryFile, o.JUnitFile = s.reportFiles(cfg)
	if cfg != nil {
		o.Debug = cfg.Debug
	}
	return ci.Detect(o)
}

// reportFiles are the dotenv, summary and JUnit paths: cfg's, or for a nil
// cfg as far as the environment gives them; none for the demo. (GitHub's
// platform writes none of them.)
func (s *surroundings) reportFiles(cfg *config.Config) (dotenv, summaryFile, junitFile string) {
	switch {
	case s.rs.noReportFiles:
		return "", "", ""
	case cfg == nil:
		return config.ReportFiles(s.opts.Getenv, s.ws)
	}
	return cfg.Dotenv, cfg.SummaryFile, cfg.JUnitFile
}

// outputFiles are the files p writes when the step ends, by the input that
// names each: the result file and, off GitHub, the report files. (A later
// files_dir or output_file joins the list.)
func (s *surroundings) outputFiles(cfg *config.Config, p ci.Platform) []config.OutputFile {
	files := []config.OutputFile{{Input: "result_file", Path: cfg.ResultFile}}
	if p.Name() == "github" {
		return files
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

// announce prints the one line that says how the step ended.
func announce(p ci.Platform, res runner.Result, code int) {
	switch {
	case res.Err != nil:
		p.Error("Oz run", res.Err.Error())
	case code != runner.ExitOK:
		p.Error("Oz run "+string(res.Conclusion), outcome(res))
	default:
		p.Notice("Oz run "+string(res.Conclusion), outcome(res))
	}
	if res.CancelErr != nil {
		p.Warning("Oz run may still be going", res.CancelErr.Error())
	}
}

// outcome is a one-line description of how the run ended.
func outcome(res runner.Result) string {
	var b strings.Builder
	id := res.RunID
	if id == "" {
		id = "(id unknown)"
	}
	if res.Conclusion == config.Submitted {
		fmt.Fprintf(&b, "run %s submitted, not waited for (wait: false)", id)
	} else {
		fmt.Fprintf(&b, "run %s ended %s", id, res.Conclusion)
	}
	if res.State != "" {
		fmt.Fprintf(&b, " (state %s)", res.State)
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

// buildReport turns the result into what the platform publishes.
func buildReport(cfg *config.Config, res runner.Result, code int) ci.Report {
	r := ci.Report{
		Outputs:  outputs(res),
		Failed:   code != runner.ExitOK,
		Title:    reportTitle(cfg, res),
		Message:  oneLine(res),
		Duration: res.Ended.Sub(res.Started),
	}
	if cfg.Summary {
		r.Summary = summary.Render(res, summary.Options{FailOn: cfg.FailOn})
	}
	if cfg.ResultFile != "" && res.RunID != "" { // no run, no run object
		r.ResultFile = cfg.ResultFile
		r.ResultJSON = resultJSON(res)
	}
	return r
}

func reportTitle(cfg *config.Config, res runner.Result) string {
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

func oneLine(res runner.Result) string {
	if res.Err != nil {
		return res.Err.Error()
	}
	return outcome(res)
}

// outputs are the contract's outputs, in its order; result_file is added by
// the platform once the file is written.
func outputs(res runner.Result) []ci.Output {
	run := res.Run
	if run == nil {
		run = &oz.Run{RunID: res.RunID, State: res.State}
	}
	sm := run.StatusMessage
	if sm == nil {
		sm = &oz.StatusMessage{}
	}
	credits := ""
	if c, ok := run.RequestUsage.Credits(); ok {
		credits = strconv.FormatFloat(c, 'f', -1, 64)
	}
	artifacts := "[]"
	if len(run.Artifacts) > 0 {
		if b, err := json.Marshal(run.Artifacts); err == nil {
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
	}
}

// resultJSON is the final run object; when none was read, what is known.
func resultJSON(res runner.Result) []byte {
	run := res.Run
	if run == nil {
		run = &oz.Run{RunID: res.RunID, State: res.State}
	}
	b, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return []byte("{}\n")
	}
	return append(b, '\n')
}

// redacted is res with the secret replaced by *** in every string of the run
// object, before any of it is escaped for Markdown or XML (where the
// platform's own redaction of the raw secret could no longer find it). The
// run is round-tripped through JSON, where each string's encoding is
// character by character, so the encoded secret is found wherever it was.
func redacted(res runner.Result, secret string) runner.Result {
	if res.Run == nil || secret == "" {
		return res
	}
	enc, err := json.Marshal(secret)
	if err != nil {
		return res
	}
	enc = enc[1 : len(enc)-1]
	b, err := json.Marshal(res.Run)
	if err != nil || !bytes.Contains(b, enc) {
		return res
	}
	var run oz.Run
	if json.Unmarshal(bytes.ReplaceAll(b, enc, []byte("***")), &run) != nil {
		return res
	}
	res.Run = &run
	return res
}

// reportInputError reports a step stopped by invalid input: the error, and
// (as on every path) the outputs, the summary and, off GitHub, the report
// files, so that a merge request shows the failure too.
func reportInputError(p ci.Platform, err error) {
	p.Error("Invalid input", err.Error()+"\nNothing was sent to the Oz API. Run `oz-run --help` for every input.")
	if perr := p.Publish(ci.Report{
		Outputs: outputs(runner.Result{}),
		Summary: summary.InputError(err),
		Failed:  true,
		Title:   "Oz run",
		Message: "invalid input: " + err.Error(),
	}); perr != nil {
		p.Warning("Writing outputs", perr.Error())
	}
}
