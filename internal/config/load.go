package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Load: each input resolved (flag, INPUT_ variable, fallback variable,
// default), set, and the whole checked together.

// ErrHelp is returned by Load when -h or --help is given: print Usage.
var ErrHelp = errors.New("help requested")

// Load reads every input from args (flags --name value or --name=value),
// then env (INPUT_<NAME>), then the defaults, and validates them. Paths
// are checked, and files named by inputs (prompt_file, a path given as mcp)
// read, through files (the workspace). Every bad input is reported, joined
// into one error; a flag that cannot be parsed is reported alone. No error
// holds the API key.
//
// The warnings, returned with or without an error, name each INPUT_
// variable that is no input (a typo), with the closest input; they do not
// stop the run.
func Load(args []string, env Env, files Files) (*Config, []string, error) {
	if files == nil {
		return nil, nil, errors.New("config: Load needs the workspace's files")
	}
	warnings := unknownInputs(env)
	flags, err := parseArgs(args)
	if err != nil {
		return nil, warnings, err
	}
	l := &loader{files: files, values: map[string]string{}}
	for _, in := range inputs {
		l.values[in.name] = resolve(in, flags, env, files.Confined())
	}

	c := &Config{Workspace: files.Dir(), values: l.values}
	var errs []error
	for _, in := range inputs {
		for _, e := range in.set(l, c, l.values[in.name]) {
			if e.Input == "" {
				e.Input = in.name
			}
			errs = append(errs, e)
		}
	}
	c.rerunContext(env)
	for _, e := range l.checkVerdict(c, env) {
		errs = append(errs, e)
	}
	for _, e := range l.check(c) {
		errs = append(errs, e)
	}
	warnings = append(warnings, l.warnings...)
	if len(errs) > 0 {
		return nil, warnings, errors.Join(errs...)
	}
	return c, warnings, nil
}

// resolve is an input's value: the flag, else the variable, trimmed; else
// the fallback variable; else the default. A report file takes its default
// only in CI, and none when it was given empty on purpose. (For the other
// inputs an empty value means the default: GitHub passes every action
// input, "" for those the workflow leaves out.)
func resolve(in input, flags map[string]string, env Env, inCI bool) string {
	v, given := flags[in.name]
	if !given {
		v, given = env.lookup(envName(in.name))
	}
	v = strings.TrimSpace(v)
	if v == "" && in.fallbackEnv != "" {
		v = strings.TrimSpace(env.Get(in.fallbackEnv))
	}
	if v == "" && (!in.report || (inCI && !given)) {
		v = in.def
	}
	return v
}

// loader holds what the setters need besides the value.
type loader struct {
	files    Files
	values   map[string]string // every input's resolved value, by name
	warnings []string          // what a setter notes without refusing the value
}

// MinPollInterval is the shortest poll_interval allowed against Warp's own API.
const MinPollInterval = time.Second

// check is the validation that spans inputs.
func (l *loader) check(c *Config) []*InputError {
	var errs []*InputError
	if l.values["warp_api_key"] == "" && c.MissingKey != MissingKeySkip {
		errs = append(errs, &InputError{
			Input:    "warp_api_key",
			Problem:  "is required",
			Accepted: "set it, or the environment variable WARP_API_KEY, to an Oz API key (keep it in a CI secret); where no secret reaches the job (fork and Dependabot pull requests), missing_key: skip ends the step as skipped instead",
		})
	}
	var batchErrs []*InputError
	c.Batch, batchErrs = l.parseBatch(c)
	errs = append(errs, batchErrs...)
	if l.values["prompts"] == "" && l.values["run_id"] == "" && l.values["prompt"] == "" && l.values["prompt_file"] == "" && l.values["skill"] == "" && l.values["conversation_id"] == "" {
		errs = append(errs, &InputError{
			Input:    "prompt",
			Problem:  "is required",
			Accepted: "give prompt, prompt_file or skill (or conversation_id to continue an earlier run's conversation), or run_id to wait for an existing run",
		})
	}
	errs = append(errs, l.checkWork(c)...)
	if c.APIKey != "" && strings.Contains(c.Prompt, c.APIKey) {
		name := "prompt"
		if l.values["prompt_file"] != "" {
			name = "prompt_file"
		}
		errs = append(errs, &InputError{
			Input:    name,
			Problem:  "contains the API key",
			Accepted: "a prompt without the key: oz-run never sends the key to the agent",
		})
	}
	errs = append(errs, l.checkTokens(c)...)
	errs = append(errs, l.checkSpend(c)...)
	if c.PollInterval > 0 && c.PollInterval < MinPollInterval && isWarpHost(c.APIURL) {
		errs = append(errs, &InputError{
			Input:    "poll_interval",
			Value:    l.values["poll_interval"],
			Problem:  "polls Warp's API more often than once a second",
			Accepted: "give 1s or more (shorter intervals are for a fake or a proxy given as api_url)",
		})
	}
	if c.PollInterval > 0 && c.PollMaxInterval > 0 && c.PollMaxInterval < c.PollInterval {
		errs = append(errs, &InputError{
			Input:    "poll_max_interval",
			Value:    l.values["poll_max_interval"],
			Problem:  fmt.Sprintf("is shorter than poll_interval (%s)", c.PollInterval),
			Accepted: "give a cap at least as long as poll_interval",
		})
	}
	return errs
}

// ReportFiles are the dotenv, summary and JUnit file paths as far as args
// and env give them, for reporting a step that stopped on invalid input
// (when Load has failed): each value that is a valid path, else what an
// unset input gives (the default in CI, no file on a terminal).
func ReportFiles(args []string, env Env, files Files) (dotenv, summaryFile, junitFile string) {
	flags, err := parseArgs(args)
	if err != nil {
		flags = nil
	}
	paths := map[string]string{}
	l := &loader{files: files}
	for _, in := range inputs {
		if !in.report {
			continue
		}
		var c Config
		v := resolve(in, flags, env, files.Confined())
		if v != "" && in.set(l, &c, v) != nil {
			v = resolve(in, nil, nil, files.Confined())
		}
		paths[in.name] = v
	}
	return paths["dotenv"], paths["summary_file"], paths["junit_file"]
}
