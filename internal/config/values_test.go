package config

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/workspace"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    time.Duration
		problem string
		unit    time.Duration // default time.Minute
	}{
		{"90s", 90 * time.Second, "", 0},
		{"30m", 30 * time.Minute, "", 0},
		{"1h30m", 90 * time.Minute, "", 0},
		{"250ms", 250 * time.Millisecond, "", 0},
		{"45", 45 * time.Minute, "", 0},
		{"007", 7 * time.Minute, "", 0},
		{"0", 0, "is not more than zero", 0},
		{"0s", 0, "is not more than zero", 0},
		{"-1m", 0, "is not more than zero", 0},
		{"+5", 0, "is not a duration", 0},
		{"1.5", 0, "is not a duration", 0},
		{"1h 30m", 0, "is not a duration", 0},
		{"ten", 0, "is not a duration", 0},
		{"153722867280912931", 0, "is too long", 0},
		{"99999999999999999999", 0, "is too long", 0},
		{"9999999999h", 0, "is not a duration", 0},
		// poll_interval and poll_max_interval count bare numbers in seconds.
		{"1", time.Second, "", time.Second},
		{"45", 45 * time.Second, "", time.Second},
		{"2s", 2 * time.Second, "", time.Second},
		{"0", 0, "is not more than zero", time.Second},
		{"9223372037", 0, "is too long", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			unit := tt.unit
			if unit == 0 {
				unit = time.Minute
			}
			d, err := parseDuration(tt.in, unit)
			if tt.problem != "" {
				require.NotNil(t, err)
				assert.Equal(t, tt.problem, err.Problem)
				assert.Equal(t, tt.in, err.Value)
				assert.Equal(t, durationAccepted(unit), err.Accepted)
				return
			}
			require.Nil(t, err)
			assert.Equal(t, tt.want, d)
		})
	}
}

func TestParseFailOn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want outcome.FailOn
		bad  []string // the Values of the errors
	}{
		{DefaultFailOn, outcome.FailOn{outcome.Failed: true, outcome.Error: true, outcome.Blocked: true, outcome.Cancelled: true, outcome.TimedOut: true, outcome.Rejected: true, outcome.InvalidOutput: true, outcome.OverBudget: true}, nil},
		{"none", outcome.FailOn{}, nil},
		{"NONE", outcome.FailOn{}, nil},
		{"Failed, ERROR\n\ttimed_out", outcome.FailOn{outcome.Failed: true, outcome.Error: true, outcome.TimedOut: true}, nil},
		{"submitted succeeded", outcome.FailOn{outcome.Submitted: true, outcome.Succeeded: true}, nil},
		{"failed,,failed", outcome.FailOn{outcome.Failed: true}, nil},
		{"failed, bogus, worse", nil, []string{"bogus", "worse"}},
		{"none,failed", nil, []string{"none,failed"}},
		{", ,", nil, []string{", ,"}},
		{"timedout", nil, []string{"timedout"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, errs := parseFailOn(tt.in)
			var bad []string
			for _, e := range errs {
				bad = append(bad, e.Value)
				assert.Contains(t, e.Accepted+e.Problem, "none")
			}
			assert.Equal(t, tt.bad, bad)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFailOnAcceptedListsConclusions(t *testing.T) {
	t.Parallel()
	_, errs := parseFailOn("nope")
	require.Len(t, errs, 1)
	for _, c := range outcome.Conclusions {
		assert.Contains(t, errs[0].Accepted, string(c))
	}
}

func TestMCP(t *testing.T) {
	t.Parallel()
	fs := files(map[string]string{
		"/ws/mcp.json":   `{"a": {"command": "x"}, "b": {"warp_id": "y"}}`,
		"/ws/bad.json":   "{\n  \"a\": {\"command\": \"x\"},\n  \"b\": {warp_id}\n}",
		"/ws/list.json":  `[{"a": 1}]`,
		"/abs/mcp.json":  `{"c": {}}`,
		"/ws/empty.json": "",
	})
	tests := []struct {
		name    string
		value   string
		want    []string // server names
		problem string   // part of the error
		shown   bool     // the error shows the value
	}{
		{"inline", `{"gh": {"warp_id": "1"}}`, []string{"gh"}, "", false},
		{"file", "mcp.json", []string{"a", "b"}, "", false},
		{"absolute file", "/abs/mcp.json", nil, `"/abs/mcp.json" is outside the workspace (/ws)`, true},
		{"inline malformed", `{"gh": {"env": {"TOKEN": "t0ken"}},}`, nil, "line 1, column 36: invalid character '}'", false},
		{"inline trailing data", `{"gh": {}} x`, nil, "line 1, column 12: invalid character 'x' after top-level value", false},
		{"inline value not an object", `{"gh": "t0ken"}`, nil, `server "gh" a value that is not a JSON object`, false},
		{"file malformed", "bad.json", nil, "names a file that is not valid JSON (line 3, column 9: invalid character 'w'", true},
		{"file not an object", "list.json", nil, "names a file that is a JSON array: it must be a JSON object", true},
		{"inline array", `["a"]`, nil, `input "mcp" is a JSON array: it must be a JSON object of MCP servers by name`, false},
		{"inline array of objects", `[{"gh": {"env": {"TOKEN": "t0ken"}}}]`, nil, "must be a JSON object", false},
		{"file empty", "empty.json", nil, "names a file that is not a JSON object", true},
		{"file missing", "nope.json", nil, "cannot be read (/ws/nope.json: file does not exist)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(env{"INPUT_MCP": tt.value})), fs)
			if tt.problem != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.problem)
				assert.Contains(t, err.Error(), `input "mcp"`)
				assert.NotContains(t, err.Error(), "t0ken")
				if tt.shown {
					assert.Contains(t, err.Error(), `"`+tt.value+`"`)
				}
				return
			}
			require.NoError(t, err)
			var names []string
			for name, raw := range c.MCP {
				names = append(names, name)
				assert.True(t, json.Valid(raw))
			}
			assert.ElementsMatch(t, tt.want, names)
		})
	}
}

