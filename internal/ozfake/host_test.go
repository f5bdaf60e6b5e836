package ozfake

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// Issue 16, item 11: `fake-server --listen 0.0.0.0:PORT` in a container
// gave out download URLs on 127.0.0.1, which other containers cannot
// reach. A download URL now names the host the request named (its Host
// header, when that is only a host name or an IP address), on the file
// server's port.

func TestDownloadBase(t *testing.T) {
	t.Parallel()
	const files = "https://127.0.0.1:4000"
	cases := []struct {
		host, want string
	}{
		{"127.0.0.1:8080", "https://127.0.0.1:4000"},
		{"172.17.0.2:8765", "https://172.17.0.2:4000"},
		{"oz-fake:8765", "https://oz-fake:4000"},
		{"Oz-Fake.internal.", "https://Oz-Fake.internal.:4000"},
		{"localhost", "https://localhost:4000"},
		{"[::1]:8765", "https://[::1]:4000"},
		{"[fd00::2]", "https://[fd00::2]:4000"},
		// Hostile or malformed: the file server's own host stays.
		{"", files},
		{"evil.example@127.0.0.1:8080", files},
		{"evil.example/x:80", files},
		{"a b:80", files},
		{"x:99999", files},
		{"x:+80", files},
		{"x:1:2", files},
		{"[fe80::1%25eth0]:80", files},
		{"-x.example:80", files},
		{"x..example", files},
		{"<script>:80", files},
		{"%2e%2e:80", files},
		{"a.example\r\nX: y", files},
		{strings.Repeat("a", 64) + ".example", files},
		{strings.Repeat("a.", 130) + "example", files},
	}
	for _, tc := range cases {
		got, err := downloadBase(files, tc.host)
		require.NoError(t, err, tc.host)
		assert.Equal(t, tc.want, got, "Host %q", tc.host)
	}

	// Without a file server of its own, the API's handler serves the files
	// on the very host:port the request named; a Host that is not one is
	// refused.
	got, err := downloadBase("", "oz-fake:8765")
	require.NoError(t, err)
	assert.Equal(t, "http://oz-fake:8765", got)
	got, err = downloadBase("", "[::1]")
	require.NoError(t, err)
	assert.Equal(t, "http://[::1]", got)
	_, err = downloadBase("", "evil@x")
	require.ErrorContains(t, err, "is not host[:port]")
}

// TestDownloadURLFollowsHost: served as fake-server serves it, a request
// that reached the API under another name (as a container reaches
// another at its address) gets download URLs under that name, on the
// file server's port, and they work there.
func TestDownloadURLFollowsHost(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	srv, base, err := Serve(ctx, "127.0.0.1:0", WithTimeScale(0.001))
	require.NoError(t, err)
	t.Cleanup(func() { cancel(); _ = srv.Wait() })
	api, err := url.Parse(base)
	require.NoError(t, err)
	filesURL, err := url.Parse(srv.FilesURL())
	require.NoError(t, err)

	// Every name below is this machine's loopback address.
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
	}}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	call := func(method, host, path, body string) (int, []byte) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequestWithContext(t.Context(), method, base+path, rd)
		require.NoError(t, err)
		req.Host = host
		req.Header.Set("Authorization", "Bearer "+DefaultAPIKey)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, b
	}

	status, body := call("POST", api.Host, "/agent/runs", `{"prompt":"[fake:files] x"}`)
	require.Equal(t, http.StatusOK, status, string(body))
	var created createResponse
	require.NoError(t, json.Unmarshal(body, &created))
	var run oz.Run
	require.Eventually(t, func() bool {
		status, body := call("GET", api.Host, "/agent/runs/"+created.RunID, "")
		return status == http.StatusOK && json.Unmarshal(body, &run) == nil && len(run.FileArtifacts()) > 0
	}, time.Minute, 5*time.Millisecond, "a hang detector: a busy machine needs room")
	uid := run.FileArtifacts()[0].UID

	for _, tc := range []struct{ host, want string }{
		{"oz-fake.test:" + api.Port(), "oz-fake.test"},
		{"localhost:" + api.Port(), "localhost"},
		{api.Host, "127.0.0.1"},
		{"evil.example@oz-fake.test:" + api.Port(), "127.0.0.1"}, // not a host: not reflected
	} {
		status, body := call("GET", tc.host, "/agent/artifacts/"+uid, "")
		require.Equal(t, http.StatusOK, status, string(body))
		var art struct {
			Data struct {
				DownloadURL string `json:"download_url"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &art))
		u, err := url.Parse(art.Data.DownloadURL)
		require.NoError(t, err)
		assert.Equal(t, tc.want, u.Hostname(), "Host %q", tc.host)
		assert.Equal(t, filesURL.Port(), u.Port(), "the file server's port")
		assert.NotContains(t, art.Data.DownloadURL, "evil")

		res, err := client.Get(art.Data.DownloadURL)
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, "the URL works under that name: %s", b)
	}
}

// TestDownloadURLWithoutFileServer: a fake whose handler serves the files
// too gives URLs on the host:port the request named, and refuses a Host
// that is not one.
func TestDownloadURLWithoutFileServer(t *testing.T) {
	t.Parallel()
	s := New(WithClock(newClock().Now))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", BasePath+"/agent/runs", strings.NewReader(`{"prompt":"[fake:quick] [fake:files] x"}`))
	req.Header.Set("Authorization", "Bearer "+DefaultAPIKey)
	req.Header.Set("Content-Type", "application/json")
	s.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	runs := s.Runs()
	require.Len(t, runs, 1)
	require.NotEmpty(t, runs[0].FileArtifacts())
	uid := runs[0].FileArtifacts()[0].UID
	for _, tc := range []struct {
		host   string
		status int
		want   string
	}{
		{"oz-fake:8765", http.StatusOK, "http://oz-fake:8765/files/"},
		{"evil@x", http.StatusBadRequest, "is not host[:port]"},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", BasePath+"/agent/artifacts/"+uid, nil)
		req.Host = tc.host
		req.Header.Set("Authorization", "Bearer "+DefaultAPIKey)
		s.ServeHTTP(rec, req)
		assert.Equal(t, tc.status, rec.Code, rec.Body.String())
		assert.Contains(t, rec.Body.String(), tc.want)
	}
}
