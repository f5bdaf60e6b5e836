package comment

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harness is a Sticky on a fake forge with a fake clock.
type harness struct {
	t     *testing.T
	f     *fakeForge
	s     *Sticky
	clk   *fakeClock
	warns *warnings
	debug *lines
	env   map[string]string
}

type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.l = append(l.l, fmt.Sprintf(format, args...))
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.l...)
}

// forges are the fakes every scenario runs against.
var forges = []struct {
	name string
	new  func(t *testing.T) (*fakeForge, map[string]string)
}{
	{"github", func(t *testing.T) (*fakeForge, map[string]string) {
		f := newFakeGitHub(t, "")
		return f, githubEnv(t, f.URL())
	}},
	{"ghes", func(t *testing.T) (*fakeForge, map[string]string) {
		f := newFakeGitHub(t, "/api/v3")
		return f, githubEnv(t, f.URL()+"/api/v3")
	}},
	{"gitlab", func(t *testing.T) (*fakeForge, map[string]string) {
		f := newFakeGitLab(t)
		return f, gitlabEnv(f.URL() + "/api/v4")
	}},
}

func newHarness(t *testing.T, f *fakeForge, env map[string]string, tune func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, f: f, clk: newFakeClock(), warns: &warnings{}, debug: &lines{}, env: env}
	cfg := Config{
		Getenv: getenvOf(env), GitHubToken: testToken, GitLabToken: testToken,
		Warner: h.warns, Debugf: h.debug.printf, clock: h.clk,
		Render: func(p Progress) string { return p.RunID + " " + p.State + " " + p.SessionLink },
	}
	if tune != nil {
		tune(&cfg)
	}
	s, err := New(context.Background(), cfg)
	require.NoError(t, err)
	h.s = s
	t.Cleanup(s.Close)
	return h
}

// hangLimit is how long a test waits for the Sticky's goroutine to act
// before it calls it hung: it only detects a hang, so it leaves a busy
// machine all the room it needs.
const hangLimit = 30 * time.Second

// waitCalls waits until the fake has seen n calls.
func (h *harness) waitCalls(n int) {
	h.t.Helper()
	require.Eventually(h.t, func() bool { return len(h.f.Calls()) >= n }, hangLimit, time.Millisecond, "calls: %v", h.f.Calls())
}

// waitSleeping waits until the Sticky waits on its clock.
func (h *harness) waitSleeping() {
	h.t.Helper()
	require.Eventually(h.t, func() bool { return len(h.clk.pending()) > 0 }, hangLimit, time.Millisecond)
}

func (h *harness) finish(body string) {
	h.s.Finish(context.Background(), body)
}

func (h *harness) only() forgefake.Comment {
	h.t.Helper()
	ours := h.f.Ours()
	require.Len(h.t, ours, 1, "exactly one comment of ours")
	return ours[0]
}

func mark(env map[string]string, gitlab bool) string {
	return marker(defaultKey(getenvOf(env), gitlab))
}

func TestTypicalRun(t *testing.T) {
	t.Parallel()
	for _, fg := range forges {
		t.Run(fg.name, func(t *testing.T) {
			t.Parallel()
			f, env := fg.new(t)
			h := newHarness(t, f, env, nil)

			h.s.Observe("run_1", "QUEUED", "") // the run id is known: create at once
			h.waitCalls(2)
			assert.Equal(t, []string{"list", "create"}, f.Calls())
			assert.Equal(t, mark(env, f.GitLab)+"\nrun_1 QUEUED ", h.only().Body)

			h.s.Observe("run_1", "INPROGRESS", "https://app.warp.dev/session/s")
			h.s.Observe("run_1", "INPROGRESS", "https://app.warp.dev/session/s") // no change: nothing
			h.waitSleeping()
			assert.Equal(t, []time.Duration{DefaultInterval}, h.clk.pending(), "the next edit waits for the interval")
			h.s.Update("latest while waiting")
			h.clk.Advance(DefaultInterval)
			h.waitCalls(3)
			assert.Equal(t, mark(env, f.GitLab)+"\nlatest while waiting", h.only().Body, "bodies in between are dropped")

			h.s.Update("another")
			h.waitSleeping()
			h.finish("final outcome") // does not wait for the interval
			calls := f.Calls()
			assert.Equal(t, []string{"list", "create", "edit", "edit"}, calls)
			assert.Equal(t, mark(env, f.GitLab)+"\nfinal outcome", h.only().Body)
			if f.GitLab {
				assert.Equal(t, "https://gitlab.example/acme/app/-/merge_requests/12#note_"+strconv.FormatInt(h.only().ID, 10), h.s.URL())
			} else {
				assert.Equal(t, "https://github.com/acme/app/pull/7#issuecomment-"+strconv.FormatInt(h.only().ID, 10), h.s.URL())
			}
			assert.Empty(t, h.warns.all())
			t.Logf("%s: %d API calls: %v", fg.name, len(calls), calls)
		})
	}
}

