package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/abort"
	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/comment"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/prcomment"
	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/report"
	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/work"
	"github.com/oz-run/oz-run-action/internal/workspace"
)

// The run subcommand, wired: the inputs loaded and checked, the platform
// set up, the run created or attached to and waited for (runner), the
// agent's work read (work), the sinks that follow the run told its
// outcome (the PR/MR comment), and the outcome published (report) with
// the exit code.

// runAction is the product: inputs -> run -> outputs, summary, exit code.
// version goes into the User-Agent.
func runAction(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer, version string) int {
	return runWith(ctx, args, env, stdout, stderr, runSettings{version: version})
}

// runSettings vary a run for the demo.
type runSettings struct {
	version string
	// commentOut, when set, receives each state of the PR/MR comment (with
	// comment: true) as it would be edited, instead of a forge: the demo
	// has no PR/MR.
	commentOut io.Writer
}

// testTiming is set only by the tests (timing_test.go): from a step's
// environment, the bound of each HTTP attempt (instead of
// oz.DefaultRequestTimeout) and how often a line says the run is still
// going (instead of runner.DefaultHeartbeat); zero keeps the default. The
// product has neither knob.
var testTiming func(env config.Env) (requestTimeout, heartbeat time.Duration)

func runWith(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer, rs runSettings) int {
	sur := newSurroundings(args, env, stdout, stderr)
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
		return reportInputError(p, red, err)
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
		return reportInputError(p, red, err)
	}
	logSettings(p, cfg)
	if cfg.DryRun {
		dryRun(p, cfg, stdout, red)
		return outcome.ExitOK
	}
	if cfg.Skipped() {
		return skip(p, cfg)
	}
	client, runOpts, err := newClient(ctx, cfg, env, p, red, rs.version)
	if err != nil { // config has checked every value: not expected
		return reportInputError(p, red, err)
	}
	if cfg.Batch != nil {
		return runBatch(ctx, cfg, client, p, red, sur.ws, runOpts, func() (*prcomment.Forge, []runner.Sink) {
			return startSinks(ctx, cfg, env, p, red, rs)
		})
	}
	forge, sinks := startSinks(ctx, cfg, env, p, red, rs)
	defer forge.Close()
	runOpts.Sinks = sinks

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
	res = judgeRun(ctx, cfg, client, p, runOpts, workOptions(cfg, sur.ws), res)
	if work.Abort(ctx, &res) {
		p.Warning("Aborted", res.Err.Error())
	}

	code := res.ExitCode(cfg.FailOn)
	// One pass over the whole result, before anything renders or escapes
	// it: a secret that the API echoed, in any form, is in none of it.
	shown := redact.Copy(red, res)
	// The sinks first (the comment's final edit has its share of a
	// signal's deadline), then the outputs.
	for _, s := range sinks {
		s.Finish(ctx, shown)
	}
	ro := reportOptions(cfg, p)
	rep := report.Build(shown, ro)
	return publish(ctx, p, forge, rep, code, "the run's conclusion ("+string(shown.Conclusion)+")", func() {
		for _, l := range report.Announce(shown, ro) {
			say(p, l)
		}
	})
}

// newClient is the Oz API's client for cfg, with the step's redactor, and
// the runner's options: the CI metadata, and after a signal the remote
// cancel's share of the signal's deadline (internal/abort; the comment's
// final edit and publishing come after it).
func newClient(ctx context.Context, cfg *config.Config, env config.Env, p ci.Platform, red *redact.Redactor, version string) (*oz.Client, runner.Options, error) {
	clientOpts := []oz.Option{
		oz.WithAPIKey(cfg.APIKey),
		oz.WithUserAgent("oz-run/" + version),
		oz.WithTeamUID(cfg.TeamUID),
		oz.WithRedactor(red), // the step's: what it hides, the client hides too
	}
	if cfg.Debug {
		clientOpts = append(clientOpts, oz.WithLogf(p.Debugf))
	}
	deadline := abort.From(ctx)
	runOpts := runner.Options{Metadata: p.Metadata(), CancelContext: func(parent context.Context) (context.Context, context.CancelFunc) {
		return deadline.Bound(parent, abort.Cancel)
	}}
	if testTiming != nil {
		requestTimeout, heartbeat := testTiming(env)
		if requestTimeout > 0 {
			clientOpts = append(clientOpts, oz.WithRequestTimeout(requestTimeout))
		}
		runOpts.Heartbeat = heartbeat
	}
	client, err := oz.NewClient(cfg.APIURL, clientOpts...)
	return client, runOpts, err
}

