package ozfake

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

func statuses(f *fake, n int, method, path, body string) []int {
	f.t.Helper()
	var out []int
	for range n {
		out = append(out, f.do(method, path, body).status)
	}
	return out
}

func TestFaultCalls(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault ozfaketest.Fault
		want  []int
	}{
		{"nth", ozfaketest.Fault{Path: "GET /agent/runs", Nth: 2, Status: 503}, []int{200, 503, 200, 200}},
		{"times", ozfaketest.Fault{Path: "GET /agent/runs", Nth: 2, Times: 2, Status: 502}, []int{200, 502, 502, 200}},
		{"every", ozfaketest.Fault{Path: "GET /agent/runs", Status: 500}, []int{500, 500, 500, 500}},
		{"method apart", ozfaketest.Fault{Method: "get", Path: "/agent/runs", Nth: 1, Status: 504}, []int{504, 200, 200, 200}},
		{"api prefix", ozfaketest.Fault{Method: "GET", Path: "/api/v1/agent/runs", Nth: 3, Status: 429}, []int{200, 200, 429, 200}},
		{"other route", ozfaketest.Fault{Path: "POST /agent/runs", Status: 500}, []int{200, 200, 200, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.srv.Inject(tt.fault)
			assert.Equal(t, tt.want, statuses(f, 4, "GET", "/agent/runs", ""))
		})
	}
}

func TestFaultRoutesCountedApart(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("x")
	f.srv.Inject(ozfaketest.Fault{Path: "/agent/runs/{runId}", Method: "GET", Nth: 2, Status: 503})
	f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs/{id}/cancel", Nth: 1, Status: 500})
	f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/run", Nth: 1, Status: 500})
	f.srv.Inject(ozfaketest.Fault{Path: "GET /agent/runs/{id}", Nth: 2, Status: 400}) // shadowed by the first
	assert.Equal(t, []int{200, 503, 200}, statuses(f, 3, "GET", "/agent/runs/"+id, ""))
	assert.Equal(t, []int{500, 200}, statuses(f, 2, "POST", "/agent/runs/"+id+"/cancel", ""))
	assert.Equal(t, []int{500, 200}, statuses(f, 2, "POST", "/agent/run", `{"prompt":"x"}`))
	assert.Equal(t, []int{200}, statuses(f, 1, "POST", "/agent/runs", `{"prompt":"x"}`))
}

func TestFaultAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		fault       ozfaketest.Fault
		status      int
		contentType string
		body        string
		header      [2]string
	}{
		{"status only", ozfaketest.Fault{Status: 503}, 503, "application/problem+json", "", [2]string{}},
		{"body only", ozfaketest.Fault{Body: "boom"}, 500, "text/plain; charset=utf-8", "boom", [2]string{}},
		{"html from a proxy", ozfaketest.Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>"}, 502, "text/html; charset=utf-8", "<html><body>Bad Gateway</body></html>", [2]string{}},
		{"old json error", ozfaketest.Fault{Status: 400, Body: `{"error":"bad"}`}, 400, "application/json", `{"error":"bad"}`, [2]string{}},
		{"out of credits", ozfaketest.Fault{Status: 429, Header: http.Header{"X-Warp-Error-Code": {"OUT_OF_CREDITS"}}},
			429, "application/problem+json", "", [2]string{"X-Warp-Error-Code", "OUT_OF_CREDITS"}},
		{"retry after", ozfaketest.Fault{Status: 429, Header: http.Header{"Retry-After": {"7"}, "X-Warp-Error-Code": {"AT_CLOUD_AGENT_CAPACITY"}}},
			429, "application/problem+json", "", [2]string{"Retry-After", "7"}},
		{"own content type, no body", ozfaketest.Fault{Status: 503, Header: http.Header{"Content-Type": {"text/plain"}}}, 503, "text/plain", "", [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.lax.Store(true)
			tt.fault.Path = "POST /agent/runs"
			f.srv.Inject(tt.fault)
			r := f.do("POST", "/agent/runs", `{"prompt":"x"}`)
			assert.Equal(t, tt.status, r.status)
			assert.Equal(t, tt.contentType, r.header.Get("Content-Type"))
			if tt.body != "" {
				assert.Equal(t, tt.body, string(r.body))
			}
			if tt.contentType == "application/problem+json" {
				p := problemOf(t, r, tt.status, statusCode(tt.status))
				assert.Equal(t, "injected fault", p.Detail)
				assert.Equal(t, tt.status >= 500 || tt.status == 429, p.Retryable)
			}
			if tt.header[0] != "" {
				assert.Equal(t, tt.header[1], r.header.Get(tt.header[0]))
			}
			assert.Zero(t, f.srv.CreatedCount(), "a failed create creates nothing")
		})
	}
}

