package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/report"
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
			assert.NotContains(t, sum, "fail the step", "a step skipped as asked: nothing to explain")
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

// What a person at a terminal meets: a dry run that pipes into jq, a
// boolean flag given a word, a prompt given bare, a mistyped subcommand,
// and where an input error points (oz-run --help on a terminal only).
func TestProcessTerminalWords(t *testing.T) {
	t.Parallel()
	t.Run("dry run prints JSON on stdout, notes on stderr", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := terminalStep(t, base, nil)
		s.run("--dry_run", "--prompt", "fix the tests", "--harness", "claude", "--team_uid", "team-9",
			"--mcp", `{"gh": {"env": {"TOKEN": "ghp_t0ken"}}}`)
		require.Equal(t, 0, s.code)
		assert.Empty(t, fake.Requests())
		var got struct {
			Method  string            `json:"method"`
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
			Prompt  string            `json:"prompt"`
			Body    struct {
				Prompt string `json:"prompt"`
				Config struct {
					Harness    map[string]string          `json:"harness"`
					MCPServers map[string]json.RawMessage `json:"mcp_servers"`
				} `json:"config"`
			} `json:"body"`
		}
		require.NoError(t, json.Unmarshal([]byte(s.stdout), &got), "stdout is one JSON value: %s", s.stdout)
		assert.Equal(t, "POST", got.Method)
		assert.Equal(t, base+"/agent/runs", got.URL)
		assert.Equal(t, map[string]string{"Authorization": "Bearer ***", "X-Warp-Team-Uid": "team-9", "Content-Type": "application/json"}, got.Headers)
		assert.Equal(t, "fix the tests", got.Prompt)
		assert.Equal(t, "fix the tests", got.Body.Prompt)
		assert.Equal(t, map[string]string{"type": "claude"}, got.Body.Config.Harness)
		assert.JSONEq(t, `{"env": "***"}`, string(got.Body.Config.MCPServers["gh"]))
		assert.NotContains(t, s.stdout, "t0ken")
		assert.Contains(t, s.stderr, "Dry run: nothing is sent.")
		s.assertNoKey()
	})
	t.Run("a boolean flag given a word", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		const says = `input "wait": "yes" is not a boolean; use true or false`
		flag := terminalStep(t, base, nil).run("--wait", "yes", "--prompt", "x")
		assert.Equal(t, 2, flag.code)
		assert.Contains(t, flag.stderr, says)
		env := terminalStep(t, base, map[string]string{"INPUT_WAIT": "yes", "INPUT_PROMPT": "x"}).run()
		assert.Equal(t, 2, env.code)
		assert.Contains(t, env.stderr, says)
	})
	t.Run("a prompt given bare", func(t *testing.T) {
		t.Parallel()
		s := terminalStep(t, "http://127.0.0.1:1", nil).run("fix the tests")
		assert.Equal(t, 2, s.code)
		assert.Contains(t, s.stderr, `to give the prompt, use --prompt "..."`)
		assert.NotContains(t, s.stderr, "fix the tests")
	})
	for _, tc := range []struct{ word, says string }{
		{"dmeo", `unknown subcommand "dmeo": did you mean demo?`},
		{"versoin", `unknown subcommand "versoin": did you mean version?`},
		{"fake-sever", `unknown subcommand "fake-sever": did you mean fake-server?`},
		{"prompt", `unknown subcommand "prompt": inputs are flags, --prompt value`},
		{"fix", `unknown subcommand "fix"; use run (the default), demo, fake-server, version or help (inputs are flags: --name value; a prompt is --prompt "...")`},
	} {
		t.Run("subcommand "+tc.word, func(t *testing.T) {
			t.Parallel()
			s := terminalStep(t, "http://127.0.0.1:1", nil).run(tc.word)
			assert.Equal(t, 2, s.code)
			assert.Equal(t, "oz-run: "+tc.says+"\n", s.stderr)
		})
	}
	t.Run("a key close to a subcommand is never shown", func(t *testing.T) {
		t.Parallel()
		s := terminalStep(t, "http://127.0.0.1:1", map[string]string{"WARP_API_KEY": "demoabcdefghijklm"}).run("demoabcdefghijklm")
		assert.Equal(t, 2, s.code)
		assert.NotContains(t, s.stderr, "demoabcdefghijklm")
	})
	t.Run("oz-run --help is pointed at on a terminal only", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		term := terminalStep(t, base, map[string]string{"INPUT_PROMPT": "x", "INPUT_TIMEOUT": "soon"}).run()
		assert.Equal(t, 2, term.code)
		assert.Contains(t, term.stderr, "Run `oz-run --help` for every input.")
		gh := githubStep(t, base, map[string]string{"timeout": "soon"}).run()
		assert.Equal(t, 2, gh.code)
		assert.NotContains(t, gh.stdout, "oz-run --help")
		assert.Contains(t, gh.stdout, "Every input is described at https://github.com/oz-run/oz-run-action/blob/main/docs/inputs.md#inputs.")
		gl := gitlabStep(t, base, "x")
		gl.env["INPUT_TIMEOUT"] = "soon"
		gl.run()
		assert.Equal(t, 2, gl.code)
		assert.NotContains(t, gl.stdout+gl.stderr, "oz-run --help")
	})
}

