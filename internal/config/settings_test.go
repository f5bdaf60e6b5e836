package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSettings(t *testing.T) {
	t.Parallel()
	e := base.with(env{
		"INPUT_PROMPT":        "Fix the build\nthen open a pull request",
		"INPUT_MCP":           `{"github": {"env": {"GITHUB_TOKEN": "ghp_t0ken"}}, "linear": {"url": "https://x/?key=t0ken"}}`,
		"INPUT_TIMEOUT":       "90",
		"INPUT_POLL_INTERVAL": "5",
		"INPUT_TITLE":         "a\u202etitle\x1b[31m",
		"INPUT_ENVIRONMENT":   "env-1",
		"INPUT_IDLE_TIMEOUT":  "20",
	})
	c, _, err := Load(nil, Env(e), files(nil))
	require.NoError(t, err)
	got := map[string]string{}
	var names []string
	for _, s := range c.Settings() {
		got[s.Name] = s.Value
		names = append(names, s.Name)
	}
	var all []string
	for _, in := range inputs {
		all = append(all, in.name)
	}
	assert.Equal(t, all, names, "every input, in the table's order")
	assert.Equal(t, "(set, not shown)", got["warp_api_key"])
	assert.Equal(t, "Fix the build (38 characters)", got["prompt"])
	assert.Equal(t, "2 server(s): github, linear (settings not shown)", got["mcp"])
	assert.Equal(t, "1h30m", got["timeout"])
	assert.Equal(t, "5s", got["poll_interval"])
	assert.Equal(t, "30s", got["poll_max_interval"])
	assert.Equal(t, "env-1", got["environment"])
	assert.Equal(t, "atitle[31m", got["title"], "no control or bidi characters")
	assert.Equal(t, "", got["model"])
	assert.Equal(t, "oz-run.env", got["dotenv"])
	assert.Equal(t, "20m", got["idle_timeout"])
	assert.Equal(t, "", got["followup"])
	for name, v := range got {
		assert.NotContains(t, v, "t0ken", name)
		assert.NotContains(t, v, testKey, name)
	}
	// A token input added later is hidden by its name alone.
	assert.True(t, isSecret(&input{name: "github_token"}))
	assert.True(t, isSecret(&input{name: "some_key"}))
	assert.False(t, isSecret(&input{name: "comment_key_prefix"}))
}

func TestBrief(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  env
		want string
	}{
		{"defaults", nil, "environment (none), model (server default), agent_mode normal, timeout 1h (then cancel), " +
			"fail_on failed,error,blocked,cancelled,timed_out,rejected,invalid_output,over_budget, polls every 2s growing to 30s, API app.warp.dev"},
		{"every part", env{"INPUT_ENVIRONMENT": "env-1", "INPUT_MODEL": "gpt-5", "INPUT_AGENT_MODE": "plan", "INPUT_TIMEOUT": "90s",
			"INPUT_ON_TIMEOUT": "leave", "INPUT_FAIL_ON": "failed", "INPUT_POLL_INTERVAL": "1", "INPUT_POLL_MAX_INTERVAL": "1m",
			"INPUT_API_URL": "http://127.0.0.1:8080/api/v1", "INPUT_MCP": `{"a": {"t": "t0ken"}}`},
			"environment env-1, model gpt-5, agent_mode plan, timeout 1m30s (then leave), fail_on failed, polls every 1s growing to 1m, API 127.0.0.1:8080"},
		{"attach, no wait, nothing fails", env{"INPUT_RUN_ID": "run-9", "INPUT_WAIT": "false", "INPUT_FAIL_ON": "none", "INPUT_API_URL": "https://proxy.example/oz/"},
			"attach to run run-9, wait: false, fail_on none, polls every 2s growing to 30s, API proxy.example/oz"},
		{"a follow-up, files", env{"INPUT_RUN_ID": "run-9", "INPUT_FOLLOWUP": "and the docs", "INPUT_FILES_DIR": "oz-files"},
			"send a follow-up to run run-9, files into oz-files, timeout 1h (then cancel), fail_on failed,error,blocked,cancelled,timed_out,rejected,invalid_output,over_budget, polls every 2s growing to 30s, API app.warp.dev"},
		{"a conversation continued", env{"INPUT_PROMPT": "", "INPUT_CONVERSATION_ID": "conv-3"},
			"continue conversation conv-3, environment (none), model (server default), agent_mode normal, timeout 1h (then cancel), fail_on failed,error,blocked,cancelled,timed_out,rejected,invalid_output,over_budget, polls every 2s growing to 30s, API app.warp.dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(tt.env)), files(nil))
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Brief())
			assert.NotContains(t, c.Brief(), "t0ken")
		})
	}
}

func TestShortLineCutsWithAnEllipsis(t *testing.T) {
	t.Parallel()
	assert.True(t, strings.HasSuffix(shortLine(strings.Repeat("é", 100)), "…"))
}
