package ozfake

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
)

func TestDefaultRunLifecycle(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("Fix the flaky test")
	require.Equal(t, "fake-run-000001", id)

	steps := []struct {
		after      time.Duration // since creation
		state      oz.State
		started    bool
		session    bool
		terminal   bool
		updatedOff time.Duration
	}{
		{0, oz.StateQueued, false, false, false, 0},
		{499 * time.Millisecond, oz.StateQueued, false, false, false, 0},
		{500 * time.Millisecond, oz.StatePending, false, false, false, 500 * time.Millisecond},
		{1000 * time.Millisecond, oz.StateClaimed, true, false, false, time.Second},
		{1500 * time.Millisecond, oz.StateInProgress, true, true, false, 1500 * time.Millisecond},
		{4499 * time.Millisecond, oz.StateInProgress, true, true, false, 1500 * time.Millisecond},
		{4500 * time.Millisecond, oz.StateSucceeded, true, true, true, 4500 * time.Millisecond},
		{time.Hour, oz.StateSucceeded, true, true, true, 4500 * time.Millisecond},
	}
	elapsed := time.Duration(0)
	for _, st := range steps {
		f.clock.Advance(st.after - elapsed)
		elapsed = st.after
		run := f.get(id)
		assert.Equal(t, st.state, run.State, "at %s", st.after)
		assert.Equal(t, id, run.TaskID)
		assert.Equal(t, "Fix the flaky test", run.Title)
		assert.Equal(t, "Fix the flaky test", run.Prompt)
		assert.Equal(t, timestamp(t0), run.CreatedAt)
		assert.Equal(t, timestamp(t0.Add(st.updatedOff)), run.UpdatedAt, "at %s", st.after)
		if st.started {
			require.NotNil(t, run.StartedAt, "at %s", st.after)
			assert.Equal(t, timestamp(t0.Add(time.Second)), *run.StartedAt)
		} else {
			assert.Nil(t, run.StartedAt, "at %s", st.after)
		}
		if st.session {
			assert.Equal(t, "fake-session-000001", run.SessionID)
			assert.Equal(t, oz.SessionBaseURL+"fake-session-000001", run.SessionLink)
		} else {
			assert.Empty(t, run.SessionID+run.SessionLink, "at %s", st.after)
		}
		if !st.terminal {
			assert.Empty(t, run.RunTime)
			assert.Nil(t, run.StatusMessage)
			assert.Nil(t, run.RequestUsage)
			assert.Empty(t, run.Artifacts)
			continue
		}
		assert.Equal(t, "PT3.5S", run.RunTime)
		require.NotNil(t, run.StatusMessage)
		assert.Contains(t, run.StatusMessage.Message, "pull request")
		credits, ok := run.RequestUsage.Credits()
		assert.True(t, ok)
		assert.InDelta(t, 2.21, credits, 1e-9)
		assert.Equal(t, []string{"https://github.com/example/fake-repo/pull/1"}, run.PullRequestURLs())
		_, branch, _ := run.Artifacts[0].PullRequest()
		assert.Equal(t, "oz/"+id, branch)
	}
}

func TestScenarios(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	tests := []struct {
		prompt     string
		state      oz.State
		code       string
		retryable  *bool
		session    bool
		prs        int
		capacity   bool
		cancelCode int
	}{
		{"do it", oz.StateSucceeded, "", nil, true, 1, false, http.StatusBadRequest},
		{"[fake:fail] do it", oz.StateFailed, "environment_setup_failed", &no, false, 0, false, http.StatusBadRequest},
		{"[fake:error] do it", oz.StateError, "internal_error", &yes, true, 0, false, http.StatusBadRequest},
		{"[fake:block] do it", oz.StateBlocked, "", nil, true, 0, false, http.StatusBadRequest},
		{"[fake:cancel] do it", oz.StateCancelled, "", nil, true, 0, false, http.StatusBadRequest},
		{"[fake:nocredits] do it", oz.StateFailed, "insufficient_credits", &no, false, 0, false, http.StatusBadRequest},
		{"[fake:slow] do it", oz.StateInProgress, "", nil, true, 0, false, http.StatusOK},
		{"[FAKE:Capacity] do it", oz.StateSucceeded, "", nil, true, 1, true, http.StatusBadRequest},
		{"[fake:uncancellable] [fake:slow]", oz.StateInProgress, "", nil, true, 0, false, http.StatusUnprocessableEntity},
		{"do it [fake:nopr]", oz.StateSucceeded, "", nil, true, 0, false, http.StatusBadRequest},
		{"[fake:nolink][fake:block]", oz.StateBlocked, "", nil, true, 0, false, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.prompt, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			b := `{"prompt":` + jsonString(tt.prompt) + `}`
			r := f.do("POST", "/agent/runs", b)
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			assert.Equal(t, tt.capacity, strings.Contains(string(r.body), `"at_capacity":true`))
			id := f.create(tt.prompt)
			f.clock.Advance(time.Minute)
			run := f.get(id)
			assert.Equal(t, tt.state, run.State)
			if tt.state.IsTerminal() {
				require.NotNil(t, run.StatusMessage)
				assert.NotEmpty(t, run.StatusMessage.Message)
				assert.Equal(t, tt.code, run.StatusMessage.ErrorCode)
				assert.Equal(t, tt.retryable, run.StatusMessage.Retryable)
				assert.NotEmpty(t, run.RunTime)
				assert.NotNil(t, run.RequestUsage)
			}
			assert.Equal(t, tt.session, run.SessionID != "")
			assert.Equal(t, tt.session && !strings.Contains(tt.prompt, "nolink"), run.SessionLink != "")
			if tt.session {
				assert.Equal(t, oz.SessionBaseURL+run.SessionID, run.SessionURL())
			}
			assert.Len(t, run.PullRequestURLs(), tt.prs)
			assert.Equal(t, tt.cancelCode, f.do("POST", "/agent/runs/"+id+"/cancel", "").status)
		})
	}
}

