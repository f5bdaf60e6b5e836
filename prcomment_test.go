package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/redact"
)

// The PR/MR comment, end to end: the program as a process in a GitHub step
// on a pull_request event (or a GitLab merge request pipeline), against the
// fake Oz API and a fake forge driven by the real clients.

// forgeToken is the token the fake forges accept.
const forgeToken = forgefake.DefaultToken

// The hidden marker of the comment of the steps below (the default key:
// workflow/job/step on GitHub, the job on GitLab).
const (
	githubMarker = `<!-- oz-run comment key="CI/review/oz" -->`
	gitlabMarker = `<!-- oz-run comment key="gitlab/oz%20review" -->`
)

// newForge serves a fake GitHub (or GitLab) for the test's lifetime.
func newForge(t *testing.T, gitlab bool) *forgefake.Forge {
	t.Helper()
	var f *forgefake.Forge
	if gitlab {
		f = forgefake.NewGitLab()
	} else {
		f = forgefake.NewGitHub("")
	}
	t.Cleanup(f.Close)
	return f
}

// onPullRequest makes s a step of a pull_request workflow run with
// comment: true and the workflow's token, against the fake GitHub f.
func onPullRequest(s *step, f *forgefake.Forge) *step {
	s.t.Helper()
	event := filepath.Join(s.t.TempDir(), "event.json")
	require.NoError(s.t, os.WriteFile(event, []byte(`{"action":"synchronize","number":7,"pull_request":{"number":7}}`), 0o644))
	for k, v := range map[string]string{
		"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": event, "GITHUB_API_URL": f.APIURL(),
		"GITHUB_WORKFLOW": "CI", "GITHUB_JOB": "review", "GITHUB_ACTION": "oz",
		"INPUT_COMMENT": "true", "INPUT_GITHUB_TOKEN": forgeToken,
	} {
		s.env[k] = v
	}
	return s
}

// onMergeRequest makes s a job of a merge request pipeline with comment:
// true and GITLAB_TOKEN, against the fake GitLab f.
func onMergeRequest(s *step, f *forgefake.Forge) *step {
	for k, v := range map[string]string{
		"CI_PROJECT_ID": "3", "CI_API_V4_URL": f.APIURL(), "CI_JOB_NAME": "oz review",
		"CI_MERGE_REQUEST_PROJECT_URL": "https://gitlab.example/group/project",
		"INPUT_COMMENT":                "true", "GITLAB_TOKEN": forgeToken,
	} {
		s.env[k] = v
	}
	return s
}

// assertNoToken checks that the forge token is in no stream (but its mask
// command), no file of the workspace, and no comment; nor is the key.
func (s *step) assertNoToken(f *forgefake.Forge) {
	s.t.Helper()
	s.assertNoSecret(forgeToken)
	s.assertNoKey()
	for _, c := range f.Comments() {
		assert.NotContains(s.t, c.Body, forgeToken, "the token in comment %d", c.ID)
		assert.NotContains(s.t, c.Body, testKey, "the key in comment %d", c.ID)
	}
}

// marked lists the comments that carry marker.
func marked(f *forgefake.Forge, marker string) []forgefake.Comment {
	var out []forgefake.Comment
	for _, c := range f.Comments() {
		if strings.HasPrefix(c.Body, marker+"\n") {
			out = append(out, c)
		}
	}
	return out
}

