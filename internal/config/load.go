package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrHelp is returned by Load when -h or --help is given: print Usage.
var ErrHelp = errors.New("help requested")

// Load reads every input from args (flags --name value or --name=value),
// then getenv (INPUT_<NAME>), then the defaults, and validates them. Paths
// are checked, and files named by inputs (prompt_file, a path given as mcp)
// read, through files (the workspace). Every bad input is reported, joined
// into one error; a flag that cannot be parsed is reported alone. No error
// holds the API key.
func Load(args []string, getenv func(string) string, files Files) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if files == nil {
		return nil, errors.New("config: Load needs the workspace's files")
	}
	flags, err := parseArgs(args)
	if err != nil {
		return nil, err
	}
	l := &loader{files: files, values: map[string]string{}}
	for _, in := range inputs {
		v, ok := flags[in.name]
		if !ok {
			v = getenv(envName(in.name))
		}
		v = strings.TrimSpace(v)
		if v == "" && in.fallbackEnv != "" {
			v = strings.TrimSpace(getenv(in.fallbackEnv))
		}
		if v == "" {
			v = in.def
		}
		l.values[in.name] = v
	}

	c := &Config{Workspace: files.Dir()}
	var errs []error
	for _, in := range inputs {
		for _, e := range in.set(l, c, l.values[in.name]) {
			if e.Input == "" {
				e.Input = in.name
			}
			errs = append(errs, e)
		}
	}
	for _, e := range l.check(c) {
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// loader holds what the setters need besides the value.
type loader struct {
	files  Files
	values map[string]string // every input's resolved value, by name
}

// MinPollInterval is the shortest poll_interval allowed against Warp's own API.
const MinPollInterval = time.Second

// check is the validation that spans inputs.
func (l *loader) check(c *Config) []*InputError {
	var errs []*InputError
	if l.values["warp_api_key"] == "" {
		errs = append(errs, &InputError{
			Input:    "warp_api_key",
			Problem:  "is required",
			Accepted: "set it, or the environment variable WARP_API_KEY, to an Oz API key (keep it in a CI secret)",
		})
	}
	if l.values["run_id"] == "" && l.values["prompt"] == "" && l.values["prompt_file"] == "" && l.values["skill"] == "" {
		errs = append(errs, &InputError{
			Input:    "prompt",
			Problem:  "is required",
			Accepted: "give prompt, prompt_file or skill, or run_id to wait for an existing run",
		})
	}
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
	if c.PollInterval > 0 && c.PollInterval < MinPollInterval && strings.HasPrefix(c.APIURL, "https://app.warp.dev/") {
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

// ReportFiles are the dotenv, summary and JUnit file paths as far as the
// environment gives them, for reporting a step that stopped on invalid
// input (when Load has failed): each INPUT_ value that is a valid path,
// else the input's default.
func ReportFiles(getenv func(string) string, files Files) (dotenv, summaryFile, junitFile string) {
	paths := map[string]string{}
	l := &loader{files: files}
	for _, in := range inputs {
		if !in.gitlab {
			continue
		}
		var c Config
		v := strings.TrimSpace(getenv("INPUT_" + strings.ToUpper(in.name)))
		if v == "" || in.set(l, &c, v) != nil {
			v = in.def
		}
		paths[in.name] = v
	}
	return paths["dotenv"], paths["summary_file"], paths["junit_file"]
}