// The PR/MR comment for its readers (issue 22 item 7): it links the
// workflow run (GitHub) or the job (GitLab), shows one cost unit, names
// files as the agent did, and says that the check fails only below the
// table, where it does; a comment never written leaves comment_url empty
// and the log's last lines say why, once.
func TestProcessCommentForItsReaders(t *testing.T) {
	t.Parallel()
	t.Run("github", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		f := newForge(t, false)
		s := onPullRequest(githubStep(t, base, map[string]string{"prompt": "[fake:files] x", "files_dir": "oz-files", "fail_on": "succeeded"}), f).run()
		require.Equal(t, 1, s.code)
		cs := f.Comments()
		require.Len(t, cs, 1)
		body := cs[0].Body
		assert.Contains(t, body, "(https://github.com/octo/repo/actions/runs/42)", "the workflow run's link")
		lines := strings.Split(body, "\n")
		require.Greater(t, len(lines), 3)
		for _, l := range lines[:3] {
			assert.NotContains(t, l, "fails the", "not among the first lines: %q", l)
		}
		assert.Contains(t, body, "**This fails the check**")
		assert.Equal(t, 1, strings.Count(body, "| Cost |"), "one cost row")
		assert.NotContains(t, body, "| Credits |")
		assert.Contains(t, body, "### Files\n\n- `reports/oz-report.md`")
		assert.NotContains(t, body, "oz-files/", "the files by their names, not the runner's paths")
		assert.NotEmpty(t, s.outputs()["comment_url"])
	})
	t.Run("gitlab", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		f := newForge(t, true)
		s := gitlabStep(t, base, "x")
		s.env["CI_JOB_URL"] = "https://gitlab.example/group/project/-/jobs/88"
		onMergeRequest(s, f).run()
		require.Equal(t, 0, s.code)
		cs := f.Comments()
		require.Len(t, cs, 1)
		assert.Contains(t, cs[0].Body, "(https://gitlab.example/group/project/-/jobs/88)", "the job's link")
		assert.NotContains(t, cs[0].Body, "fail the check", "nothing to say for a run that succeeded")
	})
	t.Run("a job link that is not a safe https URL is left out", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		f := newForge(t, true)
		s := gitlabStep(t, base, "x")
		s.env["CI_JOB_URL"] = "javascript:alert(1)"
		onMergeRequest(s, f).run()
		require.Equal(t, 0, s.code)
		cs := f.Comments()
		require.Len(t, cs, 1)
		assert.NotContains(t, cs[0].Body, "javascript")
		assert.NotContains(t, cs[0].Body, "| Job |")
	})
	t.Run("never written", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		f := newForge(t, false)
		f.FailAlways(forgefake.OpAny, forgefake.Fault{Status: 403, Body: `{"message":"Resource not accessible by integration"}`})
		s := onPullRequest(githubStep(t, base, nil), f).run()
		require.Equal(t, 0, s.code, "the comment never changes the exit code")
		assert.Empty(t, s.outputs()["comment_url"])
		out := strings.TrimRight(s.stdout, "\n")
		last := out[strings.LastIndex(out, "\n")+1:]
		assert.True(t, strings.HasPrefix(last, "PR comment: no comment was written on the pull request or merge request (comment_url is empty): "), "the last line: %q", last)
		assert.Contains(t, last, "(403)", "with the reason")
		assert.Equal(t, 1, strings.Count(s.stdout, "no comment was written"), "once")
		assert.Equal(t, 1, strings.Count(s.stdout, "::warning title=PR comment::"), "one warning, when the write failed")
	})
	t.Run("found but never edited", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		f := newForge(t, false)
		first := onPullRequest(githubStep(t, base, nil), f).run()
		require.Equal(t, 0, first.code)
		require.NotEmpty(t, first.outputs()["comment_url"])
		f.FailAlways(forgefake.OpEdit, forgefake.Fault{Status: 403, Body: `{"message":"Resource not accessible by integration"}`})
		again := onPullRequest(githubStep(t, base, map[string]string{"prompt": "[fake:fail] x"}), f).run()
		require.Equal(t, 1, again.code)
		assert.Empty(t, again.outputs()["comment_url"], "the comment holds an earlier run's body: not this step's")
		assert.Contains(t, again.stdout, "no comment was written")
	})
}

