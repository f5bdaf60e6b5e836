package config

import (
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/workspace"
)

const testKey = "wk-test-SECRET-0123456789"

// env is a fake environment (Env(e) for Load).
type env map[string]string

// with returns a copy of e with more variables.
func (e env) with(more env) env {
	out := maps.Clone(e)
	maps.Copy(out, more)
	return out
}

// base is the least environment that loads.
var base = env{"INPUT_WARP_API_KEY": testKey, "INPUT_PROMPT": "fix the tests"}

// fakeFiles is Files over path -> content, without I/O; it places paths as
// the workspace does.
type fakeFiles struct {
	ws         *workspace.Workspace
	content    map[string]string // by absolute path
	unwritable map[string]error  // by absolute path
}

// files is a CI workspace at /ws holding m (paths absolute, or relative to
// the workspace).
func files(m map[string]string) *fakeFiles { return filesAt("/ws", true, m) }

// filesAt is a workspace at dir holding m; confined in CI.
func filesAt(dir string, confined bool, m map[string]string) *fakeFiles {
	f := &fakeFiles{ws: workspace.New(dir, confined), content: map[string]string{}, unwritable: map[string]error{}}
	for p, s := range m {
		if !filepath.IsAbs(p) {
			p = filepath.Join(f.ws.Dir(), p)
		}
		f.content[p] = s
	}
	return f
}

func (f *fakeFiles) Dir() string                  { return f.ws.Dir() }
func (f *fakeFiles) Confined() bool               { return f.ws.Confined() }
func (f *fakeFiles) Abs(p string) (string, error) { return f.ws.Abs(p) }
func (f *fakeFiles) fail(p, abs string, err error) error {
	return &workspace.Error{Path: p, Abs: abs, Err: err}
}

func (f *fakeFiles) ReadFile(p string, limit int64) ([]byte, error) {
	abs, err := f.ws.Abs(p)
	if err != nil {
		return nil, err
	}
	s, ok := f.content[abs]
	switch {
	case !ok:
		return nil, f.fail(p, abs, fs.ErrNotExist)
	case int64(len(s)) > limit:
		return nil, f.fail(p, abs, &workspace.TooLargeError{Size: int64(len(s)), Limit: limit})
	}
	return []byte(s), nil
}

// CheckOwnDir is the workspace's: the paths of these tests do not exist,
// so it looks at them as written.
func (f *fakeFiles) CheckOwnDir(p string) error { return f.ws.CheckOwnDir(p) }

func (f *fakeFiles) CheckWrite(p string) error {
	abs, err := f.ws.Abs(p)
	if err != nil {
		return err
	}
	if err := f.unwritable[abs]; err != nil {
		return f.fail(p, abs, err)
	}
	return nil
}

// inputErrors flattens the InputErrors in a (joined) error.
func inputErrors(err error) []*InputError {
	var out []*InputError
	var walk func(error)
	walk = func(err error) {
		var ie *InputError
		switch {
		case err == nil:
		case errors.As(err, &ie) && ie == err:
			out = append(out, ie)
		default:
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				for _, e := range j.Unwrap() {
					walk(e)
				}
			}
		}
	}
	walk(err)
	return out
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, _, err := Load(nil, Env(base), files(nil))
	require.NoError(t, err)
	c.values = nil // Settings shows them (TestSettings)
	assert.Equal(t, &Config{
		APIKey:          testKey,
		Prompt:          "fix the tests",
		AgentMode:       "normal",
		Wait:            true,
		Timeout:         60 * time.Minute,
		OnTimeout:       OnTimeoutCancel,
		CancelOnAbort:   true,
		FailOn:          outcome.FailOn{outcome.Failed: true, outcome.Error: true, outcome.Blocked: true, outcome.Cancelled: true, outcome.TimedOut: true, outcome.Rejected: true, outcome.InvalidOutput: true, outcome.OverBudget: true},
		PollInterval:    2 * time.Second,
		PollMaxInterval: 30 * time.Second,
		APIURL:          "https://app.warp.dev/api/v1",
		Summary:         true,
		Dotenv:          "oz-run.env",
		SummaryFile:     "oz-run-summary.md",
		JUnitFile:       "oz-run-junit.xml",
		OutputFile:      "oz-run-output.md",
		StructuredFile:  "oz-run-output.json",
		CodeQualityFile: "gl-code-quality-report.json",
		PRContext:       true,
		OutputRetries:   1,
		MissingKey:      MissingKeyFail,
		OnBlocked:       runner.OnBlockedFail,
		Rerun:           runner.RerunAttach,
		Workspace:       "/ws",
	}, c)
}

