package ozfake

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// client is an oz client of the fake, downloads included.
func (f *fake) client() *oz.Client {
	f.t.Helper()
	c, err := oz.NewClient(f.url, oz.WithAPIKey(DefaultAPIKey), oz.WithHTTPClient(f.hs.Client()),
		oz.WithRetry(oz.RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, MaxAttempts: 2}))
	require.NoError(f.t, err)
	return c
}

// ended advances the clock past the default run's end.
func (f *fake) ended() { f.clock.Advance(5 * time.Second) }

func TestConversationLifecycle(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	id := f.create("Fix the flaky test")

	_, err := c.GetConversation(t.Context(), id)
	assert.ErrorIs(t, err, oz.ErrNoConversation, "none before the agent works")

	f.clock.Advance(2 * time.Second) // INPROGRESS
	conv, err := c.GetConversation(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, "fake-conversation-000001", conv.ConversationID)
	assert.Equal(t, conv.ConversationID, f.get(id).ConversationID)
	require.Len(t, conv.Steps, 1)
	st := conv.Steps[0]
	assert.Equal(t, oz.RoleUser, st.Messages[0].Role)
	assert.Equal(t, "Fix the flaky test", st.Messages[0].Content[0].Text)
	assert.Equal(t, oz.BlockAction, st.Messages[1].Content[1].Type)
	assert.Equal(t, oz.BlockActionResult, st.Messages[2].Content[0].Type)
	require.Len(t, st.Steps, 1, "a sub-agent's step")
	answer, _ := conv.Answer()
	assert.Equal(t, "I'll start by running the tests to see what fails.", answer, "still working: no final answer")

	f.ended()
	conv, err = c.GetConversation(t.Context(), id)
	require.NoError(t, err)
	answer, ok := conv.Answer()
	require.True(t, ok)
	assert.Contains(t, answer, "Run "+id+" succeeded")
	assert.Contains(t, answer, "https://github.com/example/fake-repo/pull/1")
	assert.NotContains(t, answer, "Sub-agent")
	assert.NotEmpty(t, conv.Steps[0].CompletedAt)
}

func TestConversationScenarios(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prompt string
		check  func(t *testing.T, answer string, err error)
	}{
		{"[fake:noconversation] x", func(t *testing.T, _ string, err error) { assert.ErrorIs(t, err, oz.ErrNoConversation) }},
		{"[fake:fail] x", func(t *testing.T, _ string, err error) {
			assert.ErrorIs(t, err, oz.ErrNoConversation, "it never started")
		}},
		{"[fake:nocredits] x", func(t *testing.T, _ string, err error) { assert.ErrorIs(t, err, oz.ErrNoConversation) }},
		{"[fake:error] x", func(t *testing.T, a string, err error) {
			require.NoError(t, err)
			assert.Contains(t, a, "could not finish")
		}},
		{"[fake:block] x", func(t *testing.T, a string, err error) {
			require.NoError(t, err)
			assert.Contains(t, a, "waiting for approval")
		}},
		{"[fake:cancel] x", func(t *testing.T, a string, err error) {
			require.NoError(t, err)
			assert.Equal(t, "I'll start by running the tests to see what fails.", a, "cut off: its last words")
		}},
		{"[fake:longanswer] x", func(t *testing.T, a string, err error) {
			require.NoError(t, err)
			assert.LessOrEqual(t, len(a), oz.MaxAnswer)
			assert.Contains(t, a, "cut the answer")
			assert.Contains(t, a, "naïve café")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.prompt, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			id := f.create(tc.prompt)
			f.clock.Advance(10 * time.Second)
			conv, err := f.client().GetConversation(t.Context(), id)
			var answer string
			if err == nil {
				answer, _ = conv.Answer()
			}
			tc.check(t, answer, err)
		})
	}
	t.Run("long answer is long", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		id := f.create("[fake:longanswer] x")
		f.clock.Advance(10 * time.Second)
		r := f.do("GET", "/agent/runs/"+id+"/conversation", "")
		assert.Greater(t, len(r.body), 80<<10)
	})
	t.Run("unknown run", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		problemOf(t, f.do("GET", "/agent/runs/nope/conversation", ""), 404, codeNotFound)
		problemOf(t, f.do("GET", "/agent/runs/nope/conversation", "", "Authorization:"), 401, codeAuthenticationNeeded)
	})
}

