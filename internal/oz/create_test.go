package oz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	createPath  = "/api/v1/agent/runs"
	createdJSON = `{"run_id":"run-1","task_id":"run-1","state":"QUEUED"}`
	foundJSON   = `{"runs":[` + runJSON + `],"page_info":{"has_next_page":false}}`
	noneJSON    = `{"runs":[],"page_info":{"has_next_page":false}}`
)

var featureOff = reply{status: 403, header: map[string]string{"Content-Type": "application/problem+json"},
	body: `{"type":"https://warp.dev/errors/feature_not_available","title":"Forbidden","status":403,"error":"Metadata filtering is not enabled for this team"}`}

func TestCreateRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		replies   []reply
		transport func(*stub) *http.Client
		timeout   time.Duration
		recovered bool
		creates   int // POST requests
		lookups   int // GET list requests
		wantErr   func(t *testing.T, err error)
	}{
		{name: "created", replies: []reply{{status: 200, body: `{"run_id":"run-1","task_id":"run-1","state":"QUEUED","at_capacity":true}`}},
			creates: 1},
		{name: "(a) created, then 502: found by lookup",
			replies:   []reply{{status: 502}, {status: 200, body: foundJSON}},
			recovered: true, creates: 1, lookups: 1},
		{name: "(b) 503, not created: retried once",
			replies: []reply{{status: 503}, {status: 200, body: noneJSON}, {status: 200, body: noneJSON}, {status: 200, body: createdJSON}},
			creates: 2, lookups: 2},
		{name: "(c) 502, lookup not available: not retried",
			replies: []reply{{status: 502, body: `{"error":"bad gateway"}`}, featureOff}, creates: 1, lookups: 1,
			wantErr: func(t *testing.T, err error) {
				var ae *APIError
				if !errors.Is(err, ErrUncertainCreate) || !errors.As(err, &ae) || ae.StatusCode != 502 || IsTransient(err) {
					t.Errorf("err = %#v, want a final 502 wrapping ErrUncertainCreate", err)
				}
				for _, w := range []string{"create run: HTTP 502", "may or may not", "not retried", "not available to this team", "oz_run_request_id=req-1", "feature_not_available"} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("err %q lacks %q", err, w)
					}
				}
			}},
		{name: "lookup fails otherwise: not retried",
			replies: []reply{{status: 500}, {status: 401}}, creates: 1, lookups: 1,
			wantErr: func(t *testing.T, err error) {
				if !errors.Is(err, ErrUncertainCreate) || !strings.Contains(err.Error(), "looking it up failed") {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "connection refused before sending: retried without lookup",
			replies:   []reply{{status: 200, body: createdJSON}},
			transport: refuseFirstDial, creates: 1},
		{name: "connection reset after sending: found by lookup",
			replies:   []reply{{reset: true}, {status: 200, body: foundJSON}},
			recovered: true, creates: 1, lookups: 1},
		{name: "timeout after sending: not found, retried",
			replies: []reply{{hang: true}, {status: 200, body: noneJSON}, {status: 200, body: noneJSON}, {status: 200, body: createdJSON}},
			timeout: 300 * time.Millisecond, creates: 2, lookups: 2},
		{name: "malformed 200: found by lookup",
			replies:   []reply{{status: 200, body: `{"run_id":`}, {status: 200, body: foundJSON}},
			recovered: true, creates: 1, lookups: 1},
		{name: "408: found by lookup",
			replies:   []reply{{status: 408}, {status: 200, body: foundJSON}},
			recovered: true, creates: 1, lookups: 1},
		{name: "lookup ignores runs of other requests",
			replies: []reply{{status: 504}, {status: 200, body: strings.Replace(foundJSON, "req-1", "req-0", 1)},
				{status: 200, body: strings.Replace(foundJSON, "req-1", "req-0", 1)}, {status: 200, body: createdJSON}},
			creates: 2, lookups: 2},
		{name: "lookup retried on its own 503",
			replies:   []reply{{status: 502}, {status: 503}, {status: 200, body: foundJSON}},
			recovered: true, creates: 1, lookups: 2},
		{name: "429 at capacity: retried without lookup",
			replies: []reply{{status: 429, header: map[string]string{"X-Warp-Error-Code": CodeAtCapacity}}, {status: 200, body: createdJSON}},
			creates: 2},
		{name: "429 out of credits: final",
			replies: []reply{{status: 429, header: map[string]string{"X-Warp-Error-Code": CodeOutOfCredits}}}, creates: 1,
			wantErr: func(t *testing.T, err error) {
				var ae *APIError
				if !errors.As(err, &ae) || !ae.hasCode(CodeOutOfCredits) || IsTransient(err) || !strings.Contains(err.Error(), "add credits") {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "400: final", replies: []reply{{status: 400, body: `{"error":"invalid metadata"}`}}, creates: 1,
			wantErr: func(t *testing.T, err error) {
				if IsTransient(err) || !strings.Contains(err.Error(), "invalid metadata") {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "always 503, never created: gives up",
			replies: []reply{{status: 503}, {status: 200, body: noneJSON}, {status: 200, body: noneJSON},
				{status: 503}, {status: 200, body: noneJSON}, {status: 200, body: noneJSON},
				{status: 503}, {status: 200, body: noneJSON}, {status: 200, body: noneJSON}},
			creates: 3, lookups: 6,
			wantErr: func(t *testing.T, err error) {
				if errors.Is(err, ErrUncertainCreate) || !strings.Contains(err.Error(), "after 3 attempts; no run with metadata oz_run_request_id=req-1 was found") {
					t.Errorf("err = %v", err)
				}
				if id, ok := RequestIDFrom(err); !ok || id != "req-1" {
					t.Errorf("RequestIDFrom = %q, %v; want req-1", id, ok)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.replies...)
			var opts []Option
			if tc.transport != nil {
				opts = append(opts, WithHTTPClient(tc.transport(s)))
			}
			if tc.timeout > 0 {
				opts = append(opts, WithRequestTimeout(tc.timeout))
			}
			c, _ := testClient(t, s, opts...)
			got, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "fix it", Mode: "normal", Metadata: map[string]string{"pr": "7"}})
			switch {
			case tc.wantErr != nil:
				if err == nil {
					t.Fatalf("CreateRun = %+v, want an error", got)
				}
				tc.wantErr(t, err)
			case err != nil:
				t.Fatal(err)
			case got.RunID != "run-1" || got.TaskID != "run-1" || got.Recovered != tc.recovered:
				t.Errorf("CreateRun = %+v, want run-1 recovered=%v", got, tc.recovered)
			}
			if n := s.count(http.MethodPost, createPath); n != tc.creates {
				t.Errorf("%d create requests, want %d", n, tc.creates)
			}
			if n := s.count(http.MethodGet, createPath); n != tc.lookups {
				t.Errorf("%d lookups, want %d", n, tc.lookups)
			}
			for _, r := range s.requests() {
				if r.Method == http.MethodGet && r.Query.Get("metadata["+RequestIDKey+"]") != "req-1" {
					t.Errorf("lookup query = %v, want metadata[%s]=req-1", r.Query, RequestIDKey)
				}
				if r.Method == http.MethodPost {
					var body CreateRunRequest
					if err := json.Unmarshal(r.Body, &body); err != nil || body.Metadata[RequestIDKey] != "req-1" || body.Metadata["pr"] != "7" || body.Prompt != "fix it" {
						t.Errorf("create body = %s (%v)", r.Body, err)
					}
				}
			}
		})
	}
}

func TestCreateRunDoesNotChangeTheRequest(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 200, body: createdJSON}, reply{status: 200, body: createdJSON})
	c, err := NewClient(s.srv.URL+"/api/v1", WithAPIKey(testKey), WithHTTPClient(s.srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	md := map[string]string{"a": "1"}
	if _, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p", Metadata: md}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"}); err != nil {
		t.Fatal(err)
	}
	if len(md) != 1 {
		t.Errorf("the caller's metadata was changed: %v", md)
	}
	var ids []string
	for _, r := range s.requests() {
		var body CreateRunRequest
		_ = json.Unmarshal(r.Body, &body)
		ids = append(ids, body.Metadata[RequestIDKey])
	}
	if len(ids) != 2 || len(ids[0]) != 32 || ids[0] == ids[1] {
		t.Errorf("request ids = %q, want two different random ids", ids)
	}
}

func TestCreateRunCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := newStub(t, reply{hang: true, before: cancel})
	c, _ := testClient(t, s)
	_, err := c.CreateRun(ctx, CreateRunRequest{Prompt: "p"})
	if err == nil || !strings.Contains(err.Error(), "a run may have been created with metadata oz_run_request_id=req-1") || IsTransient(err) {
		t.Errorf("err = %v", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no lookup once cancelled)", n)
	}
}

// sequence is the stub's requests in order: P a create, L a lookup.
func sequence(s *stub) string {
	var b strings.Builder
	for _, r := range s.requests() {
		switch {
		case r.Method == http.MethodPost && r.Path == createPath:
			b.WriteString("P")
		case r.Method == http.MethodGet && r.Path == createPath:
			b.WriteString("L")
		default:
			b.WriteString("?")
		}
	}
	return b.String()
}

// TestCreateRunLooksAgainBeforeReposting: after an ambiguous failure and an
// empty lookup, the server may still be recording the first create; it is
// given the settle delay and looked up again, after the backoff wait, before
// every new create.
func TestCreateRunLooksAgainBeforeReposting(t *testing.T) {
	t.Parallel()
	capacity := reply{status: 429, header: map[string]string{"X-Warp-Error-Code": CodeAtCapacity}}
	none := reply{status: 200, body: noneJSON}
	found := reply{status: 200, body: foundJSON}
	tests := []struct {
		name        string
		maxAttempts int
		replies     []reply
		want        string // sequence
		recovered   bool
		settleWaits int // waits of at least SettleDelay
	}{
		{name: "recorded during the settle delay", replies: []reply{{status: 502}, none, found},
			want: "PLL", recovered: true, settleWaits: 1},
		{name: "still missing: created again", replies: []reply{{status: 502}, none, none, {status: 200, body: createdJSON}},
			want: "PLLP", settleWaits: 1},
		{name: "looked up before every re-create", replies: []reply{{status: 502}, none, none, capacity, found},
			want: "PLLPL", recovered: true, settleWaits: 1},
		{name: "last attempt: settled and looked up once more", maxAttempts: 1,
			replies: []reply{{status: 504}, none, found}, want: "PLL", recovered: true, settleWaits: 1},
		{name: "not ambiguous: no lookup, no settle", replies: []reply{capacity, {status: 200, body: createdJSON}},
			want: "PP"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.replies...)
			p := fastRetry
			p.SettleDelay = 50 * time.Millisecond
			if tc.maxAttempts > 0 {
				p.MaxAttempts = tc.maxAttempts
			}
			c, w := testClient(t, s, WithRetry(p))
			got, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
			if err != nil {
				t.Fatal(err)
			}
			if got.RunID != "run-1" || got.Recovered != tc.recovered {
				t.Errorf("CreateRun = %+v, want run-1 recovered=%v", got, tc.recovered)
			}
			if seq := sequence(s); seq != tc.want {
				t.Errorf("requests %s, want %s", seq, tc.want)
			}
			settled := 0
			for _, d := range w.all() {
				if d >= p.SettleDelay {
					settled++
				}
			}
			if settled != tc.settleWaits {
				t.Errorf("waits %v: %d of at least %s, want %d", w.all(), settled, p.SettleDelay, tc.settleWaits)
			}
		})
	}
}

