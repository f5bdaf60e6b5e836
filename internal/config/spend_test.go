package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/runner"
)

func TestLoadMaxCostUSD(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value string
		want  float64
		bad   bool
	}{
		{"", 0, false}, {"5", 5, false}, {" 2.50 ", 2.5, false}, {"0.01", 0.01, false},
		{"0", 0, true}, {"0.00", 0, true}, {"-1", 0, true}, {"$5", 0, true}, {"1e3", 0, true},
		{"NaN", 0, true}, {"Inf", 0, true}, {"5.", 0, true}, {".5", 0, true}, {"1,5", 0, true}, {"0x10", 0, true},
	} {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(env{"INPUT_MAX_COST_USD": tt.value})), files(nil))
			if tt.bad {
				require.Error(t, err)
				assert.Contains(t, err.Error(), `input "max_cost_usd"`)
				assert.Contains(t, err.Error(), "positive amount of US dollars")
				return
			}
			require.NoError(t, err)
			assert.InDelta(t, tt.want, c.MaxCostUSD, 1e-9)
			assert.InDelta(t, tt.want, c.Spec().MaxCostUSD, 1e-9)
		})
	}
}

func TestFailOnTakesOverBudget(t *testing.T) {
	t.Parallel()
	set, errs := parseFailOn("over_budget")
	require.Empty(t, errs)
	assert.True(t, set["over_budget"])
	def, errs := parseFailOn(DefaultFailOn)
	require.Empty(t, errs)
	assert.True(t, def["over_budget"], "over_budget fails the step by default")
}

func TestLoadOnBlocked(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		env       env
		policy    runner.OnBlocked
		reply     string
		badInput  string
		badReason string
	}{
		{"default", nil, runner.OnBlockedFail, "", "", ""},
		{"wait", env{"INPUT_ON_BLOCKED": "Wait"}, runner.OnBlockedWait, "", "", ""},
		{"reply", env{"INPUT_ON_BLOCKED": "reply", "INPUT_BLOCKED_REPLY": " go ahead "}, runner.OnBlockedReply, "go ahead", "", ""},
		{"unknown", env{"INPUT_ON_BLOCKED": "ask"}, "", "", "on_blocked", "not a policy for a blocked run"},
		{"reply without text", env{"INPUT_ON_BLOCKED": "reply"}, "", "", "blocked_reply", "is required with on_blocked: reply"},
		{"text without reply", env{"INPUT_BLOCKED_REPLY": "go ahead"}, "", "", "blocked_reply", "would never be sent"},
		{"text with wait", env{"INPUT_ON_BLOCKED": "wait", "INPUT_BLOCKED_REPLY": "go ahead"}, "", "", "blocked_reply", "would never be sent"},
		{"the key in the reply", env{"INPUT_ON_BLOCKED": "reply", "INPUT_BLOCKED_REPLY": "use " + testKey}, "", "", "blocked_reply", "contains the API key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(tt.env)), files(nil))
			if tt.badInput != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), `input "`+tt.badInput+`"`)
				assert.Contains(t, err.Error(), tt.badReason)
				assert.NotContains(t, err.Error(), testKey)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.policy, c.OnBlocked)
			assert.Equal(t, tt.reply, c.BlockedReply)
			assert.Equal(t, string(tt.policy), string(c.Spec().OnBlocked))
			assert.Equal(t, tt.reply, c.Spec().BlockedReply)
		})
	}
}

func TestLoadRerun(t *testing.T) {
	t.Parallel()
	gh := env{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo/repo", "GITHUB_RUN_ID": "42", "GITHUB_WORKFLOW": "CI", "GITHUB_JOB": "review", "GITHUB_ACTION": "oz"}
	gl := env{"GITLAB_CI": "true", "CI_PROJECT_PATH": "group/project", "CI_PIPELINE_ID": "77", "CI_JOB_NAME": "oz review", "CI_JOB_ID": "88"}
	with := func(a env, kv ...string) env {
		out := env{}
		for k, v := range a {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	ghMeta := map[string]string{"oz_run_workflow_run": "github/octo/repo/42", "oz_run_step": "CI/review/oz", "oz_run_attempt": "2"}
	ghLookup := map[string]string{"oz_run_workflow_run": "github/octo/repo/42", "oz_run_step": "CI/review/oz"}
	for _, tt := range []struct {
		name   string
		env    env
		policy runner.RerunPolicy
		meta   map[string]string
		lookup map[string]string
	}{
		{"terminal: nothing", nil, runner.RerunAttach, nil, nil},
		{"github first attempt: marked, no lookup", with(gh, "GITHUB_RUN_ATTEMPT", "1"), runner.RerunAttach,
			map[string]string{"oz_run_workflow_run": "github/octo/repo/42", "oz_run_step": "CI/review/oz", "oz_run_attempt": "1"}, nil},
		{"github second attempt", with(gh, "GITHUB_RUN_ATTEMPT", "2"), runner.RerunAttach, ghMeta, ghLookup},
		{"github reuse", with(gh, "GITHUB_RUN_ATTEMPT", "2", "INPUT_RERUN", "Reuse"), runner.RerunReuse, ghMeta, ghLookup},
		{"github new", with(gh, "GITHUB_RUN_ATTEMPT", "2", "INPUT_RERUN", "new"), runner.RerunNew, ghMeta, ghLookup},
		{"comment_key names the step", with(gh, "GITHUB_RUN_ATTEMPT", "3", "INPUT_COMMENT_KEY", "lint"), runner.RerunAttach,
			map[string]string{"oz_run_workflow_run": "github/octo/repo/42", "oz_run_step": "lint", "oz_run_attempt": "3"},
			map[string]string{"oz_run_workflow_run": "github/octo/repo/42", "oz_run_step": "lint"}},
		{"gitlab: every job looks up", gl, runner.RerunAttach,
			map[string]string{"oz_run_workflow_run": "gitlab/group/project/77", "oz_run_step": "gitlab/oz review", "oz_run_attempt": "job 88"},
			map[string]string{"oz_run_workflow_run": "gitlab/group/project/77", "oz_run_step": "gitlab/oz review"}},
		{"a long step key is hashed", with(gh, "GITHUB_RUN_ATTEMPT", "2", "GITHUB_WORKFLOW", strings.Repeat("w", 300)), runner.RerunAttach, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(tt.env)), files(nil))
			require.NoError(t, err)
			r := c.Spec().Rerun
			assert.Equal(t, tt.policy, r.Policy)
			if tt.name == "a long step key is hashed" {
				assert.True(t, strings.HasPrefix(r.Metadata["oz_run_step"], "sha256:"))
				assert.Len(t, r.Metadata["oz_run_step"], len("sha256:")+64)
				assert.Equal(t, r.Metadata["oz_run_step"], r.Lookup["oz_run_step"])
				return
			}
			assert.Equal(t, tt.meta, r.Metadata)
			assert.Equal(t, tt.lookup, r.Lookup)
		})
	}
	_, _, err := Load(nil, Env(base.with(env{"INPUT_RERUN": "always"})), files(nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `input "rerun"`)
}