func TestFaultBeforeAuth(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.srv.Inject(ozfaketest.Fault{Path: "GET /agent/runs", Nth: 1, Status: 502})
	assert.Equal(t, 502, f.do("GET", "/agent/runs", "", "Authorization:").status)
	assert.Equal(t, 401, f.do("GET", "/agent/runs", "", "Authorization:").status)
}

func TestFaultDelay(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.srv.Inject(ozfaketest.Fault{Path: "GET /agent/runs", Nth: 1, Delay: 50 * time.Millisecond})
	start := time.Now()
	r := f.do("GET", "/agent/runs", "")
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	assert.Equal(t, 200, r.status, "a delay alone slows the normal answer")

	f.srv.Inject(ozfaketest.Fault{Path: "GET /agent/runs", Nth: 2, Delay: 10 * time.Millisecond, Status: 504})
	assert.Equal(t, 504, f.do("GET", "/agent/runs", "").status)

	// A delay ends with the request.
	f.srv.Inject(ozfaketest.Fault{Path: "GET /agent/runs", Nth: 3, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := f.try(ctx, "GET", "/agent/runs", "")
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestFaultHang(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.srv.Inject(ozfaketest.Fault{Path: "GET /agent/runs/{id}", Hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := f.try(ctx, "GET", "/agent/runs/x", "")
	require.ErrorIs(t, err, context.DeadlineExceeded, "the hang ends with the request, not on its own")
	// The handler has returned: httptest's Close (in Cleanup) would block otherwise.
}

func TestFaultCloseConn(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs", Nth: 1, CloseConn: true})
	_, err := f.try(t.Context(), "POST", "/agent/runs", `{"prompt":"x"}`)
	require.Error(t, err)
	assert.Zero(t, f.srv.CreatedCount())
	assert.Equal(t, 200, f.do("POST", "/agent/runs", `{"prompt":"x"}`).status)
}

func TestFaultCreateThenFail(t *testing.T) {
	t.Parallel()
	t.Run("close", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs", Nth: 1, CreateThenFail: true, CloseConn: true})
		_, err := f.try(t.Context(), "POST", "/agent/runs", `{"prompt":"x","metadata":{"oz-run.request-id":"abc"}}`)
		require.Error(t, err)
		require.Equal(t, 1, f.srv.CreatedCount())
		l := f.list("metadata[oz-run.request-id]=abc")
		require.Len(t, l.Runs, 1, "the run can be found again by its request id")
	})
	t.Run("status", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs", Nth: 1, CreateThenFail: true, Status: 504})
		problemOf(t, f.do("POST", "/agent/runs", `{"prompt":"x"}`), 504, "internal_error")
		assert.Equal(t, 1, f.srv.CreatedCount())
	})
	t.Run("alone answers 500", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs", CreateThenFail: true})
		assert.Equal(t, 500, f.do("POST", "/agent/runs", `{"prompt":"x"}`).status)
		assert.Equal(t, 1, f.srv.CreatedCount())
	})
	t.Run("cancel then fail", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		id := f.create("x")
		f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs/{id}/cancel", Nth: 1, CreateThenFail: true, Status: 502})
		assert.Equal(t, 502, f.do("POST", "/agent/runs/"+id+"/cancel", "").status)
		assert.Equal(t, oz.StateCancelled, f.get(id).State)
	})
}

func TestFaultsRecorded(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs", Nth: 1, CloseConn: true})
	_, _ = f.try(t.Context(), "POST", "/agent/runs", `{"prompt":"x"}`)
	reqs := f.srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, routeCreate, reqs[0].Route)
	assert.JSONEq(t, `{"prompt":"x"}`, string(reqs[0].Body))
}

