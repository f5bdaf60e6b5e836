package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The workflow examples of the README and docs/ are copied into users'
// workflows: they must not run what an output holds. GitHub substitutes
// `${{ }}` into a `run:` script as text before bash reads it, so an output
// there is code; `env:` values reach the script as environment variables,
// data. These tests run each example's shell, as GitHub (or GitLab) would,
// with outputs holding what a hostile API can put in them, and check that
// nothing injected ran.

// hostileOutputValues each try to run `touch pwned` when they are code.
var hostileOutputValues = []string{
	"$(touch pwned)",
	"`touch pwned`",
	`"; touch pwned; echo "`,
	`'; touch pwned; echo '`,
	"x\ntouch pwned\necho x",
	"$(touch${IFS}pwned)",
	"${PATH:0:0}$(touch pwned)",
	"javascript:alert(1)",
	"https://github.com@evil.example/$(touch pwned)",
	"\\\"$(touch pwned)\\\"",
}

// expression is a GitHub expression, `${{ ... }}`.
var expression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// untrustedExpr names what the API or a pull request controls: step and
// job outputs, the event, inputs.
var untrustedExpr = regexp.MustCompile(`^(steps|needs|jobs)\.|^github\.(event|head_ref)|^inputs\.`)

// substitute does GitHub's textual substitution: untrusted expressions
// become value, the rest (secrets, vars, github.*) a harmless stand-in.
func substitute(text, value string) string {
	return expression.ReplaceAllStringFunc(text, func(e string) string {
		if untrustedExpr.MatchString(expression.FindStringSubmatch(e)[1]) {
			return value
		}
		return "stand-in"
	})
}

// snippet is a shell script of an example and the environment it gets.
type snippet struct {
	where  string // file and index, for messages
	kind   string // "github" (a step's run:) or "gitlab" (a job's script:)
	script string
	env    map[string]string // as written: values may hold expressions
}

// yamlBlocks are the fenced ```yaml blocks of a Markdown file.
func yamlBlocks(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var blocks []string
	var cur *strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && (trimmed == "```yaml" || trimmed == "```yml"):
			cur = &strings.Builder{}
		case cur != nil && trimmed == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	return blocks
}

// snippets walks a parsed YAML document for GitHub steps (a map with a
// string run:) and GitLab jobs (a map with script:), with the env: or
// variables: of the map and of the maps around it.
func snippets(where string, node any, inherited map[string]string) []snippet {
	var out []snippet
	switch n := node.(type) {
	case map[string]any:
		env := map[string]string{}
		for k, v := range inherited {
			env[k] = v
		}
		for _, key := range []string{"env", "variables"} {
			if m, ok := n[key].(map[string]any); ok {
				for k, v := range m {
					env[k] = fmt.Sprint(v)
				}
			}
		}
		if run, ok := n["run"].(string); ok {
			out = append(out, snippet{where: where, kind: "github", script: run, env: env})
		}
		for _, key := range []string{"before_script", "script", "after_script"} {
			var lines []string
			switch s := n[key].(type) {
			case string:
				lines = []string{s}
			case []any:
				for _, l := range s {
					lines = append(lines, fmt.Sprint(l))
				}
			}
			if len(lines) > 0 {
				out = append(out, snippet{where: where + " " + key, kind: "gitlab", script: strings.Join(lines, "\n"), env: env})
			}
		}
		for k, v := range n {
			if k != "env" && k != "variables" {
				out = append(out, snippets(where, v, env)...)
			}
		}
	case []any:
		for _, v := range n {
			out = append(out, snippets(where, v, inherited)...)
		}
	}
	return out
}

// exampleSnippets are the shell snippets of the README's and docs' YAML
// examples.
func exampleSnippets(t *testing.T) []snippet {
	t.Helper()
	docs, err := filepath.Glob("docs/*.md")
	require.NoError(t, err)
	var out []snippet
	for _, path := range append([]string{"README.md"}, docs...) {
		for i, block := range yamlBlocks(t, path) {
			var doc any
			require.NoError(t, yaml.Unmarshal([]byte(block), &doc), "%s: YAML block %d does not parse", path, i+1)
			out = append(out, snippets(fmt.Sprintf("%s, YAML block %d", path, i+1), doc, nil)...)
		}
	}
	return out
}

