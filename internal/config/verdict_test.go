package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadVerdictInputs(t *testing.T) {
	t.Parallel()
	mr := env{"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "5", "CI_PROJECT_PATH": "group/project",
		"CI_MERGE_REQUEST_PROJECT_URL": "https://gitlab.com/group/project", "CI_COMMIT_SHA": strings.Repeat("c", 40)}
	tests := []struct {
		name    string
		in      env
		files   map[string]string
		err     string // "" loads
		review  bool
		gate    string // the gate's source, "" none
		prompt  []string
		without []string
	}{
		{name: "none: the prompt as written", in: env{}, prompt: []string{"fix the tests"}, without: []string{"```json"}},
		{name: "review gets its default gate", in: env{"INPUT_OUTPUT_SCHEMA": "review"}, review: true, gate: `output.verdict == "pass"`,
			prompt: []string{"fix the tests\n\n", "```json", `"enum":["pass","fail"]`}},
		{name: "review with a gate of its own", in: env{"INPUT_OUTPUT_SCHEMA": "review", "INPUT_PASS_IF": "len(output.findings) == 0"}, review: true, gate: "len(output.findings) == 0"},
		{name: "inline", in: env{"INPUT_OUTPUT_SCHEMA": `{"type":"object","required":["ok"]}`, "INPUT_PASS_IF": "output.ok == true"}, gate: "output.ok == true",
			prompt: []string{`{"type":"object","required":["ok"]}`}},
		{name: "a workspace file", in: env{"INPUT_OUTPUT_SCHEMA": "s/out.json"}, files: map[string]string{"s/out.json": `{"type":"array"}`}, prompt: []string{`{"type":"array"}`}},
		{name: "a file that is not JSON", in: env{"INPUT_OUTPUT_SCHEMA": "s/out.json"}, files: map[string]string{"s/out.json": `{`}, err: "output_schema"},
		{name: "not a .json path", in: env{"INPUT_OUTPUT_SCHEMA": "schema.yaml"}, err: "neither review, inline JSON nor the path of a .json file"},
		{name: "pass_if alone", in: env{"INPUT_PASS_IF": "output.ok"}, err: `input "pass_if": "output.ok" needs output_schema`},
		{name: "pass_if that does not type-check", in: env{"INPUT_OUTPUT_SCHEMA": "review", "INPUT_PASS_IF": `output.verdict == 3`}, err: "pass_if"},
		{name: "retries", in: env{"INPUT_OUTPUT_SCHEMA": "review", "INPUT_OUTPUT_RETRIES": "-1"}, err: "output_retries"},
		{name: "the MR's facts", in: mr, prompt: []string{"https://gitlab.com/group/project/-/merge_requests/5", strings.Repeat("c", 40)}},
		{name: "pr_context false", in: mr.with(env{"INPUT_PR_CONTEXT": "false"}), prompt: []string{"fix the tests"}, without: []string{"merge_requests"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(tt.in)), files(tt.files))
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.review, c.Judge.Schema.IsReview())
			if tt.gate == "" {
				assert.Nil(t, c.Judge.Gate)
			} else {
				require.NotNil(t, c.Judge.Gate)
				assert.Equal(t, tt.gate, c.Judge.Gate.Source())
			}
			sent := c.Spec().Create.Prompt
			for _, w := range tt.prompt {
				assert.Contains(t, sent, w)
			}
			for _, w := range tt.without {
				assert.NotContains(t, sent, w)
			}
		})
	}
}