// TestFaultCreateLatency: a create still being processed when the client
// gives up or gets an error. The run shows up only later.
func TestFaultCreateLatency(t *testing.T) {
	t.Parallel()
	body := `{"prompt":"x","metadata":{"oz-run.request-id":"abc"}}`
	const lookup = "metadata[oz-run.request-id]=abc"
	// hidden checks that the run exists but the API does not show it yet.
	hidden := func(t *testing.T, f *fake) {
		t.Helper()
		assert.Equal(t, 1, f.srv.CreatedCount())
		assert.Empty(t, f.list(lookup).Runs)
		assert.Empty(t, f.list("").Runs)
		problemOf(t, f.do("GET", "/agent/runs/fake-run-000001", ""), 404, "resource_not_found")
		problemOf(t, f.do("POST", "/agent/runs/fake-run-000001/cancel", ""), 404, "resource_not_found")
		assert.Empty(t, f.srv.Runs())
		_, ok := f.srv.Run("fake-run-000001")
		assert.False(t, ok)
		assert.ErrorContains(t, f.srv.SetState("fake-run-000001", oz.StateFailed), "still being created")
	}
	// shown checks that the run appears once the latency has passed.
	shown := func(t *testing.T, f *fake, latency time.Duration) {
		t.Helper()
		f.clock.Advance(latency - time.Millisecond)
		assert.Empty(t, f.list(lookup).Runs, "not a moment early")
		f.clock.Advance(time.Millisecond)
		l := f.list(lookup)
		require.Len(t, l.Runs, 1)
		assert.Equal(t, "fake-run-000001", l.Runs[0].RunID)
		assert.Equal(t, timestamp(t0.Add(latency)), l.Runs[0].CreatedAt)
		run := f.get("fake-run-000001")
		assert.Equal(t, oz.StateQueued, run.State, "its life starts when it shows up")
		assert.Len(t, f.srv.Runs(), 1)
	}

	t.Run("504 at once", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs", Nth: 1, Status: 504, CreateLatency: 10 * time.Second})
		problemOf(t, f.do("POST", "/agent/runs", body), 504, "internal_error")
		hidden(t, f)
		shown(t, f, 10*time.Second)
	})
	t.Run("hang until the client gives up", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs", Nth: 1, Hang: true, CreateLatency: 5 * time.Second})
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := f.try(ctx, "POST", "/agent/runs", body)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		hidden(t, f)
		shown(t, f, 5*time.Second)
	})
	t.Run("deprecated route too", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/run", CloseConn: true, CreateLatency: time.Second})
		_, err := f.try(t.Context(), "POST", "/agent/run", body)
		require.Error(t, err)
		hidden(t, f)
		shown(t, f, time.Second)
	})
	t.Run("alone: a 200 whose run shows up late", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs", Nth: 1, CreateLatency: 2 * time.Second})
		r := f.do("POST", "/agent/runs", body)
		require.Equal(t, 200, r.status, string(r.body))
		assert.Contains(t, string(r.body), `"run_id":"fake-run-000001"`)
		hidden(t, f)
		shown(t, f, 2*time.Second)
		assert.Equal(t, "fake-run-000002", f.create("next create is normal"))
		assert.Len(t, f.list("").Runs, 2)
	})
	t.Run("a bad create still fails", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs", Nth: 1, Status: 504, CreateLatency: time.Second})
		assert.Equal(t, 504, f.do("POST", "/agent/runs", `{"prompt":""}`).status)
		assert.Zero(t, f.srv.CreatedCount())
	})
	t.Run("other routes ignore it", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithDefaultScript(Script{Final: oz.StateInProgress}))
		id := f.create("x")
		f.srv.Inject(ozfaketest.Fault{Path: "POST /agent/runs/{id}/cancel", Status: 502, CreateLatency: time.Hour})
		assert.Equal(t, 502, f.do("POST", "/agent/runs/"+id+"/cancel", "").status)
		assert.Equal(t, oz.StateInProgress, f.get(id).State, "the cancel was not served")
	})
}