func TestLoadEveryInput(t *testing.T) {
	t.Parallel()
	e := env{
		"INPUT_WARP_API_KEY":      "  " + testKey + "\n",
		"INPUT_SKILL":             "acme/tools:review",
		"INPUT_ENVIRONMENT":       "env-1",
		"INPUT_MODEL":             "claude",
		"INPUT_NAME":              "nightly",
		"INPUT_TITLE":             "Nightly review",
		"INPUT_MCP":               `{"github": {"warp_id": "abc"}}`,
		"INPUT_HOST":              "worker-7",
		"INPUT_COMPUTER_USE":      "FALSE",
		"INPUT_AGENT_MODE":        "Plan",
		"INPUT_TEAM_UID":          "team-9",
		"INPUT_METADATA":          "# who\npr=42\n\nsha = abc123\n",
		"INPUT_WAIT":              "false",
		"INPUT_RUN_ID":            "run_123",
		"INPUT_TIMEOUT":           "90",
		"INPUT_ON_TIMEOUT":        "LEAVE",
		"INPUT_CANCEL_ON_ABORT":   "False",
		"INPUT_FAIL_ON":           "failed\nTIMED_OUT submitted",
		"INPUT_POLL_INTERVAL":     "500ms",
		"INPUT_POLL_MAX_INTERVAL": "60",
		"INPUT_API_URL":           "http://127.0.0.1:8080/api/v1/",
		"INPUT_SUMMARY":           "false",
		"INPUT_RESULT_FILE":       "out/run.json",
		"INPUT_DEBUG":             "true",
		"INPUT_DRY_RUN":           "TRUE",
		"INPUT_DOTENV":            "build/oz.env",
		"INPUT_SUMMARY_FILE":      "build/summary.md",
		"INPUT_JUNIT_FILE":        "build/junit.xml",
		"INPUT_OUTPUT_FILE":       "build/answer.md",
		"INPUT_FOLLOWUP":          "Also fix the linter\n",
		"INPUT_FILES_DIR":         "build/oz-files",
		"INPUT_SHARE":             "Viewer",
		"INPUT_IDLE_TIMEOUT":      "15",
		"INPUT_HARNESS":           "Claude",
		"INPUT_MISSING_KEY":       "SKIP",
		"INPUT_PR_CONTEXT":        "false",
		"INPUT_OUTPUT_RETRIES":    "3",
		"INPUT_STRUCTURED_FILE":   "build/out.json",
		"INPUT_CODEQUALITY_FILE":  "build/cq.json",
	}
	c, _, err := Load(nil, Env(e), filesAt("/builds/acme/app", true, nil))
	require.NoError(t, err)
	c.values = nil
	no := false
	assert.Equal(t, &Config{
		APIKey:          testKey,
		Skill:           "acme/tools:review",
		Environment:     "env-1",
		Model:           "claude",
		Name:            "nightly",
		Title:           "Nightly review",
		MCP:             map[string]json.RawMessage{"github": json.RawMessage(`{"warp_id": "abc"}`)},
		Host:            "worker-7",
		ComputerUse:     &no,
		AgentMode:       "plan",
		TeamUID:         "team-9",
		Metadata:        map[string]string{"pr": "42", "sha": "abc123"},
		Wait:            false,
		RunID:           "run_123",
		Timeout:         90 * time.Minute,
		OnTimeout:       OnTimeoutLeave,
		CancelOnAbort:   false,
		FailOn:          outcome.FailOn{outcome.Failed: true, outcome.TimedOut: true, outcome.Submitted: true},
		OnBlocked:       runner.OnBlockedFail,
		Rerun:           runner.RerunAttach,
		PollInterval:    500 * time.Millisecond,
		PollMaxInterval: time.Minute,
		APIURL:          "http://127.0.0.1:8080/api/v1",
		Summary:         false,
		ResultFile:      "out/run.json",
		Debug:           true,
		DryRun:          true,
		Dotenv:          "build/oz.env",
		SummaryFile:     "build/summary.md",
		JUnitFile:       "build/junit.xml",
		OutputFile:      "build/answer.md",
		StructuredFile:  "build/out.json",
		CodeQualityFile: "build/cq.json",
		OutputRetries:   3,
		Followup:        "Also fix the linter",
		FilesDir:        "build/oz-files",
		Share:           "VIEWER",
		IdleTimeout:     15 * time.Minute,
		Harness:         "claude",
		MissingKey:      MissingKeySkip,
		Workspace:       "/builds/acme/app",
	}, c)
}

func TestLoadPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		args  []string
		env   env
		check func(t *testing.T, c *Config)
	}{
		{"env", nil, env{"INPUT_TIMEOUT": "5m"}, func(t *testing.T, c *Config) {
			assert.Equal(t, 5*time.Minute, c.Timeout)
		}},
		{"flag beats env", []string{"--timeout", "7m"}, env{"INPUT_TIMEOUT": "5m"}, func(t *testing.T, c *Config) {
			assert.Equal(t, 7*time.Minute, c.Timeout)
		}},
		{"flag with =", []string{"--timeout=8m"}, nil, func(t *testing.T, c *Config) {
			assert.Equal(t, 8*time.Minute, c.Timeout)
		}},
		{"one dash", []string{"-timeout", "9m"}, nil, func(t *testing.T, c *Config) {
			assert.Equal(t, 9*time.Minute, c.Timeout)
		}},
		{"hyphenated flag", []string{"--fail-on", "none", "--poll-max-interval=1m"}, nil, func(t *testing.T, c *Config) {
			assert.Equal(t, outcome.FailOn{}, c.FailOn)
			assert.Equal(t, time.Minute, c.PollMaxInterval)
		}},
		{"last flag wins", []string{"--title", "a", "--title", "b"}, nil, func(t *testing.T, c *Config) {
			assert.Equal(t, "b", c.Title)
		}},
		{"flag value trimmed", []string{"--title", "  spaced \n"}, nil, func(t *testing.T, c *Config) {
			assert.Equal(t, "spaced", c.Title)
		}},
		{"empty flag means the default", []string{"--timeout="}, env{"INPUT_TIMEOUT": "5m"}, func(t *testing.T, c *Config) {
			assert.Equal(t, 60*time.Minute, c.Timeout)
		}},
		{"blank env means the default", nil, env{"INPUT_TIMEOUT": "  "}, func(t *testing.T, c *Config) {
			assert.Equal(t, 60*time.Minute, c.Timeout)
		}},
		{"flag value starting with a dash", []string{"--title", "-x-"}, nil, func(t *testing.T, c *Config) {
			assert.Equal(t, "-x-", c.Title)
		}},
		{"bare boolean flag", []string{"--debug", "--summary"}, env{"INPUT_SUMMARY": "false"}, func(t *testing.T, c *Config) {
			assert.True(t, c.Debug)
			assert.True(t, c.Summary)
		}},
		{"boolean flag at the end", []string{"--debug"}, nil, func(t *testing.T, c *Config) {
			assert.True(t, c.Debug)
		}},
		{"boolean flag with a value", []string{"--wait", "FALSE", "--computer-use", "true"}, nil, func(t *testing.T, c *Config) {
			assert.False(t, c.Wait)
			require.NotNil(t, c.ComputerUse)
			assert.True(t, *c.ComputerUse)
		}},
		{"boolean flag with =", []string{"--wait=false"}, nil, func(t *testing.T, c *Config) {
			assert.False(t, c.Wait)
		}},
		{"computer_use unset is nil", nil, nil, func(t *testing.T, c *Config) {
			assert.Nil(t, c.ComputerUse)
		}},
		{"-- ends flags", []string{"--title", "t", "--"}, nil, func(t *testing.T, c *Config) {
			assert.Equal(t, "t", c.Title)
		}},
		{"key flag beats env", []string{"--warp_api_key", "wk-flag-0123456789"}, nil, func(t *testing.T, c *Config) {
			assert.Equal(t, "wk-flag-0123456789", c.APIKey)
		}},
		{"INPUT_WARP_API_KEY beats WARP_API_KEY", nil, env{"WARP_API_KEY": "wk-env-0123456789"}, func(t *testing.T, c *Config) {
			assert.Equal(t, testKey, c.APIKey)
		}},
		{"WARP_API_KEY fallback", nil, env{"INPUT_WARP_API_KEY": "", "WARP_API_KEY": " wk-env-0123456789\n"}, func(t *testing.T, c *Config) {
			assert.Equal(t, "wk-env-0123456789", c.APIKey)
		}},
		{"run_id alone", nil, env{"INPUT_PROMPT": "", "INPUT_RUN_ID": "r1"}, func(t *testing.T, c *Config) {
			assert.Equal(t, "r1", c.RunID)
		}},
		{"skill alone", nil, env{"INPUT_PROMPT": "", "INPUT_SKILL": "a/b:c"}, func(t *testing.T, c *Config) {
			assert.Equal(t, "a/b:c", c.Skill)
		}},
		{"run_id with a prompt is allowed", nil, env{"INPUT_RUN_ID": "r1"}, func(t *testing.T, c *Config) {
			assert.Equal(t, "r1", c.RunID)
		}},
		{"poll_max_interval equal to poll_interval", nil, env{"INPUT_POLL_INTERVAL": "5s", "INPUT_POLL_MAX_INTERVAL": "5s"}, func(t *testing.T, c *Config) {
			assert.Equal(t, 5*time.Second, c.PollMaxInterval)
		}},
		{"empty mcp object", nil, env{"INPUT_MCP": "{ }"}, func(t *testing.T, c *Config) {
			assert.Nil(t, c.MCP)
		}},
		{"api_url http", nil, env{"INPUT_API_URL": "HTTP://localhost:1/"}, func(t *testing.T, c *Config) {
			assert.Equal(t, "HTTP://localhost:1", c.APIURL)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(tt.args, Env(base.with(tt.env)), files(nil))
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestLoadArgErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string // the whole message
	}{
		{"unknown flag", []string{"--promt", "x"}, `unknown flag "--promt": did you mean --prompt? see oz-run --help for the inputs`},
		{"unknown flag with =", []string{"--promt=" + testKey}, `unknown flag "--promt": did you mean --prompt? see oz-run --help for the inputs`},
		{"unknown short flag", []string{"-p", "x"}, `unknown flag "-p": see oz-run --help for the inputs`},
		{"unknown flag, nothing close", []string{"--verbose"}, `unknown flag "--verbose": see oz-run --help for the inputs`},
		{"a key as a flag", []string{"--" + testKey}, "unknown flag (a name that is not a word): see oz-run --help for the inputs"},
		{"missing value", []string{"--timeout"}, `flag "--timeout" needs a value (duration): see oz-run --help`},
		{"missing value, one dash", []string{"-timeout"}, `flag "-timeout" needs a value (duration): see oz-run --help`},
		{"stray argument after a boolean flag", []string{"--debug", testKey},
			"unexpected argument 2: it is not a flag or a flag's value; inputs are given as --name value (see oz-run --help)"},
		{"a word after a prompt", []string{"--title", "t", "--prompt", "fix", "the", "tests"},
			`unexpected argument 5 ("the") after the value of --prompt: a value with spaces needs quotes (--prompt "..."); see oz-run --help`},
		{"a word after the key", []string{"--warp_api_key", "wk-part", "two"},
			"unexpected argument 3: it is not a flag or a flag's value; inputs are given as --name value (see oz-run --help)"},
		{"a key-shaped word after a value", []string{"--title", "t", "wk-abc"},
			"unexpected argument 3: it is not a flag or a flag's value; inputs are given as --name value (see oz-run --help)"},
		{"a value given with =, then a word", []string{"--title=t", "more"},
			"unexpected argument 2: it is not a flag or a flag's value; inputs are given as --name value (see oz-run --help)"},
		{"lone dash", []string{"-"}, "unexpected argument 1: it is not a flag or a flag's value; inputs are given as --name value (see oz-run --help)"},
		{"argument after --", []string{"--", testKey}, "unexpected argument 2 after --: inputs are given as --name value; see oz-run --help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Load(tt.args, Env(base), files(nil))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

func TestLoadHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"--help"}, {"-help"}, {"--timeout", "1m", "--help"}, {"--help=true"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(args, Env{}, files(nil))
			assert.ErrorIs(t, err, ErrHelp)
			assert.Nil(t, c)
		})
	}
	// -h as a flag's value is a value.
	c, _, err := Load([]string{"--title", "-h"}, Env(base), files(nil))
	require.NoError(t, err)
	assert.Equal(t, "-h", c.Title)
}

func TestLoadInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   env
		input string // the input the error names
		want  []string
	}{
		{"key missing", env{"INPUT_WARP_API_KEY": ""}, "warp_api_key", []string{"is required", "WARP_API_KEY"}},
		{"key with a space", env{"INPUT_WARP_API_KEY": "wk-abc SECRET"}, "warp_api_key", []string{"whitespace"}},
		{"key with a newline", env{"INPUT_WARP_API_KEY": "wk-abc\nSECRET"}, "warp_api_key", []string{"whitespace"}},
		{"fallback key with a tab", env{"INPUT_WARP_API_KEY": "", "WARP_API_KEY": "wk-abc\tSECRET"}, "warp_api_key", []string{"whitespace"}},
		{"key with NUL", env{"INPUT_WARP_API_KEY": "wk-abc\x00SECRET"}, "warp_api_key", []string{"control"}},
		{"no prompt", env{"INPUT_PROMPT": ""}, "prompt", []string{"is required", "prompt_file", "skill", "run_id"}},
		{"prompt and prompt_file", env{"INPUT_PROMPT_FILE": "p.md"}, "prompt_file", []string{"together with prompt"}},
		{"computer_use", env{"INPUT_COMPUTER_USE": "yes"}, "computer_use", []string{`"yes" is not a boolean`, "true or false"}},
		{"wait", env{"INPUT_WAIT": "1"}, "wait", []string{`"1" is not a boolean`}},
		{"cancel_on_abort", env{"INPUT_CANCEL_ON_ABORT": "no"}, "cancel_on_abort", []string{"true or false"}},
		{"summary", env{"INPUT_SUMMARY": "on"}, "summary", []string{"true or false"}},
		{"debug", env{"INPUT_DEBUG": "verbose"}, "debug", []string{"true or false"}},
		{"agent_mode", env{"INPUT_AGENT_MODE": "auto"}, "agent_mode", []string{`"auto"`, "normal, plan or orchestrate"}},
		{"on_timeout", env{"INPUT_ON_TIMEOUT": "kill"}, "on_timeout", []string{`"kill"`, "cancel", "leave"}},
		{"team_uid", env{"INPUT_TEAM_UID": "team 1"}, "team_uid", []string{"whitespace"}},
		{"timeout", env{"INPUT_TIMEOUT": "abc"}, "timeout", []string{`input "timeout": "abc" is not a duration; use Go syntax such as 90s, 30m, 1h30m, or a whole number of minutes`}},
		{"timeout zero", env{"INPUT_TIMEOUT": "0"}, "timeout", []string{"more than zero"}},
		{"timeout negative", env{"INPUT_TIMEOUT": "-5m"}, "timeout", []string{"more than zero"}},
		{"poll_interval", env{"INPUT_POLL_INTERVAL": "0s"}, "poll_interval", []string{"more than zero"}},
		{"poll_max_interval", env{"INPUT_POLL_MAX_INTERVAL": "soon"}, "poll_max_interval", []string{"not a duration"}},
		{"poll_max_interval below poll_interval", env{"INPUT_POLL_INTERVAL": "10s", "INPUT_POLL_MAX_INTERVAL": "5s"}, "poll_max_interval", []string{`"5s" is shorter than poll_interval (10s)`}},
		{"fail_on", env{"INPUT_FAIL_ON": "failed,faild"}, "fail_on", []string{`"faild" is not a conclusion`, "timed_out", "none"}},
		{"api_url relative", env{"INPUT_API_URL": "app.warp.dev/api"}, "api_url", []string{"absolute http(s) URL"}},
		{"api_url ftp", env{"INPUT_API_URL": "ftp://x/api"}, "api_url", []string{"absolute http(s) URL"}},
		{"api_url query", env{"INPUT_API_URL": "https://x/api?a=1"}, "api_url", []string{"query or fragment"}},
		{"api_url password hidden", env{"INPUT_API_URL": "https://u:hunter2@x/api#f"}, "api_url", []string{`"https://x/api" holds a user name or password (not shown)`}},
		{"api_url plain http", env{"INPUT_API_URL": "http://oz.example.com/api"}, "api_url", []string{`"http://oz.example.com/api" is plain http`, "use https"}},
		{"result_file absolute", env{"INPUT_RESULT_FILE": "/tmp/run.json"}, "result_file", []string{"inside the workspace", "relative"}},
		{"result_file escaping", env{"INPUT_RESULT_FILE": "out/../../run.json"}, "result_file", []string{"inside the workspace"}},
		{"result_file dot", env{"INPUT_RESULT_FILE": "out/.."}, "result_file", []string{"inside the workspace"}},
		{"dotenv absolute", env{"INPUT_DOTENV": "/oz.env"}, "dotenv", []string{"inside the workspace"}},
		{"summary_file escaping", env{"INPUT_SUMMARY_FILE": "../s.md"}, "summary_file", []string{"inside the workspace"}},
		{"junit_file control", env{"INPUT_JUNIT_FILE": "a\x01.xml"}, "junit_file", []string{"inside the workspace"}},
		{"run_id slash", env{"INPUT_RUN_ID": "runs/1"}, "run_id", []string{`contains "/"`}},
		{"run_id space", env{"INPUT_RUN_ID": "run 1"}, "run_id", []string{"whitespace"}},
		{"run_id long", env{"INPUT_RUN_ID": strings.Repeat("r", 129)}, "run_id", []string{"longer than 128"}},
		{"run_id bidi", env{"INPUT_RUN_ID": "run\u202e1"}, "run_id", []string{"format characters"}},
		{"run_id dot-dot", env{"INPUT_RUN_ID": ".."}, "run_id", []string{`".."`}},
		{"mcp", env{"INPUT_MCP": `{"a": [1]}`}, "mcp", []string{`server "a"`, "not a JSON object"}},
		{"metadata", env{"INPUT_METADATA": "a=1\nnot a pair"}, "metadata", []string{"on line 2 is not key=value"}},
		{"conversation_id slash", env{"INPUT_CONVERSATION_ID": "c/1"}, "conversation_id", []string{`contains "/"`, "conversation_id output"}},
		{"conversation_id with run_id", env{"INPUT_CONVERSATION_ID": "conv-1", "INPUT_RUN_ID": "run-1"}, "conversation_id",
			[]string{"together with run_id", "a new run", "attach to an existing run", "followup"}},
		{"followup without run_id", env{"INPUT_FOLLOWUP": "also fix the docs"}, "followup", []string{"needs run_id", "conversation_id"}},
		{"followup with the key", env{"INPUT_RUN_ID": "run-1", "INPUT_FOLLOWUP": "use " + testKey}, "followup", []string{"contains the API key"}},
		{"files_dir the workspace", env{"INPUT_FILES_DIR": "."}, "files_dir", []string{"not a directory path inside the workspace (/ws)", "not the workspace itself"}},
		{"files_dir outside", env{"INPUT_FILES_DIR": "../files"}, "files_dir", []string{"inside the workspace"}},
		{"files_dir control", env{"INPUT_FILES_DIR": "a\x01"}, "files_dir", []string{"inside the workspace"}},
		{"files_dir the workspace, absolute", env{"INPUT_FILES_DIR": "/ws"}, "files_dir", []string{"is not a directory of its own (/ws: it is the workspace itself (/ws))", "nor .git"}},
		{"files_dir the workspace, ..", env{"INPUT_FILES_DIR": "a/../b/.."}, "files_dir", []string{"inside the workspace (/ws)"}},
		{"files_dir .git", env{"INPUT_FILES_DIR": ".git"}, "files_dir", []string{"(/ws/.git: it is .git or inside it", "nor .git or a directory inside it"}},
		{"files_dir .git/sub", env{"INPUT_FILES_DIR": ".git/sub"}, "files_dir", []string{"(/ws/.git/sub: it is .git or inside it"}},
		{"files_dir .git through ..", env{"INPUT_FILES_DIR": "out/../.Git/hooks"}, "files_dir", []string{"it is .git or inside it"}},
		{"share", env{"INPUT_SHARE": "public"}, "share", []string{`"public" is not a sharing level`, "viewer", "editor"}},
		{"idle_timeout too long", env{"INPUT_IDLE_TIMEOUT": "61"}, "idle_timeout", []string{"not between 1m and 60m", "whole minutes from 1 to 60"}},
		{"idle_timeout too short", env{"INPUT_IDLE_TIMEOUT": "30s"}, "idle_timeout", []string{"not between 1m and 60m"}},
		{"idle_timeout part of a minute", env{"INPUT_IDLE_TIMEOUT": "90s"}, "idle_timeout", []string{"not a whole number of minutes"}},
		{"idle_timeout not a duration", env{"INPUT_IDLE_TIMEOUT": "soon"}, "idle_timeout", []string{"not a duration"}},
		{"output_file escaping", env{"INPUT_OUTPUT_FILE": "../a.md"}, "output_file", []string{"inside the workspace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(tt.env)), files(map[string]string{"p.md": "x"}))
			require.Error(t, err)
			assert.Nil(t, c)
			msg := err.Error()
			for _, w := range tt.want {
				assert.Contains(t, msg, w)
			}
			assert.Contains(t, msg, `input "`+tt.input+`"`)
			assert.NotContains(t, msg, testKey)
			assert.NotContains(t, msg, "SECRET")
			assert.NotContains(t, msg, "hunter2")
			ies := inputErrors(err)
			require.Len(t, ies, 1, msg)
			assert.Equal(t, tt.input, ies[0].Input)
		})
	}
}