// files ends a [fake:files] run and returns it with its FILE artifacts.
func filesRun(t *testing.T, f *fake, prompt string) (string, []oz.FileArtifact) {
	t.Helper()
	id := f.create(prompt)
	run := f.get(id)
	require.Empty(t, run.FileArtifacts(), "no files while the run works")
	f.ended()
	run = f.get(id)
	return id, run.FileArtifacts()
}

func TestFiles(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	id, files := filesRun(t, f, "[fake:files] write a report")
	require.Len(t, files, 2)
	assert.Equal(t, "reports/oz-report.md", files[0].Filepath)
	assert.Equal(t, "oz-report.md", files[0].Filename)
	assert.Equal(t, "text/markdown", files[0].MimeType)
	assert.Equal(t, "changes.patch", files[1].Filepath)
	require.NotNil(t, files[0].SizeBytes)
	run := f.get(id)
	assert.Len(t, run.PullRequestURLs(), 1, "the pull request is still there")

	a, err := c.GetArtifact(t.Context(), files[0].UID)
	require.NoError(t, err)
	assert.Equal(t, files[0].UID, a.UID)
	assert.Equal(t, oz.ArtifactFile, a.Type)
	assert.Equal(t, t0.Add(5*time.Second+DefaultURLExpiry), oz.Time(a.Data.ExpiresAt))
	dl, err := url.Parse(a.Data.DownloadURL)
	require.NoError(t, err)
	assert.Equal(t, strings.TrimPrefix(f.files.URL, "http://"), dl.Host, "on the file server")
	assert.NotEqual(t, strings.TrimPrefix(f.hs.URL, "http://"), dl.Host, "another origin than the API")

	var buf bytes.Buffer
	n, err := c.Download(t.Context(), a.Data.DownloadURL, &buf, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, *files[0].SizeBytes, n)
	assert.Contains(t, buf.String(), "# Oz report for "+id)
	assert.Contains(t, buf.String(), "VERDICT: PASS")

	reqs := f.srv.Requests()
	last := reqs[len(reqs)-1]
	assert.Equal(t, routeFile, last.Route)
	assert.Empty(t, last.Header.Get("Authorization"), "the key never reaches the file server")
	for _, q := range reqs {
		if q.Route == routeFile {
			assert.NotContains(t, strings.Join(q.Header.Values("Authorization"), ""), DefaultAPIKey)
		}
	}
}

func TestFileServerRefusals(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	_, files := filesRun(t, f, "[fake:files] x")
	a, err := c.GetArtifact(t.Context(), files[1].UID)
	require.NoError(t, err)
	get := func(u string, headers ...string) (int, string) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", u, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	status, body := get(a.Data.DownloadURL, "Authorization", "Bearer "+DefaultAPIKey)
	assert.Equal(t, 400, status, "a key as well as the signature")
	assert.Contains(t, body, "InvalidArgument")
	status, _ = get(strings.Replace(a.Data.DownloadURL, "signature=", "signature=0", 1))
	assert.Equal(t, 403, status, "a bad signature")
	status, _ = get(f.files.URL + "/files/" + files[1].UID + "/x")
	assert.Equal(t, 403, status, "no signature")
	status, body = get(a.Data.DownloadURL)
	assert.Equal(t, 200, status)
	assert.Contains(t, body, "+++ b/pkg/clock/clock_test.go")

	// Expired: 403, and a fresh URL works again.
	f.clock.Advance(DefaultURLExpiry)
	_, err = c.Download(t.Context(), a.Data.DownloadURL, io.Discard, 1<<20)
	assert.ErrorIs(t, err, oz.ErrDownloadExpired)
	fresh, err := c.GetArtifact(t.Context(), files[1].UID)
	require.NoError(t, err)
	assert.NotEqual(t, a.Data.DownloadURL, fresh.Data.DownloadURL)
	_, err = c.Download(t.Context(), fresh.Data.DownloadURL, io.Discard, 1<<20)
	assert.NoError(t, err)

	// HEAD, other methods, unknown files.
	res, err := http.Head(fresh.Data.DownloadURL)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)
	assert.Equal(t, "text/x-diff", res.Header.Get("Content-Type"))
	res, err = http.Post(fresh.Data.DownloadURL, "text/plain", nil)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 405, res.StatusCode)
	problemOf(t, f.do("GET", "/agent/artifacts/fake-artifact-999999", ""), 404, codeNotFound)
	problemOf(t, f.do("GET", "/agent/artifacts/"+files[1].UID, "", "Authorization:"), 401, codeAuthenticationNeeded)
}

