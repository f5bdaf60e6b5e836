package oz

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storage is a stand-in for a cloud storage host: it records what it was
// sent and answers with handle.
type storage struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []http.Header
}

func newStorage(t *testing.T, tls bool, handle http.HandlerFunc) *storage {
	t.Helper()
	st := &storage{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		st.seen = append(st.seen, r.Header.Clone())
		st.mu.Unlock()
		handle(w, r)
	})
	if tls {
		st.srv = httptest.NewTLSServer(h)
	} else {
		st.srv = httptest.NewServer(h)
	}
	t.Cleanup(st.srv.Close)
	return st
}

func (st *storage) headers() []http.Header {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]http.Header(nil), st.seen...)
}

func downloadClient(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient("https://api.example/api/v1", append([]Option{WithAPIKey(testKey), WithTeamUID("team-1")}, opts...)...)
	require.NoError(t, err)
	return c
}

func TestDownload(t *testing.T) {
	t.Parallel()
	st := newStorage(t, false, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello, file")
	})
	c := downloadClient(t)
	var buf bytes.Buffer
	n, err := c.Download(t.Context(), st.srv.URL+"/b/report.md?X-Signature=abc&expires=1", &buf, 11)
	require.NoError(t, err)
	assert.Equal(t, int64(11), n)
	assert.Equal(t, "hello, file", buf.String())
	h := st.headers()[0]
	for _, name := range []string{"Authorization", "X-Warp-Team-Uid", "Cookie", "Proxy-Authorization"} {
		assert.Empty(t, h.Get(name), name)
	}
	assert.Equal(t, DefaultUserAgent, h.Get("User-Agent"))
	for _, v := range h {
		assert.NotContains(t, strings.Join(v, " "), "SECRET")
	}
}

func TestDownloadTLS(t *testing.T) {
	t.Parallel()
	st := newStorage(t, true, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "tls") })
	c := downloadClient(t, WithDownloadHTTPClient(st.srv.Client()))
	var buf bytes.Buffer
	_, err := c.Download(t.Context(), st.srv.URL+"/x", &buf, 100)
	require.NoError(t, err)
	assert.Equal(t, "tls", buf.String())
	assert.Empty(t, st.headers()[0].Get("Authorization"))
}

func TestDownloadDefaultTransportHonoursProxies(t *testing.T) {
	t.Parallel()
	c := downloadClient(t)
	tr, ok := c.dl.Transport.(noCredentials).rt.(*http.Transport)
	require.True(t, ok)
	assert.NotNil(t, tr.Proxy, "HTTPS_PROXY is honoured")
	assert.NotSame(t, http.DefaultTransport, tr, "downloads have a transport of their own")
	assert.NotEqual(t, c.hc, c.dl)
}

func TestDownloadFailures(t *testing.T) {
	t.Parallel()
	const secretQuery = "X-Signature=SIG-must-not-show"
	tests := []struct {
		name    string
		handle  http.HandlerFunc
		limit   int64
		wantIs  error
		status  int
		written int64
		text    string
	}{
		{"exactly the limit", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "0123456789") }, 10, nil, 0, 10, ""},
		{"over the limit while streaming", func(w http.ResponseWriter, _ *http.Request) {
			w.(http.Flusher).Flush() // chunked: no Content-Length
			_, _ = io.WriteString(w, "0123456789A")
		}, 10, ErrDownloadTooLarge, 200, 10, "more than 10 bytes"},
		{"refused by its Content-Length before reading", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000000")
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			<-r.Context().Done() // the body never comes: the client must not wait for it
		}, 10, ErrDownloadTooLarge, 200, 0, "1000000 bytes announced"},
		{"expired", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(403)
			_, _ = io.WriteString(w, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
		}, 10, ErrDownloadExpired, 403, 0, "expired"},
		{"not found", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) }, 10, nil, 404, 0, "Not Found"},
		{"server error", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }, 10, nil, 503, 0, "Service Unavailable"},
		{"body cut short", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "100")
			_, _ = io.WriteString(w, "only this")
			w.(http.Flusher).Flush()
			hijackClose(w)
		}, 1000, nil, 200, 9, "after 9 bytes"},
		{"reset mid-body", func(w http.ResponseWriter, _ *http.Request) {
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			hijackClose(w)
		}, 1000, nil, 200, 7, "after 7 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newStorage(t, false, tc.handle)
			c := downloadClient(t)
			var buf bytes.Buffer
			n, err := c.Download(t.Context(), st.srv.URL+"/file?"+secretQuery, &buf, tc.limit)
			assert.Equal(t, tc.written, n)
			assert.Equal(t, tc.written, int64(buf.Len()))
			if tc.status == 0 {
				require.NoError(t, err)
				return
			}
			var de *DownloadError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tc.status, de.StatusCode)
			if tc.wantIs != nil {
				assert.ErrorIs(t, err, tc.wantIs)
			} else {
				assert.NotErrorIs(t, err, ErrDownloadExpired)
				assert.NotErrorIs(t, err, ErrDownloadTooLarge)
			}
			assert.Contains(t, err.Error(), tc.text)
			assert.Contains(t, err.Error(), "127.0.0.1", "names the host")
			assert.NotContains(t, err.Error(), "SIG-must-not-show", "never the signed URL")
		})
	}
}

