package config

import (
	"fmt"
	"strings"
	"time"
)

// The table of inputs, and the usage text made from it.

// input defines one input: its name (flag --name, env INPUT_NAME), default,
// meaning and how its value is parsed into a Config. The table below is the
// only list of inputs: parsing, Inputs, Usage, Settings and the warnings
// about unknown INPUT_ variables all read it.
type input struct {
	name        string
	def         string // the default, parsed like a given value
	fallbackEnv string // read when the input is unset, before def
	arg         string // what the value is, for Usage
	doc         string
	gitlab      bool // used on GitLab and other CIs only; not an action input
	// report marks a report file (dotenv, summary, JUnit): its default
	// applies in CI only (on a terminal it is written only when asked
	// for), and a value given empty on purpose (--dotenv "", or the
	// variable set to "") turns it off instead of taking the default.
	report bool
	// secret marks a value that is never shown (Settings says only whether
	// it is set); so is any input whose name ends in _key or _token.
	secret bool
	// unit is what a bare number counts, for a duration input.
	unit time.Duration
	// show, when set, is how Settings shows the effective value v.
	show func(c *Config, v string) string
	set  setter
}

// setter parses a trimmed value (possibly empty) into c. Errors leave Input
// empty; Load fills it in.
type setter func(l *loader, c *Config, v string) []*InputError

// boolArg marks a boolean input: as a flag, its value may be left out.
const boolArg = "true|false"

