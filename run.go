package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	return runWith(ctx, args, getenv, stdout, stderr, runSettings{})
}

// runSettings vary a run for the demo.
type runSettings struct {
	// noReportFiles writes no dotenv, summary or JUnit file.
	noReportFiles bool
}

func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, rs runSettings) int {
	cfg, err := config.Load(args, getenv, workspaceReader(config.Workspace(getenv)))
	if errors.Is(err, config.ErrHelp) {
		fmt.Fprint(stdout, usage())
		return runner.ExitOK
	}
	if err != nil {
		reportInputError(err, getenv, stdout, stderr, rs.noReportFiles)
		return runner.ExitInput
	}
	ciOpts := ci.Options{
		Getenv: getenv, Stdout: stdout, Stderr: stderr, Debug: cfg.Debug, Workspace: cfg.Workspace,
		Dotenv: cfg.Dotenv, SummaryFile: cfg.SummaryFile, JUnitFile: cfg.JUnitFile,
	}
	if rs.noReportFiles {
		ciOpts.Dotenv, ciOpts.SummaryFile, ciOpts.JUnitFile = "", "", ""
	}
	p := ci.Detect(ciOpts)
	p.Mask(cfg.APIKey)
	if err := checkFileDirs(ciOpts, cfg.ResultFile, p.Name() != "github"); err != nil {
		reportInputError(err, getenv, stdout, stderr, rs.noReportFiles)
		return runner.ExitInput
	}

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
		reportInputError(err, getenv, stdout, stderr, rs.noReportFiles)
		return runner.ExitInput
	}

	end := p.Group("Oz agent run")
	res := runner.Run(ctx, cfg, client, p, runner.Options{Metadata: p.Metadata()})
	end()

	code := res.ExitCode(cfg.FailOn)
	report := buildReport(cfg, redacted(res, cfg.APIKey), code)
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

// checkFileDirs makes sure, before anything is sent, that the files oz-run
// will write can be written: their directories exist (oz-run creates none,
// since it runs as root in a container and would leave root-owned
// directories in the workspace).
func checkFileDirs(o ci.Options, resultFile string, reports bool) error {
	files := []struct{ input, path string }{{"result_file", resultFile}}
	if reports {
		files = append(files, []struct{ input, path string }{
			{"dotenv", o.Dotenv}, {"summary_file", o.SummaryFile}, {"junit_file", o.JUnitFile},
		}...)
	}
	var errs []error
	for _, f := range files {
		if f.path == "" {
			continue
		}
		path := filepath.Join(o.Workspace, f.path)
		dir := filepath.Dir(path)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			errs = append(errs, fmt.Errorf("input %q: %q cannot be written: its directory %s does not exist in the workspace; create it in an earlier step, or choose a path in an existing directory", f.input, f.path, dir))
			continue
		}
		if !insideWorkspace(o.Workspace, dir) {
			errs = append(errs, fmt.Errorf("input %q: %q cannot be written: its directory leads out of the workspace through a symbolic link", f.input, f.path))
		}
		if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
			errs = append(errs, fmt.Errorf("input %q: %q is a symbolic link, which oz-run does not write through; remove it or choose another path", f.input, f.path))
		}
	}
	return errors.Join(errs...)
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

// insideWorkspace reports whether path, symbolic links resolved, is the
// workspace or below it.
func insideWorkspace(workspace, path string) bool {
	root, err1 := filepath.EvalSymlinks(workspace)
	real, err2 := filepath.EvalSymlinks(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(root, real)
	return err == nil && filepath.IsLocal(rel) || rel == "."
}

// workspaceReader reads files named by inputs (prompt_file, mcp), refusing
// one that resolves outside the workspace: a pull request could otherwise
// add a symbolic link (say to /proc/self/environ) whose target would be sent
// to the API as the prompt.
func workspaceReader(root string) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, err
		}
		if !insideWorkspace(root, real) {
			return nil, fmt.Errorf("it is a symbolic link to %s, outside the workspace", real)
		}
		return os.ReadFile(real)
	}
}

// reportInputError reports a step stopped by invalid input: the error, and
// (as on every path) the outputs, the summary and, off GitHub, the report
// files, so that a merge request shows the failure too.
func reportInputError(err error, getenv func(string) string, stdout, stderr io.Writer, noReportFiles bool) {
	o := ci.Options{Getenv: getenv, Stdout: stdout, Stderr: stderr, Workspace: config.Workspace(getenv)}
	if !noReportFiles {
		o.Dotenv, o.SummaryFile, o.JUnitFile = config.ReportFiles(getenv)
	}
	p := ci.Detect(o)
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
