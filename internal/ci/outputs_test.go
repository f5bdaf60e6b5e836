package ci

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/textclean"
	"github.com/oz-run/oz-run-action/internal/workspace"
)

// hostileOutputs are what a hostile server can make of each output.
func hostileOutputs(key string) []Output {
	return []Output{
		{"run_id", "../../x\n::error::forged\r\x00\x1b[31m\u202e"},
		{"run_url", "https://oz.warp.dev/runs/../../x"},
		{"state", "FAILED\u2066"},
		{"conclusion", "failed"},
		{"status_message", "a\r\nb\rc\x00d\x1b[0Ke\u202ef\ufefftab\there " + key},
		{"error_code", "E\u200e"},
		{"session_link", "https://app.warp.dev/session/$(touch /tmp/pwned)'\"`"},
		{"pr_urls", "https://github.com/o/r/pull/1\njavascript:alert(1)\nhttps://github.com@evil.example/x\n\nhttps://github.com/o/r/pull/2\r\nhttps://x.dev/?k=" + url.QueryEscape(key) + "\nhttps://github.com/o/r/pull/3\u202e"},
		{"artifacts", `[{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com/o/r/pull/1","branch":"\u0077` + key[1:] + `"}}]`},
		{"credits", "1\n2"},
		{"run_time", "PT1S"},
		{"comment_url", "https://github.com/o/r/pull/1#issuecomment-1\n"},
		{"agent_output", "line 1\n\tline 2\x07\n"},
	}
}

func TestPrepareOutputs(t *testing.T) {
	t.Parallel()
	const key = "wk-0123456789abcdef"
	var sec secrets
	sec.add(key)
	var warnings []string
	warn := func(title, msg string) { warnings = append(warnings, title+": "+msg) }
	outs, err := prepareOutputs(Options{Workspace: workspace.New(t.TempDir(), true)}, &sec, Report{Outputs: hostileOutputs(key)}, warn)
	require.NoError(t, err)
	got := outputMap(outs)
	assert.Equal(t, map[string]string{
		"run_id":         "../../x ::error::forged [31m",
		"run_url":        "",
		"state":          "FAILED",
		"conclusion":     "failed",
		"status_message": "a\nb\ncd[0Keftab here ***",
		"error_code":     "E",
		"session_link":   "https://app.warp.dev/session/%24%28touch%20/tmp/pwned%29%27%22%60",
		"pr_urls":        "https://github.com/o/r/pull/1\nhttps://github.com/o/r/pull/2\nhttps://github.com/o/r/pull/3",
		"artifacts":      `[{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com/o/r/pull/1","branch":"***"}}]`,
		"credits":        "1 2",
		"run_time":       "PT1S",
		"comment_url":    "https://github.com/o/r/pull/1#issuecomment-1",
		"agent_output":   "line 1\n line 2\n",
	}, got)
	require.Len(t, warnings, 1, "one warning")
	assert.Equal(t, "Outputs changed: run_url: the value is not a well-formed https URL without user info: left empty\n"+
		"pr_urls: 2 line(s) not well-formed https URLs without user info: left out; 1 line(s) holding a masked secret: left out", warnings[0])
	for _, o := range outs {
		for _, r := range o.Value {
			assert.False(t, r != '\n' && unicode.IsControl(r) || textclean.Hidden(r), "%s holds %q", o.Name, r)
		}
	}
}

func TestPrepareOutputsCapsLists(t *testing.T) {
	t.Parallel()
	var urls, arts []string
	for i := range 10_000 {
		u := fmt.Sprintf("https://github.com/o/r/pull/%d", i)
		urls = append(urls, u)
		arts = append(arts, fmt.Sprintf(`{"artifact_type":"PULL_REQUEST","data":{"url":%q}}`, u))
	}
	var warnings []string
	outs, err := prepareOutputs(Options{Workspace: workspace.New(t.TempDir(), true)}, &secrets{}, Report{Outputs: []Output{
		{"pr_urls", strings.Join(urls, "\n")},
		{"artifacts", "[" + strings.Join(arts, ",") + "]"},
		{"status_message", strings.Repeat("m", 1<<20)},
	}}, func(_, msg string) { warnings = append(warnings, msg) })
	require.NoError(t, err)
	got := outputMap(outs)
	prs := strings.Split(got["pr_urls"], "\n")
	assert.LessOrEqual(t, len(got["pr_urls"]), maxOutputValue)
	assert.Equal(t, urls[:len(prs)], prs, "whole URLs from the start")
	assert.Greater(t, len(prs), 1000)
	var kept []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(got["artifacts"]), &kept), "still JSON")
	assert.LessOrEqual(t, len(got["artifacts"]), maxOutputValue)
	for i, a := range kept {
		assert.JSONEq(t, arts[i], string(a), "whole elements from the start")
	}
	assert.LessOrEqual(t, len(got["status_message"]), maxOutputValue)
	assert.Regexp(t, `… \[truncated \d+ bytes\]$`, got["status_message"])
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "pr_urls: ")
	assert.Contains(t, warnings[0], "past the 64 KiB limit")
	assert.Contains(t, warnings[0], "artifacts: ")
}