func TestRerunEditsTheSameComment(t *testing.T) {
	t.Parallel()
	for _, fg := range forges {
		t.Run(fg.name, func(t *testing.T) {
			t.Parallel()
			f, env := fg.new(t)
			for i := 0; i < 30; i++ { // a busy PR
				f.Add("reviewer"+strconv.Itoa(i), int64(100+i), false, "LGTM")
			}
			first := newHarness(t, f, env, nil)
			first.s.Update("first run")
			first.waitCalls(2)
			first.finish("first run: done")
			first.s.Close()

			env["GITHUB_RUN_ID"], env["GITHUB_RUN_ATTEMPT"], env["CI_PIPELINE_ID"] = "2", "2", "99" // a re-run
			second := newHarness(t, f, env, nil)
			second.s.Update("second run")
			second.waitCalls(6)
			second.finish("second run: done")
			assert.Equal(t, mark(env, f.GitLab)+"\nsecond run: done", second.only().Body)
			who := "graphql"
			if f.GitLab {
				who = "user"
			}
			assert.Equal(t, []string{"list", "create", "edit", "list", who, "edit", "edit"}, f.Calls())
			assert.Empty(t, second.warns.all())
		})
	}
}

func TestRerunWithSameBodySkipsTheEdit(t *testing.T) {
	t.Parallel()
	f, env := forges[0].new(t)
	f.Add("github-actions[bot]", 41898282, true, mark(env, false)+"\nsame")
	h := newHarness(t, f, env, nil)
	h.finish("same")
	assert.Equal(t, []string{"list", "graphql"}, f.Calls())
}

func TestOthersCommentsWithOurMarkerAreLeftAlone(t *testing.T) {
	t.Parallel()
	for _, fg := range forges {
		t.Run(fg.name, func(t *testing.T) {
			t.Parallel()
			f, env := fg.new(t)
			m := mark(env, f.GitLab)
			mallory := f.Add("mallory", 666, false, m+"\nI copied your marker")
			otherBot := f.Add("other-app[bot]", 667, true, m+"\nanother app")
			quoted := f.Add(f.SelfLogin, f.SelfID, f.SelfBot, "> "+m+"\n> quoted, not ours")
			h := newHarness(t, f, env, nil)
			h.finish("ours")
			bodies := f.Bodies()
			assert.Equal(t, m+"\nI copied your marker", bodies[mallory])
			assert.Equal(t, m+"\nanother app", bodies[otherBot])
			assert.Equal(t, "> "+m+"\n> quoted, not ours", bodies[quoted])
			var made int
			for id, b := range bodies {
				if b == m+"\nours" {
					made++
					assert.NotContains(t, []int64{mallory, otherBot, quoted}, id)
				}
			}
			assert.Equal(t, 1, made)
			assert.Empty(t, h.warns.all())
		})
	}
}

func TestUnknownIdentityMakesOurOwn(t *testing.T) {
	t.Parallel()
	f, env := forges[0].new(t)
	f.GQLFails, f.UserFails = true, true
	theirs := f.Add("github-actions[bot]", 41898282, true, mark(env, false)+"\nmaybe ours")
	h := newHarness(t, f, env, nil)
	h.finish("new")
	assert.Equal(t, []string{"list", "graphql", "user", "create"}, f.Calls())
	assert.Equal(t, mark(env, false)+"\nmaybe ours", f.Bodies()[theirs], "not taken when unsure")
	require.Len(t, h.warns.all(), 1)
	assert.Contains(t, h.warns.all()[0], "a new one is written instead")
}

func TestGitHubPersonalToken(t *testing.T) {
	t.Parallel()
	f, env := forges[0].new(t)
	f.GQLFails, f.UserFails = true, false // GraphQL off (an odd proxy); GET /user works for a PAT
	f.SelfLogin, f.SelfID, f.SelfBot = "octocat", 1, false
	id := f.Add("octocat", 1, false, mark(env, false)+"\nold")
	h := newHarness(t, f, env, nil)
	h.finish("new")
	assert.Equal(t, []string{"list", "graphql", "user", "edit"}, f.Calls())
	assert.Equal(t, mark(env, false)+"\nnew", f.Bodies()[id])
}

