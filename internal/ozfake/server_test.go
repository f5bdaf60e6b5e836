package ozfake

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

func TestRouting(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("x")
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/agent/runs/" + id, 200, ""},
		{"GET", "/agent/runs", 200, ""},
		{"DELETE", "/agent/runs", 405, "GET, POST"},
		{"GET", "/agent/run", 405, "POST"},
		{"POST", "/agent/runs/" + id, 405, "GET"},
		{"GET", "/agent/runs/" + id + "/cancel", 405, "POST"},
		{"GET", "/agent/runs/", 404, ""},
		{"GET", "/agent/runs/" + id + "/", 404, ""},
		{"GET", "/agent/runs/" + id + "/logs", 404, ""},
		{"GET", "/agent/tasks", 404, ""},
		{"GET", "/agent/runs/a%2Fb", 404, ""},
		{"GET", "", 404, ""},
	}
	for _, tt := range tests {
		r := f.do(tt.method, tt.path, "")
		assert.Equal(t, tt.status, r.status, "%s %s", tt.method, tt.path)
		if tt.status == 200 {
			continue
		}
		code := "resource_not_found"
		if tt.status == 405 {
			code = "invalid_request"
			assert.Equal(t, tt.allow, r.header.Get("Allow"))
		}
		problemOf(t, r, tt.status, code)
	}

	// Outside /api/v1.
	res, err := f.hs.Client().Get(f.hs.URL + "/agent/runs")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []Option
		header string
		status int
	}{
		{"default key", nil, "Bearer wk-fake", 200},
		{"scheme in any case", nil, "bearer wk-fake", 200},
		{"wrong key", nil, "Bearer wk-other", 401},
		{"missing", nil, "", 401},
		{"empty token", nil, "Bearer ", 401},
		{"basic", nil, "Basic d2stZmFrZTo=", 401},
		{"own key", []Option{WithAPIKey("wk-secret")}, "Bearer wk-secret", 200},
		{"empty key keeps the default", []Option{WithAPIKey("")}, "Bearer wk-fake", 200},
		{"default refused with own key", []Option{WithAPIKey("wk-secret")}, "Bearer wk-fake", 401},
		{"any key", []Option{WithAnyKey()}, "Bearer anything", 200},
		{"any key still needs one", []Option{WithAnyKey()}, "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, tt.opts...)
			for _, path := range []string{"/agent/runs", "/agent/runs/fake-run-000001"} {
				r := f.do("GET", path, "", "Authorization: "+tt.header)
				if tt.status == 401 {
					p := problemOf(t, r, 401, "authentication_required")
					assert.NotContains(t, string(r.body), "wk-")
					assert.Equal(t, BasePath+path, p.Instance)
				} else {
					assert.NotEqual(t, 401, r.status)
				}
			}
			r := f.do("POST", "/agent/runs", `{"prompt":"x"}`, "Authorization: "+tt.header)
			assert.Equal(t, tt.status, r.status)
			assert.Equal(t, tt.status/100 == 2, f.srv.CreatedCount() == 1)
		})
	}
}

func TestRequestsRecorded(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.clock.Advance(time.Second)
	id := f.create("hello")
	f.do("GET", "/agent/runs?state=QUEUED&limit=5", "", "X-Warp-Team-Uid: team-1")
	f.do("GET", "/nowhere", "")

	reqs := f.srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, BasePath+"/agent/runs", reqs[0].Path)
	assert.Equal(t, routeCreate, reqs[0].Route)
	assert.JSONEq(t, `{"prompt":"hello"}`, string(reqs[0].Body))
	assert.Equal(t, "Bearer wk-fake", reqs[0].Header.Get("Authorization"))
	assert.Equal(t, t0.Add(time.Second), reqs[0].At)
	assert.Equal(t, routeList, reqs[1].Route)
	assert.Equal(t, "state=QUEUED&limit=5", reqs[1].RawQuery)
	assert.Equal(t, "team-1", reqs[1].Header.Get("X-Warp-Team-Uid"))
	assert.Empty(t, reqs[2].Route)
	assert.NotEmpty(t, id)

	// Copies: changing them changes nothing.
	reqs[0].Body[0] = 'X'
	reqs[0].Header.Set("Authorization", "changed")
	again := f.srv.Requests()
	assert.Equal(t, byte('{'), again[0].Body[0])
	assert.Equal(t, "Bearer wk-fake", again[0].Header.Get("Authorization"))
}

func TestRequestsCapped(t *testing.T) {
	t.Parallel()
	s := New()
	s.reqCap = 10
	for i := range s.reqCap + 5 {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprintf("/x/%d", i), nil))
	}
	reqs := s.Requests()
	require.Len(t, reqs, 10)
	assert.Equal(t, "/x/5", reqs[0].Path)
	assert.Equal(t, "/x/14", reqs[len(reqs)-1].Path)
}

func TestLogNeverHoldsTheKey(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	f := newFake(t, WithLogf(logf), WithAPIKey("wk-topsecret"))
	f.do("POST", "/agent/runs", `{"prompt":"x"}`, "Authorization: Bearer wk-topsecret")
	f.do("GET", "/agent/runs", "", "Authorization: Bearer wk-wrongsecret")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, lines, 2)
	assert.Regexp(t, `^ozfake: POST /api/v1/agent/runs -> 200 in `, lines[0])
	assert.Regexp(t, `^ozfake: GET /api/v1/agent/runs -> 401 in `, lines[1])
	for _, l := range lines {
		assert.NotContains(t, l, "secret")
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	srv, base, err := Serve(ctx, "127.0.0.1:0", WithAnyKey(), WithTimeScale(0))
	require.NoError(t, err)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/api/v1$`, base)

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/agent/runs", strings.NewReader(`{"prompt":"x"}`))
	req.Header.Set("Authorization", "Bearer whatever")
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, oz.StateSucceeded, srv.Runs()[0].State)

	// A hanging request ends with the server.
	srv.Inject(ozfaketest.Fault{Path: "GET /agent/runs", Hang: true})
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", base+"/agent/runs", nil)
		req.Header.Set("Authorization", "Bearer whatever")
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return len(srv.Requests()) == 2 }, 30*time.Second, time.Millisecond, "a hang detector, with room for a busy machine")
	cancel()
	require.NoError(t, srv.Wait())
	<-done

	_, err = client.Get(base + "/agent/runs")
	require.Error(t, err, "nothing listens any more")
}

func TestServeErrors(t *testing.T) {
	t.Parallel()
	_, _, err := Serve(t.Context(), "127.0.0.1:-1")
	require.ErrorContains(t, err, "ozfake: listen on 127.0.0.1:-1")
	assert.NoError(t, New().Wait(), "a server not started by Serve has nothing to wait for")
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/api/v1",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/api/v1",
		"[::]:8080":      "http://127.0.0.1:8080/api/v1",
		"[::1]:8080":     "http://[::1]:8080/api/v1",
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		require.NoError(t, err)
		assert.Equal(t, want, baseURL("http", a), addr)
	}
}