func TestProcessCommentOnGitHub(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	f := newForge(t, false)
	f.Add("reviewer", 5, false, "Looks good, but see the test.")

	first := onPullRequest(githubStep(t, base, map[string]string{"debug": "true"}), f).run()
	require.Equal(t, 0, first.code)
	ours := marked(f, githubMarker)
	require.Len(t, ours, 1, "exactly one comment carries the marker")
	c := ours[0]
	assert.Contains(t, c.Body, "succeeded")
	assert.Contains(t, c.Body, "fake-run-000001")
	assert.Contains(t, c.Body, "Open the session")
	out := first.outputs()
	assert.Equal(t, "https://github.com/acme/app/pull/7#issuecomment-"+strconv.FormatInt(c.ID, 10), out["comment_url"])
	assert.Equal(t, "succeeded", out["conclusion"])
	assert.True(t, strings.HasPrefix(first.stdout, "::add-mask::"+testKey+"\n::add-mask::"+forgeToken+"\n"), "the key and the token are masked before anything else")
	assert.NotContains(t, first.stdout, "::warning", "no warning")
	assert.Contains(t, first.stdout, "comment: GitHub create: done", "debug logs each call to the forge (never the token)")
	firstCalls := f.Calls()
	assert.Equal(t, []string{forgefake.OpList, forgefake.OpCreate}, firstCalls[:2], "a first run lists, then creates")
	t.Logf("a first run made %d calls to GitHub: %v", len(firstCalls), firstCalls)
	first.assertNoToken(f)

	// A re-run (or a new push) edits the same comment.
	second := onPullRequest(githubStep(t, base, map[string]string{"prompt": "[fake:fail] again"}), f)
	second.env["GITHUB_RUN_ID"] = "43"
	second.run()
	require.Equal(t, 1, second.code, "the run's outcome, whatever the comment")
	ours = marked(f, githubMarker)
	require.Len(t, ours, 1, "still one comment")
	assert.Equal(t, c.ID, ours[0].ID, "the same comment, edited")
	assert.Contains(t, ours[0].Body, "failed")
	assert.Contains(t, ours[0].Body, fake.Runs()[1].RunID)
	assert.NotContains(t, ours[0].Body, "fake-run-000001")
	assert.Equal(t, out["comment_url"], second.outputs()["comment_url"])
	rerun := f.Calls()[len(firstCalls):]
	assert.Equal(t, []string{forgefake.OpList, forgefake.OpGraphQL, forgefake.OpEdit}, rerun[:3], "a re-run lists, asks who it is, edits")
	assert.NotContains(t, rerun, forgefake.OpCreate)
	t.Logf("a re-run made %d calls to GitHub: %v", len(rerun), rerun)
	second.assertNoToken(f)
	assert.Len(t, f.Comments(), 2, "the reviewer's comment is left alone")
}

func TestProcessCommentOnGitLab(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	f := newForge(t, true)
	s := onMergeRequest(gitlabStep(t, base, "fix it"), f).run()
	require.Equal(t, 0, s.code)
	ours := marked(f, gitlabMarker)
	require.Len(t, ours, 1)
	assert.Contains(t, ours[0].Body, "succeeded")
	vars, err := ci.ParseDotenv([]byte(s.file("oz-run.env")))
	require.NoError(t, err)
	assert.Equal(t, "https://gitlab.example/group/project/-/merge_requests/5#note_"+strconv.FormatInt(ours[0].ID, 10), vars["OZ_COMMENT_URL"])
	t.Logf("GitLab calls: %v", f.Calls())
	s.assertNoToken(f)

	again := onMergeRequest(gitlabStep(t, base, "fix it again"), f).run()
	require.Equal(t, 0, again.code)
	ours2 := marked(f, gitlabMarker)
	require.Len(t, ours2, 1)
	assert.Equal(t, ours[0].ID, ours2[0].ID, "a new pipeline edits the same note")
}

// comment: false (the default) behaves as before: no forge is called, and
// nothing is said about a comment, even on a pull request with a token.
func TestProcessCommentOff(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	f := newForge(t, false)
	s := onPullRequest(githubStep(t, base, nil), f)
	delete(s.env, "INPUT_COMMENT")
	s.env["GITHUB_TOKEN"] = "not a token, never read"
	s.run()
	require.Equal(t, 0, s.code)
	assert.Empty(t, f.Calls(), "no forge call")
	assert.NotContains(t, s.stdout+s.stderr, "comment")
	assert.NotContains(t, s.stdout, "::add-mask::"+forgeToken, "an unused token is not even masked")
	assert.Empty(t, s.outputs()["comment_url"])
}

