package ci

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/workspace"
)

func newTestGitLab(t *testing.T, vars map[string]string) (*gitlab, *strings.Builder, string) {
	t.Helper()
	dir := t.TempDir()
	var out strings.Builder
	g := newGitLab(Options{
		Getenv: env(vars), Stdout: &out, Workspace: workspace.New(dir, true), Now: fixedNow,
		Dotenv: "oz-run.env", SummaryFile: "oz-run-summary.md", JUnitFile: "oz-run-junit.xml",
	}).(*gitlab)
	return g, &out, dir
}

func TestGitLabPublish(t *testing.T) {
	t.Parallel()
	g, out, dir := newTestGitLab(t, nil)
	r := sampleReport()

	require.NoError(t, g.Publish(r))

	dotenv := readFile(t, filepath.Join(dir, "oz-run.env"))
	golden(t, "gitlab.env.golden", dotenv)
	vars, err := ParseDotenv(dotenv)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"OZ_RUN_ID":         "run-123",
		"OZ_RUN_URL":        "https://oz.warp.dev/runs/run-123",
		"OZ_STATE":          "FAILED",
		"OZ_CONCLUSION":     "failed",
		"OZ_STATUS_MESSAGE": "line one ::set-output name=x::pwned ghadelimiter_000102030405060708090a0b0c0d0e0f EOF ::add-mask::x x ##[error]legacy nul [31mred[0m [0Ksection_end:1:x [0K 100% %0A done",
		"OZ_ERROR_CODE":     "E_AGENT",
		"OZ_SESSION_LINK":   "https://app.warp.dev/session/abc",
		"OZ_PR_URLS":        "https://github.com/o/r/pull/1 https://github.com/o/r/pull/2",
		"OZ_CREDITS":        "12.5",
		"OZ_RUN_TIME":       "PT1M30S",
		"OZ_RESULT_FILE":    "result.json",
	}, vars)

	assert.Equal(t, r.Summary, string(readFile(t, filepath.Join(dir, "oz-run-summary.md"))))
	assert.Equal(t, string(r.ResultJSON), string(readFile(t, filepath.Join(dir, "result.json"))))

	junit := readFile(t, filepath.Join(dir, "oz-run-junit.xml"))
	golden(t, "gitlab_junit.xml.golden", junit)
	var suites junitSuites
	require.NoError(t, xml.Unmarshal(junit, &suites))
	require.Len(t, suites.Suites, 1)
	s := suites.Suites[0]
	assert.Equal(t, "oz-run", s.Name)
	assert.Equal(t, 1, s.Tests)
	assert.Equal(t, 1, s.Failures)
	assert.Equal(t, "90.250", s.Time)
	require.Len(t, s.Cases, 1)
	c := s.Cases[0]
	assert.Equal(t, r.Title, c.Name)
	require.NotNil(t, c.Failure)
	assert.Equal(t, "failed", c.Failure.Type)
	assert.Equal(t, r.Message, c.Failure.Message)
	assert.Contains(t, c.Failure.Details, "run_url: https://oz.warp.dev/runs/run-123\n")
	assert.NotContains(t, c.Failure.Details, "\x00")
	assert.NotContains(t, c.Failure.Details, "\x1b")

	assert.Empty(t, out.String())
}

func TestGitLabPublishPassingAndPartial(t *testing.T) {
	t.Parallel()
	g, _, dir := newTestGitLab(t, nil)
	g.o.SummaryFile = "missing/summary.md"
	for _, file := range []string{"missing", "x"} { // files where directories are wanted
		require.NoError(t, os.WriteFile(filepath.Join(dir, file), nil, 0o644))
	}
	r := Report{Outputs: []Output{{"run_id", "r"}, {"conclusion", "succeeded"}}, Summary: "ok\n", ResultFile: "x/result.json", ResultJSON: []byte("{}")}

	err := g.Publish(r)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "result file x/result.json")
	assert.Contains(t, err.Error(), "summary file missing/summary.md")
	vars, perr := ParseDotenv(readFile(t, filepath.Join(dir, "oz-run.env")))
	require.NoError(t, perr)
	assert.Equal(t, map[string]string{"OZ_RUN_ID": "r", "OZ_CONCLUSION": "succeeded"}, vars)
	var suites junitSuites
	require.NoError(t, xml.Unmarshal(readFile(t, filepath.Join(dir, "oz-run-junit.xml")), &suites))
	assert.Equal(t, 0, suites.Suites[0].Failures)
	assert.Equal(t, "oz-run", suites.Suites[0].Cases[0].Name, "an untitled run is named oz-run")
	assert.Nil(t, suites.Suites[0].Cases[0].Failure)
}

