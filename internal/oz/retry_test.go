package oz

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRetryTransientThenSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		first   reply
		minWait time.Duration // the wait before the second attempt is at least this
	}{
		{"bare 429", reply{status: 429}, 0},
		{"429 at capacity", reply{status: 429, header: map[string]string{"X-Warp-Error-Code": CodeAtCapacity}}, 0},
		{"408", reply{status: 408}, 0},
		{"500", reply{status: 500, body: `{"error":"boom"}`}, 0},
		{"502 html", reply{status: 502, body: "<html>Bad Gateway</html>", header: map[string]string{"Content-Type": "text/html"}}, 0},
		{"503 Retry-After seconds", reply{status: 503, header: map[string]string{"Retry-After": "7"}}, 7 * time.Second},
		{"429 Retry-After seconds", reply{status: 429, header: map[string]string{"Retry-After": "3"}}, 3 * time.Second},
		{"Retry-After over the cap", reply{status: 503, header: map[string]string{"Retry-After": "3600"}}, time.Minute},
		{"malformed 200", reply{status: 200, body: `{"run_id": 5`}, 0},
		{"empty 200", reply{status: 200}, 0},
		{"connection reset", reply{reset: true}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.first, reply{status: 200, body: runJSON})
			c, w := testClient(t, s)
			if _, err := c.GetRun(t.Context(), "run-1"); err != nil {
				t.Fatal(err)
			}
			waits := w.all()
			if len(waits) != 1 {
				t.Fatalf("waits = %v, want one", waits)
			}
			if tc.minWait > 0 && waits[0] != tc.minWait {
				t.Errorf("wait = %s, want the server's Retry-After (capped) %s", waits[0], tc.minWait)
			}
			if tc.minWait == 0 && waits[0] > fastRetry.MaxInterval {
				t.Errorf("wait = %s, want at most %s", waits[0], fastRetry.MaxInterval)
			}
			if n := len(s.requests()); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	s := newStub(t,
		reply{status: 429, header: map[string]string{"Retry-After": now.Add(5 * time.Second).Format(http.TimeFormat)}},
		reply{status: 200, body: `{"runs":[],"page_info":{"has_next_page":false}}`})
	c, w := testClient(t, s)
	c.now = func() time.Time { return now }
	if _, err := c.ListRuns(t.Context(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := w.all(); !reflect.DeepEqual(got, []time.Duration{5 * time.Second}) {
		t.Errorf("waits = %v, want [5s]", got)
	}
}

// TestRetryAfterRealWait waits for real, with tiny values: a Retry-After of
// an hour, capped to 60ms. The call's context only tells an uncapped wait
// (an hour) from a capped one: its 30 s leave a busy machine all the room
// it needs, and the exact waits are checked with a fake timer above.
func TestRetryAfterRealWait(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 503, header: map[string]string{"Retry-After": "3600"}}, reply{status: 200, body: runJSON})
	c, _ := testClient(t, s, WithRetry(RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, MaxRetryAfter: 60 * time.Millisecond, MaxAttempts: 2}))
	c.newTimer = nil
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := c.GetRun(ctx, "run-1"); err != nil {
		t.Fatalf("the Retry-After of an hour was not capped to 60ms: %v", err)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("took %s, want at least the 60ms waited", d)
	}
}

