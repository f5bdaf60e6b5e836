package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// These tests run the program as a process against the embedded fake API,
// because exit codes, signals and files are the product. The process is
// the test binary itself (see faults_helpers_test.go): each run also
// checks that no goroutine outlived realMain, and under -race that nothing
// raced.

const testKey = "wk-test-Sup3rS3cret-7c1d"

// TestMain checks that the in-process tests (realmain_test.go) leave no
// goroutine behind either.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, programLeakOptions()...)
}

// newFake serves the fake API (runs 20 times faster than the default) for
// the test's lifetime.
func newFake(t *testing.T, opts ...ozfake.Option) (*ozfake.Server, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	opts = append([]ozfake.Option{ozfake.WithAPIKey(testKey), ozfake.WithTimeScale(0.05)}, opts...)
	srv, base, err := ozfake.Serve(ctx, "127.0.0.1:0", opts...)
	require.NoError(t, err)
	t.Cleanup(func() { cancel(); _ = srv.Wait() })
	return srv, base
}

// step is one invocation's environment and results.
type step struct {
	t   *testing.T
	dir string
	env map[string]string

	code           int
	stdout, stderr string
	elapsed        time.Duration
}

// githubStep is a GitHub Actions container step's environment.
func githubStep(t *testing.T, base string, inputs map[string]string) *step {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"PATH":                    "/usr/bin:/bin",
		"GITHUB_ACTIONS":          "true",
		"GITHUB_OUTPUT":           filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY":     filepath.Join(dir, "summary"),
		"GITHUB_WORKSPACE":        dir,
		"GITHUB_REPOSITORY":       "octo/repo",
		"GITHUB_RUN_ID":           "42",
		"GITHUB_SERVER_URL":       "https://github.com",
		"INPUT_WARP_API_KEY":      testKey,
		"INPUT_API_URL":           base,
		"INPUT_POLL_INTERVAL":     "10ms",
		"INPUT_POLL_MAX_INTERVAL": "50ms",
		"INPUT_PROMPT":            "fix the build",
	}
	for _, f := range []string{"output", "summary"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), nil, 0o644))
	}
	for k, v := range inputs {
		env["INPUT_"+strings.ToUpper(k)] = v
	}
	return &step{t: t, dir: dir, env: env}
}

// command is the program (the test binary running as it) in the step.
func (s *step) command(args ...string) *exec.Cmd {
	s.t.Helper()
	cmd := exec.Command(checkedBinary(s.t), args...)
	cmd.Dir = s.dir
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, asProgramEnv+"=1")
	return cmd
}

// run runs the binary to its end.
func (s *step) run(args ...string) *step {
	s.t.Helper()
	cmd := s.command(args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	s.finish(cmd, err, &out, &errb, start)
	return s
}

func (s *step) finish(cmd *exec.Cmd, err error, out, errb *bytes.Buffer, start time.Time) {
	s.t.Helper()
	s.elapsed = time.Since(start)
	s.stdout, s.stderr = out.String(), errb.String()
	if err != nil {
		_, exited := err.(*exec.ExitError)
		require.True(s.t, exited, "running oz-run: %v", err)
	}
	s.code = cmd.ProcessState.ExitCode()
	s.t.Logf("exit %d in %s\nstdout:\n%s\nstderr:\n%s", s.code, s.elapsed, s.stdout, s.stderr)
	assert.Empty(s.t, leakOrRace(s.stderr), "the program leaked a goroutine, raced or panicked")
}

func (s *step) file(name string) string {
	s.t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, name))
	require.NoError(s.t, err)
	return string(b)
}

// outputs parses $GITHUB_OUTPUT by the runner's rules.
func (s *step) outputs() map[string]string {
	s.t.Helper()
	out, err := ci.ParseGitHubOutput([]byte(s.file("output")))
	require.NoError(s.t, err, "the outputs file must parse by GitHub's rules")
	return out
}

// assertNoKey checks that the key appears nowhere but in the mask command.
func (s *step) assertNoKey() {
	s.t.Helper()
	s.assertNoSecret(testKey)
}