// The words a new user reads (issue 22 item 6), each said once and right.
func TestProcessWords(t *testing.T) {
	t.Parallel()
	t.Run("a run that failed before it had a conversation", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": "[fake:fail] x"}).run()
		require.Equal(t, 1, s.code)
		assert.NotContains(t, s.stdout, "older servers")
		assert.Contains(t, s.stdout, "No answer to show: the run ended FAILED before the agent had a conversation.")
	})
	t.Run("a server without conversations", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": "[fake:noconversation] x"}).run()
		require.Equal(t, 0, s.code)
		assert.Contains(t, s.stdout, "older servers do not serve conversations")
	})
	t.Run("the ending said once", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, nil).run()
		require.Equal(t, 0, s.code)
		id := fake.Runs()[0].RunID
		assert.Contains(t, s.stdout, "::notice title=Oz run succeeded::run "+id+" succeeded")
		assert.NotContains(t, s.stdout, "ended succeeded")
		assert.NotContains(t, s.stdout, "(state SUCCEEDED)")
	})
	t.Run("the timeout named", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": "[fake:slow] x", "timeout": "300ms"}).run()
		require.Equal(t, 4, s.code)
		assert.Contains(t, s.file("summary"), "The run did not end within 300ms (`timeout`).")
	})
	t.Run("one 422", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": "[fake:uncancellable] [fake:slow] x", "timeout": "300ms"}).run()
		require.Equal(t, 4, s.code)
		id := fake.Runs()[0].RunID
		assert.Equal(t, 1, strings.Count(s.stdout, "HTTP 422"))
		assert.NotContains(t, s.stdout, "cancelling run "+id+": cancel run", "the call named once")
		var warning string
		for _, l := range strings.Split(s.stdout, "\n") {
			if strings.HasPrefix(l, "::warning title=Oz run may still be going::") {
				warning = l
			}
		}
		assert.Equal(t, 1, strings.Count(warning, "run page"), "the advice once: %s", warning)
		assert.Equal(t, 1, strings.Count(warning, "cannot be cancelled"), "the reason once: %s", warning)
		sum := s.file("summary")
		assert.Equal(t, 1, strings.Count(sum, "run page in Oz"), "the summary advises once")
		assert.NotContains(t, sum, "Check it on its run page and cancel it there")
	})
	t.Run("debug lists the files this platform writes", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		gh := githubStep(t, base, map[string]string{"debug": "true"}).run()
		require.Equal(t, 0, gh.code)
		for _, name := range []string{"dotenv", "summary_file", "junit_file", "output_file"} {
			assert.NotContains(t, gh.stdout, "\n  "+name+": ", "GitHub writes no %s", name)
		}
		assert.Contains(t, gh.stdout, "\n  result_file: (unset)\n")
		gl := gitlabStep(t, base, "x")
		gl.env["INPUT_DEBUG"] = "true"
		gl.run()
		require.Equal(t, 0, gl.code)
		assert.Contains(t, gl.stdout, "\n  dotenv: oz-run.env\n")
		assert.Contains(t, gl.stdout, "\n  junit_file: oz-run-junit.xml\n")
	})
}

// The inputs page, where a CI log points, is one address, and the page
// and its anchor exist.
func TestInputsURL(t *testing.T) {
	t.Parallel()
	assert.Equal(t, report.InputsURL, config.InputsURL)
	const prefix = "https://github.com/oz-run/oz-run-action/blob/main/"
	require.True(t, strings.HasPrefix(report.InputsURL, prefix), report.InputsURL)
	path, anchor, ok := strings.Cut(strings.TrimPrefix(report.InputsURL, prefix), "#")
	require.True(t, ok)
	assert.Equal(t, "inputs", anchor)
	page, err := os.ReadFile(filepath.FromSlash(path))
	require.NoError(t, err)
	assert.Contains(t, string(page), "\n## Inputs\n", "the anchor exists")
}
