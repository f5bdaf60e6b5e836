package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A new user's second pass (issue 22): fork and Dependabot pull requests
// without a key, the harness, the terminal's words.

// Without any key, the default stops the step (exit 2) with an error that
// names missing_key; missing_key: skip ends it skipped (exit 0), says why,
// writes the outputs and the summary, and sends nothing.
func TestProcessMissingKey(t *testing.T) {
	t.Parallel()
	noKey := func(s *step) {
		delete(s.env, "INPUT_WARP_API_KEY")
		delete(s.env, "WARP_API_KEY")
	}
	platforms := []struct {
		name string
		step func(t *testing.T, base string) *step
		// conclusion reads the conclusion published; summary the summary.
		conclusion, summary func(s *step) string
		notice              string
	}{
		{"github", func(t *testing.T, base string) *step { return githubStep(t, base, nil) },
			func(s *step) string { return s.outputs()["conclusion"] },
			func(s *step) string { return s.file("summary") },
			"::notice title=Oz run skipped::skipped: no Oz API key was given"},
		{"gitlab", func(t *testing.T, base string) *step { return gitlabStep(t, base, "fix it") },
			func(s *step) string {
				vars, err := ci.ParseDotenv([]byte(s.file("oz-run.env")))
				require.NoError(s.t, err)
				return vars["OZ_CONCLUSION"]
			},
			func(s *step) string { return s.file("oz-run-summary.md") },
			"Oz run skipped: skipped: no Oz API key was given"},
	}
	for _, pl := range platforms {
		t.Run(pl.name+"/fail", func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := pl.step(t, base)
			noKey(s)
			s.run()
			assert.Equal(t, 2, s.code)
			assert.Contains(t, s.stdout+s.stderr, "warp_api_key")
			assert.Contains(t, s.stdout+s.stderr, "missing_key: skip", "the error names the option for fork and Dependabot pull requests")
			assert.Empty(t, fake.Requests(), "nothing is sent")
		})
		t.Run(pl.name+"/skip", func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := pl.step(t, base)
			noKey(s)
			s.env["INPUT_MISSING_KEY"] = "skip"
			s.run()
			assert.Equal(t, 0, s.code)
			assert.Contains(t, s.stdout+s.stderr, pl.notice)
			assert.Contains(t, s.stdout+s.stderr, "fork", "the notice says why")
			assert.Empty(t, fake.Requests(), "nothing is sent")
			assert.Equal(t, "skipped", pl.conclusion(s))
			sum := pl.summary(s)
			assert.Contains(t, sum, "was skipped")
			assert.Contains(t, sum, "This does not fail the step")
			assert.Contains(t, sum, "`missing_key`")
		})
	}
	t.Run("skip with a key runs", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"missing_key": "skip"}).run()
		assert.Equal(t, 0, s.code)
		assert.Equal(t, "succeeded", s.outputs()["conclusion"])
		assert.Len(t, fake.Runs(), 1)
	})
	t.Run("a bad value", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"missing_key": "ignore"}).run()
		assert.Equal(t, 2, s.code)
		assert.Contains(t, s.stdout, "missing_key")
		assert.Contains(t, s.stdout, "use fail")
		assert.Empty(t, fake.Requests())
	})
}

// harness reaches the create request as config.harness.type, which the
// fake checks against the API's schema; a harness that is none is a bad
// input.
func TestProcessHarness(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"oz", "claude", "Gemini", "codex"} {
		t.Run(h, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := githubStep(t, base, map[string]string{"harness": h}).run()
			require.Equal(t, 0, s.code)
			var body struct {
				Config struct {
					Harness struct {
						Type string `json:"type"`
					} `json:"harness"`
				} `json:"config"`
			}
			var created int
			for _, q := range fake.Requests() {
				if q.Method == "POST" && strings.HasSuffix(q.Path, "/agent/runs") {
					created++
					require.NoError(t, json.Unmarshal(q.Body, &body))
				}
			}
			assert.Equal(t, 1, created)
			assert.Equal(t, strings.ToLower(h), body.Config.Harness.Type)
		})
	}
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"harness": "cursor"}).run()
		assert.Equal(t, 2, s.code)
		assert.Contains(t, s.stdout, "harness")
		assert.Contains(t, s.stdout, "oz, claude, gemini or codex")
		assert.Empty(t, fake.Requests())
	})
}
