package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// faultCase is one row of the fault matrix: the program, as a process in a
// GitHub step, against the fake API misbehaving as the row says.
type faultCase struct {
	name   string
	gitlab bool              // a GitLab job instead of a GitHub step
	inputs map[string]string // over the step's
	env    map[string]string // more environment
	fake   []ozfake.Option
	faults []ozfaketest.Fault
	down   bool                   // the API is down from the start
	setup  func(*proc) error      // acts before the program starts
	during func(*proc) error      // acts while the program runs
	forge  func(*forgefake.Forge) // with comment: true on a pull request, the fake GitHub's faults

	code       int
	conclusion string
	state      string // the state output, when given
	created    int    // runs the fake created
	creates    int    // create calls; 0: not checked
	lostID     bool   // a run was created but the program cannot know its id
	// No field bounds the time: a row checks what happened and in what
	// order (see checkFaultCase); how soon is bench's figure.
	says  []string // in the log (stdout and stderr)
	check func(*testing.T, *proc)
}

// The fault's route.
func onCreate(f ozfaketest.Fault) ozfaketest.Fault { f.Path = routeCreate; return f }
func onGet(f ozfaketest.Fault) ozfaketest.Fault    { f.Path = routeGet; return f }
func onCancel(f ozfaketest.Fault) ozfaketest.Fault { f.Path = routeCancel; return f }

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

const proxyHTML = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><script>x()</script></body></html>"

