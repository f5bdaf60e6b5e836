package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/report"
	"github.com/oz-run/oz-run-action/internal/workspace"
)

// contractOutputs are the contract's outputs, in its order.
var contractOutputs = []string{
	"run_id", "run_url", "state", "conclusion", "status_message", "error_code",
	"session_link", "pr_urls", "artifacts", "credits", "run_time", "result_file",
	"agent_output", "conversation_id", "files", "cost_usd", "tokens", "comment_url",
	"structured_output", "verdict", "findings", "runs",
}

// actionSpec reads the names and defaults under action.yml's inputs and
// outputs: keys at indent 2, `default:` at indent 4.
func actionSpec(t *testing.T) (inputs []string, defaults map[string]string, outputs []string, image string) {
	t.Helper()
	f, err := os.Open("action.yml")
	require.NoError(t, err)
	defer f.Close()
	defaults = map[string]string{}
	section, current := "", ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !strings.HasPrefix(line, " ") && strings.HasSuffix(line, ":"):
			section = strings.TrimSuffix(line, ":")
		case strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") && strings.HasSuffix(line, ":"):
			current = strings.TrimSpace(strings.TrimSuffix(line, ":"))
			switch section {
			case "inputs":
				inputs = append(inputs, current)
			case "outputs":
				outputs = append(outputs, current)
			}
		case section == "inputs" && strings.HasPrefix(line, "    default:"):
			v := strings.TrimSpace(strings.TrimPrefix(line, "    default:"))
			defaults[current] = strings.Trim(v, `'"`)
		case strings.HasPrefix(line, "  image:"):
			image = strings.TrimSpace(strings.TrimPrefix(line, "  image:"))
		}
	}
	require.NoError(t, sc.Err())
	return inputs, defaults, outputs, image
}

func TestActionMetadataMatchesTheContract(t *testing.T) {
	t.Parallel()
	inputs, defaults, outs, image := actionSpec(t)
	assert.Equal(t, config.Inputs(), inputs, "action.yml declares every input, in the contract's order")
	assert.Equal(t, contractOutputs, outs, "action.yml declares every output, in the contract's order")
	assert.Equal(t, "docker://ghcr.io/oz-run/oz-run-action:v1", image)

	want := map[string]string{
		"agent_mode": "normal", "wait": "true", "timeout": "60m", "on_timeout": "cancel",
		"cancel_on_abort": "true", "fail_on": config.DefaultFailOn, "poll_interval": "2s",
		"poll_max_interval": "30s", "api_url": "https://app.warp.dev/api/v1", "summary": "true", "debug": "false",
		"dry_run": "false",
		"comment": "false", "github_token": "${{ github.token }}",
		"on_blocked": "fail", "rerun": "attach",
		"missing_key": "fail",
		"pr_context":  "true", "output_retries": "1",
	}
	for _, name := range inputs {
		assert.Equal(t, want[name], defaults[name], "default of %s", name)
	}

	// The defaults in action.yml load to the same Config as no input at all.
	env := config.Env{"WARP_API_KEY": testKey, "INPUT_PROMPT": "p"}
	ws := workspace.New(t.TempDir(), true)
	bare, _, err := config.Load(nil, env, ws)
	require.NoError(t, err)
	for name, v := range defaults {
		if strings.HasPrefix(v, "${{") {
			continue // an expression the runner evaluates (github_token's ${{ github.token }})
		}
		if _, set := env["INPUT_"+strings.ToUpper(name)]; !set {
			env["INPUT_"+strings.ToUpper(name)] = v
		}
	}
	withDefaults, warnings, err := config.Load(nil, env, ws)
	require.NoError(t, err)
	assert.Empty(t, warnings, "action.yml declares no input that config does not know")
	assert.Equal(t, bare, withDefaults)
}

// Every output of the contract is written, always (empty when there is
// none): result_file too (set once the file is written), and runs, a
// batch's (prompts) only.
func TestOutputsAreTheContracts(t *testing.T) {
	t.Parallel()
	var names []string
	for _, o := range report.Outputs(outcome.Result{}) {
		names = append(names, o.Name)
	}
	assert.Equal(t, contractOutputs, names)
	names = nil
	for _, o := range report.BatchOutputs(outcome.Batch{}, nil) {
		names = append(names, o.Name)
	}
	assert.Equal(t, contractOutputs, names, "a batch has the same outputs")
}

func TestReadmeDocumentsEveryInputAndOutput(t *testing.T) {
	t.Parallel()
	inputs, err := os.ReadFile(filepath.Join("docs", "inputs.md"))
	require.NoError(t, err)
	for _, name := range append(config.Inputs(), contractOutputs...) {
		assert.Contains(t, string(inputs), "| `"+name+"` |", "docs/inputs.md's tables list %s", name)
	}
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(b)
	for _, cmd := range []string{"go run . demo", "go test ./...", "go build -o oz-run .", "go install github.com/oz-run/oz-run-action@latest"} {
		assert.Contains(t, readme, cmd)
	}
	assert.Contains(t, readme, "`go install` names the binary after the module, oz-run-action")
	assert.Contains(t, readme, "can take a couple of minutes", "the quick start says the first demo compiles")
}