func TestMCPFromDisk(t *testing.T) {
	t.Parallel()
	c, _, err := Load(nil, Env(base.with(env{"INPUT_MCP": "mcp.json"})), workspace.New("testdata", true))
	require.NoError(t, err)
	require.Contains(t, c.MCP, "github")
	assert.JSONEq(t, `{"warp_id": "mcp-github", "env": {"GITHUB_TOKEN": "from-env"}}`, string(c.MCP["github"]))
}

func TestMetadata(t *testing.T) {
	t.Parallel()
	many := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString("k" + strings.Repeat("x", i) + "=v\n")
		}
		return b.String()
	}
	tests := []struct {
		name     string
		value    string
		want     map[string]string
		problems []string
	}{
		{"pairs", "a=1\nb.c-d_E=two words\n", map[string]string{"a": "1", "b.c-d_E": "two words"}, nil},
		{"comments, blanks and CRLF", "# c\r\n\r\n a = 1 \r\n  # indented comment\n", map[string]string{"a": "1"}, nil},
		{"value with =", "url=https://x/?a=b", map[string]string{"url": "https://x/?a=b"}, nil},
		{"empty value", "a=", map[string]string{"a": ""}, nil},
		{"longest key and value", strings.Repeat("k", 64) + "=" + strings.Repeat("v", 256), map[string]string{strings.Repeat("k", 64): strings.Repeat("v", 256)}, nil},
		{"19 keys", many(19), nil, nil},
		{"no =", "a=1\n\nplain", nil, []string{"on line 3 is not key=value"}},
		{"empty key", "=1", nil, []string{"on line 1 has a bad key"}},
		{"key too long", strings.Repeat("k", 65) + "=1", nil, []string{"on line 1 has a bad key"}},
		{"key charset", "a b=1\nä=2\na/b=3", nil, []string{"on line 1 has a bad key", "on line 2 has a bad key", "on line 3 has a bad key"}},
		{"value too long", "a=" + strings.Repeat("v", 257), nil, []string{"on line 1 has a value of 257 bytes"}},
		{"NUL", "a=x\x00y", nil, []string{"on line 1 has a NUL byte"}},
		{"duplicate", "a=1\nb=2\na=3", nil, []string{"on line 3 repeats the key a"}},
		{"reserved", "oz_run_request_id=x", nil, []string{"on line 1 uses the key oz_run_request_id"}},
		{"re-run and batch keys are oz-run's too", "oz_run_step=mine\noz_run_workflow_run=1\noz_run_attempt=1\noz_run_batch=b\noz_run_item=i",
			nil, []string{"on line 1 uses the key oz_run_step: keys starting with oz_run_ are oz-run's own", "on line 2 uses the key oz_run_workflow_run",
				"on line 3 uses the key oz_run_attempt", "on line 4 uses the key oz_run_batch", "on line 5 uses the key oz_run_item"}},
		{"20 keys", many(20), nil, []string{"has 20 keys"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(env{"INPUT_METADATA": tt.value})), files(nil))
			if tt.problems != nil {
				require.Error(t, err)
				var problems []string
				for _, ie := range inputErrors(err) {
					assert.Equal(t, "metadata", ie.Input)
					problems = append(problems, ie.Problem)
				}
				require.Len(t, problems, len(tt.problems), err.Error())
				for i, p := range tt.problems {
					assert.Contains(t, problems[i], p)
				}
				return
			}
			require.NoError(t, err)
			if tt.want != nil {
				assert.Equal(t, tt.want, c.Metadata)
			} else {
				assert.Len(t, c.Metadata, 19)
			}
		})
	}
}