func faultCases() []faultCase {
	slow := map[string]string{"prompt": "[fake:slow] fix the build"}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	requestTimeout := func(d string) map[string]string { return map[string]string{"OZ_RUN_REQUEST_TIMEOUT": d} }
	noFilter := []ozfake.Option{ozfake.WithMetadataFilter(false)}
	html := header("Content-Type", "text/html; charset=utf-8")

	cases := workFaultCases()
	cases = append(cases, spendFaultCases()...)
	cases = append(cases, batchFaultCases()...)
	cases = append(cases, []faultCase{
		// Transient failures are retried and change nothing.
		{name: "poll/5xx burst", faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 1, Times: 3, Status: 503})},
			code: 0, conclusion: "succeeded", created: 1, creates: 1},
		{name: "poll/429 Retry-After seconds", faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 1, Status: 429, Header: header("Retry-After", "1")})},
			code: 0, conclusion: "succeeded", created: 1, check: gapAtLeast(routeGet, 0, 950*time.Millisecond)},
		// The date is made when the first poll is seen, so that the process
		// start does not eat into the wait; 3s, as the date has whole seconds.
		{name: "poll/429 Retry-After HTTP date", inputs: map[string]string{"poll_interval": "300ms", "poll_max_interval": "300ms"},
			during: func(p *proc) error {
				if err := p.awaitRequests(routeGet, 1); err != nil {
					return err
				}
				// The next read, whichever it is by now (a loaded machine
				// may starve this goroutine past a poll), is refused.
				p.fake.Inject(onGet(ozfaketest.Fault{Nth: p.requests(routeGet) + 1, Status: 429,
					Header: header("Retry-After", time.Now().Add(3*time.Second).UTC().Format(http.TimeFormat))}))
				return nil
			},
			code: 0, conclusion: "succeeded", created: 1, check: someGapAtLeast(routeGet, time.Second)},
		{name: "poll/empty body", faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 1, Times: 2, Status: 200, Header: header("Content-Type", "application/json")})},
			code: 0, conclusion: "succeeded", created: 1},
		{name: "poll/malformed JSON", faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 1, Status: 200, Body: `{"run_id":"fake-run-000001","state":`})},
			code: 0, conclusion: "succeeded", created: 1},
		{name: "poll/HTML 502 from a proxy", faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 1, Times: 2, Status: 502, Header: html, Body: proxyHTML})},
			code: 0, conclusion: "succeeded", created: 1},
		{name: "poll/HTML 200 from a login page", faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 1, Status: 200, Header: html, Body: "<!doctype html><title>Sign in</title>"})},
			code: 0, conclusion: "succeeded", created: 1},
		{name: "poll/connection reset", faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 1, Times: 2, CloseConn: true})},
			code: 0, conclusion: "succeeded", created: 1},
		{name: "poll/hanging answer", env: requestTimeout("300ms"), faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 1, Hang: true})},
			code: 0, conclusion: "succeeded", created: 1, check: gapAtLeast(routeGet, 0, 300*time.Millisecond)},
		{name: "create/5xx burst", faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Times: 2, Status: 502, Header: html, Body: proxyHTML})},
			code: 0, conclusion: "succeeded", created: 1, creates: 3, check: routeCount(routeList, -1)},
		{name: "create/429 Retry-After", faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Status: 429, Header: header("Retry-After", "1")})},
			code: 0, conclusion: "succeeded", created: 1, creates: 2, check: gapAtLeast(routeCreate, 0, 950*time.Millisecond)},
		{name: "create/empty 200", faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Status: 200, Header: header("Content-Type", "application/json")})},
			code: 0, conclusion: "succeeded", created: 1, creates: 2},
		{name: "create/connection reset before creating", faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, CloseConn: true})},
			code: 0, conclusion: "succeeded", created: 1, creates: 2},

		// The three ambiguous creates: the run was created, its answer lost.
		{name: "ambiguous/create times out", env: requestTimeout("300ms"), faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Hang: true, CreateThenFail: true})},
			code: 0, conclusion: "succeeded", created: 1, creates: 1, says: []string{"answer to the create was lost"}},
		{name: "ambiguous/create answers 500", faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Status: 500, CreateThenFail: true})},
			code: 0, conclusion: "succeeded", created: 1, creates: 1, says: []string{"answer to the create was lost"}},
		{name: "ambiguous/create connection reset", faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, CloseConn: true, CreateThenFail: true})},
			code: 0, conclusion: "succeeded", created: 1, creates: 1, says: []string{"answer to the create was lost"}},
		{name: "ambiguous/create times out, no metadata filter", env: requestTimeout("300ms"), fake: noFilter,
			faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Hang: true, CreateThenFail: true})},
			code:   3, created: 1, creates: 1, lostID: true, says: []string{"may or may not have been created", "oz_run_request_id="}},
		{name: "ambiguous/create answers 500, no metadata filter", fake: noFilter, faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Status: 500, CreateThenFail: true})},
			code: 3, created: 1, creates: 1, lostID: true, says: []string{"may or may not have been created", "oz_run_request_id="}},
		{name: "ambiguous/create connection reset, no metadata filter", fake: noFilter, faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, CloseConn: true, CreateThenFail: true})},
			code: 3, created: 1, creates: 1, lostID: true, says: []string{"may or may not have been created", "oz_run_request_id="}},

		// Final answers end the step with exit 3 and say what to do.
		{name: "create/OUT_OF_CREDITS", faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Status: 429, Header: header("X-Warp-Error-Code", "OUT_OF_CREDITS")})},
			code: 3, creates: 1, says: []string{"OUT_OF_CREDITS", "add credits"}},
		{name: "create/401", faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Status: 401})}, code: 3, creates: 1, says: []string{"warp_api_key"}},
		{name: "create/403", faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Status: 403})}, code: 3, creates: 1, says: []string{"team_uid"}},
		{name: "create/5xx past the retries", faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Status: 503})},
			code: 3, creates: 5, says: []string{"gave up after 5 attempts", "try again later"}},
		{name: "poll/401 mid-run", inputs: slow, faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 2, Status: 401})},
			code: 3, created: 1, creates: 1, says: []string{"warp_api_key"}},
		{name: "poll/403 mid-run", inputs: slow, faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 2, Status: 403})},
			code: 3, created: 1, creates: 1, says: []string{"team_uid"}},
		{name: "poll/run vanishes (404)", inputs: slow, during: func(p *proc) error {
			if err := p.awaitRequests(routeGet, 1); err != nil {
				return err
			}
			if !p.fake.Delete("fake-run-000001") {
				return errors.New("the run to delete is not there")
			}
			return nil
		}, code: 3, created: 1, creates: 1, says: []string{"HTTP 404", "check run_id"}},
		{name: "api down at start", down: true, code: 3, says: []string{"no answer from the Oz API", "check api_url"}},
		{name: "api dies mid-poll", inputs: with(slow, "timeout", "1500ms"), during: func(p *proc) error {
			if err := p.awaitRequests(routeGet, 1); err != nil {
				return err
			}
			p.stopFake()
			return nil
		}, code: 4, conclusion: "timed_out", created: 1, creates: 1, says: []string{"may still be going"}},

		// The cancel after a timeout, answered 409, 422 and 400, or not at all.
		{name: "cancel/409 then cancelled", inputs: with(slow, "timeout", "1s"), faults: []ozfaketest.Fault{onCancel(ozfaketest.Fault{Nth: 1, Times: 2, Status: 409})},
			code: 4, conclusion: "timed_out", state: "CANCELLED", created: 1, check: routeCount(routeCancel, 3)},
		{name: "cancel/422", inputs: with(slow, "timeout", "1s"), faults: []ozfaketest.Fault{onCancel(ozfaketest.Fault{Status: 422})},
			code: 4, conclusion: "timed_out", state: "INPROGRESS", created: 1, says: []string{"HTTP 422", "may still be going"}, check: routeCount(routeCancel, 1)},
		{name: "cancel/400", inputs: with(slow, "timeout", "1s"), faults: []ozfaketest.Fault{onCancel(ozfaketest.Fault{Status: 400})},
			code: 4, conclusion: "timed_out", created: 1, says: []string{"already ended"}, check: routeCount(routeCancel, 1)},
		{name: "cancel/hangs", inputs: with(slow, "timeout", "1s"), faults: []ozfaketest.Fault{onCancel(ozfaketest.Fault{Hang: true})},
			code: 4, conclusion: "timed_out", state: "INPROGRESS", created: 1, says: []string{"may still be going"}},

		// The timeout in each phase.
		// A create cut short is looked up by its request id: the run it
		// started is reported and cancelled, or its outcome stands.
		{name: "timeout/during the create", inputs: with(slow, "timeout", "1s"), env: requestTimeout("10s"),
			faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Hang: true, CreateThenFail: true})},
			code:   4, conclusion: "timed_out", state: "CANCELLED", created: 1, creates: 1,
			says: []string{"interrupted create had started run"}, check: routeCount(routeCancel, -1)},
		{name: "timeout/during the create of a run that has ended", inputs: map[string]string{"timeout": "1s"}, env: requestTimeout("10s"),
			faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Hang: true, CreateThenFail: true})},
			code:   0, conclusion: "succeeded", state: "SUCCEEDED", created: 1, creates: 1,
			says: []string{"interrupted create had started run"}, check: routeCount(routeCancel, 0)},
		// A create without an answer whose run cannot be found is no
		// timed-out run: the API could not be used (exit 3), whatever
		// fail_on says.
		{name: "timeout/during the create, no metadata filter", inputs: with(slow, "timeout", "1s"), env: requestTimeout("10s"), fake: noFilter,
			faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Hang: true, CreateThenFail: true})},
			code:   3, created: 1, creates: 1, lostID: true,
			says: []string{"may or may not have been created", "oz_run_request_id="}},
		{name: "timeout/a create that never answers, fail_on failed", inputs: with(slow, "timeout", "1s", "fail_on", "failed"), env: requestTimeout("10s"),
			faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Hang: true})},
			code:   3, created: 0, creates: 1,
			says: []string{"no run was started within 1s (timeout input)", "no run carries its request id (metadata oz_run_request_id="}},
		{name: "timeout/during a poll request", inputs: with(slow, "timeout", "1s"), env: requestTimeout("10s"),
			faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 2, Hang: true})},
			code:   4, conclusion: "timed_out", state: "CANCELLED", created: 1},
		{name: "timeout/during the poll sleep", inputs: with(slow, "timeout", "1s", "poll_interval", "1m", "poll_max_interval", "1m"),
			code: 4, conclusion: "timed_out", state: "CANCELLED", created: 1, check: routeCount(routeGet, 2)},
		{name: "timeout/during a retry sleep", inputs: with(slow, "timeout", "1s"),
			faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 1, Status: 503, Header: header("Retry-After", "60")})},
			code:   4, conclusion: "timed_out", state: "CANCELLED", created: 1},
	}...)

	cases = append(cases, hostileCases()...)
	cases = append(cases, forgeHangsAtTheEndCases()...)

	// SIGINT (GitHub's cancel) and SIGTERM (GitLab's, and GitHub's second).
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		name := map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}[sig]
		cases = append(cases,
			faultCase{name: name + "/during the create", inputs: slow, faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Hang: true, CreateThenFail: true})},
				during: signalAt(routeCreate, 1, 20*time.Millisecond, sig),
				code:   5, conclusion: "cancelled", state: "CANCELLED", created: 1, creates: 1,
				says: []string{"interrupted create had started run"}, check: routeCount(routeCancel, -1)},
			faultCase{name: name + "/during the create, no metadata filter", inputs: slow, fake: noFilter,
				faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 1, Hang: true, CreateThenFail: true})},
				during: signalAt(routeCreate, 1, 20*time.Millisecond, sig),
				code:   5, created: 1, creates: 1, lostID: true, says: []string{"may or may not have been created", "oz_run_request_id="}},
			faultCase{name: name + "/during a poll", inputs: slow, faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 2, Hang: true})},
				during: signalAt(routeGet, 2, 20*time.Millisecond, sig),
				code:   5, conclusion: "cancelled", state: "CANCELLED", created: 1, check: routeCount(routeCancel, -1)},
			faultCase{name: name + "/during the poll sleep", inputs: with(slow, "poll_interval", "1m", "poll_max_interval", "1m"),
				during: signalAt(routeGet, 1, 100*time.Millisecond, sig),
				code:   5, conclusion: "cancelled", state: "CANCELLED", created: 1, check: routeCount(routeCancel, -1)},
			faultCase{name: name + "/during a retry sleep", inputs: slow, faults: []ozfaketest.Fault{onGet(ozfaketest.Fault{Nth: 1, Status: 503, Header: header("Retry-After", "60")})},
				during: signalAt(routeGet, 1, 100*time.Millisecond, sig),
				code:   5, conclusion: "cancelled", state: "CANCELLED", created: 1, check: routeCount(routeCancel, -1)},
		)
	}
	cases = append(cases, forgeImposterCases()...)
	return append(cases, forgeFaultCases()...)
}