func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func TestDownloadRefusesURLs(t *testing.T) {
	t.Parallel()
	c := downloadClient(t)
	key64 := base64.StdEncoding.EncodeToString([]byte(testKey))
	for _, u := range []string{
		"http://storage.example/file", // plain http to another host
		"ftp://127.0.0.1/file",        // another scheme
		"https://user:pw@storage.example/file",
		"https:///file", // no host
		"https://storage.example/f?k=" + testKey,
		"https://storage.example/f?k=" + url.QueryEscape(testKey),
		"https://storage.example/" + strings.ReplaceAll(url.PathEscape(testKey), "-", "%2D"),
		"https://storage.example/f?k=" + url.QueryEscape(key64),
		"https://storage.example/f?k=" + strings.ToUpper(testKey),
		"https://storage.example/%zz",
		"::not a url",
	} {
		n, err := c.Download(t.Context(), u, io.Discard, 10)
		assert.Zero(t, n, u)
		assert.ErrorIs(t, err, ErrDownloadRefusedURL, u)
		if err != nil {
			assert.NotContains(t, err.Error(), testKey, u)
			assert.NotContains(t, err.Error(), "pw", u)
		}
	}
	_, err := c.Download(t.Context(), "https://storage.example/f", io.Discard, 0)
	assert.ErrorContains(t, err, "not positive")
}

func TestDownloadRedirects(t *testing.T) {
	t.Parallel()
	final := newStorage(t, false, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "moved content") })
	hops := func(target string) *storage {
		return newStorage(t, false, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) })
	}
	one := hops(final.srv.URL + "/f")
	two := hops(one.srv.URL + "/f")
	three := hops(two.srv.URL + "/f")
	four := hops(three.srv.URL + "/f")
	c := downloadClient(t)

	var buf bytes.Buffer
	_, err := c.Download(t.Context(), three.srv.URL+"/f", &buf, 100)
	require.NoError(t, err)
	assert.Equal(t, "moved content", buf.String())
	for _, st := range []*storage{three, two, one, final} {
		for _, h := range st.headers() {
			assert.Empty(t, h.Get("Authorization"))
			assert.Empty(t, h.Get("Referer"), "the signed URL goes to no other host")
		}
	}

	_, err = c.Download(t.Context(), four.srv.URL+"/f", io.Discard, 100)
	assert.ErrorIs(t, err, ErrDownloadRefusedURL)
	assert.ErrorContains(t, err, "more than 3 redirects")

	for _, target := range []string{"http://storage.example/f", "https://u:p@storage.example/f", "file:///etc/passwd"} {
		st := hops(target)
		_, err := c.Download(t.Context(), st.srv.URL+"/f", io.Discard, 100)
		assert.ErrorIs(t, err, ErrDownloadRefusedURL, target)
	}
}