func TestPagination(t *testing.T) {
	t.Parallel()
	for _, fg := range forges {
		for _, tc := range []struct {
			at        int // where our comment is among the others
			wantLists int
			found     bool
		}{{230, 3, true}, {1050, maxPages, false}} {
			t.Run(fmt.Sprintf("%s/at_%d", fg.name, tc.at), func(t *testing.T) {
				t.Parallel()
				f, env := fg.new(t)
				var ours int64
				for i := 0; i < tc.at+20; i++ {
					if i == tc.at {
						ours = f.Add(f.SelfLogin, f.SelfID, f.SelfBot, mark(env, f.GitLab)+"\nold")
						continue
					}
					f.Add("someone", 5, false, "comment "+strconv.Itoa(i))
				}
				h := newHarness(t, f, env, nil)
				h.finish("new")
				lists := 0
				for _, c := range f.Calls() {
					if c == "list" {
						lists++
					}
				}
				assert.Equal(t, tc.wantLists, lists)
				if tc.found {
					assert.Equal(t, mark(env, f.GitLab)+"\nnew", f.Bodies()[ours])
				} else {
					assert.Equal(t, "create", f.Calls()[len(f.Calls())-1], "not found within the bound: a new one")
				}
			})
		}
	}
}

func TestRefusedWritesWarnOnceAndStop(t *testing.T) {
	t.Parallel()
	for _, fg := range forges {
		for _, tc := range []struct {
			name   string
			op     string
			status int
			want   string
		}{
			{"fork pr", "create", 403, "permissions"},
			{"bad token", "list", 401, "not accepted"},
			{"no pr", "list", 404, "does not exist or the token cannot see it"},
		} {
			t.Run(fg.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				f, env := fg.new(t)
				f.Fail(tc.op, fault{Status: tc.status, Body: `{"message":"Resource not accessible by integration"}`})
				h := newHarness(t, f, env, nil)
				h.s.Update("one")
				require.Eventually(t, func() bool { return len(h.warns.all()) == 1 }, hangLimit, time.Millisecond)
				n := len(f.Calls())
				h.s.Update("two")
				h.clk.Advance(time.Hour)
				h.finish("final")
				assert.Len(t, f.Calls(), n, "no call after a refusal")
				if f.GitLab && tc.status == 403 {
					tc.want = "api scope"
				}
				require.Len(t, h.warns.all(), 1)
				assert.Contains(t, h.warns.all()[0], tc.want)
			})
		}
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	reset := strconv.FormatInt(time.Now().Add(2*time.Minute).Unix(), 10)
	tests := []struct {
		name    string
		forge   int
		flt     fault
		wait    time.Duration // the wait announced
		sentNot bool          // go-github keeps the next call from being sent before the reset
	}{
		{"429 retry-after", 0, fault{Status: 429, Header: map[string]string{"Retry-After": "30"}}, 30 * time.Second, false},
		{"403 retry-after", 0, fault{Status: 403, Header: map[string]string{"Retry-After": "45"}, Body: `{"message":"You have exceeded a secondary rate limit"}`}, 45 * time.Second, false},
		{"secondary", 0, fault{Status: 403, Header: map[string]string{"Retry-After": "60"}, Body: `{"message":"You have exceeded a secondary rate limit","documentation_url":"https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}, 60 * time.Second, true},
		{"primary", 0, fault{Status: 403, Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}, Body: `{"message":"API rate limit exceeded"}`}, 2 * time.Minute, true},
		{"gitlab 429", 2, fault{Status: 429, Header: map[string]string{"Retry-After": "20"}}, 20 * time.Second, false},
		{"unknown wait", 2, fault{Status: 429}, defaultRateLimitWait, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, env := forges[tt.forge].new(t)
			f.Fail("create", tt.flt)
			f.Fail("create", tt.flt) // a second one, for a client that sends again too early
			h := newHarness(t, f, env, nil)
			h.s.Update("one")
			require.Eventually(t, func() bool { return len(h.warns.all()) == 1 }, hangLimit, time.Millisecond)
			assert.Contains(t, h.warns.all()[0], "rate-limited")
			if tt.name != "primary" { // its reset is a time, read against the real clock
				assert.Contains(t, h.warns.all()[0], tt.wait.String())
			}
			h.s.Update("two")
			h.waitSleeping()
			pending := h.clk.pending()
			assert.InDelta(t, tt.wait.Seconds(), pending[0].Seconds(), 2, "no call before the limit's end")
			assert.Equal(t, []string{"list", "create"}, f.Calls())
			h.clk.Advance(pending[0])
			if tt.sentNot {
				// go-github still refuses by itself (real time has not
				// passed): nothing reaches the forge, no new warning.
				require.Eventually(t, func() bool {
					n := 0
					for _, l := range h.debug.all() {
						if strings.Contains(l, "GitHub create") {
							n++
						}
					}
					return n == 2
				}, hangLimit, time.Millisecond)
				assert.Equal(t, []string{"list", "create"}, f.Calls())
			} else {
				h.waitCalls(3)
				assert.Equal(t, []string{"list", "create", "create"}, f.Calls()[:3])
			}
			assert.Len(t, h.warns.all(), 1, "one warning for the kind")
		})
	}
}

func TestFinishWaitsOutAShortRateLimit(t *testing.T) {
	t.Parallel()
	f, env := forges[0].new(t)
	h := newHarness(t, f, env, nil)
	h.s.Update("one")
	h.waitCalls(2)
	f.Fail("edit", fault{Status: 429, Header: map[string]string{"Retry-After": "2"}})
	done := make(chan struct{})
	go func() { defer close(done); h.finish("final") }()
	h.waitSleeping()
	assert.Equal(t, []time.Duration{2 * time.Second}, h.clk.pending())
	h.clk.Advance(2 * time.Second)
	<-done
	assert.Equal(t, []string{"list", "create", "edit", "edit"}, f.Calls())
	assert.Equal(t, mark(env, false)+"\nfinal", h.only().Body)
}

func TestFinishSkipsALongRateLimit(t *testing.T) {
	t.Parallel()
	f, env := forges[2].new(t)
	h := newHarness(t, f, env, nil)
	h.s.Update("one")
	h.waitCalls(2)
	f.Fail("edit", fault{Status: 429, Header: map[string]string{"Retry-After": "60"}})
	h.finish("final")
	assert.Equal(t, []string{"list", "create", "edit"}, f.Calls())
	w := h.warns.all()
	require.Len(t, w, 2)
	assert.Contains(t, w[1], "final update of the comment was not made")
}

func TestHangsAndServerErrors(t *testing.T) {
	t.Parallel()
	for _, fg := range forges {
		t.Run(fg.name, func(t *testing.T) {
			t.Parallel()
			f, env := fg.new(t)
			f.Fail("create", fault{Hang: true})
			// The call timeout bounds every call, the list before the
			// hanging create too: 500 ms leaves a loopback list room on a
			// busy machine (50 ms once timed the list out before it reached
			// the fake), and is what the hang costs the test.
			h := newHarness(t, f, env, func(c *Config) { c.callTimeout = 500 * time.Millisecond })
			h.s.Update("one")
			require.Eventually(t, func() bool { return len(h.warns.all()) == 1 }, hangLimit, time.Millisecond)
			assert.Contains(t, h.warns.all()[0], "no answer within the time allowed")

			// A create that is made but answered 500: the next try looks
			// before creating again.
			f.Fail("create", fault{Status: 500, Apply: true})
			h.s.Update("two")
			h.waitSleeping()
			h.clk.Advance(DefaultInterval)
			h.waitCalls(4)
			h.s.Update("three")
			h.waitSleeping()
			h.clk.Advance(time.Hour)
			who := "graphql"
			if f.GitLab {
				who = "user"
			}
			h.waitCalls(7)
			assert.Equal(t, []string{"list", "create", "list", "create", "list", who, "edit"}, f.Calls())
			assert.Equal(t, mark(env, f.GitLab)+"\nthree", h.only().Body, "one comment, not two")
			assert.Len(t, h.warns.all(), 1, "one warning for the kind")
		})
	}
}

func TestFailuresBackOff(t *testing.T) {
	t.Parallel()
	f, env := forges[0].new(t)
	for range 5 {
		f.Fail("list", fault{Status: 502})
	}
	h := newHarness(t, f, env, nil)
	var waits []time.Duration
	for i := range 5 {
		h.s.Update("body " + strconv.Itoa(i))
		h.waitCalls(i + 1)
		h.s.Update("next")
		h.waitSleeping()
		waits = append(waits, h.clk.pending()[0])
		h.clk.Advance(waits[i])
	}
	assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second}, waits)
	assert.Len(t, h.warns.all(), 1)
}

func TestDeletedCommentIsMadeAgain(t *testing.T) {
	t.Parallel()
	f, env := forges[2].new(t)
	h := newHarness(t, f, env, nil)
	h.s.Update("one")
	h.waitCalls(2)
	f.DeleteAll()
	h.finish("final")
	assert.Equal(t, []string{"list", "create", "edit", "create"}, f.Calls())
	assert.Equal(t, mark(env, true)+"\nfinal", h.only().Body)
}

func TestFinishIsBounded(t *testing.T) {
	t.Parallel()
	f, env := forges[0].new(t)
	for range 20 {
		f.Fail("list", fault{Hang: true})
	}
	// Each call could hang for an hour: only the budget (150 ms) ends
	// Finish. The minute below only detects a Finish that waits on the
	// hanging call, with room for a busy machine.
	h := newHarness(t, f, env, func(c *Config) { c.finishBudget = 150 * time.Millisecond; c.callTimeout = time.Hour })
	h.s.Update("one") // hangs for the whole call timeout
	h.waitCalls(1)
	finished := make(chan struct{})
	go func() { defer close(finished); h.finish("final") }()
	select {
	case <-finished:
	case <-time.After(time.Minute):
		t.Fatal("Finish did not keep to its budget: it was still waiting on a hanging call a minute later")
	}
	w := h.warns.all()
	require.NotEmpty(t, w)
	assert.Contains(t, w[0], "no answer within the time allowed")
}

func TestCloseCancelsACallInFlight(t *testing.T) {
	t.Parallel()
	f, env := forges[2].new(t)
	f.Fail("list", fault{Hang: true})
	h := newHarness(t, f, env, nil)
	h.s.Update("one")
	h.waitCalls(1)
	h.s.Close()
	h.s.Close()
	h.s.Update("after close")
	h.s.Finish(context.Background(), "after close")
	assert.Len(t, f.Calls(), 1, "%v", h.debug.all())
	assert.Empty(t, h.warns.all(), "a cancelled call is no failure")
}

func TestNilStickyDoesNothing(t *testing.T) {
	t.Parallel()
	var s *Sticky
	s.Update("x")
	s.Observe("r", "QUEUED", "")
	s.Finish(context.Background(), "x")
	s.Close()
	assert.Equal(t, "", s.URL())
	assert.Equal(t, 0, s.MaxBody())
}

func TestBodiesAreCapped(t *testing.T) {
	t.Parallel()
	f, env := forges[0].new(t)
	h := newHarness(t, f, env, nil)
	assert.Equal(t, githubLimit-len(mark(env, false))-1, h.s.MaxBody())
	h.finish(strings.Repeat("line of text\n", 10000))
	body := h.only().Body
	assert.LessOrEqual(t, len(body), githubLimit)
	assert.True(t, strings.HasPrefix(body, mark(env, false)+"\n"))
	assert.Contains(t, body, "bytes over the limit")
}

// TestNoTokenInMessages drives failures whose answers echo the token (a
// proxy that reflects headers) and checks every warning and debug line.
func TestNoTokenInMessages(t *testing.T) {
	t.Parallel()
	for _, fg := range forges {
		t.Run(fg.name, func(t *testing.T) {
			t.Parallel()
			f, env := fg.new(t)
			echo := `{"message":"bad gateway: Authorization: Bearer ` + testToken + ` PRIVATE-TOKEN: ` + testToken + `"}`
			f.Fail("list", fault{Status: 502, Body: echo})
			f.Fail("list", fault{Status: 422, Body: echo})
			f.Fail("list", fault{Status: 403, Body: echo})
			h := newHarness(t, f, env, func(c *Config) { c.Interval = time.Millisecond })
			for i := range 3 {
				h.s.Update("x" + strconv.Itoa(i))
				h.waitCalls(i + 1)
				h.clk.Advance(time.Hour)
			}
			h.finish("final")
			all := append(h.warns.all(), h.debug.all()...)
			require.NotEmpty(t, h.warns.all())
			for _, m := range all {
				assert.NotContains(t, m, testToken)
				assert.NotContains(t, m, "SECRET")
			}
		})
	}
}
