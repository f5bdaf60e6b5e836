package ci

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/workspace"
)

// newTestGitHub is a GitHub platform in a temp workspace with its file
// commands in place, a deterministic delimiter source and captured output.
func newTestGitHub(t *testing.T, extra map[string]string) (*github, *bytes.Buffer, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	vars := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_WORKSPACE":    dir,
	}
	for k, v := range extra {
		vars[k] = v
	}
	stdout, stderr := newBuffers()
	g := newGitHub(Options{Getenv: env(vars), Stdout: stdout, Stderr: stderr, Workspace: workspace.New(dir, true), Now: fixedNow}).(*github)
	g.rand = &seqReader{}
	return g, stdout, vars
}

// isWorkflowCommand says whether the runner would read the line as a command.
func isWorkflowCommand(line string) bool {
	return strings.HasPrefix(strings.TrimLeftFunc(line, isDotNetSpace), "::") || strings.Contains(line, "##[")
}

func isDotNetSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// runnerLines splits output as the runner reads it: CR, LF and CRLF end lines.
func runnerLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n")
}

func TestGitHubPublish(t *testing.T) {
	t.Parallel()
	g, stdout, vars := newTestGitHub(t, nil)
	require.NoError(t, os.WriteFile(vars["GITHUB_OUTPUT"], []byte("earlier=kept\n"), 0o644))
	r := sampleReport()

	require.NoError(t, g.Publish(r))

	data := readFile(t, vars["GITHUB_OUTPUT"])
	golden(t, "github_output.golden", data)
	got, err := ParseGitHubOutput(data)
	require.NoError(t, err)
	want := outputMap(r.Outputs)
	want["result_file"] = "result.json"
	want["earlier"] = "kept"
	want["status_message"] = "line one\n::set-output name=x::pwned\nghadelimiter_000102030405060708090a0b0c0d0e0f\nEOF\n" +
		"  ::add-mask::x\nx ##[error]legacy nul [31mred[0m [0Ksection_end:1:x\n[0K 100% %0A done"
	want["pr_urls"] = "https://github.com/o/r/pull/1\nhttps://github.com/o/r/pull/2"
	assert.Equal(t, want, got, "every value reads back as published: control characters dropped, line breaks LF, no blank line")

	assert.Equal(t, r.Summary, string(readFile(t, vars["GITHUB_STEP_SUMMARY"])))
	assert.Equal(t, string(r.ResultJSON), string(readFile(t, filepath.Join(vars["GITHUB_WORKSPACE"], "result.json"))))
	assert.Empty(t, stdout.String(), "outputs go to the file, not the log")
}

func TestGitHubPublishWithoutOutputFile(t *testing.T) {
	t.Parallel()
	g, stdout, vars := newTestGitHub(t, map[string]string{"GITHUB_OUTPUT": "", "GITHUB_STEP_SUMMARY": ""})
	r := sampleReport()
	r.ResultFile = ""

	require.NoError(t, g.Publish(r))

	golden(t, "github_log_outputs.golden", stdout.Bytes())
	for _, l := range runnerLines(stdout.String()) {
		assert.False(t, isWorkflowCommand(l), "line %q would be a workflow command", l)
	}
	assert.NoFileExists(t, filepath.Join(vars["GITHUB_WORKSPACE"], "result.json"))
}

func TestGitHubPublishFailures(t *testing.T) {
	t.Parallel()
	g, _, vars := newTestGitHub(t, nil)
	vars["GITHUB_STEP_SUMMARY"] = filepath.Join(vars["GITHUB_WORKSPACE"], "missing", "summary")
	require.NoError(t, os.WriteFile(filepath.Join(vars["GITHUB_WORKSPACE"], "nodir"), nil, 0o644))
	r := sampleReport()
	r.ResultFile = "nodir/result.json" // nodir is a file
	r.Outputs = append(r.Outputs, Output{"bad name", "x"})

	err := g.Publish(r)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "result file nodir/result.json")
	assert.Contains(t, err.Error(), "is a file, not a directory")
	assert.Contains(t, err.Error(), "job summary $GITHUB_STEP_SUMMARY")
	assert.Contains(t, err.Error(), `output name "bad name" is not valid`)
	got, perr := ParseGitHubOutput(readFile(t, vars["GITHUB_OUTPUT"]))
	require.NoError(t, perr)
	assert.Equal(t, "run-123", got["run_id"], "outputs are written although the summary and result file fail")
	assert.Equal(t, "", got["result_file"], "result_file stays empty when the file was not written")
	assert.NotContains(t, got, "bad name")
}