// TestCreateRunSettleDelayRealWait waits for real, with a tiny delay: the
// call takes at least the settle delay. (The exact waits are checked with
// a fake timer above; no upper bound here, which a busy machine could
// break.)
func TestCreateRunSettleDelayRealWait(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 503}, reply{status: 200, body: noneJSON}, reply{status: 200, body: foundJSON})
	c, _ := testClient(t, s, WithRetry(RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, MaxAttempts: 3, SettleDelay: 60 * time.Millisecond}))
	c.newTimer = nil
	start := time.Now()
	if _, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("took %s, want at least the 60ms settle delay", d)
	}
}

// TestFindRunByRequestID: a filtered list is trusted when its run shows no
// metadata (metadata is optional); a run with another request id is not.
func TestFindRunByRequestID(t *testing.T) {
	t.Parallel()
	list := func(runs ...string) reply {
		return reply{status: 200, body: `{"runs":[` + strings.Join(runs, ",") + `],"page_info":{"has_next_page":false}}`}
	}
	noMetadata := strings.Replace(runJSON, `"metadata":{"oz_run_request_id":"req-1"},`, "", 1)
	otherKeys := strings.Replace(runJSON, `"oz_run_request_id":"req-1"`, `"pr":"7"`, 1)
	otherID := strings.Replace(runJSON, "req-1", "req-0", 1)
	tests := []struct {
		name    string
		reply   reply
		want    string // run id; "" = none
		wantErr string
	}{
		{"match", list(runJSON), "run-1", ""},
		{"no metadata: the filter is trusted", list(noMetadata), "run-1", ""},
		{"metadata without the key: the filter is trusted", list(otherKeys), "run-1", ""},
		{"another request id", list(otherID), "", ""},
		{"a match among others", list(otherID, runJSON), "run-1", ""},
		{"empty", list(), "", ""},
		{"several without metadata: the filter seems ignored", list(noMetadata, noMetadata), "", "ignore the metadata filter"},
		{"filter unavailable", featureOff, "", "feature_not_available"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.reply)
			c, _ := testClient(t, s)
			run, err := c.FindRunByRequestID(t.Context(), "req-1")
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err = %v, want %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case tc.want == "" && run != nil, tc.want != "" && (run == nil || run.RunID != tc.want):
				t.Errorf("run = %+v, want %q", run, tc.want)
			}
			if q := s.requests()[0].Query.Get("metadata[" + RequestIDKey + "]"); q != "req-1" {
				t.Errorf("filter = %q", q)
			}
		})
	}
	c, err := NewClient("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FindRunByRequestID(t.Context(), ""); err == nil {
		t.Error("FindRunByRequestID(\"\") succeeded")
	}
}