// TestDownloadRedirectHoldingTheKey: a redirect is checked as the first
// URL is (issue 16 item 2): a Location that holds the key, in any form the
// first URL's check knows, is not followed, so the host it names gets no
// request; the error names neither the key nor the URL. Through the
// download's own transport and a caller's client, for each redirect status.
func TestDownloadRedirectHoldingTheKey(t *testing.T) {
	t.Parallel()
	thief := newStorage(t, false, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "stolen") })
	key64 := base64.StdEncoding.EncodeToString([]byte(testKey))
	locations := map[string]string{
		"raw in the query":   thief.srv.URL + "/steal?k=" + testKey,
		"raw in the path":    thief.srv.URL + "/" + testKey,
		"query-escaped":      thief.srv.URL + "/steal?k=" + url.QueryEscape(testKey),
		"every byte escaped": thief.srv.URL + "/steal?k=" + allEscaped(testKey),
		"escaped twice":      thief.srv.URL + "/steal?k=" + url.QueryEscape(url.QueryEscape(testKey)),
		"base64":             thief.srv.URL + "/steal?k=" + url.QueryEscape(key64),
		"upper-cased":        thief.srv.URL + "/steal?k=" + strings.ToUpper(testKey),
		"in the fragment":    thief.srv.URL + "/steal#" + testKey,
		"as user info":       "http://" + testKey + "@" + thief.srv.Listener.Addr().String() + "/steal",
		"as the password":    "http://u:" + testKey + "@" + thief.srv.Listener.Addr().String() + "/steal",
		"relative":           "/steal?k=" + testKey, // to the relay itself
	}
	clients := map[string][]Option{"own transport": nil, "caller's client": {WithDownloadHTTPClient(&http.Client{})}}
	for name, location := range locations {
		for cname, opts := range clients {
			for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
				relay := newStorage(t, false, func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Location", location)
					w.WriteHeader(status)
				})
				c := downloadClient(t, opts...)
				var buf bytes.Buffer
				n, err := c.Download(t.Context(), relay.srv.URL+"/f", &buf, 100)
				what := fmt.Sprintf("%s, %s, HTTP %d", name, cname, status)
				require.ErrorIs(t, err, ErrDownloadRefusedURL, what)
				assert.Zero(t, n, what)
				assert.Empty(t, buf.String(), what)
				assert.NotContains(t, strings.ToLower(err.Error()), strings.ToLower(testKey), what)
				assert.NotContains(t, err.Error(), "steal", "%s: the error names no URL", what)
				assert.Contains(t, err.Error(), "holds the API key", what)
				assert.Len(t, relay.headers(), 1, "%s: the relay's own redirect is not followed", what)
			}
		}
	}
	assert.Empty(t, thief.headers(), "the host the key was to go to got no request")

	// A redirect holding the key after a first, clean one is refused too.
	second := newStorage(t, false, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, thief.srv.URL+"/steal?k="+url.QueryEscape(key64), http.StatusTemporaryRedirect)
	})
	first := newStorage(t, false, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, second.srv.URL+"/f", http.StatusFound)
	})
	_, err := downloadClient(t).Download(t.Context(), first.srv.URL+"/f", io.Discard, 100)
	require.ErrorIs(t, err, ErrDownloadRefusedURL)
	assert.Len(t, second.headers(), 1)
	assert.Empty(t, thief.headers())

	// The download client used on its own follows no redirect.
	c := downloadClient(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, first.srv.URL+"/f", nil)
	require.NoError(t, err)
	resp, err := c.dl.Do(req)
	if resp != nil {
		_ = resp.Body.Close()
	}
	assert.ErrorIs(t, err, ErrDownloadRefusedURL)
	assert.Empty(t, thief.headers())
}

// allEscaped percent-encodes every byte of s.
func allEscaped(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// TestDownloadNeverSendsCredentials: a transport that adds an
// Authorization header of its own is stopped before anything is sent.
func TestDownloadNeverSendsCredentials(t *testing.T) {
	t.Parallel()
	st := newStorage(t, false, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "x") })
	inner := st.srv.Client().Transport
	adding := roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+testKey)
		return noCredentials{inner}.RoundTrip(r)
	})
	c := downloadClient(t, WithDownloadHTTPClient(&http.Client{Transport: adding}))
	_, err := c.Download(t.Context(), st.srv.URL+"/f", io.Discard, 10)
	assert.ErrorIs(t, err, ErrDownloadRefusedURL)
	assert.Empty(t, st.headers(), "nothing reached the storage host")
	_, err = NewClient("", WithDownloadHTTPClient(nil))
	assert.Error(t, err)
}

func TestDownloadEndsWithTheContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	st := newStorage(t, false, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first bytes")
		w.(http.Flusher).Flush()
		select { // the rest never comes
		case <-r.Context().Done():
		case <-release:
		}
	})
	c := downloadClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancelled once the first bytes are written, while the body hangs.
	w := &notifyWriter{first: make(chan struct{})}
	go func() {
		<-w.first
		cancel()
	}()
	n, err := c.Download(ctx, st.srv.URL+"/f", w, 1<<20)
	assert.Equal(t, int64(len("first bytes")), n)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorContains(t, err, "stopped after 11 bytes")

	// Ended before the answer.
	hang := newStorage(t, false, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	ctx, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	_, err = c.Download(ctx, hang.srv.URL+"/f", io.Discard, 10)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// notifyWriter closes first on its first write.
type notifyWriter struct {
	once  sync.Once
	first chan struct{}
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.first) })
	return len(p), nil
}

// failingWriter fails after n bytes, as a full disk does.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errors.New("no space left on device")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestDownloadWriterFails(t *testing.T) {
	t.Parallel()
	st := newStorage(t, false, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, strings.Repeat("x", 100)) })
	c := downloadClient(t)
	n, err := c.Download(t.Context(), st.srv.URL+"/f", &failingWriter{n: 40}, 1000)
	assert.Equal(t, int64(40), n)
	assert.ErrorContains(t, err, "no space left")
}
