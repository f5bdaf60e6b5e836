package ci

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oz-run/oz-run-action/internal/workspace"
)

// worstReport is the largest report the API's 16 MiB body cap lets through
// after the decoder's caps: a 64 KiB status message, 100k pull-request
// artifacts with 150-byte URLs, a 64 KiB answer, a 1 MiB summary, and the
// run object (35 MB indented) for the result file. The key is masked.
func worstReport() Report {
	type artifact struct {
		Type string `json:"artifact_type"`
		Data struct {
			URL    string `json:"url"`
			Branch string `json:"branch"`
		} `json:"data"`
	}
	var arts []artifact
	var urls []string
	for i := range 100_000 {
		var a artifact
		a.Type = "PULL_REQUEST"
		a.Data.URL = fmt.Sprintf("https://github.com/some-org/some-repository/pull/%06d?x=%s", i, strings.Repeat("u", 150-64))
		a.Data.Branch = fmt.Sprintf("oz/agent-change-%d", i)
		arts = append(arts, a)
		urls = append(urls, a.Data.URL)
	}
	artifactsJSON, _ := json.Marshal(arts)
	status := strings.Repeat("The agent could not finish: \"quotes\" & <tags> $HOME\n", (64<<10)/52)
	answer := strings.Repeat("Here is what I changed:\n\t- `code` and *stress*\n", (64<<10)/48)
	run := map[string]any{"run_id": "run-1", "state": "FAILED", "status_message": map[string]string{"message": status}, "artifacts": arts}
	resultJSON, _ := json.MarshalIndent(run, "", "  ")
	return Report{
		Outputs: []Output{
			{"run_id", "run-1"},
			{"run_url", "https://oz.warp.dev/runs/run-1"},
			{"state", "FAILED"},
			{"conclusion", "failed"},
			{"status_message", status},
			{"error_code", "E_AGENT"},
			{"session_link", "https://app.warp.dev/session/0123456789abcdef"},
			{"pr_urls", strings.Join(urls, "\n")},
			{"artifacts", string(artifactsJSON)},
			{"credits", "12.5"},
			{"run_time", "PT1H"},
			{"agent_output", answer},
		},
		Summary:    strings.Repeat("| pull request | https\\://github.com/o/r/pull/1 |\n", (1<<20)/52),
		Failed:     true,
		Title:      "Fix the bug",
		Message:    "run run-1 ended failed (state FAILED): " + status,
		Duration:   time.Hour,
		ResultFile: "result.json",
		ResultJSON: append(resultJSON, '\n'),
	}
}

// BenchmarkPublish is the whole of publishing the worst report: target
// well under 1 s and 100 MiB (B/op bounds what Publish adds at its peak).
func BenchmarkPublish(b *testing.B) {
	r := worstReport()
	for _, platform := range []string{"github", "gitlab"} {
		b.Run(platform, func(b *testing.B) {
			dir := b.TempDir()
			vars := map[string]string{
				"GITHUB_OUTPUT":       filepath.Join(dir, "out"),
				"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
			}
			o := Options{
				Getenv: env(vars), Stdout: io.Discard, Stderr: io.Discard, Workspace: workspace.New(dir, true), Now: fixedNow,
				Dotenv: "oz.env", SummaryFile: "s.md", JUnitFile: "j.xml",
			}
			p := map[string]func(Options) Platform{"github": newGitHub, "gitlab": newGitLab}[platform](o)
			p.Mask("wk-0123456789abcdef0123456789")
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Publish(r); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				_ = os.Remove(vars["GITHUB_OUTPUT"]) // GitHub appends
				_ = os.Remove(vars["GITHUB_STEP_SUMMARY"])
				b.StartTimer()
			}
		})
	}
}