// runSnippet runs the snippet's shell with every untrusted expression (in
// the script and in its environment) standing for value, as GitHub or
// GitLab would run it, in a directory of its own, with `oz-run`, `docker`,
// `curl` and `gh` that do nothing (exit 1, a gate the example means, is
// accepted). GitLab's dotenv variables (OZ_*) hold value too. It
// returns whether `pwned` was created, and the output.
func runSnippet(t *testing.T, sn snippet, value string) (pwned bool, output string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.Mkdir(bin, 0o755))
	// Commands the examples call that must not run here: stand-ins that
	// do nothing.
	for _, name := range []string{"oz-run", "docker", "curl", "gh"} {
		require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\nexit 0\n"), 0o755))
	}
	work := filepath.Join(dir, "work")
	require.NoError(t, os.Mkdir(work, 0o755))
	script := filepath.Join(dir, "script.sh")
	require.NoError(t, os.WriteFile(script, []byte(substitute(sn.script, value)), 0o644))

	// The stand-ins answer at once: the minute only detects a hang, with
	// room for a busy machine.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// GitHub's `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`.
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	cmd.Dir = work
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + dir}
	for k, v := range sn.env {
		cmd.Env = append(cmd.Env, k+"="+substitute(v, value))
	}
	if sn.kind == "gitlab" {
		for _, k := range []string{"OZ_RUN_ID", "OZ_RUN_URL", "OZ_STATE", "OZ_CONCLUSION", "OZ_STATUS_MESSAGE", "OZ_ERROR_CODE",
			"OZ_SESSION_LINK", "OZ_PR_URLS", "OZ_CREDITS", "OZ_CONVERSATION_ID", "OZ_COST_USD", "OZ_TOKENS", "OZ_COMMENT_URL"} {
			cmd.Env = append(cmd.Env, k+"="+value)
		}
	}
	out, err := cmd.CombinedOutput()
	// A recipe may mean to fail the job: a report the agent did not attach,
	// a verdict not met (here, where the files it reads are not, exit 1).
	// Any other status is a broken script (2: a syntax error, 127: a
	// command that is not there).
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 1 {
		require.NoError(t, err, "%s: the script failed:\n%s", sn.where, out)
	}
	_, statErr := os.Stat(filepath.Join(work, "pwned"))
	return statErr == nil, string(out)
}

func TestWorkflowExamplesRunNoInjectedCode(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	sns := exampleSnippets(t)
	kinds := map[string]int{}
	for _, sn := range sns {
		kinds[sn.kind]++
	}
	require.Positive(t, kinds["github"], "the README has a GitHub step that uses outputs")
	require.Positive(t, kinds["gitlab"], "the README has a GitLab job that uses outputs")
	for i, sn := range sns {
		t.Run(fmt.Sprintf("%d %s", i, sn.where), func(t *testing.T) {
			t.Parallel()
			for _, e := range expression.FindAllStringSubmatch(sn.script, -1) {
				assert.False(t, untrustedExpr.MatchString(e[1]), "%s: ${{ %s }} inside the script: pass it through env:", sn.where, e[1])
			}
			for _, v := range hostileOutputValues {
				pwned, out := runSnippet(t, sn, v)
				assert.False(t, pwned, "%s: the value %q ran as code:\n%s", sn.where, v, out)
			}
		})
	}
}

// The harness would see an injection: the pattern the README used before.
func TestWorkflowExampleHarnessSeesInjection(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	var doc any
	require.NoError(t, yaml.Unmarshal([]byte("steps:\n  - run: |\n      echo \"session: ${{ steps.oz.outputs.session_link }}\"\n"), &doc))
	sns := snippets("canary", doc, nil)
	require.Len(t, sns, 1)
	ran := 0
	for _, v := range hostileOutputValues {
		if pwned, _ := runSnippet(t, sns[0], v); pwned {
			ran++
		}
	}
	assert.GreaterOrEqual(t, ran, 5, "most hostile values run as code when substituted into run:")
}

// The repository's own workflows and actions never put an untrusted
// expression inside a run: script either.
func TestRepositoryWorkflowsPassOutputsThroughEnv(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(".github/workflows/*.yml")
	require.NoError(t, err)
	actions, err := filepath.Glob(".github/actions/*/action.yml")
	require.NoError(t, err)
	files = append(append(files, actions...), "action.yml")
	require.NotEmpty(t, files)
	for _, path := range files {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		var doc any
		require.NoError(t, yaml.Unmarshal(b, &doc), path)
		for _, sn := range snippets(path, doc, nil) {
			for _, e := range expression.FindAllStringSubmatch(sn.script, -1) {
				assert.False(t, untrustedExpr.MatchString(e[1]), "%s: ${{ %s }} inside a run: script: pass it through env:", path, e[1])
			}
		}
	}
}
