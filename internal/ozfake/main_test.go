package ozfake

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/oz/ozschema"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is the fake clock's start.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable clock for WithClock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var (
	schemaOnce sync.Once
	schema     *ozschema.Validator
	schemaErr  error
)

func loadSchema() (*ozschema.Validator, error) {
	schemaOnce.Do(func() { schema, schemaErr = ozschema.New(ozschema.SpecPath()) })
	return schema, schemaErr
}

func validator(t *testing.T) *ozschema.Validator {
	t.Helper()
	v, err := loadSchema()
	require.NoError(t, err)
	return v
}

// fake is a Server behind httptest whose every answer is checked against
// the OpenAPI spec (unless lax), with a settable clock.
type fake struct {
	t     *testing.T
	srv   *Server
	clock *clock
	hs    *httptest.Server
	files *httptest.Server // the file server: another origin
	url   string           // base URL, ending in /api/v1
	lax   atomic.Bool      // skip the contract check (faults answering off-spec bodies)
	// checked counts the answers checked against the spec.
	checked atomic.Int64
}

func newFake(t *testing.T, opts ...Option) *fake {
	t.Helper()
	f := &fake{t: t, clock: newClock()}
	f.srv = New(append([]Option{WithClock(f.clock.Now)}, opts...)...)
	v := validator(t)
	f.hs = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &Recorder{ResponseWriter: w, Keep: math.MaxInt}
		f.srv.ServeHTTP(rec, r)
		if f.lax.Load() || rec.Status == 0 || rec.Status == http.StatusMethodNotAllowed || match(r.Method, r.URL.EscapedPath()).name == "" {
			return
		}
		if err := v.ValidateResponse(r, rec.Status, w.Header(), rec.Body); err != nil {
			t.Errorf("contract: %v\nbody: %s", err, rec.Body)
		}
		checkFormats(t, rec.Status, w.Header(), rec.Body)
		f.checked.Add(1)
	}))
	t.Cleanup(f.hs.Close)
	f.url = f.hs.URL + BasePath
	f.files = httptest.NewServer(f.srv.Files())
	t.Cleanup(f.files.Close)
	f.srv.SetFilesURL(f.files.URL)
	return f
}

var isoDurationRE = regexp.MustCompile(`^PT(\d+H)?(\d+M)?(\d+(\.\d+)?S)?$`)

// checkFormats checks what kin-openapi leaves unchecked: uri and duration
// formats, and problem+json for errors.
func checkFormats(t *testing.T, status int, h http.Header, body []byte) {
	t.Helper()
	if status >= 400 {
		if h.Get("Content-Type") != "application/problem+json" {
			return // an injected fault's own body
		}
		var p problem
		if !assert.NoError(t, json.Unmarshal(body, &p)) {
			return
		}
		assertAbsURL(t, p.Type)
		assert.Equal(t, status, p.Status)
		assert.NotEmpty(t, p.Error)
		return
	}
	var v struct {
		Runs []runItem `json:"runs"`
	}
	if json.Unmarshal(body, &v) != nil || v.Runs == nil {
		var it runItem
		if json.Unmarshal(body, &it) != nil || it.CreatedAt == "" {
			return
		}
		v.Runs = []runItem{it}
	}
	for _, it := range v.Runs {
		if it.RunTime != "" {
			assert.Regexp(t, isoDurationRE, it.RunTime)
		}
		if it.SessionLink != "" {
			assertAbsURL(t, it.SessionLink)
		}
		for _, a := range it.Artifacts {
			switch a.Type {
			case oz.ArtifactPullRequest:
				u, _, ok := a.PullRequest()
				assert.True(t, ok)
				assertAbsURL(t, u)
			case oz.ArtifactFile:
				_, ok := a.File()
				assert.True(t, ok, "%s", a.Data)
			default:
				t.Errorf("an artifact of type %q", a.Type)
			}
		}
	}
}

func assertAbsURL(t *testing.T, s string) {
	t.Helper()
	u, err := url.Parse(s)
	assert.True(t, err == nil && u.IsAbs() && u.Host != "", "not an absolute URL: %q", s)
}

// resp is an answer.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with the default key; headers are "Name: value"
// pairs ("Authorization:" alone removes the key).
func (f *fake) do(method, path, body string, headers ...string) resp {
	f.t.Helper()
	r, err := f.try(f.t.Context(), method, path, body, headers...)
	require.NoError(f.t, err)
	return r
}

// try is do that returns the transport's error, on a new connection each
// time (so that the client never retries on a dropped one).
func (f *fake) try(ctx context.Context, method, path, body string, headers ...string) (resp, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.url+path, rd)
	if err != nil {
		return resp{}, err
	}
	req.Header.Set("Authorization", "Bearer "+DefaultAPIKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		if v = strings.TrimSpace(v); v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	req.Close = true
	res, err := f.hs.Client().Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}, err
}

// create starts a run with prompt and returns its id.
func (f *fake) create(prompt string) string {
	f.t.Helper()
	b, _ := json.Marshal(map[string]any{"prompt": prompt})
	r := f.do("POST", "/agent/runs", string(b))
	require.Equal(f.t, http.StatusOK, r.status, string(r.body))
	var c createResponse
	require.NoError(f.t, json.Unmarshal(r.body, &c))
	return c.RunID
}

// get reads a run through the API.
func (f *fake) get(id string) oz.Run {
	f.t.Helper()
	r := f.do("GET", "/agent/runs/"+id, "")
	require.Equal(f.t, http.StatusOK, r.status, string(r.body))
	var run oz.Run
	require.NoError(f.t, json.Unmarshal(r.body, &run))
	return run
}

// problemOf decodes an error answer and checks its content type and status.
func problemOf(t *testing.T, r resp, status int, code string) problem {
	t.Helper()
	require.Equal(t, status, r.status, string(r.body))
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	var p problem
	require.NoError(t, json.Unmarshal(r.body, &p))
	require.Equal(t, status, p.Status)
	require.Equal(t, ProblemTypeBase+strings.ReplaceAll(code, "_", "-"), p.Type)
	require.NotEmpty(t, p.Title)
	require.NotEmpty(t, p.Error)
	return p
}
