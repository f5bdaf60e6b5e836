package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/summary"
)

// runAction is the product: inputs -> run -> outputs, summary, exit code.
func runAction(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, getenv, stdout, stderr, runner.Options{})
}

func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, opts runner.Options) int {
	cfg, err := config.Load(args, getenv, os.ReadFile)
	if errors.Is(err, config.ErrHelp) {
		fmt.Fprint(stdout, usage())
		return runner.ExitOK
	}
	if err != nil {
		p := ci.Detect(ci.Options{Getenv: getenv, Stdout: stdout, Stderr: stderr})
		p.Error("Invalid input", err.Error()+"\nNothing was sent to the Oz API. Run `oz-run --help` for every input.")
		return runner.ExitInput
	}
	p := ci.Detect(ci.Options{
		Getenv: getenv, Stdout: stdout, Stderr: stderr, Debug: cfg.Debug, Workspace: cfg.Workspace,
		Dotenv: cfg.Dotenv, SummaryFile: cfg.SummaryFile, JUnitFile: cfg.JUnitFile,
	})
	p.Mask(cfg.APIKey)

	clientOpts := []oz.Option{
		oz.WithAPIKey(cfg.APIKey),
		oz.WithUserAgent("oz-run/" + version),
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
	if err != nil {
		p.Error("Invalid input", err.Error())
		return runner.ExitInput
	}

	if opts.Metadata == nil {
		opts.Metadata = p.Metadata()
	}
	end := p.Group("Oz agent run")
	res := runner.Run(ctx, cfg, client, p, opts)
	end()

	code := res.ExitCode(cfg.FailOn)
	report := buildReport(cfg, res, code)
	if err := p.Publish(report); err != nil {
		p.Error("Writing outputs", err.Error())
	}
	announce(p, res, code)
	return code
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
	fmt.Fprintf(&b, "run %s ended %s", res.RunID, res.Conclusion)
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
	if cfg.ResultFile != "" {
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
