package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
		policy    OnBlocked
		reply     string
		badInput  string
		badReason string
	}{
		{"default", nil, OnBlockedFail, "", "", ""},
		{"wait", env{"INPUT_ON_BLOCKED": "Wait"}, OnBlockedWait, "", "", ""},
		{"reply", env{"INPUT_ON_BLOCKED": "reply", "INPUT_BLOCKED_REPLY": " go ahead "}, OnBlockedReply, "go ahead", "", ""},
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