func TestGitHubPublishOutputFileUnwritable(t *testing.T) {
	t.Parallel()
	g, _, vars := newTestGitHub(t, nil)
	vars["GITHUB_OUTPUT"] = filepath.Join(vars["GITHUB_WORKSPACE"], "gone", "output")
	err := g.Publish(sampleReport())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "step outputs $GITHUB_OUTPUT")
	assert.Equal(t, sampleReport().Summary, string(readFile(t, vars["GITHUB_STEP_SUMMARY"])), "the summary is written anyway")
}

func TestGitHubOutputTruncated(t *testing.T) {
	t.Parallel()
	g, _, vars := newTestGitHub(t, nil)
	long := strings.Repeat("é", maxOutputValue) // two bytes each
	require.NoError(t, g.Publish(Report{Outputs: []Output{{"artifacts", long}, {"run_id", "r"}}}))

	got, err := ParseGitHubOutput(readFile(t, vars["GITHUB_OUTPUT"]))
	require.NoError(t, err)
	v := got["artifacts"]
	assert.LessOrEqual(t, len(v), maxOutputValue)
	assert.True(t, utf8.ValidString(v))
	assert.Regexp(t, `é… \[truncated \d+ bytes\]$`, v)
	assert.Equal(t, outputValue(long), v)
	assert.Equal(t, "r", got["run_id"])
}

func TestGitHubDelimiterRegenerated(t *testing.T) {
	t.Parallel()
	first, err := delimiterFor("", &seqReader{})
	require.NoError(t, err)
	value := "a\n" + first + "\nb"
	data, err := formatGitHubOutput([]Output{{"v", value}}, &seqReader{})
	require.NoError(t, err)
	assert.NotContains(t, string(data), "v<<"+first+"\n", "a delimiter the value contains is not used")
	got, err := ParseGitHubOutput(data)
	require.NoError(t, err)
	assert.Equal(t, value, got["v"])

	_, err = formatGitHubOutput([]Output{{"v", "x"}}, bytes.NewReader(nil))
	require.ErrorContains(t, err, "random heredoc delimiter")
}

func TestGitHubMaskComesFirst(t *testing.T) {
	t.Parallel()
	g, stdout, _ := newTestGitHub(t, nil)
	g.Mask("s3cr3t-key\r\nsecond line\n\n")
	g.Logf("using %s", "s3cr3t-key")
	g.Notice("s3cr3t-key", "second line")

	assert.Equal(t, "::add-mask::s3cr3t-key\n::add-mask::second line\nusing ***\n::notice title=***::***\n", stdout.String())
}

func TestGitHubLogNeverIssuesCommands(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain\n"},
		{"::set-output name=x::y", "\\::set-output name=x::y\n"},
		{"  ::add-mask::x", "  \\::add-mask::x\n"},
		{"\t\u00a0\u2003::error::x", "\t\u00a0\u2003\\::error::x\n"},
		{"a\r::error::x", "a\n\\::error::x\n"},
		{"a\r\n::group::g\n", "a\n\\::group::g\n"},
		{"x ##[error]y ###[z]", "x ##\\[error]y ###\\[z]\n"},
		{"##[stop-commands]tok", "##\\[stop-commands]tok\n"},
		{"a::b %0A::c", "a::b %0A::c\n"},
		{"nul\x00 esc\x1b[31m", "nul esc[31m\n"},
		{"::", "\\::\n"},
		{": :", ": :\n"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			g, stdout, _ := newTestGitHub(t, nil)
			g.Logf("%s", tt.in)
			assert.Equal(t, tt.want, stdout.String())
		})
	}
}

func TestGitHubAnnotations(t *testing.T) {
	t.Parallel()
	g, stdout, _ := newTestGitHub(t, nil)
	g.Notice("Run: a,b", "line1\nline2 100% %0A")
	g.Warning("", "::set-output name=x::y")
	g.Error("t\r\nitle", "bad\r\nnews")
	want := "::notice title=Run%3A a%2Cb::line1%0Aline2 100%25 %250A\n" +
		"::warning::::set-output name=x::y\n" +
		"::error title=t itle::bad%0Anews\n"
	assert.Equal(t, want, stdout.String())
}

func TestGitHubGroupsAndDebug(t *testing.T) {
	t.Parallel()
	g, stdout, _ := newTestGitHub(t, nil)
	end := g.Group("Waiting: run\n::x")
	inner := g.Group("nested")
	g.Debugf("poll %d", 1)
	inner()
	end()
	end()
	g.Group("again")()
	assert.Equal(t, "::group::Waiting: run ::x\nnested\n::debug::poll 1\n::endgroup::\n::group::again\n::endgroup::\n", stdout.String())

	d, out, _ := newTestGitHub(t, nil)
	d.o.Debug = true
	d.Debugf("::x %s", "y")
	assert.Equal(t, "[debug] ::x y\n", out.String())
}