var inputs = []input{
	{name: "warp_api_key", fallbackEnv: "WARP_API_KEY", arg: "key", secret: true, set: setAPIKey,
		doc: "API key (Authorization: Bearer); required unless WARP_API_KEY is set. Prefer the environment: flags show in process lists."},
	{name: "prompt", arg: "text", show: showPrompt, set: text(func(c *Config) *string { return &c.Prompt }),
		doc: "the instruction for the agent"},
	{name: "prompt_file", arg: "path", set: setPromptFile,
		doc: "path of a regular file (at most 1 MiB) whose content is the prompt (relative to the workspace)"},
	{name: "skill", arg: "spec", set: setSkill,
		doc: "skill spec (owner/repo:skill; also owner/repo:path/to/SKILL.md)"},
	{name: "environment", arg: "id", set: text(func(c *Config) *string { return &c.Environment }),
		doc: "Oz cloud environment id (config.environment_id)"},
	{name: "model", arg: "id", set: text(func(c *Config) *string { return &c.Model }),
		doc: "model id (config.model_id)"},
	{name: "name", arg: "text", set: text(func(c *Config) *string { return &c.Name }),
		doc: "config.name (groups runs)"},
	{name: "title", arg: "text", set: text(func(c *Config) *string { return &c.Title }),
		doc: "run title"},
	{name: "mcp", arg: "json|path", show: showMCP, set: setMCP,
		doc: "MCP servers: a JSON object, or a path to a JSON file (config.mcp_servers)"},
	{name: "host", arg: "id", set: text(func(c *Config) *string { return &c.Host }),
		doc: "self-hosted worker id (config.worker_host)"},
	{name: "computer_use", arg: boolArg, set: setComputerUse,
		doc: "config.computer_use_enabled; unset = server default"},
	{name: "agent_mode", def: "normal", arg: "mode", set: setAgentMode,
		doc: "normal, plan or orchestrate (request mode)"},
	{name: "team_uid", arg: "id", set: setTeamUID,
		doc: "sent as header X-Warp-Team-Uid"},
	{name: "metadata", arg: "lines", set: setMetadata,
		doc: "extra run metadata, one key=value per line"},
	{name: "wait", def: "true", arg: boolArg, set: boolean(func(c *Config) *bool { return &c.Wait }),
		doc: "false: submit and return at once (conclusion submitted)"},
	{name: "run_id", arg: "id", set: setRunID,
		doc: "attach to an existing run instead of creating one; then wait for it"},
	durationInput("timeout", "60m", time.Minute, func(c *Config) *time.Duration { return &c.Timeout },
		"how long to wait for a terminal state (a bare number is minutes)"),
	{name: "on_timeout", def: "cancel", arg: "cancel|leave", set: setOnTimeout,
		doc: "cancel the remote run, or leave it running"},
	{name: "cancel_on_abort", def: "true", arg: boolArg, set: boolean(func(c *Config) *bool { return &c.CancelOnAbort }),
		doc: "on SIGINT/SIGTERM (job cancelled, step timeout), cancel the remote run"},
	{name: "fail_on", def: DefaultFailOn, arg: "conclusions", set: setFailOn,
		doc: "conclusions that fail the step (" + conclusionList() + "); none = report only"},
	durationInput("poll_interval", "2s", time.Second, func(c *Config) *time.Duration { return &c.PollInterval },
		"first wait between status polls (a bare number is seconds; at least 1s against Warp's API)"),
	durationInput("poll_max_interval", "30s", time.Second, func(c *Config) *time.Duration { return &c.PollMaxInterval },
		"the cap that the waits grow to (a bare number is seconds)"),
	{name: "api_url", def: "https://app.warp.dev/api/v1", arg: "url", set: setAPIURL,
		doc: "API base URL (staging, proxies, tests): https, or http to a loopback host (127.0.0.1, ::1, localhost); no user info, query or fragment"},
	{name: "summary", def: "true", arg: boolArg, set: boolean(func(c *Config) *bool { return &c.Summary }),
		doc: "write the job summary"},
	{name: "result_file", arg: "path", set: localPath(func(c *Config) *string { return &c.ResultFile }),
		doc: "write the final run object as JSON to this path (relative to the workspace; missing directories are made); unset = no file"},
	{name: "debug", def: "false", arg: boolArg, set: boolean(func(c *Config) *bool { return &c.Debug }),
		doc: "verbose logs (never the key); the effective settings are logged at the start"},
	{name: "dry_run", def: "false", arg: boolArg, set: boolean(func(c *Config) *bool { return &c.DryRun }),
		doc: "validate, print the request and the prompt as they would be sent, as JSON on stdout (key redacted, MCP server settings hidden; notes in the log), send nothing, exit 0"},
	{name: "conversation_id", arg: "id", set: setConversationID,
		doc: "continue an earlier run's conversation in a new run (request conversation_id; the conversation_id output of an earlier step); the prompt may then be empty"},
	{name: "followup", arg: "text", show: showFollowup, set: text(func(c *Config) *string { return &c.Followup }),
		doc: "with run_id: send this message to that run (a follow-up; the run keeps its mode), then wait for it to end again"},
	{name: "files_dir", arg: "path", set: setFilesDir,
		doc: "when the run ends, download its FILE artifacts into this directory (relative to the workspace; made if missing); unset = no download"},
	{name: "share", arg: "viewer|editor", set: setShare,
		doc: "viewer or editor: anyone with the session link may watch, or also act (config.session_sharing.public_access); unset = the team only"},
	{name: "idle_timeout", arg: "duration", unit: time.Minute, set: setIdleTimeout,
		doc: "how long the sandbox stays up once the agent is idle, 1m to 60m in whole minutes (a bare number is minutes; config.idle_timeout_minutes); unset = server default"},
	{name: "comment", def: "false", arg: boolArg, set: boolean(func(c *Config) *bool { return &c.Comment }),
		doc: "true: keep one comment on the pull request / merge request up to date with the run"},
	{name: "comment_key", arg: "text", set: setCommentKey,
		doc: "tells apart several oz-run comments on one PR/MR; unset = derived from the workflow, job and step"},
	{name: "github_token", fallbackEnv: "GITHUB_TOKEN", arg: "token", set: token(func(c *Config) *string { return &c.GitHubToken }),
		doc: "token for the PR comment (needs pull-requests: write; the action passes the workflow's token)"},
	{name: "gitlab_token", fallbackEnv: "GITLAB_TOKEN", arg: "token", set: token(func(c *Config) *string { return &c.GitLabToken }),
		doc: "token for the MR comment: a project or personal access token with the api scope, in a masked variable (CI_JOB_TOKEN cannot write notes)"},
	{name: "pr_context", def: "true", arg: boolArg, set: boolean(func(c *Config) *bool { return &c.PRContext }),
		doc: "on a PR/MR event, append the PR/MR facts (repository, number, URL, head and base branches and commits; never its title, body or comments) to the prompt; false sends the prompt as written"},
	{name: "output_schema", arg: "review|json|path", show: showOutputSchema, set: setOutputSchema,
		doc: "a JSON Schema (inline JSON, or the path of a .json file relative to the workspace), or review for the built-in review schema: the agent's final answer must hold a JSON value valid against it (outputs structured_output, verdict, findings)"},
	{name: "pass_if", arg: "expression", set: checkedLater,
		doc: `an expression over output (the valid answer) that must be true for the run to pass, e.g. len(output.findings) == 0 (false: conclusion rejected); default output.verdict == "pass" with output_schema: review, else unset`},
	{name: "output_retries", def: "1", arg: "0-3", set: setOutputRetries,
		doc: "follow-ups oz-run may send asking the agent to correct an answer that does not match output_schema (still invalid: conclusion invalid_output)"},
	{name: "codequality_file", report: true, def: "gl-code-quality-report.json", arg: "path", set: localPath(func(c *Config) *string { return &c.CodeQualityFile }),
		doc: "GitLab and other CIs: with output_schema: review, the findings as a GitLab Code Quality report (artifacts:reports:codequality), relative to the workspace; \"\" writes none (on GitHub the findings are annotations and no file is written)"},
	{name: "prompts", arg: "list|path", show: showPrompts, set: batchInput,
		doc: "many runs in one step: a YAML or JSON list (inline, or the path of a .yml, .yaml or .json file relative to the workspace) of prompts, or of objects with key, prompt, prompt_file, skill, environment, model, title, output_schema, pass_if; at most 256"},
	{name: "max_parallel", arg: "n", set: batchInput,
		doc: "1-100: how many runs of prompts work at once; unset = 10"},
	{name: "fail_fast", arg: boolArg, set: batchInput,
		doc: "true: once a run of prompts ends in a fail_on conclusion, cancel the others and start no more"},
	{name: "max_cost_usd", arg: "dollars", set: setMaxCostUSD,
		doc: "cancel the run once its reported cost reaches this many US dollars (conclusion over_budget); the API reports cost with a delay, so this is where oz-run stops the run, not a cap on the bill; unset = no cap"},
	{name: "on_blocked", def: "fail", arg: "fail|wait|reply", set: setOnBlocked,
		doc: "a BLOCKED run: fail (conclusion blocked), wait (someone may answer from the session until the timeout) or reply (send blocked_reply once as a follow-up, then wait; a second BLOCKED ends it blocked)"},
	{name: "blocked_reply", arg: "text", set: text(func(c *Config) *string { return &c.BlockedReply }),
		doc: "the follow-up that on_blocked: reply sends to a BLOCKED run"},
	{name: "rerun", def: "attach", arg: "attach|reuse|new", set: setRerun,
		doc: "on a re-run of the same workflow run or pipeline: attach (wait on a run an earlier attempt of this step started that is still working), reuse (also report one that succeeded, without starting a run) or new (always start one)"},
	{name: "harness", arg: "oz|claude|gemini|codex", set: setHarness,
		doc: "the agent harness: oz, claude, gemini or codex (config.harness); unset = server default"},
	{name: "missing_key", def: "fail", arg: "fail|skip", set: setMissingKey,
		doc: "no key at all (fork and Dependabot pull requests get no secrets): fail (exit 2), or skip (conclusion skipped, exit 0, a notice saying why)"},

	{name: "dotenv", report: true, def: "oz-run.env", arg: "path", gitlab: true, set: localPath(func(c *Config) *string { return &c.Dotenv }),
		doc: "dotenv report of the outputs (OZ_RUN_ID, OZ_CONCLUSION, ...), relative to the workspace; \"\" writes none"},
	{name: "output_file", report: true, def: "oz-run-output.md", arg: "path", gitlab: true, set: localPath(func(c *Config) *string { return &c.OutputFile }),
		doc: "the agent's answer as a Markdown file, relative to the workspace, written only when there is an answer; \"\" writes none"},
	{name: "summary_file", report: true, def: "oz-run-summary.md", arg: "path", gitlab: true, set: localPath(func(c *Config) *string { return &c.SummaryFile }),
		doc: "the job summary as a Markdown file, relative to the workspace; \"\" writes none"},
	{name: "junit_file", report: true, def: "oz-run-junit.xml", arg: "path", gitlab: true, set: localPath(func(c *Config) *string { return &c.JUnitFile }),
		doc: "a JUnit report with one test case for the run, relative to the workspace; \"\" writes none"},
	{name: "structured_file", report: true, def: "oz-run-output.json", arg: "path", gitlab: true, set: localPath(func(c *Config) *string { return &c.StructuredFile }),
		doc: "the structured_output value as a JSON file, relative to the workspace, written only when there is one (output_schema); \"\" writes none"},
}

