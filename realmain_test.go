package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/config"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// realMain in process, as cli/cli tests its commands: each row is a step's
// environment and arguments against the fake API, and what the step
// publishes, redacts and exits with. The process tests (main_test.go,
// faults_test.go) cover what only a process shows: signals, exit codes as
// the OS sees them, leaks and races of the whole program.
func TestRealMain(t *testing.T) {
	t.Parallel()
	const echoedKey = "wk-sec_ret*key[1]" // Markdown would escape it: \_ \* \[
	cases := []struct {
		name   string
		step   func(t *testing.T, base string) *step
		args   []string
		fake   []ozfake.Option
		code   int
		sent   bool // requests reached the API
		check  func(t *testing.T, s *step)
		secret string // must appear nowhere; default testKey
	}{
		// The report on each platform.
		{name: "github: outputs, summary and result file",
			step: onGitHub(map[string]string{"result_file": "out/r.json"}), code: 0, sent: true,
			check: func(t *testing.T, s *step) {
				out := s.outputs()
				assert.Equal(t, "succeeded", out["conclusion"])
				assert.Equal(t, "out/r.json", out["result_file"])
				var run oz.Run
				require.NoError(t, json.Unmarshal([]byte(s.file("out/r.json")), &run))
				assert.Equal(t, out["run_id"], run.RunID)
				assert.Contains(t, s.file("summary"), "`SUCCEEDED`")
				assert.Contains(t, s.stdout, "::notice title=Oz run succeeded::")
			}},
		{name: "github: a failed run, fail_on none",
			step: onGitHub(map[string]string{"prompt": "[fake:fail] x", "fail_on": "none"}), code: 0, sent: true,
			check: func(t *testing.T, s *step) {
				assert.Equal(t, "failed", s.outputs()["conclusion"])
				assert.Contains(t, s.file("summary"), "is not in `fail_on`")
			}},
		{name: "github: a failed run fails the step",
			step: onGitHub(map[string]string{"prompt": "[fake:fail] x"}), code: 1, sent: true,
			check: func(t *testing.T, s *step) {
				assert.Contains(t, s.stdout, "::error title=Oz run failed::")
				assert.NotEmpty(t, s.outputs()["status_message"])
			}},
		{name: "github: submitted",
			step: onGitHub(map[string]string{"wait": "false"}), code: 0, sent: true,
			check: func(t *testing.T, s *step) { assert.Equal(t, "submitted", s.outputs()["conclusion"]) }},
		{name: "gitlab: dotenv, summary and JUnit files",
			step: onGitLab("[fake:fail] x"), code: 1, sent: true,
			check: func(t *testing.T, s *step) {
				vars, err := ci.ParseDotenv([]byte(s.file("oz-run.env")))
				require.NoError(t, err)
				assert.Equal(t, "failed", vars["OZ_CONCLUSION"])
				assert.Contains(t, s.file("oz-run-junit.xml"), `<failure message="run fake-run-000001 failed`)
				assert.Contains(t, s.file("oz-run-summary.md"), "failed")
				assert.NotContains(t, s.stdout, "::")
			}},
		{name: "terminal: outputs printed, report files where asked",
			step: onTerminal, args: []string{"--dotenv", "DIR/r/oz.env", "--summary_file", "DIR/r/s.md", "--junit_file", "DIR/r/j.xml"},
			code: 0, sent: true,
			check: func(t *testing.T, s *step) {
				assert.Contains(t, s.stdout, "conclusion: succeeded")
				assert.Contains(t, s.stderr, "Settings: ")
				assert.Contains(t, s.file("r/j.xml"), "<testcase")
			}},

		// Redaction: a key the API echoes back, in whatever escaping, is in
		// no log, output, summary, report or result file.
		{name: "redaction: github", secret: echoedKey, fake: []ozfake.Option{ozfake.WithAPIKey(echoedKey)},
			step: onGitHub(map[string]string{"warp_api_key": echoedKey, "title": "deploy with " + echoedKey, "result_file": "r.json", "debug": "true"}),
			code: 0, sent: true,
			check: func(t *testing.T, s *step) {
				for _, f := range []string{"summary", "output", "r.json"} {
					assert.NotContains(t, s.file(f), "sec_ret", f)
				}
				assert.NotContains(t, s.file("summary"), `sec\_ret`)
			}},
		{name: "redaction: gitlab", secret: echoedKey, fake: []ozfake.Option{ozfake.WithAPIKey(echoedKey)},
			step: onGitLabWith(map[string]string{"WARP_API_KEY": echoedKey, "INPUT_TITLE": "deploy with " + echoedKey, "INPUT_DEBUG": "true"}),
			code: 0, sent: true,
			check: func(t *testing.T, s *step) {
				for _, f := range []string{"oz-run.env", "oz-run-summary.md", "oz-run-junit.xml"} {
					assert.NotContains(t, s.file(f), "sec_ret", f)
				}
			}},

		// Invalid input: exit 2, nothing sent, and still a report.
		{name: "input error: github", step: onGitHub(map[string]string{"timeout": "soon"}), code: 2,
			check: func(t *testing.T, s *step) {
				assert.Contains(t, s.stdout, `::error title=Invalid input::input "timeout": "soon" is not a duration`)
				assert.Equal(t, "", s.outputs()["conclusion"], "the outputs are written, empty")
				assert.Contains(t, s.file("summary"), "invalid input")
			}},
		{name: "input error: gitlab", step: onGitLabWith(map[string]string{"INPUT_WAIT": "maybe"}), code: 2,
			check: func(t *testing.T, s *step) {
				assert.Contains(t, s.file("oz-run-junit.xml"), "<failure")
				assert.Contains(t, s.file("oz-run-summary.md"), "invalid input")
				_, err := ci.ParseDotenv([]byte(s.file("oz-run.env")))
				assert.NoError(t, err)
			}},
		{name: "input error: the key is in no message", step: onGitHub(map[string]string{"prompt": "use " + testKey}), code: 2,
			check: func(t *testing.T, s *step) {
				assert.Contains(t, s.stdout, `input "prompt" contains the API key`)
			}},
		{name: "input error: a result file that is a directory", step: onGitHub(map[string]string{"result_file": "."}), code: 2,
			check: func(t *testing.T, s *step) { assert.Contains(t, s.stdout, `input "result_file"`) }},
		{name: "input error: terminal, two inputs name one file", step: onTerminal,
			args: []string{"--result_file", "DIR/x", "--junit_file", "DIR/x", "--dotenv", "DIR/d", "--summary_file", "DIR/s"}, code: 2,
			check: func(t *testing.T, s *step) {
				assert.Contains(t, s.stderr, `input "junit_file": "`+s.dir+`/x" names the same path as result_file`)
			}},
		{name: "help", step: onTerminal, args: []string{"--help"}, code: 0,
			check: func(t *testing.T, s *step) { assert.Contains(t, s.stdout, "Exit codes:") }},
		{name: "version", step: onTerminal, args: []string{"version"}, code: 0,
			check: func(t *testing.T, s *step) { assert.Equal(t, "oz-run "+version+"\n", s.stdout) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t, tc.fake...)
			s := tc.step(t, base)
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "DIR", s.dir)
			}
			var stdout, stderr bytes.Buffer
			s.code = realMain(context.Background(), args, config.Env(s.env), &stdout, &stderr)
			s.stdout, s.stderr = stdout.String(), stderr.String()
			t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", s.code, s.stdout, s.stderr)

			assert.Equal(t, tc.code, s.code, "exit code")
			assert.Equal(t, tc.sent, len(fake.Requests()) > 0, "whether anything was sent")
			secret := tc.secret
			if secret == "" {
				secret = testKey
			}
			stdoutNoMask := strings.ReplaceAll(s.stdout, "::add-mask::"+secret+"\n", "")
			assert.NotContains(t, stdoutNoMask+s.stderr, secret, "the key in the log")
			s.assertNoKey()
			tc.check(t, s)
		})
	}
}