func TestGitHubCommandLogFuzzSeeds(t *testing.T) {
	t.Parallel()
	g, stdout, _ := newTestGitHub(t, nil)
	g.Logf("%s", hostile)
	for _, l := range runnerLines(stdout.String()) {
		assert.False(t, isWorkflowCommand(l), "line %q would be a workflow command", l)
	}
}

func FuzzGitHubLog(f *testing.F) {
	for _, s := range []string{hostile, "::x", "\u3000::x", "##[x]", "a\rb", "\x85::x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var out bytes.Buffer
		g := newGitHub(Options{Getenv: env(nil), Stdout: &out, Stderr: &out})
		g.Logf("%s", s)
		g.Group(s)()
		for _, l := range runnerLines(out.String()) {
			if isWorkflowCommand(l) && l != "::endgroup::" && !strings.HasPrefix(l, "::group::") {
				t.Fatalf("line %q would be a workflow command", l)
			}
		}
	})
}

func TestGitHubMetadata(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const headSHA = "0123456789abcdef0123456789abcdef01234567"
	payload := func(name, js string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(js), 0o644))
		return p
	}
	event := payload("event.json", `{"pull_request":{"number":42,"head":{"sha":"`+headSHA+`"}}}`)
	badSHA := payload("badsha.json", `{"pull_request":{"number":42,"head":{"sha":"headsha"}}}`)
	onPR := payload("comment_pr.json", `{"issue":{"number":9,"pull_request":{"url":"https://api.github.com/repos/o/r/pulls/9"}}}`)
	onIssue := payload("comment_issue.json", `{"issue":{"number":9}}`)
	base := map[string]string{
		"GITHUB_REPOSITORY":  "o/r",
		"GITHUB_RUN_ID":      "99",
		"GITHUB_RUN_ATTEMPT": "2",
		"GITHUB_SHA":         "mergesha",
		"GITHUB_REF":         "refs/pull/42/merge",
		"GITHUB_WORKFLOW":    strings.Repeat("w", 300),
		"GITHUB_JOB":         "review",
		"GITHUB_SERVER_URL":  "https://github.com",
	}
	// The pull request is prfacts's, as for the PR comment (an
	// issue_comment on a pull request concerns it too).
	tests := []struct {
		name      string
		eventName string
		event     string
		ref       string
		want      map[string]string
	}{
		{"pull request event", "pull_request", event, "refs/pull/42/merge", map[string]string{"github_sha": headSHA, "github_pr": "42"}},
		{"head sha of another shape", "pull_request", badSHA, "refs/pull/42/merge", map[string]string{"github_sha": "mergesha", "github_pr": "42"}},
		{"missing event file", "pull_request", filepath.Join(dir, "nope.json"), "refs/pull/7/merge", map[string]string{"github_sha": "mergesha", "github_pr": "7"}},
		{"comment on a pull request", "issue_comment", onPR, "refs/heads/main", map[string]string{"github_sha": "mergesha", "github_pr": "9"}},
		{"comment on an issue", "issue_comment", onIssue, "refs/heads/main", map[string]string{"github_sha": "mergesha"}},
		{"push", "push", "", "refs/heads/main", map[string]string{"github_sha": "mergesha"}},
		{"push with a payload", "push", event, "refs/heads/main", map[string]string{"github_sha": "mergesha"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"GITHUB_EVENT_NAME": tt.eventName, "GITHUB_EVENT_PATH": tt.event}
			for k, v := range base {
				vars[k] = v
			}
			vars["GITHUB_REF"] = tt.ref
			g := newGitHub(Options{Getenv: env(vars)})
			want := map[string]string{
				"github_repository":  "o/r",
				"github_run_id":      "99",
				"github_run_attempt": "2",
				"github_ref":         tt.ref,
				"github_workflow":    strings.Repeat("w", maxMetadataValue),
				"github_job":         "review",
				"github_run_url":     "https://github.com/o/r/actions/runs/99",
			}
			for k, v := range tt.want {
				want[k] = v
			}
			got := g.Metadata()
			assert.Equal(t, want, got)
			assert.LessOrEqual(t, len(got), maxMetadataKeys)
		})
	}
	assert.Empty(t, newGitHub(Options{Getenv: env(nil)}).Metadata())
}
