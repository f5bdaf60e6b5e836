package config

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestUsageMentionsEveryInput(t *testing.T) {
	t.Parallel()
	u := Usage()
	for _, in := range inputs {
		assert.Contains(t, u, "--"+in.name+" ", in.name)
		switch {
		case in.report:
			assert.Contains(t, u, "(default in CI: "+in.def+")", in.name)
		case in.def != "":
			assert.Contains(t, u, "(default: "+in.def+")", in.name)
		}
	}
	assert.Contains(t, u, "(default: env WARP_API_KEY)")
}

func TestUsageGolden(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "usage.golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(Usage()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), Usage(), "run go test ./internal/config -update to accept")
}

func TestInputs(t *testing.T) {
	t.Parallel()
	// The contract's inputs table, in its order.
	assert.Equal(t, []string{
		"warp_api_key", "prompt", "prompt_file", "skill", "environment", "model", "name", "title",
		"mcp", "host", "computer_use", "agent_mode", "team_uid", "metadata", "wait", "run_id",
		"timeout", "on_timeout", "cancel_on_abort", "fail_on", "poll_interval", "poll_max_interval",
		"api_url", "summary", "result_file", "debug", "dry_run",
		"conversation_id", "followup", "files_dir", "share", "idle_timeout",
		"comment", "comment_key", "github_token", "gitlab_token", "pr_context", "output_schema", "pass_if", "output_retries",
		"codequality_file", "prompts", "max_parallel", "fail_fast",
		"max_cost_usd", "on_blocked", "blocked_reply", "rerun",
		"harness", "missing_key",
	}, Inputs())
}

func TestEveryInputIsAFlagAndAVariable(t *testing.T) {
	t.Parallel()
	for _, in := range inputs {
		assert.Same(t, &inputs[indexOf(in.name)], lookup(in.name))
		if in.def == "" {
			continue
		}
		// Every default loads, as a flag and as a variable.
		_, _, err := Load([]string{"--" + in.name + "=" + in.def}, Env(base.with(env{envName(in.name): in.def})), files(nil))
		assert.NoError(t, err, in.name)
	}
	assert.Equal(t, "INPUT_POLL_MAX_INTERVAL", envName("poll_max_interval"))
}

func indexOf(name string) int {
	for i := range inputs {
		if inputs[i].name == name {
			return i
		}
	}
	return -1
}