// startSinks sets up what follows the run: with comment: true, the PR/MR
// comment on the forge (forge: nil without one; its URL is the
// comment_url output), or printed for the demo.
func startSinks(ctx context.Context, cfg *config.Config, env config.Env, p ci.Platform, red *redact.Redactor, rs runSettings) (*prcomment.Forge, []runner.Sink) {
	if !cfg.Comment {
		return nil, nil
	}
	opts := prcomment.Options{FailOn: cfg.FailOn, Title: cfg.Title, Redactor: red, Timeout: cfg.Timeout, FileBase: fileBase(cfg)}
	if rs.commentOut != nil {
		return nil, []runner.Sink{prcomment.NewPrinter(rs.commentOut, opts)}
	}
	ccfg := comment.Config{
		Getenv:      env.Get,
		GitHubToken: cfg.GitHubToken,
		GitLabToken: cfg.GitLabToken,
		Key:         cfg.CommentKey,
		Warner:      p,
		UserAgent:   "oz-run/" + rs.version,
	}
	if cfg.Debug {
		ccfg.Debugf = p.Debugf
	}
	forge := prcomment.Start(ctx, ccfg, opts, p)
	if forge == nil {
		return nil, nil
	}
	return forge, []runner.Sink{forge}
}

// reportOptions are the inputs the report reads; on a terminal the
// summary is plain text too.
func reportOptions(cfg *config.Config, p ci.Platform) report.Options {
	return report.Options{FailOn: cfg.FailOn, Title: cfg.Title, Summary: cfg.Summary, Text: p.Name() == "local",
		ResultFile: cfg.ResultFile, Timeout: cfg.Timeout, LeaveOnTimeout: cfg.OnTimeout == config.OnTimeoutLeave, FileBase: fileBase(cfg)}
}

// say prints one line of the report at its level.
func say(p ci.Platform, l report.Line) {
	switch l.Level {
	case report.Error:
		p.Error(l.Title, l.Message)
	case report.Warning:
		p.Warning(l.Title, l.Message)
	default:
		p.Notice(l.Title, l.Message)
	}
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

// warnUnknownInputs prints config's warnings, one each: an INPUT_ variable
// that names no input (the warning starts with its name), or a value taken
// but doubtful (a key shorter than Warp's).
func warnUnknownInputs(p ci.Platform, warnings []string) {
	for _, w := range warnings {
		title := "Unknown input"
		if !strings.HasPrefix(w, "INPUT_") {
			title = "Check the input"
		}
		p.Warning(title, w)
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
		if s.OffGitHub && p.Name() == "github" {
			continue // files this platform does not write
		}
		v := s.Value
		if v == "" {
			v = "(unset)"
		}
		p.Logf("  %s: %s", s.Name, v)
	}
}

// skip ends a step that has no key, with missing_key: skip: nothing is
// sent, the outputs and the summary say skipped, and a notice says why.
func skip(p ci.Platform, cfg *config.Config) int {
	now := time.Now()
	res := outcome.Result{Conclusion: outcome.Skipped, Started: now, Ended: now}
	ro := reportOptions(cfg, p)
	if err := p.Publish(report.Build(res, ro)); err != nil {
		p.Error("Writing outputs", err.Error())
		return outcome.ExitInput
	}
	for _, l := range report.Announce(res, ro) {
		say(p, l)
	}
	return res.ExitCode(cfg.FailOn)
}

// reportInputError reports a step stopped by invalid input: the error, and
// (as on every path) the outputs, the summary and, off GitHub, the report
// files. It returns the exit code, 2.
func reportInputError(p ci.Platform, red *redact.Redactor, err error) int {
	line, rep := report.InputError(redact.Copy(red, err), p.Name() == "local") // before the summary escapes it
	say(p, line)
	if perr := p.Publish(rep); perr != nil {
		p.Warning("Writing outputs", perr.Error())
	}
	return outcome.ExitInput
}
