package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What a new user meets, run as a process: typos in inputs, a laptop run,
// a long wait, other CIs, a dry run, and the usual mistakes.

// terminalStep is a plain command on a laptop: no CI variables.
func terminalStep(t *testing.T, base string, env map[string]string) *step {
	s := &step{t: t, dir: t.TempDir(), env: map[string]string{
		"PATH": "/usr/bin:/bin", "WARP_API_KEY": testKey, "INPUT_API_URL": base,
		"INPUT_POLL_INTERVAL": "10ms", "INPUT_POLL_MAX_INTERVAL": "50ms",
	}}
	for k, v := range env {
		s.env[k] = v
	}
	return s
}

// An INPUT_ variable that names no input is warned about on every
// platform, naming the closest input; the run goes on.
func TestProcessUnknownInputsAreWarnedAbout(t *testing.T) {
	t.Parallel()
	typos := map[string]string{"INPUT_ENVIROMENT": "env1", "INPUT_TIMOUT": "1s"}
	cases := []struct {
		name string
		step func(t *testing.T, base string) *step
		log  func(s *step) string
		want []string
	}{
		{"gitlab", func(t *testing.T, base string) *step { return gitlabStep(t, base, "fix it") }, func(s *step) string { return s.stdout },
			[]string{"WARNING: Unknown input: INPUT_ENVIROMENT: no such input; did you mean environment?\n",
				"WARNING: Unknown input: INPUT_TIMOUT: no such input; did you mean timeout?\n"}},
		{"github", func(t *testing.T, base string) *step { return githubStep(t, base, nil) }, func(s *step) string { return s.stdout },
			[]string{"::warning title=Unknown input::INPUT_ENVIROMENT: no such input; did you mean environment?\n"}},
		{"terminal", func(t *testing.T, base string) *step {
			return terminalStep(t, base, map[string]string{"INPUT_PROMPT": "x"})
		},
			func(s *step) string { return s.stderr },
			[]string{"WARNING: Unknown input: INPUT_TIMOUT: no such input; did you mean timeout?\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := tc.step(t, base)
			for k, v := range typos {
				s.env[k] = v
			}
			s.run()
			assert.Equal(t, 0, s.code, "the run goes on")
			assert.Equal(t, 1, fake.CreatedCount())
			for _, w := range tc.want {
				assert.Contains(t, tc.log(s), w)
			}
			s.assertNoKey()
		})
	}
}

// A report file given empty is not written, in CI too.
func TestProcessReportFileGivenEmptyIsOff(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	s := gitlabStep(t, base, "fix it")
	s.env["INPUT_DOTENV"] = ""
	s.run("--junit_file", "")
	require.Equal(t, 0, s.code)
	assert.NoFileExists(t, filepath.Join(s.dir, "oz-run.env"))
	assert.NoFileExists(t, filepath.Join(s.dir, "oz-run-junit.xml"))
	assert.FileExists(t, filepath.Join(s.dir, "oz-run-summary.md"))
}

func TestProcessVersionFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}, {"-v"}} {
		s := &step{t: t, dir: t.TempDir(), env: map[string]string{"PATH": "/usr/bin:/bin"}}
		s.run(args...)
		assert.Equal(t, 0, s.code, args)
		assert.Equal(t, "oz-run "+version+"\n", s.stdout, args)
	}
}