func TestPromptFile(t *testing.T) {
	t.Parallel()
	content := map[string]string{
		"/github/workspace/.github/prompt.md": "\n  Review the diff.\n\n",
		"/builds/app/prompt.md":               "from gitlab",
		"/etc/prompt.md":                      "absolute",
		"/github/workspace/blank.md":          " \n\t\n",
		"/github/workspace/binary.md":         "\xff\xfe",
		"/github/workspace/key.md":            "print " + testKey,
		"/github/workspace/big.md":            strings.Repeat("x", MaxInputFile+1),
		"/github/workspace/max.md":            strings.Repeat("x", MaxInputFile),
	}
	const gh = "/github/workspace"
	tests := []struct {
		name     string
		dir      string
		terminal bool
		env      env
		want     string
		problem  string
	}{
		{"GitHub", gh, false, env{"INPUT_PROMPT_FILE": ".github/prompt.md"}, "Review the diff.", ""},
		{"GitLab", "/builds/app", false, env{"INPUT_PROMPT_FILE": "prompt.md"}, "from gitlab", ""},
		{"absolute", gh, false, env{"INPUT_PROMPT_FILE": "/etc/prompt.md"}, "", `"/etc/prompt.md" is outside the workspace (/github/workspace)`},
		{"absolute inside", gh, false, env{"INPUT_PROMPT_FILE": "/github/workspace/.github/prompt.md"}, "Review the diff.", ""},
		{"dot dot", gh, false, env{"INPUT_PROMPT_FILE": "../../proc/self/environ"}, "", "is outside the workspace"},
		{"holds the key", gh, false, env{"INPUT_PROMPT_FILE": "key.md"}, "", `input "prompt_file" contains the API key`},
		{"missing", gh, false, env{"INPUT_PROMPT_FILE": "nope.md"},
			"", `input "prompt_file": "nope.md" cannot be read (/github/workspace/nope.md: file does not exist); give the path of a readable regular file of at most 1 MiB, relative to the workspace (/github/workspace)`},
		{"too large", gh, false, env{"INPUT_PROMPT_FILE": "big.md"}, "", `cannot be read (/github/workspace/big.md: it is larger than 1 MiB (at least 1048577 bytes)); give the path of a readable regular file of at most 1 MiB`},
		{"at the limit", gh, false, env{"INPUT_PROMPT_FILE": "max.md"}, strings.Repeat("x", MaxInputFile), ""},
		{"blank", gh, false, env{"INPUT_PROMPT_FILE": "blank.md"}, "", "names an empty file"},
		{"not text", gh, false, env{"INPUT_PROMPT_FILE": "binary.md"}, "", "not UTF-8 text"},
		{"terminal: absolute anywhere", gh, true, env{"INPUT_PROMPT_FILE": "/etc/prompt.md"}, "absolute", ""},
		{"terminal: relative to the current directory", "/builds", true, env{"INPUT_PROMPT_FILE": "./app/prompt.md"}, "from gitlab", ""},
		{"terminal: missing", "/builds", true, env{"INPUT_PROMPT_FILE": "nope.md"}, "", "relative to the current directory (/builds)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := base.with(env{"INPUT_PROMPT": ""}).with(tt.env)
			c, _, err := Load(nil, Env(e), filesAt(tt.dir, !tt.terminal, content))
			if tt.problem != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.problem)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Prompt)
			assert.Equal(t, tt.env["INPUT_PROMPT_FILE"], c.PromptFile)
		})
	}
}