// gapAtLeast checks that request i+1 of route (from 0) came at least d
// after request i: the wait asked for (Retry-After) or forced (a request
// timeout).
func gapAtLeast(route string, i int, d time.Duration) func(*testing.T, *proc) {
	return func(t *testing.T, p *proc) {
		at := p.requestTimes(route)
		require.Greater(t, len(at), i+1, "requests of %s", route)
		assert.GreaterOrEqual(t, at[i+1].Sub(at[i]), d, "the wait after request %d of %s", i, route)
	}
}

// someGapAtLeast checks that two consecutive requests of route were at
// least d apart.
func someGapAtLeast(route string, d time.Duration) func(*testing.T, *proc) {
	return func(t *testing.T, p *proc) {
		at := p.requestTimes(route)
		var longest time.Duration
		for i := 1; i < len(at); i++ {
			longest = max(longest, at[i].Sub(at[i-1]))
		}
		assert.GreaterOrEqual(t, longest, d, "the longest wait between requests of %s", route)
	}
}

// routeCount checks how many requests of route the fake got; -1 means at
// least one (the number depends on whether the cancel met a PENDING run).
func routeCount(route string, n int) func(*testing.T, *proc) {
	return func(t *testing.T, p *proc) {
		if n < 0 {
			assert.Positive(t, p.requests(route), "requests of %s", route)
			return
		}
		assert.Equal(t, n, p.requests(route), "requests of %s", route)
	}
}

