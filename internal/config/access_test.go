package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// harness alone makes the create request's config, as config.harness.type.
func TestSpecHarness(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ given, want string }{{"oz", "oz"}, {"Claude", "claude"}, {" gemini ", "gemini"}, {"CODEX", "codex"}} {
		c, _, err := Load(nil, Env(base.with(env{"INPUT_HARNESS": tc.given})), files(nil))
		require.NoError(t, err, tc.given)
		require.NotNil(t, c.Spec().Create.Config, tc.given)
		assert.Equal(t, oz.AgentConfig{Harness: &oz.Harness{Type: tc.want}}, *c.Spec().Create.Config, tc.given)
	}
	c, _, err := Load(nil, Env(base), files(nil))
	require.NoError(t, err)
	assert.Nil(t, c.Spec().Create.Config, "unset: the server's default")

	_, _, err = Load(nil, Env(base.with(env{"INPUT_HARNESS": "cursor"})), files(nil))
	errs := inputErrors(err)
	require.Len(t, errs, 1)
	assert.Equal(t, "harness", errs[0].Input)
	assert.Contains(t, errs[0].Error(), "oz, claude, gemini or codex")
}

// No key at all is an error that names missing_key by default, and with
// missing_key: skip a step to be skipped; a key that is given but bad is
// an error either way.
func TestMissingKey(t *testing.T) {
	t.Parallel()
	noKey := env{"INPUT_PROMPT": "fix the tests"}

	_, _, err := Load(nil, Env(noKey), files(nil))
	errs := inputErrors(err)
	require.Len(t, errs, 1)
	assert.Equal(t, "warp_api_key", errs[0].Input)
	assert.Contains(t, errs[0].Error(), "missing_key: skip")

	c, _, err := Load(nil, Env(noKey.with(env{"INPUT_MISSING_KEY": "Skip"})), files(nil))
	require.NoError(t, err)
	assert.True(t, c.Skipped())

	c, _, err = Load(nil, Env(base.with(env{"INPUT_MISSING_KEY": "skip"})), files(nil))
	require.NoError(t, err)
	assert.False(t, c.Skipped(), "a key is given: the run goes on")

	_, _, err = Load(nil, Env(noKey.with(env{"INPUT_MISSING_KEY": "skip", "INPUT_WARP_API_KEY": "a bad key"})), files(nil))
	errs = inputErrors(err)
	require.Len(t, errs, 1, "a key given but bad is not a missing key")
	assert.Equal(t, "warp_api_key", errs[0].Input)

	_, _, err = Load(nil, Env(noKey.with(env{"INPUT_MISSING_KEY": "ignore"})), files(nil))
	errs = inputErrors(err)
	require.Len(t, errs, 2)
	assert.Equal(t, "missing_key", errs[0].Input)
	assert.Contains(t, errs[0].Error(), "use fail")
}