// assertNoSecret checks that secret appears in no stream but in its mask
// command, and in no file of the workspace.
func (s *step) assertNoSecret(secret string) {
	s.t.Helper()
	stdout := strings.ReplaceAll(s.stdout, "::add-mask::"+secret+"\n", "")
	for name, text := range map[string]string{"stdout": stdout, "stderr": s.stderr} {
		assert.NotContains(s.t, text, secret, "a secret leaked into %s", name)
	}
	// Every regular file in the workspace, in directories oz-run made too
	// (links and FIFOs are not read).
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(s.dir, path)
		assert.NotContains(s.t, s.file(rel), secret, "a secret leaked into %s", rel)
		return nil
	})
	require.NoError(s.t, err)
}

func TestProcessEndsByConclusion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		prompt     string
		failOn     string
		code       int
		conclusion string
		state      string
	}{
		{"fix the build", "", 0, "succeeded", "SUCCEEDED"},
		{"[fake:fail] fix", "", 1, "failed", "FAILED"},
		{"[fake:error] fix", "", 1, "error", "ERROR"},
		{"[fake:block] fix", "", 1, "blocked", "BLOCKED"},
		{"[fake:cancel] fix", "", 1, "cancelled", "CANCELLED"},
		{"[fake:fail] fix", "none", 0, "failed", "FAILED"},
		{"[fake:block] fix", "failed,error", 0, "blocked", "BLOCKED"},
	}
	for _, tc := range cases {
		t.Run(tc.prompt+"/"+tc.failOn, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := githubStep(t, base, map[string]string{"prompt": tc.prompt, "fail_on": tc.failOn, "result_file": "oz-result.json"})
			s.run()
			assert.Equal(t, tc.code, s.code)
			out := s.outputs()
			assert.Equal(t, tc.conclusion, out["conclusion"])
			assert.Equal(t, tc.state, out["state"])
			require.Len(t, fake.Runs(), 1, "exactly one run is created")
			id := fake.Runs()[0].RunID
			assert.Equal(t, id, out["run_id"])
			assert.Equal(t, "https://oz.warp.dev/runs/"+id, out["run_url"])
			assert.Equal(t, "oz-result.json", out["result_file"])
			var res oz.Run
			require.NoError(t, json.Unmarshal([]byte(s.file("oz-result.json")), &res))
			assert.Equal(t, id, res.RunID)
			assert.True(t, strings.HasPrefix(s.stdout, "::add-mask::"+testKey+"\n"), "the key is masked before anything else")
			assert.Contains(t, s.file("summary"), "`"+tc.state+"`")
			if tc.conclusion == "succeeded" {
				assert.NotEmpty(t, out["session_link"])
				assert.Contains(t, out["pr_urls"], "https://")
				assert.NotEmpty(t, out["credits"])
				assert.NotEmpty(t, out["run_time"])
				assert.Contains(t, out["artifacts"], "PULL_REQUEST")
			} else {
				assert.NotEmpty(t, out["status_message"])
			}
			s.assertNoKey()
		})
	}
}

func TestProcessTimeout(t *testing.T) {
	t.Parallel()
	for _, policy := range []string{"cancel", "leave"} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := githubStep(t, base, map[string]string{"prompt": "[fake:slow] x", "timeout": "400ms", "on_timeout": policy})
			s.run()
			assert.Equal(t, 4, s.code)
			out := s.outputs()
			assert.Equal(t, "timed_out", out["conclusion"])
			cancels := fake.Count(routeCancel)
			if policy == "cancel" {
				assert.Equal(t, 1, cancels)
				assert.Equal(t, "CANCELLED", out["state"], "the state read after the cancel")
			} else {
				assert.Zero(t, cancels)
				// Still working, as left: QUEUED or INPROGRESS, as far as
				// the fake's clock got within the 400 ms (a busy machine
				// may start the process late).
				assert.Contains(t, []string{"QUEUED", "PENDING", "INPROGRESS"}, out["state"])
			}
			s.assertNoKey()
		})
	}
	t.Run("report only", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": "[fake:slow] x", "timeout": "200ms", "fail_on": "failed"})
		s.run()
		assert.Equal(t, 0, s.code)
		assert.Equal(t, "timed_out", s.outputs()["conclusion"])
	})
}

func TestProcessSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		for _, cancelOnAbort := range []string{"true", "false"} {
			t.Run(sig.String()+"/"+cancelOnAbort, func(t *testing.T) {
				t.Parallel()
				fake, base := newFake(t)
				s := githubStep(t, base, map[string]string{"prompt": "[fake:slow] x", "cancel_on_abort": cancelOnAbort})
				cmd := s.command()
				var out, errb bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errb
				start := time.Now()
				require.NoError(t, cmd.Start())
				require.Eventually(t, func() bool {
					runs := fake.Runs()
					return len(runs) == 1 && runs[0].State == oz.StateInProgress && fake.Count(routeGet) > 0
				}, hangLimit, 10*time.Millisecond)
				signalled := time.Now()
				require.NoError(t, cmd.Process.Signal(sig))
				err := cmd.Wait()
				exited := time.Now()
				s.finish(cmd, err, &out, &errb, start)
				// The order, not the time (bench measures how soon it exits).
				assert.Equal(t, 5, s.code)
				outs := s.outputs()
				checkFilesWhole(t, s)
				assert.Equal(t, fake.Runs()[0].RunID, outs["run_id"])
				if cancelOnAbort == "true" {
					assert.Equal(t, 1, fake.Count(routeCancel))
					for _, r := range fake.Requests() {
						if r.Route == routeCancel {
							assert.True(t, r.At.After(signalled) && r.At.Before(exited), "the cancel came after the signal, before the exit")
						}
					}
					assert.Equal(t, "cancelled", outs["conclusion"])
				} else {
					assert.Zero(t, fake.Count(routeCancel))
				}
				assert.Contains(t, s.file("summary"), "bort")
				s.assertNoKey()
			})
		}
	}
}

func TestProcessInvalidInputSendsNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		inputs map[string]string
		says   string // in the log; WS stands for the workspace's absolute path
	}{
		{"no prompt", map[string]string{"prompt": ""}, ""},
		{"bad timeout", map[string]string{"timeout": "soon"}, ""},
		{"bad fail_on", map[string]string{"fail_on": "failed,exploded"}, ""},
		{"bad bool", map[string]string{"wait": "maybe"}, ""},
		{"key with a space", map[string]string{"warp_api_key": "wk-abc def"}, ""},
		{"bad mcp", map[string]string{"mcp": "{not json"}, ""},
		{"missing prompt file", map[string]string{"prompt": "", "prompt_file": "nope.txt"}, ""},
		{"prompt file outside", map[string]string{"prompt": "", "prompt_file": "../../etc/hostname"}, "outside the workspace (WS)"},
		{"prompt file absolute outside", map[string]string{"prompt": "", "prompt_file": "/etc/hostname"}, "outside the workspace (WS)"},
		{"prompt file symlink", map[string]string{"prompt": "", "prompt_file": "link.md"}, "through a symbolic link"},
		{"prompt file a FIFO", map[string]string{"prompt": "", "prompt_file": "fifo"}, "not a regular file"},
		{"prompt file a directory", map[string]string{"prompt": "", "prompt_file": "adir"}, "is a directory"},
		{"prompt file too large", map[string]string{"prompt": "", "prompt_file": "big.md"}, "larger than 1 MiB"},
		{"mcp file a FIFO", map[string]string{"mcp": "fifo"}, "not a regular file"},
		{"result file a link", map[string]string{"result_file": "link.md"}, "symbolic link"},
		{"result file a directory", map[string]string{"result_file": "adir"}, "is a directory"},
		{"result file through a link out", map[string]string{"result_file": "out/r.json"}, "outside the workspace (WS) through a symbolic link"},
		{"result file absolute outside", map[string]string{"result_file": "/tmp/r.json"}, "inside the workspace (WS)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := githubStep(t, base, tc.inputs)
			require.NoError(t, os.Symlink("/etc/hostname", filepath.Join(s.dir, "link.md")))
			require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(s.dir, "out")))
			require.NoError(t, syscall.Mkfifo(filepath.Join(s.dir, "fifo"), 0o644))
			require.NoError(t, os.Mkdir(filepath.Join(s.dir, "adir"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(s.dir, "big.md"), bytes.Repeat([]byte("x"), 1<<20+1), 0o644))
			s.run()
			assert.Equal(t, 2, s.code)
			assert.Empty(t, fake.Requests(), "nothing is sent: refused before any request")
			assert.Contains(t, s.stdout, "::error")
			assert.Contains(t, s.stdout, strings.ReplaceAll(tc.says, "WS", s.dir))
			s.assertNoKey()
		})
	}
}