// durationInput is a duration input; a bare number counts unit.
func durationInput(name, def string, unit time.Duration, field func(*Config) *time.Duration, doc string) input {
	return input{name: name, def: def, arg: "duration", unit: unit, doc: doc,
		set: duration(unit, field)}
}

// lookup finds an input by name, hyphens read as underscores.
func lookup(name string) *input {
	name = strings.ReplaceAll(name, "-", "_")
	for i := range inputs {
		if inputs[i].name == name {
			return &inputs[i]
		}
	}
	return nil
}

// envName is the environment variable that carries an input.
func envName(name string) string { return "INPUT_" + strings.ToUpper(name) }

// Inputs returns the action's input names in the contract's order: the
// inputs table of the contract, which action.yml declares. The GitLab-only
// inputs (dotenv, output_file, summary_file, junit_file) are not among
// them.
func Inputs() []string {
	var names []string
	for _, in := range inputs {
		if !in.gitlab {
			names = append(names, in.name)
		}
	}
	return names
}

// Usage is the help text: the commands, every input with its default and
// meaning, and the exit codes.
func Usage() string {
	var b strings.Builder
	b.WriteString(`oz-run starts a Warp Oz cloud agent run, waits until it ends, and reports.

Usage:
  oz-run [--input value]...   run per the inputs below
  oz-run demo                 the whole flow against an embedded fake Oz API
                              (no key, no network)
  oz-run fake-server --listen 127.0.0.1:PORT
                              serve the fake Oz API, to test workflows offline
  oz-run version              (or oz-run --version)

Each input is a flag --name (or with hyphens, --fail-on) or the environment
variable INPUT_<NAME> (flags win). Values are trimmed. Booleans are true or
false; durations are Go durations (90s, 30m, 1h30m), and a bare number is
minutes for timeout and idle_timeout, seconds for poll_interval and
poll_max_interval. An INPUT_ variable that names no input is warned about,
and the run goes on.

Inputs:
`)
	for _, in := range inputs {
		if !in.gitlab {
			writeInput(&b, in)
		}
	}
	b.WriteString("\nReport files (GitLab CI and other CIs; on a terminal only when given):\n")
	for _, in := range inputs {
		if in.gitlab {
			writeInput(&b, in)
		}
	}
	b.WriteString(`
Exit codes:
  0  the conclusion is not in fail_on (includes submitted)
  1  the run ended in a conclusion listed in fail_on (other than timed_out)
  2  invalid input or configuration; nothing was sent
  3  the API could not be used (authentication, request rejected, network or
     server failing past retries); also a create that got no answer within
     the timeout when no run is found by its request id (no run was started)
  4  timed out, and timed_out is in fail_on
  5  aborted by SIGINT/SIGTERM
`)
	return b.String()
}

func writeInput(b *strings.Builder, in input) {
	words := strings.Fields(in.doc)
	switch { // the default is kept on one line
	case in.fallbackEnv != "":
		words = append(words, "(default: env "+in.fallbackEnv+")")
	case in.report:
		words = append(words, "(default in CI: "+in.def+")")
	case in.def != "":
		words = append(words, "(default: "+in.def+")")
	}
	fmt.Fprintf(b, "  --%s %s\n", in.name, in.arg)
	const indent, width = "        ", 80
	line := indent
	for _, word := range words {
		if line != indent && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
}