// Without a PR/MR (a push) or without a token, comment: true says so once
// and changes nothing else.
func TestProcessCommentCannotBeWritten(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(s *step)
		says string
	}{
		{"push", func(s *step) { s.env["GITHUB_EVENT_NAME"] = "push" }, `::notice title=PR comment::comment: true, but no pull request or merge request to comment on: the "push" event concerns no pull request`},
		{"no token", func(s *step) { delete(s.env, "INPUT_GITHUB_TOKEN") }, "::warning title=PR comment::No comment is written on the pull request or merge request: no token to write the comment with"},
		{"plain http API", func(s *step) { s.env["GITHUB_API_URL"] = "http://github.example/api/v3" }, "plain http: the token is sent only over https"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, base := newFake(t)
			f := newForge(t, false)
			s := onPullRequest(githubStep(t, base, nil), f)
			tc.edit(s)
			s.run()
			assert.Equal(t, 0, s.code)
			assert.Equal(t, "succeeded", s.outputs()["conclusion"])
			assert.Contains(t, s.stdout, tc.says)
			assert.Equal(t, 1, strings.Count(s.stdout, "title=PR comment::"), "one notice or warning")
			assert.Empty(t, f.Calls())
			assert.Empty(t, s.outputs()["comment_url"])
			s.assertNoToken(f)
		})
	}
}

// On SIGINT the final edit says the run was aborted and cancelled (so it
// was made after the cancel), and the cancel came after the signal, before
// the exit. (How soon, against GitHub's 7.5 s before SIGTERM, is bench's
// figure: a bound here would fail on a busy machine.)
func TestProcessCommentOnAbort(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	f := newForge(t, false)
	s := onPullRequest(githubStep(t, base, map[string]string{"prompt": "[fake:slow] x"}), f)
	cmd := s.command()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool {
		runs := fake.Runs()
		return len(marked(f, githubMarker)) == 1 && len(runs) == 1 && runs[0].State == oz.StateInProgress && fake.Count(routeGet) > 1
	}, hangLimit, 10*time.Millisecond, "the comment is made once the run id is known")
	signalled := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err := cmd.Wait()
	exited := time.Now()
	s.finish(cmd, err, &out, &errb, start)
	assert.Equal(t, 5, s.code)
	checkFilesWhole(t, s)
	var cancelled time.Time
	for _, r := range fake.Requests() {
		if r.Route == routeCancel {
			cancelled = r.At
		}
	}
	require.False(t, cancelled.IsZero(), "the run was cancelled")
	assert.True(t, cancelled.After(signalled) && cancelled.Before(exited), "the cancel came after the signal, before the exit")
	ours := marked(f, githubMarker)
	require.Len(t, ours, 1)
	assert.Contains(t, ours[0].Body, "was aborted")
	assert.Contains(t, ours[0].Body, "cancelled the remote run")
	assert.NotEmpty(t, s.outputs()["comment_url"])
	s.assertNoToken(f)
}