// On GitLab (and a terminal) the report files are written too: two inputs
// naming one file are refused before anything is sent.
func TestProcessCollidingFilesSendNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		inputs map[string]string
		says   string
	}{
		{"junit = summary", map[string]string{"JUNIT_FILE": "report.md", "SUMMARY_FILE": "./report.md"},
			`input "junit_file": "report.md" names the same path as summary_file (WS/report.md)`},
		{"result = dotenv", map[string]string{"RESULT_FILE": "oz-run.env"},
			`input "dotenv": "oz-run.env" names the same path as result_file`},
		{"dotenv absolute = junit", map[string]string{"DOTENV": "WS/out/x", "JUNIT_FILE": "out/x"},
			`input "junit_file": "out/x" names the same path as dotenv (WS/out/x)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := gitlabStep(t, base, "x")
			for k, v := range tc.inputs {
				s.env["INPUT_"+k] = strings.ReplaceAll(v, "WS", s.dir)
			}
			s.run()
			assert.Equal(t, 2, s.code)
			assert.Empty(t, fake.Requests(), "nothing is sent")
			assert.Contains(t, s.stdout, strings.ReplaceAll(tc.says, "WS", s.dir))
			s.assertNoKey()
		})
	}
}

func TestProcessUnauthorized(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	s := githubStep(t, base, map[string]string{"warp_api_key": "wk-wrong-" + testKey[3:]})
	s.run()
	assert.Equal(t, 3, s.code)
	assert.Contains(t, s.stdout, "warp_api_key", "the error says what to fix")
	assert.Zero(t, fake.CreatedCount())
	assert.Empty(t, s.outputs()["conclusion"])
	stdout := strings.ReplaceAll(s.stdout, "::add-mask::wk-wrong-"+testKey[3:]+"\n", "")
	assert.NotContains(t, stdout+s.stderr, "wk-wrong-", "not even a wrong key is printed")
}

func TestProcessHostileStatusMessage(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	s := githubStep(t, base, map[string]string{"prompt": "[fake:slow] x"})
	cmd := s.command()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return fake.CreatedCount() == 1 }, hangLimit, 5*time.Millisecond)
	hostile := "boom\n::set-output name=conclusion::succeeded\n::add-mask::boom\nghadelimiter_0123\nEOF\n" +
		"##[error]forged\n<script>alert(1)</script> | cell | @team [x](javascript:alert(1))"
	require.NoError(t, fake.FinishWithMessage(fake.Runs()[0].RunID, oz.StateFailed, &oz.StatusMessage{Message: hostile}))
	err := cmd.Wait()
	s.finish(cmd, err, &out, &errb, start)

	assert.Equal(t, 1, s.code)
	outs := s.outputs()
	assert.Equal(t, "failed", outs["conclusion"])
	assert.Equal(t, hostile, outs["status_message"], "the value round-trips intact")
	for _, line := range strings.Split(s.stdout+s.stderr, "\n") {
		assert.False(t, strings.HasPrefix(strings.TrimSpace(line), "::set-output"), "a forged command reached the log: %q", line)
		assert.NotEqual(t, "::add-mask::boom", strings.TrimSpace(line))
		assert.NotContains(t, line, "##[error]forged")
	}
	sum := s.file("summary")
	assert.NotContains(t, sum, "<script>")
	assert.NotContains(t, sum, "](javascript:")
}

func TestProcessSubmitThenAttach(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	s := githubStep(t, base, map[string]string{"wait": "false"})
	s.run()
	assert.Equal(t, 0, s.code)
	out := s.outputs()
	assert.Equal(t, "submitted", out["conclusion"])
	require.NotEmpty(t, out["run_id"])

	s2 := githubStep(t, base, map[string]string{"prompt": "", "run_id": out["run_id"]})
	s2.run()
	assert.Equal(t, 0, s2.code)
	assert.Equal(t, "succeeded", s2.outputs()["conclusion"])
	assert.Equal(t, 1, fake.CreatedCount(), "attaching creates nothing")
}

func TestProcessGitLab(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		prompt string
		code   int
	}{{"fix it", 0}, {"[fake:fail] fix it", 1}} {
		t.Run(tc.prompt, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := gitlabStep(t, base, tc.prompt)
			s.run()
			assert.Equal(t, tc.code, s.code)
			for _, line := range strings.Split(s.stdout+s.stderr, "\n") {
				assert.False(t, strings.HasPrefix(line, "::"), "no workflow commands on GitLab: %q", line)
			}
			assert.NotContains(t, s.stderr+s.stdout, "section_start:", "nothing is collapsed but debug detail")

			dotenv := s.file("oz-run.env")
			assert.Less(t, len(dotenv), 5*1024)
			vars, err := ci.ParseDotenv([]byte(dotenv))
			require.NoError(t, err)
			run := fake.Runs()[0]
			assert.Equal(t, run.RunID, vars["OZ_RUN_ID"])
			assert.Equal(t, string(run.State), vars["OZ_STATE"])
			assert.Equal(t, "https://oz.warp.dev/runs/"+run.RunID, vars["OZ_RUN_URL"])
			for _, k := range []string{"OZ_CONCLUSION", "OZ_STATUS_MESSAGE", "OZ_ERROR_CODE", "OZ_SESSION_LINK", "OZ_PR_URLS", "OZ_CREDITS"} {
				assert.Contains(t, vars, k)
			}
			assert.Equal(t, map[string]string{
				"gitlab_project": "group/project", "gitlab_pipeline_id": "77", "gitlab_job_id": "88",
				"gitlab_sha": "abc123", "gitlab_mr_iid": "5",
				"oz_run_workflow_run": "gitlab/group/project/77", "oz_run_step": "gitlab/", "oz_run_attempt": "job 88",
			}, withoutRequestID(run.Metadata))

			var junit struct {
				Suites []struct {
					Tests    int `xml:"tests,attr"`
					Failures int `xml:"failures,attr"`
					Cases    []struct {
						Name    string    `xml:"name,attr"`
						Failure *struct{} `xml:"failure"`
					} `xml:"testcase"`
				} `xml:"testsuite"`
			}
			require.NoError(t, xml.Unmarshal([]byte(s.file("oz-run-junit.xml")), &junit))
			require.Len(t, junit.Suites, 1)
			require.Len(t, junit.Suites[0].Cases, 1)
			assert.Equal(t, tc.code != 0, junit.Suites[0].Cases[0].Failure != nil)
			assert.Equal(t, tc.code != 0, junit.Suites[0].Failures == 1)
			assert.Contains(t, s.file("oz-run-summary.md"), "Oz run")
			s.assertNoKey()
		})
	}
}

// gitlabStep is a GitLab CI job's environment.
func gitlabStep(t *testing.T, base, prompt string) *step {
	t.Helper()
	dir := t.TempDir()
	return &step{t: t, dir: dir, env: map[string]string{
		"PATH": "/usr/bin:/bin", "GITLAB_CI": "true", "CI": "true", "CI_PROJECT_DIR": dir,
		"CI_PROJECT_PATH": "group/project", "CI_PIPELINE_ID": "77", "CI_JOB_ID": "88",
		"CI_COMMIT_SHA": "abc123", "CI_MERGE_REQUEST_IID": "5",
		"WARP_API_KEY": testKey, "INPUT_API_URL": base, "INPUT_PROMPT": prompt,
		"INPUT_POLL_INTERVAL": "10ms", "INPUT_POLL_MAX_INTERVAL": "50ms",
	}}
}

func withoutRequestID(md map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range md {
		if k != oz.RequestIDKey {
			out[k] = v
		}
	}
	return out
}

func TestProcessLocalAndSubcommands(t *testing.T) {
	t.Parallel()
	s := &step{t: t, dir: t.TempDir(), env: map[string]string{"PATH": "/usr/bin:/bin"}}
	s.run("version")
	assert.Equal(t, 0, s.code)
	assert.Contains(t, s.stdout, "oz-run ")

	s.run("demo")
	assert.Equal(t, 0, s.code)
	assert.Contains(t, s.stdout, "conclusion: succeeded")
	assert.NotContains(t, s.stdout+s.stderr, "::")

	s.run("demo", "--prompt", "[fake:fail] break it")
	assert.Equal(t, 1, s.code)
	assert.Contains(t, s.stdout, "conclusion: failed")

	s.run("nonsense")
	assert.Equal(t, 2, s.code)

	s.run("--help")
	assert.Equal(t, 0, s.code)
	assert.Contains(t, s.stdout, "fail_on")
}

func TestProcessKeyEchoedByTheAPIIsRedactedEverywhere(t *testing.T) {
	t.Parallel()
	const key = "wk-sec_ret*key[1]" // Markdown would escape it: \_ \* \[
	_, base := newFake(t, ozfake.WithAPIKey(key))
	s := githubStep(t, base, map[string]string{"warp_api_key": key, "result_file": "r.json"})
	// The prompt cannot hold the key (refused), so the API echoes it in the title.
	s.env["INPUT_TITLE"] = "deploy with " + key
	s.run()
	require.Equal(t, 0, s.code)
	sum := s.file("summary")
	assert.NotContains(t, sum, `wk-sec\_ret`)
	assert.NotContains(t, sum, "sec_ret")
	assert.NotContains(t, s.file("r.json"), "sec_ret")
	assert.NotContains(t, s.file("output"), "sec_ret")
}

// On a terminal no report file is written unless asked for; only the
// outputs that have a value are printed, and the summary as plain text.
func TestProcessPlainCommandPrintsWhatIsKnown(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	dir := t.TempDir()
	s := &step{t: t, dir: dir, env: map[string]string{
		"PATH": "/usr/bin:/bin", "WARP_API_KEY": testKey, "INPUT_API_URL": base, "INPUT_PROMPT": "[fake:nopr] fix it",
		"INPUT_POLL_INTERVAL": "10ms", "INPUT_POLL_MAX_INTERVAL": "50ms",
	}}
	s.run()
	require.Equal(t, 0, s.code)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no report file on a terminal unless asked for")
	assert.Contains(t, s.stdout, "conclusion: succeeded\n")
	for _, empty := range []string{"status_message:", "error_code:", "pr_urls:", "result_file:"} {
		assert.NotContains(t, s.stdout, "\n"+empty+"\n", "an output without a value is not printed")
	}
	assert.Contains(t, s.stdout, "✅ Oz run succeeded\n\nRun:")
	assert.Contains(t, s.stdout, "Run:       fake-run-000001 (https://oz.warp.dev/runs/fake-run-000001)\n")
	for _, md := range []string{`https\://`, `\_`, "| Run |", "###", "**"} {
		assert.NotContains(t, s.stdout, md, "no Markdown on a terminal")
	}
	s.assertNoKey()
}

