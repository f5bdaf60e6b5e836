package oz

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewClientBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		wantPath string // of the create endpoint; "" = an error naming api_url
	}{
		{"", "/api/v1/agent/runs"},
		{"https://app.warp.dev/api/v1", "/api/v1/agent/runs"},
		{"https://app.warp.dev/api/v1/", "/api/v1/agent/runs"},
		{" http://127.0.0.1:8080 ", "/agent/runs"},
		{"http://127.0.0.1:8080/", "/agent/runs"},
		{"ftp://app.warp.dev/api/v1", ""},
		{"app.warp.dev/api/v1", ""},
		{"https://", ""},
		{"https://user:pw@app.warp.dev/api/v1", ""},
		{"https://app.warp.dev/api/v1?x=1", ""},
		{"https://app.warp.dev/api/v1#x", ""},
		{"http://[::1", ""},
	}
	for _, tc := range tests {
		c, err := NewClient(tc.in)
		if tc.wantPath == "" {
			if err == nil || !strings.Contains(err.Error(), "api_url") {
				t.Errorf("NewClient(%q) err = %v, want an error naming api_url", tc.in, err)
			}
			if err != nil && strings.Contains(err.Error(), "pw") {
				t.Errorf("NewClient(%q) err shows the password: %v", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewClient(%q): %v", tc.in, err)
			continue
		}
		if got := c.endpoint("agent", "runs").EscapedPath(); got != tc.wantPath {
			t.Errorf("NewClient(%q): create path %q, want %q", tc.in, got, tc.wantPath)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opt  Option
		want string // in the error
	}{
		{"empty key", WithAPIKey(""), "warp_api_key is empty"},
		{"key with space", WithAPIKey("wk-abc def-SECRET"), "warp_api_key contains whitespace"},
		{"key with newline", WithAPIKey("wk-abc\ndef-SECRET"), "warp_api_key contains whitespace"},
		{"key with zero-width space", WithAPIKey("wk-abc\u200bdef-SECRET"), "warp_api_key contains whitespace"},
		{"nil http client", WithHTTPClient(nil), "nil"},
		{"empty user agent", WithUserAgent(""), "WithUserAgent"},
		{"user agent with newline", WithUserAgent("a\nb"), "WithUserAgent"},
		{"team uid with space", WithTeamUID("team 1"), "team_uid"},
		{"zero timeout", WithRequestTimeout(0), "WithRequestTimeout"},
		{"no attempts", WithRetry(RetryPolicy{InitialInterval: 1, MaxInterval: 1}), "MaxAttempts"},
		{"max below initial", WithRetry(RetryPolicy{InitialInterval: 2, MaxInterval: 1, MaxAttempts: 1}), "intervals"},
		{"negative retry-after", WithRetry(RetryPolicy{InitialInterval: 1, MaxInterval: 1, MaxRetryAfter: -1, MaxAttempts: 1}), "MaxRetryAfter"},
	}
	for _, tc := range tests {
		_, err := NewClient("", tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: the error shows the key: %v", tc.name, err)
		}
	}
	if _, err := NewClient("", WithAPIKey(testKey), WithUserAgent("oz-run/1.2.3"), WithTeamUID(""),
		WithRequestTimeout(time.Second), WithRetry(DefaultRetryPolicy()), WithLogf(nil), WithHTTPClient(http.DefaultClient)); err != nil {
		t.Errorf("valid options: %v", err)
	}
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 200, body: runJSON}, reply{status: 200, body: runJSON})
	s.lax = true
	c, _ := testClient(t, s, WithUserAgent("oz-run/1.2.3"), WithTeamUID("team-9"))
	if _, err := c.GetRun(t.Context(), "run-1"); err != nil {
		t.Fatal(err)
	}
	anon, err := NewClient(s.srv.URL, WithHTTPClient(s.srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anon.GetRun(t.Context(), "run-1"); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	h := reqs[0].Header
	for name, want := range map[string]string{
		"Authorization":   "Bearer " + testKey,
		"User-Agent":      "oz-run/1.2.3",
		"X-Warp-Team-Uid": "team-9",
		"Accept":          "application/json",
		"X-Oz-Api-Source": "",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	h = reqs[1].Header
	for _, name := range []string{"Authorization", "X-Warp-Team-Uid", "X-Oz-Api-Source"} {
		if got := h.Get(name); got != "" {
			t.Errorf("client without key/team: header %s = %q, want none", name, got)
		}
	}
	if got := h.Get("User-Agent"); got != DefaultUserAgent {
		t.Errorf("default User-Agent = %q, want %q", got, DefaultUserAgent)
	}
}

func TestDebugLogNeverShowsKey(t *testing.T) {
	t.Parallel()
	echo := fmt.Sprintf(`{"type":"https://warp.dev/errors/authentication_required","title":"Unauthorized","status":401,"error":"bad key Bearer %s"}`, testKey)
	s := newStub(t,
		reply{status: 503, body: "<html><body>down " + testKey + "</body></html>", header: map[string]string{"Content-Type": "text/html"}},
		reply{status: 401, body: echo, header: map[string]string{"Content-Type": "application/problem+json"}},
	)
	var mu sync.Mutex
	var lines []string
	c, _ := testClient(t, s, WithLogf(func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}))
	_, err := c.GetRun(t.Context(), "run-1")
	if err == nil {
		t.Fatal("GetRun succeeded, want the 401")
	}
	if strings.Contains(err.Error(), testKey) || strings.Contains(fmt.Sprintf("%+v", err), testKey) {
		t.Errorf("the error shows the key: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(lines, "\n")
	for _, bad := range []string{testKey, "Bearer", "Authorization"} {
		if strings.Contains(all, bad) {
			t.Errorf("the debug log shows %q:\n%s", bad, all)
		}
	}
	for _, want := range []string{"GET /api/v1/agent/runs/run-1 attempt 1: HTTP 503", "attempt 2: HTTP 401", "retrying in"} {
		if !strings.Contains(all, want) {
			t.Errorf("the debug log lacks %q:\n%s", want, all)
		}
	}
}

func TestEndpointEscapesRunID(t *testing.T) {
	t.Parallel()
	c, err := NewClient("https://h/api/v1")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		"run-1":     "/api/v1/agent/runs/run-1",
		"a/b c?d#e": "/api/v1/agent/runs/a%2Fb%20c%3Fd%23e",
		"..":        "/api/v1/agent/runs/%2E%2E",
		".":         "/api/v1/agent/runs/%2E",
		"ü":         "/api/v1/agent/runs/%C3%BC",
	} {
		u := c.endpoint("agent", "runs", id)
		if got := u.EscapedPath(); got != want {
			t.Errorf("endpoint(%q) = %q, want %q", id, got, want)
		}
		if got := u.String(); got != "https://h"+want {
			t.Errorf("endpoint(%q).String() = %q", id, got)
		}
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{hang: true}, reply{status: 200, body: runJSON})
	c, _ := testClient(t, s, WithRequestTimeout(300*time.Millisecond))
	start := time.Now()
	run, err := c.GetRun(context.Background(), "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if run.RunID != "run-1" || time.Since(start) > 2*time.Second {
		t.Errorf("run %q after %s", run.RunID, time.Since(start))
	}
}
