package oz

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestNewClientBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		wantPath string // of the create endpoint; "" = a neutral error about the base URL
	}{
		{"", "/api/v1/agent/runs"},
		{"https://app.warp.dev/api/v1", "/api/v1/agent/runs"},
		{"https://app.warp.dev/api/v1/", "/api/v1/agent/runs"},
		{" http://127.0.0.1:8080 ", "/agent/runs"},
		{"http://127.0.0.1:8080/", "/agent/runs"},
		{"ftp://app.warp.dev/api/v1", ""},
		{"app.warp.dev/api/v1", ""},
		{"https://", ""},
		{"http://[::1", ""},
		{"ftp://user:pw@app.warp.dev/api/v1", ""},
		// config refuses these; the client never sends them.
		{"https://user:pw@app.warp.dev/api/v1", "/api/v1/agent/runs"},
		{"https://app.warp.dev/api/v1?x=1", "/api/v1/agent/runs"},
		{"https://app.warp.dev/api/v1#x", "/api/v1/agent/runs"},
	}
	for _, tc := range tests {
		c, err := NewClient(tc.in)
		if tc.wantPath == "" {
			if err == nil || !strings.HasPrefix(err.Error(), "oz: the base URL") {
				t.Errorf("NewClient(%q) err = %v, want a neutral error about the base URL", tc.in, err)
			}
			if err != nil && (strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "api_url")) {
				t.Errorf("NewClient(%q) err shows the password or speaks of an input: %v", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewClient(%q): %v", tc.in, err)
			continue
		}
		u := c.endpoint("agent", "runs")
		if got := u.EscapedPath(); got != tc.wantPath {
			t.Errorf("NewClient(%q): create path %q, want %q", tc.in, got, tc.wantPath)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			t.Errorf("NewClient(%q): the endpoint %s keeps user info, a query or a fragment", tc.in, u.Redacted())
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
		{"empty key", WithAPIKey(""), "oz: WithAPIKey: the key is empty"},
		{"nil http client", WithHTTPClient(nil), "nil"},
		{"empty user agent", WithUserAgent(""), "WithUserAgent"},
		{"user agent with newline", WithUserAgent("a\nb"), "WithUserAgent"},
		{"zero timeout", WithRequestTimeout(0), "WithRequestTimeout"},
		{"no attempts", WithRetry(RetryPolicy{InitialInterval: 1, MaxInterval: 1}), "MaxAttempts"},
		{"max below initial", WithRetry(RetryPolicy{InitialInterval: 2, MaxInterval: 1, MaxAttempts: 1}), "intervals"},
		{"negative retry-after", WithRetry(RetryPolicy{InitialInterval: 1, MaxInterval: 1, MaxRetryAfter: -1, MaxAttempts: 1}), "MaxRetryAfter"},
		{"negative settle delay", WithRetry(RetryPolicy{InitialInterval: 1, MaxInterval: 1, MaxAttempts: 1, SettleDelay: -1}), "SettleDelay"},
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
		"Accept":          "application/json, application/problem+json",
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

// TestPerAttemptTimeout: an attempt that gets no answer is given up after
// the request timeout and tried again. The call's own context only
// detects a hang: an attempt that waited for ever would end with it (60 s,
// far above the 300 ms timeout, so that a busy machine cannot fail the
// test), and the call would fail.
func TestPerAttemptTimeout(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{hang: true}, reply{status: 200, body: runJSON})
	c, _ := testClient(t, s, WithRequestTimeout(300*time.Millisecond))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	run, err := c.GetRun(ctx, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if run.RunID != "run-1" || len(s.requests()) != 2 {
		t.Errorf("run %q after %d requests, want run-1 after 2", run.RunID, len(s.requests()))
	}
}

// TestRedirectIsFinal: a redirect is not followed (it would turn the
// create into a GET); it is a final error naming its Location. A caller's
// HTTP client is not changed.
func TestRedirectIsFinal(t *testing.T) {
	t.Parallel()
	for _, own := range []bool{false, true} {
		s := newStub(t, reply{status: 301, header: map[string]string{"Location": "/api/v2/agent/runs"}, body: "<html>Moved</html>"})
		var c *Client
		if own {
			c, _ = testClient(t, s) // WithHTTPClient(s.srv.Client()), which has no CheckRedirect
		} else {
			var err error
			if c, err = NewClient(s.srv.URL+"/api/v1", WithAPIKey(testKey)); err != nil {
				t.Fatal(err)
			}
			c.hc.Transport = s.srv.Client().Transport // into the client NewClient built
		}
		_, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != 301 || IsTransient(err) ||
			!strings.Contains(err.Error(), "redirected to /api/v2/agent/runs") || !strings.Contains(err.Error(), "set api_url") {
			t.Errorf("own client %v: err = %v, want a final 301 naming the Location", own, err)
		}
		if n := len(s.requests()); n != 1 {
			t.Errorf("own client %v: %d requests, want 1 (not followed)", own, n)
		}
	}
	mine := &http.Client{}
	c, err := NewClient("", WithHTTPClient(mine))
	if err != nil {
		t.Fatal(err)
	}
	if mine.CheckRedirect != nil || c.hc == mine || c.hc.CheckRedirect == nil {
		t.Error("WithHTTPClient changed the caller's client or kept following redirects")
	}
	theirs := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	if c, _ := NewClient("", WithHTTPClient(theirs)); c.hc != theirs {
		t.Error("WithHTTPClient replaced a client that has its own CheckRedirect")
	}
}

// roundTripper is an http.RoundTripper made of a function.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestCustomRoundTripperFailureIsAmbiguous: with a RoundTripper of its own
// (no connection events), a failure after sending still counts as "maybe
// created": the run is looked up, not created twice.
func TestCustomRoundTripperFailureIsAmbiguous(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 200, body: createdJSON}, reply{status: 200, body: foundJSON})
	inner := s.srv.Client().Transport
	var calls atomic.Int32
	rt := roundTripper(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) > 1 {
			return inner.RoundTrip(r)
		}
		// Sent through a path the client cannot trace, and the answer lost.
		resp, err := inner.RoundTrip(r.Clone(context.Background()))
		if err == nil {
			_ = resp.Body.Close()
		}
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	})
	c, _ := testClient(t, s, WithHTTPClient(&http.Client{Transport: rt}))
	got, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
	if err != nil || !got.Recovered {
		t.Fatalf("CreateRun = %+v, %v; want the run recovered", got, err)
	}
	if seq := sequence(s); seq != "PL" {
		t.Errorf("requests %s, want PL (one create)", seq)
	}
}