// The comment's forge faults, as rows of the fault matrix: each is one
// warning at most, and never changes the exit code.
func forgeFaultCases() []faultCase {
	row := func(name string, set func(*forgefake.Forge), says ...string) faultCase {
		return faultCase{name: "comment/" + name, forge: set, code: 0, conclusion: "succeeded", created: 1, creates: 1,
			says: says, check: oneCommentWarning}
	}
	always := func(op string, flt forgefake.Fault) func(*forgefake.Forge) {
		return func(f *forgefake.Forge) { f.FailAlways(op, flt) }
	}
	cases := []faultCase{
		row("401", always(forgefake.OpAny, forgefake.Fault{Status: 401, Body: `{"message":"Bad credentials"}`}), "the token was not accepted"),
		row("403 on a fork", always(forgefake.OpCreate, forgefake.Fault{Status: 403, Body: `{"message":"Resource not accessible by integration"}`}), "on a pull request from a fork"),
		row("404", always(forgefake.OpList, forgefake.Fault{Status: 404, Body: `{"message":"Not Found"}`}), "does not exist or the token cannot see it"),
		row("422", always(forgefake.OpCreate, forgefake.Fault{Status: 422, Body: `{"message":"Validation Failed"}`}), "rejected the comment (422)"),
		row("429 Retry-After", func(f *forgefake.Forge) {
			f.Fail(forgefake.OpCreate, forgefake.Fault{Status: 429, Header: map[string]string{"Retry-After": "2"}})
		}, "rate-limited"),
		row("500", always(forgefake.OpAny, forgefake.Fault{Status: 500}), "it is tried again with the next update"),
		row("connection reset", always(forgefake.OpAny, forgefake.Fault{Reset: true})),
		row("hang", always(forgefake.OpAny, forgefake.Fault{Hang: true}), "no answer within the time allowed"),
	}
	// A rate limit waited out: the final edit still holds the outcome.
	cases[4].check = func(t *testing.T, p *proc) {
		oneCommentWarning(t, p)
		ours := marked(p.forge, githubMarker)
		require.Len(t, ours, 1)
		assert.Contains(t, ours[0].Body, "succeeded")
		assert.Equal(t, p.forge.Calls(), []string{forgefake.OpList, forgefake.OpCreate, forgefake.OpCreate})
	}
	// A hanging forge and SIGINT: the in-flight call is dropped, the final
	// edit is given up, and the outputs are written whole (how soon, against
	// GitHub's SIGTERM 7.5 s after SIGINT, is bench's figure).
	abort := row("hang, then SIGINT", always(forgefake.OpAny, forgefake.Fault{Hang: true}))
	abort.inputs = map[string]string{"prompt": "[fake:slow] fix the build"}
	abort.during = signalAt(routeGet, 2, 20*time.Millisecond, syscall.SIGINT)
	abort.code, abort.conclusion, abort.state = 5, "cancelled", "CANCELLED"
	abort.check = func(t *testing.T, p *proc) {
		oneCommentWarning(t, p)
		assert.Positive(t, p.requests(routeCancel), "the run is cancelled first")
	}
	return append(cases, abort)
}

// oneCommentWarning checks that the comment's trouble was told in exactly
// one warning, that no comment holds a secret, and that comment_url is
// published only for a comment that exists.
func oneCommentWarning(t *testing.T, p *proc) {
	t.Helper()
	assert.Equal(t, 1, strings.Count(p.s.stdout, "::warning title=PR comment::"), "one warning about the comment")
	p.s.assertNoToken(p.forge)
	if url := p.s.outputs()["comment_url"]; url != "" {
		require.Len(t, marked(p.forge, githubMarker), 1, "comment_url %s names no comment", url)
	}
}

// redact.Copy hides the key and the tokens from the run before the
// summary and the comment escape it.
func TestRedactedHidesEverySecret(t *testing.T) {
	t.Parallel()
	echo := "title " + testKey + " and " + forgeToken
	res := outcome.Result{RunID: "r", Run: &oz.Run{RunID: "r", Title: echo, SessionLink: "https://x.example/?t=" + forgeToken}}
	got := redact.Copy(redact.New(forgeToken, testKey), res)
	assert.Equal(t, "title *** and ***", got.Run.Title)
	assert.Equal(t, "https://x.example/?t=***", got.Run.SessionLink)
	assert.Equal(t, echo, res.Run.Title, "the result itself is left as it was")
}

// The comment's page (docs/comment.md) shows the comment as the golden
// file has it.
func TestReadmeShowsTheCommentGolden(t *testing.T) {
	t.Parallel()
	golden, err := os.ReadFile(filepath.Join("internal", "summary", "testdata", "comment_succeeded.golden"))
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join("docs", "comment.md"))
	require.NoError(t, err)
	var quoted []string
	for _, l := range strings.Split(strings.TrimRight(string(golden), "\n"), "\n") {
		quoted = append(quoted, strings.TrimRight("> "+l, " "))
	}
	assert.Contains(t, string(readme), strings.Join(quoted, "\n"), "paste the golden into docs/comment.md, each line quoted with > ")
}