func TestGitLabLog(t *testing.T) {
	t.Parallel()
	g, out, _ := newTestGitLab(t, nil)
	g.Mask("tok-123")
	end := g.Group("Waiting for run tok-123 / ÄB")
	g.Logf("%s", hostile)
	g.Debugf("hidden")
	inner := g.Group("")
	g.Notice("Run", "uses tok-123")
	g.Warning("", "careful")
	g.Error("Failed", "two\nlines")
	inner()
	end()
	end()
	golden(t, "gitlab_log.golden", []byte(out.String()))
	assert.NotContains(t, out.String(), "tok-123")
	assert.Equal(t, 2, strings.Count(out.String(), "\x1b[0Ksection_start:"))
	assert.Equal(t, 2, strings.Count(out.String(), "\x1b[0Ksection_end:"))
	assert.Equal(t, 4, strings.Count(out.String(), "\r\x1b[0K"), "untrusted text cannot end a section")

	g.debug = true
	out.Reset()
	g.Debugf("shown %d", 1)
	assert.Equal(t, "[debug] shown 1\n", out.String())

	// Bidi controls would make a line read otherwise than it is.
	out.Reset()
	g.Logf("run \u202eabc\u2066def\u200f ended")
	assert.Equal(t, "run abcdef ended\n", out.String())
}

// Any other CI: GitLab's report files, plain lines, no section markers.
func TestOtherCI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out strings.Builder
	p := newOtherCI(Options{
		Getenv: env(map[string]string{"CI": "true", "CI_PROJECT_PATH": "not/gitlab"}), Stdout: &out, Workspace: workspace.New(dir, true), Now: fixedNow,
		Dotenv: "oz-run.env", SummaryFile: "oz-run-summary.md", JUnitFile: "oz-run-junit.xml",
	})
	assert.Equal(t, "other-ci", p.Name())
	end := p.Group("Settings")
	p.Logf("%s", hostile)
	end()
	require.NoError(t, p.Publish(sampleReport()))
	assert.NotContains(t, out.String(), "section_start")
	assert.NotContains(t, out.String(), "\x1b")
	assert.True(t, strings.HasPrefix(out.String(), "== Settings\nline one\n"))
	for _, f := range []string{"oz-run.env", "oz-run-summary.md", "oz-run-junit.xml", "result.json"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	assert.Empty(t, p.Metadata())
}

func TestSectionSlug(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "waiting_for_run_r_1", sectionSlug("Waiting for run  r-1 "))
	assert.Equal(t, "section", sectionSlug("!!"))
	assert.Len(t, sectionSlug(strings.Repeat("a", 100)), 40)
}

func TestGitLabMetadata(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"CI_PROJECT_PATH":      "g/p",
		"CI_PIPELINE_ID":       "10",
		"CI_PIPELINE_URL":      "https://gitlab.com/g/p/-/pipelines/10",
		"CI_JOB_ID":            "11",
		"CI_JOB_URL":           "https://gitlab.com/g/p/-/jobs/11",
		"CI_MERGE_REQUEST_IID": "",
		"CI_COMMIT_SHA":        "abc",
		"CI_COMMIT_REF_NAME":   "main\x00",
	}
	g, _, _ := newTestGitLab(t, vars)
	assert.Equal(t, map[string]string{
		"gitlab_project":      "g/p",
		"gitlab_pipeline_id":  "10",
		"gitlab_pipeline_url": "https://gitlab.com/g/p/-/pipelines/10",
		"gitlab_job_id":       "11",
		"gitlab_job_url":      "https://gitlab.com/g/p/-/jobs/11",
		"gitlab_sha":          "abc",
		"gitlab_ref":          "main",
	}, g.Metadata())
}

// The answer file holds the agent's answer as it wrote it, redacted and
// without control characters; no answer, no file.
func TestGitLabAnswerFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := Options{Getenv: env(nil), Stdout: &strings.Builder{}, Workspace: workspace.New(dir, true), Now: fixedNow,
		OutputFile: "out/oz-run-output.md"}
	g := newGitLab(o)
	g.Mask("wk-answer-secret-0123456789")
	r := Report{Outputs: []Output{{Name: "run_id", Value: "r"}}, Answer: "# Done\n\nVERDICT: PASS\x1b[31m\r\nkey wk-answer-secret-0123456789 \u202eend\n\n"}
	require.NoError(t, g.Publish(r))
	assert.Equal(t, "# Done\n\nVERDICT: PASS[31m\nkey *** end\n", string(readFile(t, filepath.Join(dir, "out", "oz-run-output.md"))))

	dir = t.TempDir()
	o.Workspace = workspace.New(dir, true)
	require.NoError(t, newOtherCI(o).Publish(Report{Answer: " \n"}))
	assert.NoFileExists(t, filepath.Join(dir, "out", "oz-run-output.md"), "no answer, no file")
}
