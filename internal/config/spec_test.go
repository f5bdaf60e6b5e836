package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/runner"
)

func TestSpecOfTheDefaults(t *testing.T) {
	t.Parallel()
	c, _, err := Load(nil, Env(base), files(nil))
	require.NoError(t, err)
	assert.Equal(t, runner.Spec{
		Create:  oz.CreateRunRequest{Prompt: "fix the tests", Mode: "normal"},
		Wait:    true,
		Timeout: 60 * time.Minute, PollInterval: 2 * time.Second, PollMaxInterval: 30 * time.Second,
		CancelOnTimeout: true, CancelOnAbort: true, OnBlocked: runner.OnBlockedFail,
		Rerun: runner.Rerun{Policy: runner.RerunAttach},
	}, c.Spec())
}

// The create request carries the run's inputs; its config only when a
// config input is set; the metadata are the user's alone (the runner
// merges the CI context in).
func TestSpecCarriesTheRunsInputs(t *testing.T) {
	t.Parallel()
	c, _, err := Load(nil, Env(base.with(env{
		"INPUT_ENVIRONMENT": "env1", "INPUT_MODEL": "m1", "INPUT_NAME": "grp", "INPUT_TITLE": "T",
		"INPUT_SKILL": "o/r:s", "INPUT_HOST": "h1", "INPUT_COMPUTER_USE": "true", "INPUT_AGENT_MODE": "plan",
		"INPUT_METADATA": "team=core", "INPUT_ON_TIMEOUT": "leave", "INPUT_CANCEL_ON_ABORT": "false",
		"INPUT_WAIT": "false", "INPUT_TIMEOUT": "5m",
	})), files(nil))
	require.NoError(t, err)
	s := c.Spec()
	yes := true
	assert.Equal(t, oz.CreateRunRequest{
		Prompt: "fix the tests", Mode: "plan", Skill: "o/r:s", Title: "T", Metadata: map[string]string{"team": "core"},
		Config: &oz.AgentConfig{Name: "grp", EnvironmentID: "env1", ModelID: "m1", WorkerHost: "h1", ComputerUseEnabled: &yes},
	}, s.Create)
	assert.False(t, s.Wait)
	assert.False(t, s.CancelOnTimeout, "on_timeout: leave")
	assert.False(t, s.CancelOnAbort)
	assert.Equal(t, 5*time.Minute, s.Timeout)

	c, _, err = Load(nil, Env(env{"INPUT_WARP_API_KEY": testKey, "INPUT_CONVERSATION_ID": "conv-1",
		"INPUT_SHARE": "viewer", "INPUT_IDLE_TIMEOUT": "15"}), files(nil))
	require.NoError(t, err)
	s = c.Spec()
	assert.Equal(t, "conv-1", s.Create.ConversationID)
	assert.Empty(t, s.Create.Prompt)
	require.NotNil(t, s.Create.Config)
	assert.Equal(t, oz.AgentConfig{IdleTimeoutMinutes: 15, SessionSharing: &oz.SessionSharing{PublicAccess: "VIEWER"}}, *s.Create.Config)
}

func TestSpecAttachesWithAFollowup(t *testing.T) {
	t.Parallel()
	c, _, err := Load(nil, Env(env{"INPUT_WARP_API_KEY": testKey, "INPUT_RUN_ID": "run-7", "INPUT_FOLLOWUP": "also fix the docs"}), files(nil))
	require.NoError(t, err)
	s := c.Spec()
	assert.Equal(t, "run-7", s.RunID)
	assert.Equal(t, "also fix the docs", s.Followup)
	assert.Empty(t, s.Create.Prompt)
}