// TestCreateRunTrustsFilteredRunWithoutMetadata: a run found without
// metadata is the one created; no second create.
func TestCreateRunTrustsFilteredRunWithoutMetadata(t *testing.T) {
	t.Parallel()
	noMetadata := strings.Replace(foundJSON, `"metadata":{"oz_run_request_id":"req-1"},`, "", 1)
	s := newStub(t, reply{status: 502}, reply{status: 200, body: noMetadata})
	c, _ := testClient(t, s)
	got, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
	if err != nil || !got.Recovered || got.RunID != "run-1" {
		t.Fatalf("CreateRun = %+v, %v; want run-1 recovered", got, err)
	}
	if seq := sequence(s); seq != "PL" {
		t.Errorf("requests %s, want PL", seq)
	}
}

func TestRequestIDFrom(t *testing.T) {
	t.Parallel()
	t.Run("cancelled after sending", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s := newStub(t, reply{hang: true, before: cancel})
		c, _ := testClient(t, s)
		_, err := c.CreateRun(ctx, CreateRunRequest{Prompt: "p"})
		if id, ok := RequestIDFrom(err); !ok || id != "req-1" || !errors.Is(err, context.Canceled) {
			t.Errorf("RequestIDFrom(%v) = %q, %v; want req-1", err, id, ok)
		}
	})
	t.Run("uncertain", func(t *testing.T) {
		t.Parallel()
		s := newStub(t, reply{status: 502}, featureOff)
		c, _ := testClient(t, s)
		_, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
		var ae *APIError
		if id, ok := RequestIDFrom(err); !ok || id != "req-1" || !errors.Is(err, ErrUncertainCreate) || !errors.As(err, &ae) {
			t.Errorf("RequestIDFrom(%v) = %q, %v; want req-1", err, id, ok)
		}
	})
	t.Run("final before anything was created", func(t *testing.T) {
		t.Parallel()
		s := newStub(t, reply{status: 400, body: `{"error":"bad"}`})
		c, _ := testClient(t, s)
		_, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
		if id, ok := RequestIDFrom(err); ok || err == nil {
			t.Errorf("RequestIDFrom(%v) = %q, true; want none", err, id)
		}
	})
	if _, ok := RequestIDFrom(nil); ok {
		t.Error("RequestIDFrom(nil) ok")
	}
}