// TestFaultMatrix runs every row's process at once (they mostly wait, and
// go test runs only GOMAXPROCS parallel tests), then checks each row in a
// subtest: the exit code and conclusion, at most one run created, the
// outputs file parsing by GitHub's rules, the key in no stream or file, and
// no goroutine leak or data race in the program.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	bin := checkedBinary(t)
	cases := faultCases()
	// The rows take seconds; the deadline only kills a program that hung
	// (the row then fails saying so), with room for a busy machine.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	procs := make([]*proc, len(cases))
	var wg sync.WaitGroup
	slots := make(chan struct{}, 16) // a bound on processes starting at once
	for i, tc := range cases {
		p := &proc{}
		base := ""
		if tc.down {
			base = deadAPIURL(t)
		} else {
			p.fake, base, p.stopFake = newStoppableFake(t, tc.fake...)
			for _, f := range tc.faults {
				p.fake.Inject(f)
			}
		}
		if tc.gitlab {
			p.s = gitlabStep(t, base, "fix the build")
			for k, v := range tc.inputs {
				p.s.env["INPUT_"+strings.ToUpper(k)] = v
			}
		} else {
			p.s = githubStep(t, base, tc.inputs)
		}
		for k, v := range tc.env {
			p.s.env[k] = v
		}
		if tc.forge != nil {
			p.forge = newForge(t, false)
			tc.forge(p.forge)
			onPullRequest(p.s, p.forge)
		}
		procs[i] = p
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			if tc.setup != nil {
				if err := tc.setup(p); err != nil {
					p.err = fmt.Errorf("setting the row up: %w", err)
					return
				}
			}
			p.before = snapshot(p.s.dir)
			if err := p.start(ctx, bin); err != nil {
				p.err = err
				return
			}
			var derr error
			if tc.during != nil {
				derr = tc.during(p)
			}
			p.err = errors.Join(derr, p.wait())
		}()
	}
	wg.Wait()

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkFaultCase(t, tc, procs[i]) })
	}
}