func TestFilesNotShownBeforeTheEnd(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("[fake:files] x")
	f.clock.Advance(2 * time.Second)
	// The uid is known from the start, but not served before the run shows it.
	problemOf(t, f.do("GET", "/agent/artifacts/fake-artifact-000001", ""), 404, codeNotFound)
	uid, err := f.srv.AddFile(id, File{Filepath: "early.txt", Content: []byte("now")})
	require.NoError(t, err)
	assert.Equal(t, "fake-artifact-000003", uid)
	run := f.get(id)
	assert.Len(t, run.FileArtifacts(), 1, "AddFile shows at once")
	_, err = f.srv.AddFile("nope", File{})
	assert.Error(t, err)
	// A run that never worked shows no files.
	failed := f.create("[fake:fail][fake:files] x")
	f.clock.Advance(time.Minute)
	failedRun := f.get(failed)
	assert.Empty(t, failedRun.FileArtifacts())
}

func TestHostileAndBigFiles(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	_, files := filesRun(t, f, "[fake:hostilefiles][fake:bigfile] x")
	var paths []string
	uids := map[string]bool{}
	for _, fa := range files {
		paths = append(paths, fa.Filepath)
		uids[fa.UID] = true
	}
	for _, want := range []string{"../escape.txt", "/tmp/oz-absolute.txt", "sub/../../up.txt", "nul\x00byte.txt",
		strings.Repeat("n", 300) + ".txt", "dup.txt", `..\windows.txt`, "ctl\x1b[31m\n.txt", "", "big.bin"} {
		assert.Contains(t, paths, want)
	}
	assert.Len(t, uids, len(files), "duplicates have their own uids")
	for _, fa := range files {
		a, err := c.GetArtifact(t.Context(), fa.UID)
		require.NoError(t, err, "%q", fa.Filepath)
		_, err = url.Parse(a.Data.DownloadURL)
		require.NoError(t, err, "the URL is well formed whatever the name")
		if fa.Filepath != "big.bin" {
			_, err = c.Download(t.Context(), a.Data.DownloadURL, io.Discard, 1<<20)
			assert.NoError(t, err, "%q", fa.Filepath)
			continue
		}
		assert.Equal(t, int64(100<<20), *fa.SizeBytes)
		// Refused by its Content-Length before the body is read.
		n, err := c.Download(t.Context(), a.Data.DownloadURL, io.Discard, 100<<20-1)
		assert.ErrorIs(t, err, oz.ErrDownloadTooLarge)
		assert.Zero(t, n)
	}
}

func TestFilesWithoutAFileServer(t *testing.T) {
	t.Parallel()
	// A plain handler: the file paths are served by the API's handler.
	s := New(WithTimeScale(0))
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	c, err := oz.NewClient(hs.URL+BasePath, oz.WithAPIKey(DefaultAPIKey))
	require.NoError(t, err)
	out, err := c.CreateRun(t.Context(), oz.CreateRunRequest{Prompt: "[fake:files] x"})
	require.NoError(t, err)
	run, err := c.GetRun(t.Context(), out.RunID)
	require.NoError(t, err)
	require.Len(t, run.FileArtifacts(), 2)
	a, err := c.GetArtifact(t.Context(), run.FileArtifacts()[0].UID)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(a.Data.DownloadURL, hs.URL+FilesPath), a.Data.DownloadURL)
	var buf bytes.Buffer
	_, err = c.Download(t.Context(), a.Data.DownloadURL, &buf, 1<<20)
	require.NoError(t, err)
	assert.Contains(t, buf.String(), out.RunID)
}