func TestCapacityStaysQueuedLonger(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("[fake:capacity] wait")
	f.clock.Advance(9 * time.Second)
	assert.Equal(t, oz.StateQueued, f.get(id).State)
	f.clock.Advance(1500 * time.Millisecond)
	assert.Equal(t, oz.StatePending, f.get(id).State)
}

func TestScenariosListed(t *testing.T) {
	t.Parallel()
	list := Scenarios()
	require.Len(t, list, len(scenarios))
	for _, s := range list {
		assert.Regexp(t, tagPattern(), s.Tag)
		assert.NotEmpty(t, s.Description)
		assert.Contains(t, docText(t), s.Tag, "doc.go must document every scenario")
	}
	list[0].Tag = "changed"
	assert.Equal(t, "[fake:fail]", Scenarios()[0].Tag, "Scenarios returns a copy")
}

func TestTimeScale(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithTimeScale(0.05))
	id := f.create("quick")
	f.clock.Advance(224 * time.Millisecond)
	assert.Equal(t, oz.StateInProgress, f.get(id).State)
	f.clock.Advance(time.Millisecond)
	run := f.get(id)
	assert.Equal(t, oz.StateSucceeded, run.State)
	assert.Equal(t, "PT0.175S", run.RunTime)

	f0 := newFake(t, WithTimeScale(-1))
	assert.Equal(t, oz.StateSucceeded, f0.get(f0.create("instant")).State)
}

func TestDefaultScriptOption(t *testing.T) {
	t.Parallel()
	sc := Script{
		Steps:     []Step{{oz.StateQueued, time.Second}, {oz.StateInProgress, time.Second}},
		Final:     oz.StateFailed,
		SessionID: "sess-1",
		StatusMessage: &oz.StatusMessage{
			Message: "custom", ErrorCode: "budget_exceeded",
		},
		Usage: usage(1, 2, 3),
	}
	f := newFake(t, WithDefaultScript(sc))
	sc.Steps[0].For = time.Hour // the server kept its own copy
	id := f.create("x")
	f.clock.Advance(time.Second)
	run := f.get(id)
	assert.Equal(t, oz.StateInProgress, run.State)
	assert.Equal(t, "sess-1", run.SessionID)
	require.NotNil(t, run.StartedAt)
	f.clock.Advance(time.Second)
	run = f.get(id)
	assert.Equal(t, oz.StateFailed, run.State)
	assert.Equal(t, "custom", run.StatusMessage.Message)
	assert.Equal(t, "PT1S", run.RunTime)
	credits, _ := run.RequestUsage.Credits()
	assert.InDelta(t, 6.0, credits, 1e-9)

	// A script without steps or final ends at once in SUCCEEDED.
	g := newFake(t, WithDefaultScript(Script{}))
	run = g.get(g.create("x"))
	assert.Equal(t, oz.StateSucceeded, run.State)
	assert.Nil(t, run.StartedAt)
	assert.Equal(t, "PT0S", run.RunTime)
}