func TestResultFileCapped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	type artifact struct {
		URL string `json:"url"`
	}
	run := struct {
		RunID     string     `json:"run_id"`
		Artifacts []artifact `json:"artifacts"`
		State     string     `json:"state"`
	}{RunID: "run-1", State: "FAILED"}
	for i := range 100_000 {
		run.Artifacts = append(run.Artifacts, artifact{fmt.Sprintf("https://github.com/o/r/pull/%d/%s", i, strings.Repeat("x", 100))})
	}
	data, err := json.MarshalIndent(run, "", "  ")
	require.NoError(t, err)
	require.Greater(t, len(data), maxResultFile)
	var warnings []string
	outs, err := prepareOutputs(Options{Workspace: workspace.New(dir, true)}, &secrets{}, Report{ResultFile: "r.json", ResultJSON: append(data, '\n')},
		func(_, msg string) { warnings = append(warnings, msg) })
	require.NoError(t, err)
	assert.Equal(t, "r.json", outputMap(outs)["result_file"])
	written, err := os.ReadFile(filepath.Join(dir, "r.json"))
	require.NoError(t, err)
	assert.LessOrEqual(t, len(written), maxResultFile)
	var got map[string]any
	require.NoError(t, json.Unmarshal(written, &got), "valid JSON")
	assert.Equal(t, "run-1", got["run_id"])
	assert.Equal(t, true, got["oz_run_truncated"])
	assert.Greater(t, len(got["artifacts"].([]any)), 50_000)
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "result_file: the run is")
}

// TestPublishRedactsEveryForm: a key sent back in any form by the server
// reaches no sink, on any platform.
func TestPublishRedactsEveryForm(t *testing.T) {
	t.Parallel()
	const key = "wk-0123456789abcdef"
	jsonEscaped := `\u0077\u006b\u002d0123456789abcdef`
	forms := map[string]string{
		"raw": key, "json": jsonEscaped, "query": url.QueryEscape(key), "markdown": `wk\-0123456789abcdef`,
		"base64": "d2stMDEyMzQ1Njc4OWFiY2RlZg==", "hex": fmt.Sprintf("%x", key), "zero width": "wk-0123\u200b456789abcdef",
	}
	check := redact.New(key)
	for name, form := range forms {
		for _, platform := range []string{"github", "gitlab", "local"} {
			t.Run(name+"/"+platform, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				vars := map[string]string{
					"GITHUB_OUTPUT":       filepath.Join(dir, "out"),
					"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
				}
				o := Options{Getenv: env(vars), Workspace: workspace.New(dir, true), Dotenv: "oz.env", SummaryFile: "s.md", JUnitFile: "j.xml", Now: fixedNow}
				stdout, stderr := newBuffers()
				o.Stdout, o.Stderr = stdout, stderr
				p := map[string]func(Options) Platform{"github": newGitHub, "gitlab": newGitLab, "local": newLocal}[platform](o)
				p.Mask(key)
				r := Report{
					Outputs: append(hostileOutputs(form), Output{"run_id", form}),
					Summary: "## run " + form, Failed: true, Title: "t " + form, Message: "m " + form,
					ResultFile: "r.json", ResultJSON: []byte(`{"run_id":"` + jsonEscaped + `","b":"` + form + `"}`),
				}
				require.NoError(t, p.Publish(r))
				p.Logf("log %s", form)
				p.Error("title "+form, "message "+form)
				sinks := map[string]string{"stdout": stdout.String(), "stderr": stderr.String()}
				for _, f := range []string{"out", "summary", "oz.env", "s.md", "j.xml", "r.json"} {
					if b, err := os.ReadFile(filepath.Join(dir, f)); err == nil {
						sinks[f] = string(b)
					}
				}
				for sink, text := range sinks {
					text = strings.ReplaceAll(text, "::add-mask::"+key+"\n", "")
					assert.False(t, check.Contains(text), "%s holds the key:\n%s", sink, text)
					assert.NotContains(t, text, form, sink)
				}
				var result map[string]any
				assert.NoError(t, json.Unmarshal([]byte(sinks["r.json"]), &result), "the result file is still JSON")
			})
		}
	}
}