func TestFollowupToWorkingRun(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	id := f.create("x")
	out, err := c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: "before it starts"})
	require.NoError(t, err)
	assert.Equal(t, oz.OutcomeQueuedPrompt, out.Outcome)
	f.clock.Advance(2 * time.Second)
	out, err = c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: "also update the docs", Mode: "plan"})
	require.NoError(t, err)
	assert.Equal(t, oz.OutcomeLiveSession, out.Outcome)
	assert.Equal(t, "fake-followup-000002", out.FollowupID)
	assert.Equal(t, oz.StateInProgress, f.get(id).State, "a live follow-up does not restart the run")

	conv, err := c.GetConversation(t.Context(), id)
	require.NoError(t, err)
	var texts []string
	for _, m := range conv.Steps[0].Messages {
		for _, b := range m.Content {
			texts = append(texts, b.Text)
		}
	}
	assert.Contains(t, texts, "before it starts")
	assert.Contains(t, texts, "also update the docs")
	fus := f.srv.Followups(id)
	require.Len(t, fus, 2)
	assert.Equal(t, Followup{ID: "fake-followup-000002", RunID: id, Message: "also update the docs", Mode: "plan",
		Outcome: oz.OutcomeLiveSession, At: t0.Add(2 * time.Second)}, fus[1])
	assert.Nil(t, f.srv.Followups("nope"))
}

// TestFollowupRestartsEndedRun: the run keeps its old terminal state for
// the pickup window, then works again and ends per the message's tags.
func TestFollowupRestartsEndedRun(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithFollowupPickup(2*time.Second))
	c := f.client()
	id := f.create("[fake:block] deploy")
	f.clock.Advance(10 * time.Second)
	before := f.get(id)
	require.Equal(t, oz.StateBlocked, before.State)

	out, err := c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: "approved, go on"})
	require.NoError(t, err)
	assert.Equal(t, oz.OutcomeHandoffExecution, out.Outcome)
	accepted := f.clock.Now()

	// The stale window: the old state, the old updated_at.
	f.clock.Advance(time.Second)
	stale := f.get(id)
	assert.Equal(t, oz.StateBlocked, stale.State)
	assert.Equal(t, before.UpdatedAt, stale.UpdatedAt)
	queued, err := c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: "and tag a release"})
	require.NoError(t, err)
	assert.Equal(t, oz.OutcomeQueuePending, queued.Outcome)
	var ae *oz.APIError
	require.ErrorAs(t, c.CancelRun(t.Context(), id), &ae)
	assert.Equal(t, 400, ae.StatusCode, "cancel of a run that shows an ended state")

	// Picked up: working again, updated_at after the acceptance.
	f.clock.Advance(time.Second)
	picked := f.get(id)
	assert.Equal(t, oz.StateQueued, picked.State)
	assert.True(t, oz.Time(picked.UpdatedAt).After(accepted), "updated_at %s moved past %s", picked.UpdatedAt, accepted)
	assert.Empty(t, picked.StatusMessage)

	f.clock.Advance(10 * time.Second)
	done := f.get(id)
	assert.Equal(t, oz.StateSucceeded, done.State)
	assert.Len(t, done.PullRequestURLs(), 1)
	conv, err := c.GetConversation(t.Context(), id)
	require.NoError(t, err)
	require.Len(t, conv.Steps, 2, "a root step per execution")
	assert.Equal(t, "approved, go on", conv.Steps[1].Messages[0].Content[0].Text)
	assert.Equal(t, "and tag a release", conv.Steps[1].Messages[1].Content[0].Text)
	answer, _ := conv.Answer()
	assert.Contains(t, answer, "handled the follow-up")
	assert.Contains(t, answer, "and tag a release")

	// Once more, told to fail.
	_, err = c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: "[fake:error] once more"})
	require.NoError(t, err)
	f.clock.Advance(time.Minute)
	assert.Equal(t, oz.StateError, f.get(id).State)
	fus := f.srv.Followups(id)
	require.Len(t, fus, 3)
	assert.Equal(t, accepted.Add(2*time.Second), fus[0].Picked)
}