func TestNoRetryOnFinalErrors(t *testing.T) {
	t.Parallel()
	for _, r := range []reply{
		{status: 400, body: `{"error":"bad"}`},
		{status: 401},
		{status: 403},
		{status: 404},
		{status: 409},
		{status: 418},
		{status: 422},
		{status: 429, header: map[string]string{"X-Warp-Error-Code": CodeOutOfCredits}},
	} {
		s := newStub(t, r)
		c, w := testClient(t, s)
		_, err := c.GetRun(t.Context(), "run-1")
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != r.status || IsTransient(err) {
			t.Errorf("HTTP %d: err = %v, want a final *APIError", r.status, err)
		}
		if len(w.all()) != 0 || len(s.requests()) != 1 {
			t.Errorf("HTTP %d: %d requests, waits %v; want one request, no wait", r.status, len(s.requests()), w.all())
		}
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 503}, reply{status: 502}, reply{status: 500, body: `{"error":"still down"}`})
	c, w := testClient(t, s)
	_, err := c.GetRun(t.Context(), "run-1")
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 || !IsTransient(err) {
		t.Fatalf("err = %v, want the last 500", err)
	}
	if !strings.Contains(err.Error(), "still down") || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("err = %q", err)
	}
	if got := len(w.all()); got != 2 {
		t.Errorf("%d waits, want 2", got)
	}
}

func TestBackoffGrows(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 503}, reply{status: 503}, reply{status: 503}, reply{status: 503}, reply{status: 200, body: runJSON})
	c, w := testClient(t, s, WithRetry(RetryPolicy{InitialInterval: 100 * time.Millisecond, MaxInterval: 200 * time.Millisecond, MaxAttempts: 5}))
	if _, err := c.GetRun(t.Context(), "run-1"); err != nil {
		t.Fatal(err)
	}
	got := w.all()
	if len(got) != 4 {
		t.Fatalf("waits = %v", got)
	}
	for i, d := range got {
		// Jitter is ±50% around an interval between 100ms and 200ms.
		if d < 50*time.Millisecond || d > 300*time.Millisecond {
			t.Errorf("wait %d = %s, out of [50ms, 300ms]", i, d)
		}
	}
}

// TestCancelEndsBackoffSleep cancels the context while the client waits an
// hour to retry; the call must return with the context's error, not after
// the wait. (Only that is timed: a call still waiting a minute after the
// cancel has not been cut short, whatever the machine's load.)
func TestCancelEndsBackoffSleep(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 503, header: map[string]string{"Retry-After": "3600"}})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	logged := false
	c, _ := testClient(t, s, WithRetry(RetryPolicy{InitialInterval: time.Hour, MaxInterval: time.Hour, MaxRetryAfter: time.Hour, MaxAttempts: 3}),
		WithLogf(func(format string, _ ...any) {
			if strings.Contains(format, "retrying in") {
				logged = true
				cancel()
			}
		}))
	c.newTimer = nil
	var err error
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		_, err = c.GetRun(ctx, "run-1")
	}()
	select {
	case <-returned:
	case <-time.After(time.Minute):
		t.Fatal("the call was still waiting to retry a minute after the cancel")
	}
	if !logged || len(s.requests()) != 1 {
		t.Errorf("logged the wait %v, %d requests: want the wait cut short after 1 request", logged, len(s.requests()))
	}
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "get run run-1") || !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("err = %v, want context.Canceled wrapped with the op and the last failure", err)
	}
	if IsTransient(err) {
		t.Errorf("IsTransient(%v) = true after a cancel", err)
	}
}

func TestCancelDuringRequest(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := newStub(t, reply{hang: true, before: cancel})
	c, w := testClient(t, s)
	_, err := c.ListRuns(ctx, ListOptions{})
	if !errors.Is(err, context.Canceled) || IsTransient(err) || len(w.all()) != 0 {
		t.Errorf("err = %v, waits %v; want the deadline, no retry", err, w.all())
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                                  0,
		"0":                                 0,
		" 5 ":                               5 * time.Second,
		"-3":                                0,
		"1.5":                               0,
		"soon":                              0,
		"99999999999999999999":              maxRetryAfter,
		"Wed, 01 May 2024 10:00:30 GMT":     30 * time.Second,
		"Wed, 01 May 2024 09:00:00 GMT":     0,
		"Wednesday, 01-May-24 10:01:00 GMT": time.Minute,
		"Thu, 01 May 2025 10:00:00 GMT":     maxRetryAfter,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}