// The run and session links are never in a collapsed group or section,
// and while nothing changes a heartbeat says how long is left.
func TestProcessLinksAreNeverCollapsed(t *testing.T) {
	t.Parallel()
	heartbeat := regexp.MustCompile(`(?m)^\[\d+:\d\d\] INPROGRESS for \d+:\d\d, \d+:\d\d left before the timeout$`)
	cases := []struct {
		name        string
		step        func(t *testing.T, base string) *step
		open, close string
	}{
		{"github", func(t *testing.T, base string) *step { return githubStep(t, base, nil) }, "::group::", "::endgroup::"},
		{"gitlab", func(t *testing.T, base string) *step { return gitlabStep(t, base, "x") }, "\x1b[0Ksection_start:", "\x1b[0Ksection_end:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, base := newFake(t)
			s := tc.step(t, base)
			for k, v := range map[string]string{"INPUT_PROMPT": "[fake:slow] x", "INPUT_DEBUG": "true", "INPUT_TIMEOUT": "600ms",
				"INPUT_ON_TIMEOUT": "leave", "INPUT_FAIL_ON": "none", "OZ_RUN_HEARTBEAT": "40ms"} {
				s.env[k] = v
			}
			s.run()
			require.Equal(t, 0, s.code)
			assert.Contains(t, s.stdout, tc.open, "debug detail is grouped")
			inGroup, links, live := false, 0, 0
			for _, line := range strings.Split(s.stdout, "\n") {
				switch {
				case strings.HasPrefix(line, tc.open):
					inGroup = true
				case strings.HasPrefix(line, tc.close):
					inGroup = false
				case strings.Contains(line, "Started run fake-run-000001: https://oz.warp.dev/runs/fake-run-000001"):
					links++
					assert.False(t, inGroup, "the run link is collapsed: %q", line)
				case strings.Contains(line, "Follow the agent live: https://"):
					live++
					assert.False(t, inGroup, "the session link is collapsed: %q", line)
				case heartbeat.MatchString(line):
					assert.False(t, inGroup, "a heartbeat is collapsed: %q", line)
				}
			}
			assert.Equal(t, 1, links)
			assert.Equal(t, 1, live)
			assert.Regexp(t, heartbeat, s.stdout)
		})
	}
}

// run_id with wait: false reports the run as it is: its conclusion (and
// exit code) when it has ended, submitted while it works.
func TestProcessAttachWithoutWaiting(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	ended := githubStep(t, base, map[string]string{"prompt": "[fake:fail] x", "fail_on": "none"})
	ended.run()
	require.Equal(t, "failed", ended.outputs()["conclusion"])
	working := githubStep(t, base, map[string]string{"prompt": "[fake:slow] x", "wait": "false"})
	working.run()
	require.Equal(t, "submitted", working.outputs()["conclusion"])

	s := githubStep(t, base, map[string]string{"prompt": "", "run_id": ended.outputs()["run_id"], "wait": "false"})
	s.run()
	assert.Equal(t, 1, s.code, "failed is in fail_on")
	assert.Equal(t, "failed", s.outputs()["conclusion"])
	assert.Contains(t, s.file("summary"), "it had already ended, so this is its outcome")
	assert.NotContains(t, s.stdout, "Follow the agent live", "an ended run is not live")

	s = githubStep(t, base, map[string]string{"prompt": "", "run_id": working.outputs()["run_id"], "wait": "false"})
	s.run()
	assert.Equal(t, 0, s.code)
	assert.Equal(t, "submitted", s.outputs()["conclusion"])
	assert.Contains(t, s.file("summary"), "it was still working, so it is reported as submitted")
	assert.Equal(t, 2, fake.CreatedCount(), "attaching creates nothing")
}

// Any other CI: plain lines, GitLab's report files.
func TestProcessOtherCI(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	s := terminalStep(t, base, map[string]string{"CI": "true", "BUILDKITE": "true", "INPUT_PROMPT": "x", "INPUT_DEBUG": "true"})
	s.run()
	require.Equal(t, 0, s.code)
	assert.NotContains(t, s.stdout+s.stderr, "\x1b")
	assert.NotContains(t, s.stdout+s.stderr, "::")
	assert.Contains(t, s.stdout, "== Every setting (debug)\n")
	for _, f := range []string{"oz-run.env", "oz-run-summary.md", "oz-run-junit.xml"} {
		assert.FileExists(t, filepath.Join(s.dir, f))
	}
	s.assertNoKey()
}