// TestCreateRunRetriesWhileAtCapacity: a 429 that is not a lack of credits
// is retried past MaxAttempts, waits growing to MaxInterval, Retry-After
// honoured, each retry logged, until the context ends.
func TestCreateRunRetriesWhileAtCapacity(t *testing.T) {
	t.Parallel()
	capacity := reply{status: 429, header: map[string]string{"X-Warp-Error-Code": CodeAtCapacity}}
	t.Run("until created", func(t *testing.T) {
		t.Parallel()
		replies := []reply{{status: 429, header: map[string]string{"Retry-After": "3"}}}
		for range 9 {
			replies = append(replies, capacity)
		}
		s := newStub(t, append(replies, reply{status: 200, body: createdJSON})...)
		var mu sync.Mutex
		logged := 0
		c, w := testClient(t, s, WithLogf(func(format string, _ ...any) {
			if strings.Contains(format, "until the timeout") {
				mu.Lock()
				logged++
				mu.Unlock()
			}
		}))
		if _, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"}); err != nil {
			t.Fatal(err)
		}
		if seq := sequence(s); seq != "PPPPPPPPPPP" {
			t.Errorf("requests %s, want 11 creates, no lookup", seq)
		}
		waits := w.all()
		if len(waits) != 10 || waits[0] != 3*time.Second {
			t.Fatalf("waits = %v, want 10, the first the Retry-After", waits)
		}
		for _, d := range waits[1:] {
			if d > fastRetry.MaxInterval*3/2 {
				t.Errorf("wait %s over MaxInterval (with jitter)", d)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if logged != 10 {
			t.Errorf("%d retries logged, want 10", logged)
		}
	})
	t.Run("bare 429 until the context ends", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s := newStub(t, reply{status: 429}, reply{status: 429}, reply{status: 429}, reply{status: 429}, reply{status: 429})
		retries := 0
		c, _ := testClient(t, s, WithLogf(func(format string, _ ...any) {
			if strings.Contains(format, "retrying in") {
				if retries++; retries == 5 {
					cancel() // during the fifth wait
				}
			}
		}))
		_, err := c.CreateRun(ctx, CreateRunRequest{Prompt: "p"})
		if !errors.Is(err, context.Canceled) || IsTransient(err) || !strings.Contains(err.Error(), "HTTP 429") {
			t.Errorf("err = %v, want the cancel with the last 429", err)
		}
		if _, ok := RequestIDFrom(err); ok {
			t.Errorf("RequestIDFrom(%v) ok, but no run can exist", err)
		}
		if n := s.count(http.MethodPost, createPath); n != 5 {
			t.Errorf("%d creates, want 5", n)
		}
	})
}

// TestCreateRun408NotRetryable: a 408 may have created the run (looked
// up), but with "retryable": false it is not tried again.
func TestCreateRun408NotRetryable(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 408, header: map[string]string{"Content-Type": "application/problem+json"},
		body: `{"type":"about:blank","title":"t","status":408,"error":"slow","retryable":false}`}, reply{status: 200, body: noneJSON})
	c, _ := testClient(t, s)
	_, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
	if IsTransient(err) || !strings.Contains(err.Error(), "HTTP 408") {
		t.Errorf("err = %v, want a final 408", err)
	}
	if id, ok := RequestIDFrom(err); !ok || id != "req-1" {
		t.Errorf("RequestIDFrom = %q, %v; want req-1", id, ok)
	}
	if seq := sequence(s); seq != "PL" {
		t.Errorf("requests %s, want PL", seq)
	}
}

// TestCreateRunFinalProblems: a lack of credits or budget, or a problem
// body saying "retryable": false, ends the create at once.
func TestCreateRunFinalProblems(t *testing.T) {
	t.Parallel()
	problem := func(status int, typ, extra string) reply {
		return reply{status: status, header: map[string]string{"Content-Type": "application/problem+json"},
			body: `{"type":"https://warp.dev/errors/` + typ + `","title":"t","status":` + fmt.Sprint(status) + `,"error":"no"` + extra + `}`}
	}
	for name, r := range map[string]reply{
		"insufficient-credits type": problem(429, "insufficient-credits", ""),
		"insufficient_credits type": problem(429, "insufficient_credits", ""),
		"budget_exceeded type":      problem(429, "budget_exceeded", ""),
		"bare 429, retryable false": problem(429, "rate_limited", `,"retryable":false`),
		"budget header on a 429":    {status: 429, header: map[string]string{"X-Warp-Error-Code": "BUDGET_EXCEEDED"}},
		"credits type under a 402":  problem(402, "insufficient_credits", ""),
		"at capacity, retryable false": {status: 429, header: map[string]string{"X-Warp-Error-Code": CodeAtCapacity, "Content-Type": "application/problem+json"},
			body: `{"type":"about:blank","title":"t","status":429,"error":"no","retryable":false}`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, r)
			c, w := testClient(t, s)
			_, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
			var ae *APIError
			if !errors.As(err, &ae) || ae.StatusCode != r.status || IsTransient(err) {
				t.Errorf("err = %v, want a final %d", err, r.status)
			}
			if seq := sequence(s); seq != "P" || len(w.all()) != 0 {
				t.Errorf("requests %s, waits %v; want one create", seq, w.all())
			}
		})
	}
}