func TestProcessInvalidInputOnGitLabStillReportsTheFailure(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	dir := t.TempDir()
	s := &step{t: t, dir: dir, env: map[string]string{
		"PATH": "/usr/bin:/bin", "GITLAB_CI": "true", "CI": "true", "CI_PROJECT_DIR": dir,
		"WARP_API_KEY": testKey, "INPUT_API_URL": base, "INPUT_PROMPT": "x", "INPUT_WAIT": "maybe",
	}}
	s.run()
	assert.Equal(t, 2, s.code)
	assert.Empty(t, fake.Requests())
	junit := s.file("oz-run-junit.xml")
	assert.Contains(t, junit, "<failure")
	assert.Contains(t, junit, "wait")
	assert.Contains(t, s.file("oz-run-summary.md"), "invalid input")
	_, err := ci.ParseDotenv([]byte(s.file("oz-run.env")))
	require.NoError(t, err)
	s.assertNoKey()
}

// Missing directories of the files oz-run writes are made; in a container
// running as root, everything it creates in the workspace gets the owner of
// the workspace directory (1001 on GitHub's runners), so that later steps
// can change and delete it.
func TestProcessFilesGetTheWorkspaceOwner(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	gh := githubStep(t, base, map[string]string{"result_file": "out/deep/result.json"})
	gl := gitlabStep(t, base, "fix it")
	gl.env["INPUT_RESULT_FILE"] = "out/result.json"
	gl.env["INPUT_DOTENV"] = "reports/oz.env"
	gl.env["INPUT_JUNIT_FILE"] = "reports/junit/oz.xml"
	root := os.Geteuid() == 0
	for _, s := range []*step{gh, gl} {
		if root {
			require.NoError(t, os.Chown(s.dir, 1001, 1001))
		}
		s.run()
		require.Equal(t, 0, s.code)
		s.assertNoKey()
	}
	assert.Equal(t, "out/deep/result.json", gh.outputs()["result_file"])
	created := map[*step][]string{
		gh: {"out", "out/deep", "out/deep/result.json"},
		gl: {"out", "out/result.json", "reports", "reports/oz.env", "reports/junit", "reports/junit/oz.xml", "oz-run-summary.md"},
	}
	for s, paths := range created {
		for _, p := range paths {
			fi, err := os.Lstat(filepath.Join(s.dir, p))
			require.NoError(t, err, p)
			if !root {
				continue
			}
			st := fi.Sys().(*syscall.Stat_t)
			assert.Equal(t, [2]uint32{1001, 1001}, [2]uint32{st.Uid, st.Gid}, "the owner of %s", p)
		}
	}
	if !root {
		t.Log("not root: the owners were not checked")
	}
}