func TestFollowupPickupScales(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithTimeScale(0.1))
	id := f.create("x")
	f.clock.Advance(time.Second)
	require.Equal(t, oz.StateSucceeded, f.get(id).State)
	r := f.do("POST", "/agent/runs/"+id+"/followups", `{"message":"again"}`)
	require.Equal(t, 200, r.status, string(r.body))
	f.clock.Advance(299 * time.Millisecond)
	assert.Equal(t, oz.StateSucceeded, f.get(id).State, "3s scaled by 0.1")
	f.clock.Advance(time.Millisecond)
	assert.Equal(t, oz.StateQueued, f.get(id).State)

	zero := newFake(t, WithTimeScale(0))
	id = zero.create("x")
	r = zero.do("POST", "/agent/runs/"+id+"/followups", `{"message":"again"}`)
	require.Equal(t, 200, r.status)
	zero.clock.Advance(time.Millisecond)
	assert.Equal(t, oz.StateSucceeded, zero.get(id).State, "a new execution that ends at once")
	assert.True(t, oz.Time(zero.get(id).UpdatedAt).After(t0), "updated_at still moves")
}

func TestFollowupRejects(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("x")
	path := "/agent/runs/" + id + "/followups"
	for _, tc := range []struct {
		body, want string
	}{
		{`{}`, "message is required"},
		{`{"message":"  "}`, "message is required"},
		{`{"message":7}`, "not valid"},
		{`{"message":"m","mode":"fast"}`, "not valid"},
		{`[]`, "JSON object"},
		{``, "Content-Type"}, // no body, no header
		{`{"message":"m"} x`, "goes on"},
		{`{"message":"[fake:nope] m"}`, "unknown fake scenario"},
	} {
		p := problemOf(t, f.do("POST", path, tc.body), 400, codeInvalidRequest)
		assert.Contains(t, p.Detail, tc.want, tc.body)
	}
	p := problemOf(t, f.do("POST", path, `{"message":"m"}`, "Content-Type: text/plain"), 400, codeInvalidRequest)
	assert.Contains(t, p.Detail, "Content-Type")
	problemOf(t, f.do("POST", "/agent/runs/nope/followups", `{"message":"m"}`), 404, codeNotFound)
	problemOf(t, f.do("POST", path, `{"message":"m"}`, "Authorization:"), 401, codeAuthenticationNeeded)
	assert.Equal(t, 405, f.do("GET", path, "").status)
	assert.Empty(t, f.srv.Followups(id))
}

// TestFaultsOnNewRoutes: every new route, the file server's included, can
// be made to fail; a follow-up that is served but answered with an error
// is what makes a client uncertain.
func TestFaultsOnNewRoutes(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.lax.Store(true) // faults answer off-spec bodies
	c := f.client()
	id, files := filesRun(t, f, "[fake:files] x")

	f.srv.Inject(ozfaketest.Fault{Path: "GET /agent/runs/{runId}/conversation", Nth: 1, Times: 2, Status: 502, Body: "<html>Bad Gateway</html>"})
	_, err := c.GetConversation(t.Context(), id)
	assert.ErrorContains(t, err, "HTTP 502")
	_, err = c.GetConversation(t.Context(), id)
	assert.NoError(t, err, "the third call passes")

	f.srv.Inject(ozfaketest.Fault{Path: "GET /agent/artifacts/{artifactUid}", Nth: 1, Status: 404})
	_, err = c.GetArtifact(t.Context(), files[0].UID)
	var apiErr *oz.APIError
	assert.True(t, errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound, "%v", err)
	a, err := c.GetArtifact(t.Context(), files[0].UID)
	require.NoError(t, err)

	f.srv.Inject(ozfaketest.Fault{Path: "GET /files/...", Nth: 1, Status: 403, Header: http.Header{"Content-Type": {"application/xml"}}, Body: "<Error>expired</Error>"})
	f.srv.Inject(ozfaketest.Fault{Path: "GET /files/{uid}", Nth: 2, CloseConn: true})
	f.srv.Inject(ozfaketest.Fault{Path: "GET /files/{uid}", Nth: 3, Hang: true})
	_, err = c.Download(t.Context(), a.Data.DownloadURL, io.Discard, 1<<20)
	assert.ErrorIs(t, err, oz.ErrDownloadExpired)
	_, err = c.Download(t.Context(), a.Data.DownloadURL, io.Discard, 1<<20)
	assert.Error(t, err, "reset")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = c.Download(ctx, a.Data.DownloadURL, io.Discard, 1<<20)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	_, err = c.Download(t.Context(), a.Data.DownloadURL, io.Discard, 1<<20)
	assert.NoError(t, err, "the fourth call passes")

	f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs/{id}/followups", Nth: 1, Status: 502, CreateThenFail: true})
	_, err = c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: "m"})
	assert.ErrorIs(t, err, oz.ErrUncertainFollowup)
	assert.Len(t, f.srv.Followups(id), 1, "it arrived, although the answer said otherwise")
	assert.Equal(t, 1, f.srv.Count(routeFollowup), "and it was sent once")
}