func TestLoadWorkInputs(t *testing.T) {
	t.Parallel()
	// conversation_id is the thing to run: no prompt is needed.
	c, _, err := Load(nil, Env(base.with(env{"INPUT_PROMPT": "", "INPUT_CONVERSATION_ID": "conv-7"})), files(nil))
	require.NoError(t, err)
	assert.Equal(t, "conv-7", c.ConversationID)
	assert.Empty(t, c.Prompt)

	// followup with run_id; an idle timeout of an hour; editor in capitals.
	c, _, err = Load(nil, Env(base.with(env{"INPUT_RUN_ID": "run-1", "INPUT_FOLLOWUP": "also fix the docs",
		"INPUT_IDLE_TIMEOUT": "1h", "INPUT_SHARE": "EDITOR"})), files(nil))
	require.NoError(t, err)
	assert.Equal(t, "also fix the docs", c.Followup)
	assert.Equal(t, time.Hour, c.IdleTimeout)
	assert.Equal(t, "EDITOR", c.Share)

	// On a terminal files_dir may be absolute; output_file is off unless asked for.
	c, _, err = Load(nil, Env(base.with(env{"INPUT_FILES_DIR": "/tmp/oz-files"})), filesAt("/home/me", false, nil))
	require.NoError(t, err)
	assert.Equal(t, "/tmp/oz-files", c.FilesDir)
	assert.Empty(t, c.OutputFile)
	c, _, err = Load([]string{"--output_file", "answer.md"}, Env(base), filesAt("/home/me", false, nil))
	require.NoError(t, err)
	assert.Equal(t, "answer.md", c.OutputFile)
}