// On a terminal (no CI), paths may be absolute or relative to the current
// directory, anywhere.
func TestProcessTerminalPathsMayLeadAnywhere(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	elsewhere := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(elsewhere, "p.md"), []byte("fix the build"), 0o644))
	s := &step{t: t, dir: t.TempDir(), env: map[string]string{
		"PATH": "/usr/bin:/bin", "WARP_API_KEY": testKey, "INPUT_API_URL": base,
		"INPUT_POLL_INTERVAL": "10ms", "INPUT_POLL_MAX_INTERVAL": "50ms",
	}}
	rel, err := filepath.Rel(s.dir, filepath.Join(elsewhere, "out", "res.json"))
	require.NoError(t, err)
	s.run("--prompt_file", filepath.Join(elsewhere, "p.md"), "--result_file", rel)
	require.Equal(t, 0, s.code)
	assert.Equal(t, "fix the build", fake.Runs()[0].Prompt)
	assert.FileExists(t, filepath.Join(elsewhere, "out", "res.json"), "written through ../, its directory made")
	assert.Contains(t, s.stdout, "result_file: "+rel)
}

// A result file that can no longer be written when the run has ended (it
// passed the check before the run) fails the step: exit 2, an error that
// says what was not written, and an empty result_file; the other outputs
// are written.
func TestProcessResultFileUnwritableAtTheEnd(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	s := githubStep(t, base, map[string]string{"prompt": "[fake:slow] x", "result_file": "out/r.json"})
	cmd := s.command()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return fake.CreatedCount() == 1 }, hangLimit, 5*time.Millisecond)
	require.NoError(t, os.MkdirAll(filepath.Join(s.dir, "out", "r.json"), 0o755)) // a directory now
	require.NoError(t, fake.SetState(fake.Runs()[0].RunID, oz.StateSucceeded))
	err := cmd.Wait()
	s.finish(cmd, err, &out, &errb, start)

	assert.Equal(t, 2, s.code)
	assert.Contains(t, s.stdout, "::error title=Writing outputs::writing the result file out/r.json")
	assert.Contains(t, s.stdout, "it is a directory")
	assert.Contains(t, s.stdout, "so the step fails (exit 2), though the run's conclusion (succeeded) passes")
	assert.Contains(t, s.stdout, "::notice title=Oz run succeeded::")
	outs := s.outputs()
	assert.Equal(t, "succeeded", outs["conclusion"])
	assert.Empty(t, outs["result_file"])
}
