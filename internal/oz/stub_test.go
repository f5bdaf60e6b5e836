package oz

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"go.uber.org/goleak"

	"github.com/oz-run/oz-run-action/internal/oz/ozschema"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "wk-test-SECRET-0123456789"

// schema validates every request the stub receives against the OpenAPI spec.
var schema = sync.OnceValues(func() (*ozschema.Validator, error) {
	return ozschema.New(ozschema.SpecPath())
})

// reply is one scripted answer of the stub.
type reply struct {
	status int
	header map[string]string
	body   string
	hang   bool   // no answer: wait until the client gives up
	before func() // called when the request arrives
	reset  bool   // close the connection after reading the request
}

// recorded is one request the stub received.
type recorded struct {
	Method string
	Path   string // escaped
	Query  url.Values
	Header http.Header
	Body   []byte
}

// stub answers a scripted sequence of replies, one per request whatever
// its path, records the requests and checks them against the API contract.
type stub struct {
	t    *testing.T
	srv  *httptest.Server
	done chan struct{}
	lax  bool // set before the first request: accept requests without a key

	mu      sync.Mutex
	replies []reply
	reqs    []recorded
}

func newStub(t *testing.T, replies ...reply) *stub {
	t.Helper()
	v, err := schema()
	if err != nil {
		t.Fatal(err)
	}
	s := &stub{t: t, replies: replies, done: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := v.ValidateRequest(r, body); err != nil && !(s.lax && r.Header.Get("Authorization") == "") {
			t.Errorf("the request breaks the API contract: %v", err)
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, recorded{r.Method, r.URL.EscapedPath(), r.URL.Query(), r.Header.Clone(), body})
		if len(s.replies) == 0 {
			s.mu.Unlock()
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		rp := s.replies[0]
		s.replies = s.replies[1:]
		s.mu.Unlock()
		if rp.before != nil {
			rp.before()
		}
		switch {
		case rp.hang:
			select {
			case <-r.Context().Done():
			case <-s.done:
			}
			return
		case rp.reset:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		for k, v := range rp.header {
			w.Header().Set(k, v)
		}
		if rp.body != "" && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(rp.status)
		_, _ = io.WriteString(w, rp.body)
	}))
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.replies) > 0 {
			t.Errorf("%d scripted replies were not used", len(s.replies))
		}
	})
	return s
}

func (s *stub) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

// count is the number of requests with method and escaped path.
func (s *stub) count(method, path string) int {
	n := 0
	for _, r := range s.requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// waits records the backoff waits asked for, and ends each at once.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) timer() backoff.Timer { return &instantTimer{w: w, c: make(chan time.Time, 1)} }

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

type instantTimer struct {
	w *waits
	c chan time.Time
}

func (t *instantTimer) Start(d time.Duration) {
	t.w.mu.Lock()
	t.w.d = append(t.w.d, d)
	t.w.mu.Unlock()
	t.c <- time.Time{}
}
func (t *instantTimer) Stop()               {}
func (t *instantTimer) C() <-chan time.Time { return t.c }

var fastRetry = RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 4 * time.Millisecond, MaxRetryAfter: time.Minute, MaxAttempts: 3, SettleDelay: 20 * time.Millisecond}

// testClient is a client of the stub with the test key, fast retries,
// instant recorded waits, and a fixed request id "req-1".
func testClient(t *testing.T, s *stub, opts ...Option) (*Client, *waits) {
	t.Helper()
	all := append([]Option{
		WithAPIKey(testKey),
		WithHTTPClient(s.srv.Client()),
		WithRetry(fastRetry),
		WithRequestTimeout(5 * time.Second),
	}, opts...)
	c, err := NewClient(s.srv.URL+"/api/v1", all...)
	if err != nil {
		t.Fatal(err)
	}
	w := &waits{}
	c.newTimer = w.timer
	c.requestID = func() (string, error) { return "req-1", nil }
	return c, w
}

// refuseFirstDial is a transport whose first dial fails with "connection
// refused", as when the server is not up yet: nothing is sent.
func refuseFirstDial(s *stub) *http.Client {
	tr := s.srv.Client().Transport.(*http.Transport).Clone()
	var once sync.Once
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var refused bool
		once.Do(func() { refused = true })
		if refused {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.AddrError{Err: "connection refused", Addr: addr}}
		}
		return d.DialContext(ctx, network, addr)
	}
	s.t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

const runJSON = `{"run_id":"run-1","task_id":"run-1","title":"t","state":"INPROGRESS","prompt":"p",
"created_at":"2024-05-01T10:00:00Z","updated_at":"2024-05-01T10:01:00Z","session_id":"s-1",
"status_message":{"message":"working"},"metadata":{"oz_run_request_id":"req-1"},
"artifacts":[{"artifact_type":"PULL_REQUEST","created_at":"2024-05-01T10:02:00Z","data":{"url":"https://github.com/o/r/pull/1","branch":"b"}}],
"request_usage":{"inference_cost":1.5,"compute_cost":0.5}}`