func TestServeStartsTheFileServer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	s, base, err := Serve(ctx, "127.0.0.1:0", WithTimeScale(0))
	require.NoError(t, err)
	defer func() {
		cancel()
		assert.NoError(t, s.Wait())
	}()
	api, _ := url.Parse(base)
	files, err := url.Parse(s.FilesURL())
	require.NoError(t, err)
	assert.Equal(t, api.Hostname(), files.Hostname())
	assert.NotEqual(t, api.Port(), files.Port(), "another origin")

	c, err := oz.NewClient(base, oz.WithAPIKey(DefaultAPIKey))
	require.NoError(t, err)
	out, err := c.CreateRun(ctx, oz.CreateRunRequest{Prompt: "[fake:files] x"})
	require.NoError(t, err)
	run, err := c.GetRun(ctx, out.RunID)
	require.NoError(t, err)
	a, err := c.GetArtifact(ctx, run.FileArtifacts()[0].UID)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(a.Data.DownloadURL, s.FilesURL()+FilesPath))
	var buf bytes.Buffer
	_, err = c.Download(ctx, a.Data.DownloadURL, &buf, 1<<20)
	require.NoError(t, err)
	assert.Contains(t, buf.String(), out.RunID)
	// The API's listener does not serve files once the file server has its own.
	res, err := http.Get(strings.TrimSuffix(base, BasePath) + FilesPath + "x")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 404, res.StatusCode)
}

func TestCreateWithConversationAndConfigExtras(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := f.do("POST", "/agent/runs", `{"conversation_id":"conv-9","config":{"idle_timeout_minutes":15,"session_sharing":{"public_access":"EDITOR"}}}`)
	require.Equal(t, 200, r.status, string(r.body))
	id := f.srv.Runs()[0].RunID
	it := f.do("GET", "/agent/runs/"+id, "")
	assert.Contains(t, string(it.body), `"conversation_id":"conv-9"`)
	assert.Contains(t, string(it.body), `"idle_timeout_minutes":15`)
	assert.Contains(t, string(it.body), `"public_access":"EDITOR"`)
	run := f.get(id)
	assert.Equal(t, "Continue conv-9", run.Title)
	f.ended()
	conv, err := f.client().GetConversation(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, "conv-9", conv.ConversationID)
	assert.Contains(t, conv.Steps[0].Messages[0].Content[0].Text, "continuing conversation conv-9")
	ended := f.get(id)
	usd, ok := ended.RequestUsage.CostUSD()
	assert.True(t, ok)
	assert.Positive(t, usd)
	tokens, ok := ended.RequestUsage.Tokens()
	assert.True(t, ok)
	assert.Positive(t, tokens)
	assert.NotEmpty(t, ended.FinishedAt)
	for _, bad := range []string{`{"prompt":"x","config":{"idle_timeout_minutes":61}}`, `{"prompt":"x","config":{"session_sharing":{"public_access":"viewer"}}}`} {
		problemOf(t, f.do("POST", "/agent/runs", bad), 400, codeInvalidRequest)
	}
}