func TestSetStateFinishDelete(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("[fake:slow] x")

	require.NoError(t, f.srv.SetState(id, oz.StateInProgress))
	run := f.get(id)
	assert.Equal(t, oz.StateInProgress, run.State)
	assert.NotEmpty(t, run.SessionLink)
	assert.NotNil(t, run.StartedAt)

	f.clock.Advance(time.Minute)
	require.NoError(t, f.srv.FinishWithMessage(id, oz.StateBlocked, &oz.StatusMessage{Message: "needs input"}))
	run = f.get(id)
	assert.Equal(t, oz.StateBlocked, run.State)
	assert.Equal(t, "needs input", run.StatusMessage.Message)
	assert.Equal(t, timestamp(t0.Add(time.Minute)), run.UpdatedAt)

	require.NoError(t, f.srv.SetState(id, oz.StateError))
	assert.Equal(t, "internal_error", f.get(id).StatusMessage.ErrorCode)

	require.ErrorContains(t, f.srv.Finish(id, oz.StateQueued), "not a terminal state")
	require.ErrorContains(t, f.srv.SetState("nope", oz.StateError), `no run "nope"`)

	got, ok := f.srv.Run(id)
	require.True(t, ok)
	assert.Equal(t, oz.StateError, got.State)

	assert.True(t, f.srv.Delete(id))
	assert.False(t, f.srv.Delete(id))
	problemOf(t, f.do("GET", "/agent/runs/"+id, ""), http.StatusNotFound, "resource_not_found")
	_, ok = f.srv.Run(id)
	assert.False(t, ok)
	assert.Empty(t, f.srv.Runs())
	assert.Equal(t, 1, f.srv.CreatedCount())
}

func TestRunsInCreationOrder(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	a := f.create("a")
	f.clock.Advance(time.Second)
	b := f.create("[fake:fail] b")
	runs := f.srv.Runs()
	require.Len(t, runs, 2)
	assert.Equal(t, a, runs[0].RunID)
	assert.Equal(t, b, runs[1].RunID)
	assert.Equal(t, oz.StateClaimed, runs[0].State)
	assert.Equal(t, 2, f.srv.CreatedCount())
}

func TestISODuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0:                       "PT0S",
		-time.Second:            "PT0S",
		12 * time.Second:        "PT12S",
		1500 * time.Millisecond: "PT1.5S",
		90 * time.Second:        "PT1M30S",
		time.Hour:               "PT1H",
		time.Hour + 2*time.Minute + 3*time.Second + 250*time.Millisecond: "PT1H2M3.25S",
		1234567 * time.Microsecond:                                       "PT1.235S",
	} {
		assert.Equal(t, want, isoDuration(d), "%s", d)
		assert.Regexp(t, isoDurationRE, isoDuration(d))
	}
}

func TestPinsKeepHistory(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithDefaultScript(Script{Steps: []Step{{oz.StateQueued, time.Hour}}}))
	id := f.create("x")
	require.NoError(t, f.srv.SetState(id, oz.StateInProgress))
	f.clock.Advance(time.Minute)
	require.NoError(t, f.srv.Finish(id, oz.StateSucceeded))
	run := f.get(id)
	assert.Equal(t, oz.StateSucceeded, run.State)
	assert.NotEmpty(t, run.SessionLink, "the session seen while INPROGRESS stays")
	assert.Equal(t, "PT1M", run.RunTime)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestScenariosDocumented keeps doc.go's list of scenarios and Scenarios
// in step: the same tags, in the same order, and no other tag in doc.go.
func TestScenariosDocumented(t *testing.T) {
	t.Parallel()
	doc := docText(t)
	var listed []string
	for _, m := range regexp.MustCompile(`(?m)^//\t(\[fake:[^\]]*\]) `).FindAllStringSubmatch(doc, -1) {
		listed = append(listed, m[1])
	}
	var tags []string
	for _, s := range Scenarios() {
		tags = append(tags, s.Tag)
	}
	assert.Equal(t, tags, listed, "doc.go's scenario list must match Scenarios, in order")
	for _, tag := range tagPattern().FindAllString(doc, -1) {
		_, ok := lookupScenario(tag)
		assert.True(t, ok, "doc.go mentions %s, which is not a scenario", tag)
	}
}

func docText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	return string(b)
}

// TestScenariosInREADME keeps the table of scenarios in docs/testing.md
// (the README links to it) in step with Scenarios: the same tags, in the
// same order.
func TestScenariosInREADME(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/testing.md")
	require.NoError(t, err)
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(\\[fake:[^\\]]*\\])` \\|").FindAllStringSubmatch(string(b), -1) {
		listed = append(listed, m[1])
	}
	var tags []string
	for _, s := range Scenarios() {
		tags = append(tags, s.Tag)
	}
	assert.Equal(t, tags, listed, "docs/testing.md's table of scenarios must match Scenarios, in order")
}