// The settings are logged at the start: on one line always, each of them
// with debug; never the key or the MCP servers' settings.
func TestProcessSettingsAreLogged(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	s := githubStep(t, base, map[string]string{"environment": "env-1", "debug": "true", "mcp": `{"gh": {"env": {"TOKEN": "ghp_t0ken"}}}`})
	s.run()
	require.Equal(t, 0, s.code)
	assert.Contains(t, s.stdout, "\nSettings: environment env-1, model (server default), agent_mode normal, timeout 1h (then cancel), "+
		"fail_on failed,error,blocked,cancelled,timed_out,rejected,invalid_output,over_budget, polls every 10ms growing to 50ms, API 127.0.0.1:")
	assert.Contains(t, s.stdout, "::group::Every setting (debug)\n")
	assert.Contains(t, s.stdout, "  warp_api_key: (set, not shown)\n")
	assert.Contains(t, s.stdout, "  mcp: 1 server(s): gh (settings not shown)\n")
	assert.NotContains(t, s.stdout, "t0ken")
	s.assertNoKey()
}

// A dry run validates, prints the request and sends nothing.
func TestProcessDryRun(t *testing.T) {
	t.Parallel()
	t.Run("create", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"dry_run": "true", "title": "T <&>", "team_uid": "team-9",
			"mcp": `{"gh": {"env": {"TOKEN": "ghp_t0ken"}, "command": "npx"}}`})
		s.run()
		assert.Equal(t, 0, s.code)
		assert.Empty(t, fake.Requests(), "nothing is sent")
		for _, want := range []string{
			"Dry run: nothing is sent. The step would send the request on stdout (JSON;",
			`  "method": "POST",`, `  "url": "` + base + `/agent/runs",`,
			`    "Authorization": "Bearer ***",`, `    "X-Warp-Team-Uid": "team-9"`,
			`    "prompt": "fix the build",`, `    "title": "T <&>",`,
			"      \"mcp_servers\": {\n        \"gh\": {\n          \"command\": \"***\",\n          \"env\": \"***\"\n        }\n      }",
			`"github_repository": "octo/repo"`, `"oz_run_request_id": "(a random id, made when the request is sent)"`,
			`  "prompt": "fix the build"`,
		} {
			assert.Contains(t, s.stdout, want)
		}
		assert.NotContains(t, s.stdout, "t0ken")
		assert.NotContains(t, s.stdout, "npx")
		assert.Empty(t, s.file("output"), "no outputs")
		assert.Empty(t, s.file("summary"), "no summary")
		s.assertNoKey()
	})
	t.Run("attach", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"dry_run": "true", "prompt": "", "run_id": "run-42"})
		s.run()
		assert.Equal(t, 0, s.code)
		assert.Empty(t, fake.Requests())
		assert.Contains(t, s.stdout, "Dry run: nothing is sent. The step would attach to run run-42 (https://oz.warp.dev/runs/run-42) and wait for it to end (timeout 1h); its first request is on stdout as JSON.")
		assert.Contains(t, s.stdout, `"url": "`+base+`/agent/runs/run-42",`)
	})
	t.Run("terminal, bare numbers are seconds for the poll inputs", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := terminalStep(t, base, nil)
		s.env["INPUT_API_URL"] = "https://app.warp.dev/api/v1"
		s.run("--dry_run", "--prompt", "x", "--poll_interval", "1", "--poll_max_interval", "20", "--timeout", "5")
		assert.Equal(t, 0, s.code)
		assert.Empty(t, fake.Requests())
		assert.Contains(t, s.stderr, "timeout 5m (then cancel)")
		assert.Contains(t, s.stderr, "polls every 1s growing to 20s, API app.warp.dev")
		entries, err := os.ReadDir(s.dir)
		require.NoError(t, err)
		assert.Empty(t, entries)
	})
	t.Run("invalid input still fails", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"dry_run": "true", "timeout": "soon"})
		s.run()
		assert.Equal(t, 2, s.code)
		assert.Empty(t, fake.Requests())
	})
}

// A timed-out run left going says it is still running, and how to attach
// to it again.
func TestProcessTimeoutLeftRunning(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	s := githubStep(t, base, map[string]string{"prompt": "[fake:slow] x", "timeout": "300ms", "on_timeout": "leave"})
	s.run()
	assert.Equal(t, 4, s.code)
	assert.Contains(t, s.stdout, "run fake-run-000001 did not end within 300ms (timeout) and is still running (state INPROGRESS); "+
		"to wait for it again, run the step with run_id: fake-run-000001")
	assert.NotContains(t, s.stdout, "ended timed_out")
	assert.Contains(t, s.file("summary"), "To wait for it again, run the step with `run_id`: `fake-run-000001`.")
}

