package oz

import (
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckRunID(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"run-1", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "ü", "a.b", "...", strings.Repeat("x", MaxRunIDLen)} {
		assert.NoError(t, CheckRunID(id), id)
	}
	for id, want := range map[string]string{
		"":                                 "empty",
		strings.Repeat("x", MaxRunIDLen+1): "longer than 128",
		"a b":                              "white space",
		"a\nb":                             "white space",
		"../../x\n::error::boom":           "white space",
		"a\x00b":                           "control",
		"a\x1bb":                           "control",
		"a\u202eb":                         "format",
		"a\u200bb":                         "format",
		"\xff":                             "UTF-8",
		"a/b":                              `"/"`,
		".":                                `"."`,
		"..":                               `".."`,
	} {
		err := CheckRunID(id)
		if assert.Error(t, err, "%q", id) {
			assert.Contains(t, err.Error(), want, "%q", id)
			if len(id) > 2 {
				assert.NotContains(t, err.Error(), id, "the id is not shown")
			}
		}
	}
}

// TestReturnedRunIDChecked: an answer whose run id is not shaped like one
// is refused at once, finally, in every call that returns runs.
func TestReturnedRunIDChecked(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"../../x", "a\nb", "wk-test-SECRET-0123456789", strings.Repeat("r", 129), "..", "a\u202eb"} {
		jsonID, _ := json.Marshal(bad)
		run := `{"run_id":` + string(jsonID) + `,"state":"SUCCEEDED"}`
		calls := map[string]func(c *Client) error{
			"get": func(c *Client) error { _, err := c.GetRun(t.Context(), "run-1"); return err },
			"list": func(c *Client) error {
				_, err := c.ListRuns(t.Context(), ListOptions{})
				return err
			},
			"create": func(c *Client) error {
				_, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
				return err
			},
		}
		bodies := map[string]string{"get": run, "list": `{"runs":[` + run + `],"page_info":{"has_next_page":false}}`,
			"create": `{"run_id":` + string(jsonID) + `,"task_id":"t","state":"QUEUED"}`}
		for name, call := range calls {
			s := newStub(t, reply{status: 200, body: bodies[name]})
			c, w := testClient(t, s)
			err := call(c)
			assert.ErrorIs(t, err, ErrInvalidRunID, "%s %q", name, bad)
			assert.False(t, IsTransient(err), "%s %q", name, bad)
			assert.Empty(t, w.all(), "%s %q: not retried", name, bad)
			assert.Len(t, s.requests(), 1, "%s %q: one request, no lookup", name, bad)
			_, mayExist := RequestIDFrom(err)
			assert.False(t, mayExist, "%s %q", name, bad)
			if err != nil {
				msg := err.Error()
				assert.Contains(t, msg, "the API returned an invalid run id")
				assert.Contains(t, msg, "api_url")
				assert.NotContains(t, msg, "SECRET")
				assert.NotContains(t, msg, "\n")
				assert.NotContains(t, msg, "../../x")
			}
		}
	}
	// An empty id is still an unreadable answer (retried), as before.
	s := newStub(t, reply{status: 200, body: `{"run_id":"","state":"QUEUED"}`}, reply{status: 200, body: runJSON})
	c, _ := testClient(t, s)
	_, err := c.GetRun(t.Context(), "run-1")
	assert.NoError(t, err)
}

// TestNothingSentSaysNoRunWasCreated: a TLS handshake that fails, or a
// proxy that refuses the CONNECT, happen before any byte of the request:
// the create is not ambiguous (no lookup) and says that no run was made.
func TestNothingSentSaysNoRunWasCreated(t *testing.T) {
	t.Parallel()
	// A "TLS" server that answers the handshake with plain HTTP.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the plain server got a request %s %s", r.Method, r.URL)
	}))
	plain.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(plain.Close)
	// A proxy that refuses every CONNECT.
	var connects atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodConnect {
			connects.Add(1)
		}
		http.Error(w, "blocked by policy", http.StatusForbidden)
	}))
	t.Cleanup(proxy.Close)
	proxyURL, _ := url.Parse(proxy.URL)

	for name, tc := range map[string]struct {
		api string
		tr  *http.Transport
	}{
		"TLS handshake fails":   {"https://" + plain.Listener.Addr().String() + "/api/v1", &http.Transport{}},
		"proxy refuses CONNECT": {"https://api.example.invalid/api/v1", &http.Transport{Proxy: http.ProxyURL(proxyURL)}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Cleanup(tc.tr.CloseIdleConnections)
			c, err := NewClient(tc.api, WithAPIKey(testKey), WithHTTPClient(&http.Client{Transport: tc.tr}), WithRetry(fastRetry))
			require.NoError(t, err)
			w := &waits{}
			c.newTimer = w.timer
			_, err = c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"})
			require.Error(t, err)
			assert.NotErrorIs(t, err, ErrUncertainCreate)
			_, mayExist := RequestIDFrom(err)
			assert.False(t, mayExist)
			assert.Contains(t, err.Error(), "no run was created")
			assert.NotContains(t, err.Error(), "may or may not")
			assert.Len(t, w.all(), fastRetry.MaxAttempts-1, "retried without a lookup in between: %v", err)
			if tc.tr.Proxy != nil {
				assert.Positive(t, connects.Load(), "the proxy was asked")
			}

			// A follow-up that cannot connect is not delivered, surely.
			_, err = c.SubmitFollowup(t.Context(), "run-1", FollowupRequest{Message: "m"})
			assert.NotErrorIs(t, err, ErrUncertainFollowup)
			assert.Contains(t, err.Error(), "not delivered")
		})
	}
}

func TestConnTrace(t *testing.T) {
	t.Parallel()
	var tr connTrace
	assert.False(t, tr.neverConnected(), "no hook called: a custom transport; unknown")
	tr.getConn.Store(true)
	assert.True(t, tr.neverConnected())
	tr.gotConn.Store(true)
	assert.False(t, tr.neverConnected())
	assert.True(t, notSent(&net.OpError{Op: "proxyconnect", Err: errors.New("x")}))
	assert.False(t, notSent(&net.OpError{Op: "read", Err: errors.New("x")}))
}

func TestCreateConfigExtras(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 200, body: createdJSON})
	c, _ := testClient(t, s)
	_, err := c.CreateRun(t.Context(), CreateRunRequest{ConversationID: "conv-1", Config: &AgentConfig{
		IdleTimeoutMinutes: 15, SessionSharing: &SessionSharing{PublicAccess: PublicAccessViewer},
	}})
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(s.requests()[0].Body, &body))
	assert.Equal(t, "conv-1", body["conversation_id"])
	assert.Equal(t, map[string]any{"idle_timeout_minutes": 15.0, "session_sharing": map[string]any{"public_access": "VIEWER"}}, body["config"])

	for cfg, want := range map[*AgentConfig]string{
		{IdleTimeoutMinutes: 61}:                                  "oz: CreateRun: config.idle_timeout_minutes 61 is not from 1 to 60",
		{IdleTimeoutMinutes: -1}:                                  "idle_timeout_minutes",
		{SessionSharing: &SessionSharing{PublicAccess: "viewer"}}: `public_access "viewer" is not VIEWER or EDITOR`,
		{SessionSharing: &SessionSharing{PublicAccess: "ALL"}}:    "public_access",
	} {
		s := newStub(t)
		c, _ := testClient(t, s)
		_, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p", Config: cfg})
		assert.ErrorContains(t, err, want)
		assert.Empty(t, s.requests())
	}
}