func checkFaultCase(t *testing.T, tc faultCase, p *proc) {
	s := p.s
	s.t = t
	t.Logf("exit %d in %s\nstdout:\n%s\nstderr:\n%s", s.code, s.elapsed, s.stdout, s.stderr)
	require.NoError(t, p.err)
	assert.Empty(t, leakOrRace(s.stderr), "the program leaked a goroutine, raced or panicked")
	assert.Equal(t, tc.code, s.code, "exit code")

	out := s.stepOutputs()
	assert.Equal(t, tc.conclusion, out["conclusion"], "conclusion")
	if tc.state != "" {
		assert.Equal(t, tc.state, out["state"], "state")
	}
	if p.fake != nil {
		assert.Equal(t, tc.created, p.fake.CreatedCount(), "runs created")
		if tc.creates > 0 {
			assert.Equal(t, tc.creates, p.requests(routeCreate), "create calls")
		}
	}
	wantID := ""
	if tc.created == 1 && !tc.lostID {
		wantID = "fake-run-000001"
	}
	assert.Equal(t, wantID, out["run_id"], "run_id")

	log := s.stdout + s.stderr
	for _, w := range tc.says {
		assert.Contains(t, log, w)
	}
	// No row is timed: the order of what happened and the files' state
	// are checked instead (the time figures are bench's).
	checkSignalOrder(t, p)
	checkFilesWhole(t, s)
	s.assertNoKey()
	checkNothingWrittenOutsideFilesDir(t, p)
	if p.fake != nil {
		checkKeyOnlyToTheAPI(t, p.fake)
	}
	if tc.check != nil {
		tc.check(t, p)
	}
}