// The rows' steps.
func onGitHub(inputs map[string]string) func(*testing.T, string) *step {
	return func(t *testing.T, base string) *step { return githubStep(t, base, inputs) }
}

func onGitLab(prompt string) func(*testing.T, string) *step {
	return func(t *testing.T, base string) *step { return gitlabStep(t, base, prompt) }
}

func onGitLabWith(env map[string]string) func(*testing.T, string) *step {
	return func(t *testing.T, base string) *step {
		s := gitlabStep(t, base, "fix it")
		for k, v := range env {
			s.env[k] = v
		}
		return s
	}
}

// onTerminal is a plain command: no CI; report files only where the row's
// arguments put them (in the step's directory, never the test's).
func onTerminal(t *testing.T, base string) *step {
	return &step{t: t, dir: t.TempDir(), env: map[string]string{
		"WARP_API_KEY": testKey, "INPUT_API_URL": base, "INPUT_PROMPT": "fix it",
		"INPUT_POLL_INTERVAL": "10ms", "INPUT_POLL_MAX_INTERVAL": "50ms",
		"INPUT_DOTENV": filepath.Join(t.TempDir(), "oz-run.env"), "INPUT_SUMMARY_FILE": filepath.Join(t.TempDir(), "s.md"),
		"INPUT_JUNIT_FILE": filepath.Join(t.TempDir(), "j.xml"),
	}}
}