// A cancel refused with 422 is said once.
func TestProcessUncancellableSaidOnce(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	s := githubStep(t, base, map[string]string{"prompt": "[fake:uncancellable] [fake:slow] x", "timeout": "300ms"})
	s.run()
	assert.Equal(t, 4, s.code)
	assert.Equal(t, 1, strings.Count(s.stdout, "HTTP 422"), "the 422 is said once")
	assert.Contains(t, s.stdout, "::warning title=Oz run may still be going::")
}

// Mistakes refused with a message that says what to do, before anything is
// sent.
func TestProcessMistakes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		inputs map[string]string
		args   []string
		says   string
	}{
		{"mcp as an array", map[string]string{"mcp": `["a"]`}, nil, `input "mcp" is a JSON array: it must be a JSON object of MCP servers by name`},
		{"a bare skill name", map[string]string{"prompt": "", "skill": "deploy"}, nil, "a cloud run needs the repository that holds the skill; use owner/repo:deploy"},
		{"a prompt without quotes", nil, []string{"--prompt", "fix", "the", "tests"}, `unexpected argument 3 ("the") after the value of --prompt: a value with spaces needs quotes`},
		{"a short flag", nil, []string{"-p", "x"}, `unknown flag "-p": see oz-run --help`},
		{"a typo in a flag", nil, []string{"--enviroment", "x"}, `unknown flag "--enviroment": did you mean --environment?`},
		{"the key after a boolean flag", nil, []string{"--debug", testKey}, "unexpected argument 2: it is not a flag or a flag's value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := githubStep(t, base, tc.inputs)
			s.run(tc.args...)
			assert.Equal(t, 2, s.code)
			assert.Empty(t, fake.Requests(), "nothing is sent")
			assert.Contains(t, s.stdout, tc.says)
			assert.NotContains(t, s.stdout, "::add-mask::x\n", "a short key is not masked: it would hide every x")
			s.assertNoKey()
		})
	}
	t.Run("the key as a subcommand", func(t *testing.T) {
		t.Parallel()
		s := &step{t: t, dir: t.TempDir(), env: map[string]string{"PATH": "/usr/bin:/bin"}}
		s.run(testKey)
		assert.Equal(t, 2, s.code)
		assert.Contains(t, s.stderr, "unknown subcommand the first argument")
		s.assertNoKey()
	})
}

func TestProcessSubcommandHelp(t *testing.T) {
	t.Parallel()
	s := &step{t: t, dir: t.TempDir(), env: map[string]string{"PATH": "/usr/bin:/bin"}}
	s.run("fake-server", "--help")
	assert.Equal(t, 0, s.code)
	assert.Contains(t, s.stdout, "Usage:\n  oz-run fake-server [--listen 127.0.0.1:PORT]")
	assert.Contains(t, s.stdout, "-time-scale")
	assert.Contains(t, s.stdout, "[fake:fail]")
	assert.Empty(t, s.stderr)

	s.run("demo", "--help")
	assert.Equal(t, 0, s.code)
	assert.Contains(t, s.stdout, "oz-run demo runs the whole flow")
	assert.NotContains(t, s.stdout, "serving", "the fake is not started")
	assert.Empty(t, s.stderr)
}

// A create that fails leaves no empty log group.
func TestProcessFailedCreateLeavesNoEmptyGroup(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	s := githubStep(t, base, nil)
	s.env["INPUT_API_URL"] = deadAPIURL(t)
	s.env["OZ_RUN_REQUEST_TIMEOUT"] = "200ms"
	s.run()
	assert.Equal(t, 3, s.code)
	assert.NotContains(t, s.stdout, "::group::")
	assert.NotContains(t, s.stdout, "::endgroup::")
}