func TestLoadReportsEveryError(t *testing.T) {
	t.Parallel()
	e := env{"INPUT_TIMEOUT": "x", "INPUT_WAIT": "maybe", "INPUT_FAIL_ON": "a b", "INPUT_RUN_ID": "a/b"}
	_, _, err := Load(nil, Env(e), files(nil))
	var names []string
	for _, ie := range inputErrors(err) {
		names = append(names, ie.Input)
	}
	// An invalid run_id does not also make prompt required.
	assert.Equal(t, []string{"wait", "run_id", "timeout", "fail_on", "fail_on", "warp_api_key"}, names)
}

func TestInputErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  InputError
		want string
	}{
		{InputError{Input: "timeout", Value: "abc", Problem: "is not a duration", Accepted: "use 30m"},
			`input "timeout": "abc" is not a duration; use 30m`},
		{InputError{Input: "warp_api_key", Problem: "is required"}, `input "warp_api_key" is required`},
		{InputError{Input: "title", Value: "a\nb" + strings.Repeat("é", 50), Problem: "is odd"},
			`input "title": "a\nb` + strings.Repeat("é", 38) + `…" is odd`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.err.Error())
	}
}

// TestRunIDIsTheClientsRule: the run_id input accepts exactly the ids the
// client accepts from the API (oz.CheckRunID), so that an id refused as
// input is never first sent, and one accepted is never refused later as
// an invalid answer (exit 3 for a typo).
func TestRunIDIsTheClientsRule(t *testing.T) {
	t.Parallel()
	for _, id := range []string{
		"run-1", "0f8c1d9e-7a4b-4c2e-9f1a-2b3c4d5e6f70", "r", "é", strings.Repeat("r", 128), strings.Repeat("r", 129),
		"a b", "a\tb", "a\x00b", "a\u200eb", "a\u202eb", "a\ufeffb", "a/b", ".", "..", "...", "a..b", "\xff",
	} {
		_, _, err := Load(nil, Env(base.with(env{"INPUT_PROMPT": "", "INPUT_RUN_ID": id})), files(nil))
		if oz.CheckRunID(id) == nil {
			assert.NoError(t, err, "%q", id)
		} else {
			assert.ErrorContains(t, err, `input "run_id"`, "%q", id)
		}
	}
}
