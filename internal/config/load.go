package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"
)

// ErrHelp is returned by Load when -h or --help is given: print Usage.
var ErrHelp = errors.New("help requested")

// Load reads every input from args (flags --name value or --name=value),
// then getenv (INPUT_<NAME>), then the defaults, and validates them. Files
// named by inputs (prompt_file, a path given as mcp) are read with readFile,
// relative to the workspace. Every bad input is reported, joined into one
// error; a flag that cannot be parsed is reported alone. No error holds the
// API key.
func Load(args []string, getenv func(string) string, readFile func(path string) ([]byte, error)) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if readFile == nil {
		readFile = func(string) ([]byte, error) { return nil, errors.New("no file reader") }
	}
	flags, err := parseArgs(args)
	if err != nil {
		return nil, err
	}
	l := &loader{readFile: readFile, workspace: workspace(getenv), values: map[string]string{}}
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

	c := &Config{Workspace: l.workspace}
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
	readFile  func(string) ([]byte, error)
	workspace string
	values    map[string]string // every input's resolved value, by name
}

// workspace is the base of relative paths.
func workspace(getenv func(string) string) string {
	for _, name := range []string{"GITHUB_WORKSPACE", "CI_PROJECT_DIR"} {
		if dir := strings.TrimSpace(getenv(name)); dir != "" {
			return dir
		}
	}
	return "."
}

// path resolves p against the workspace; absolute paths are kept.
func (l *loader) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(l.workspace, p)
}

// read reads a file named by an input, relative to the workspace. The error
// names the resolved path and the reason. A path leading out of the
// workspace is refused: inputs may come from a pull request's workflow, and
// the file's content is sent to the API.
func (l *loader) read(p string) ([]byte, *InputError) {
	full := l.path(p)
	if !l.inWorkspace(full) {
		return nil, &InputError{
			Value:    p,
			Problem:  "is outside the workspace (" + l.workspace + ")",
			Accepted: "give the path of a file inside the workspace, relative to it",
		}
	}
	data, err := l.readFile(full)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &InputError{
			Value:    p,
			Problem:  fmt.Sprintf("cannot be read (%s: %v)", full, err),
			Accepted: fmt.Sprintf("give the path of a readable file, relative to the workspace (%s)", l.workspace),
		}
	}
	return data, nil
}

// inWorkspace reports whether the path stays inside the workspace, as far
// as its text tells (the reader main passes in also refuses symbolic links
// that lead out).
func (l *loader) inWorkspace(full string) bool {
	ws, err1 := filepath.Abs(l.workspace)
	abs, err2 := filepath.Abs(full)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(ws, abs)
	return err == nil && filepath.IsLocal(rel)
}

// MinPollInterval is the shortest poll_interval allowed against Warp's own API.
const MinPollInterval = time.Second

// Workspace is the base of relative paths: GITHUB_WORKSPACE, else
// CI_PROJECT_DIR, else the current directory.
func Workspace(getenv func(string) string) string { return workspace(getenv) }

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
func ReportFiles(getenv func(string) string) (dotenv, summaryFile, junitFile string) {
	paths := map[string]string{}
	for _, in := range inputs {
		if !in.gitlab {
			continue
		}
		var c Config
		v := strings.TrimSpace(getenv("INPUT_" + strings.ToUpper(in.name)))
		if v == "" || in.set(nil, &c, v) != nil {
			v = in.def
		}
		paths[in.name] = v
	}
	return paths["dotenv"], paths["summary_file"], paths["junit_file"]
}