// TestNotSentFailures: a dial error or a DNS error happens before sending:
// the create is retried without a lookup (or ends, when the host does not
// exist).
func TestNotSentFailures(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		err   error
		final bool
	}{
		"dial":           {&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, false},
		"proxy connect":  {&net.OpError{Op: "proxyconnect", Net: "tcp", Err: syscall.ECONNREFUSED}, false},
		"dns timeout":    {&net.OpError{Op: "dial", Err: &net.DNSError{Err: "i/o timeout", Name: "h", IsTimeout: true}}, false},
		"host not found": {&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "nope.invalid", IsNotFound: true}}, true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var replies []reply
			if !tc.final {
				replies = append(replies, reply{status: 200, body: createdJSON})
			}
			s := newStub(t, replies...)
			tr := s.srv.Client().Transport.(*http.Transport).Clone()
			t.Cleanup(tr.CloseIdleConnections)
			var once sync.Once
			var d net.Dialer
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				var fail bool
				once.Do(func() { fail = true })
				if fail || tc.final {
					return nil, tc.err
				}
				return d.DialContext(ctx, network, addr)
			}
			c, w := testClient(t, s, WithHTTPClient(&http.Client{Transport: tr}))
			_, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
			switch {
			case tc.final:
				if err == nil || IsTransient(err) || !strings.Contains(err.Error(), "does not resolve") || len(w.all()) != 0 {
					t.Errorf("err = %v, waits %v; want a final error at once", err, w.all())
				}
				if _, ok := RequestIDFrom(err); ok {
					t.Errorf("RequestIDFrom(%v) ok, but nothing was sent", err)
				}
			case err != nil:
				t.Fatal(err)
			}
			if seq := sequence(s); !tc.final && seq != "P" || tc.final && seq != "" {
				t.Errorf("requests %q", seq)
			}
		})
	}
}

// TestTLSCertificateErrorsAreFinal: an untrusted certificate or a host
// name that does not match it is a setup problem, not retried.
func TestTLSCertificateErrorsAreFinal(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	untrusting := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}
	wrongName := srv.Client().Transport.(*http.Transport).Clone()
	var d net.Dialer
	wrongName.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}
	t.Cleanup(untrusting.CloseIdleConnections)
	t.Cleanup(wrongName.CloseIdleConnections)
	for name, tc := range map[string]struct {
		url string
		tr  http.RoundTripper
	}{
		"unknown authority": {srv.URL, untrusting},
		"wrong host name":   {"https://wrong.example:443", wrongName},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tc.url, WithAPIKey(testKey), WithHTTPClient(&http.Client{Transport: tc.tr}), WithRetry(fastRetry))
			if err != nil {
				t.Fatal(err)
			}
			w := &waits{}
			c.newTimer = w.timer
			_, err = c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
			if err == nil || IsTransient(err) || len(w.all()) != 0 || !certificateError(err) {
				t.Errorf("err = %v, waits %v; want a final certificate error", err, w.all())
			}
			for _, want := range []string{"cannot connect to the Oz API", "TLS certificate", "api_url", "CA bundle"} {
				if err != nil && !strings.Contains(err.Error(), want) {
					t.Errorf("err %q lacks %q", err, want)
				}
			}
		})
	}
}
