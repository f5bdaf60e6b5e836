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