func TestNilReaders(t *testing.T) {
	t.Parallel()
	_, _, err := Load(nil, nil, files(nil))
	require.Error(t, err) // key and prompt missing; no panic
	_, _, err = Load(nil, Env(base), nil)
	require.ErrorContains(t, err, "needs the workspace's files")
}

func TestSkillSpec(t *testing.T) {
	t.Parallel()
	for spec, ok := range map[string]bool{
		"owner/repo:deploy":                     true,
		"myorg/backend:.warp/skills/x/SKILL.md": true,
		"repo:code-review":                      true,
		"deploy":                                false, // see TestBareSkillName
		"owner/repo:":                           false,
		":deploy":                               false,
		"a/b/c:deploy":                          false,
		"/repo:deploy":                          false,
		"owner/repo:de ploy":                    false,
	} {
		t.Run(spec, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(env{"INPUT_PROMPT": "", "INPUT_SKILL": spec})), files(nil))
			if ok {
				require.NoError(t, err)
				assert.Equal(t, spec, c.Skill)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), `input "skill"`)
			assert.Contains(t, err.Error(), "owner/repo:")
		})
	}
}

// A bare skill name cannot be run in the cloud: the error says what can.
func TestBareSkillName(t *testing.T) {
	t.Parallel()
	_, _, err := Load(nil, Env(base.with(env{"INPUT_PROMPT": "", "INPUT_SKILL": "deploy"})), files(nil))
	require.Error(t, err)
	assert.Equal(t, `input "skill": "deploy" is a bare skill name: a cloud run needs the repository that holds the skill; use owner/repo:deploy (or owner/repo:path/to/SKILL.md)`, err.Error())
}

func TestPollIntervalFloorAgainstWarp(t *testing.T) {
	t.Parallel()
	_, _, err := Load(nil, Env(base.with(env{"INPUT_POLL_INTERVAL": "10ms"})), files(nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `input "poll_interval"`)
	_, _, err = Load(nil, Env(base.with(env{"INPUT_POLL_INTERVAL": "10ms", "INPUT_POLL_MAX_INTERVAL": "50ms", "INPUT_API_URL": "http://127.0.0.1:9/api/v1"})), files(nil))
	assert.NoError(t, err, "a fake or proxy may be polled fast")
}

// A key shorter than Warp's is taken with a warning (a stand-in for a fake
// API, or a secret cut short that the API will refuse): the contract
// refuses only whitespace inside. The warning never shows the key.
func TestShortKeyIsAWarning(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"wk-test", "Q", "wk-SECRET-15chr"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			c, warnings, err := Load(nil, Env(base.with(env{"INPUT_WARP_API_KEY": key})), files(nil))
			require.NoError(t, err)
			assert.Equal(t, key, c.APIKey)
			require.Len(t, warnings, 1)
			assert.Contains(t, warnings[0], `input "warp_api_key" is `+strconv.Itoa(len(key))+" characters, shorter than an Oz API key")
			assert.NotContains(t, warnings[0], key)
		})
	}
	_, warnings, err := Load(nil, Env(base.with(env{"INPUT_WARP_API_KEY": "wk-1." + strings.Repeat("ab", 32)})), files(nil))
	require.NoError(t, err)
	assert.Empty(t, warnings, "a key of Warp's length")
}

// config owns the rules for the key, the team uid and api_url (the API
// client only guards what it cannot work with).
func TestHeaderInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, value, problem string
	}{
		{"key with a newline", "warp_api_key", "wk-abc\ndef-SECRET", keyProblem},
		{"key with a zero-width space", "warp_api_key", "wk-abc\u200bdef-SECRET", keyProblem},
		{"key with a space", "warp_api_key", "wk-abc def-SECRET", keyProblem},
		{"team uid with a zero-width space", "team_uid", "team\u200b1", "whitespace or control characters"},
		{"api_url with user info", "api_url", "https://wk-SECRET@app.warp.dev/api/v1", "holds a user name or password"},
		{"api_url with a password", "api_url", "https://u:SECRET@app.warp.dev/api/v1", "holds a user name or password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Load(nil, Env(base.with(env{envName(tt.input): tt.value})), files(nil))
			require.Error(t, err)
			assert.Contains(t, err.Error(), `input "`+tt.input+`"`)
			assert.Contains(t, err.Error(), tt.problem)
			assert.NotContains(t, err.Error(), "SECRET")
		})
	}
}
