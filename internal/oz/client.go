package oz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/cenkalti/backoff/v4"

	secrets "github.com/oz-run/oz-run-action/internal/redact"
)

// The Client: its options, its endpoints, and one exchange with the API
// (sent, logged, its answer read within a size limit, its failure typed).

// Default settings of a Client.
const (
	DefaultUserAgent      = "oz-run/dev"
	DefaultRequestTimeout = 30 * time.Second
)

// Size limits of response bodies that are read.
const (
	maxBody      = 16 << 20 // a successful answer (a run with its artifacts)
	maxErrorBody = 64 << 10 // an error answer: only a line of it is kept
)

// Client calls the Oz runs API. It is safe for concurrent use.
type Client struct {
	base *url.URL
	key  string
	hc   *http.Client
	dl   *http.Client // downloads: another transport, never the key

	keyFormsOnce sync.Once
	keyForms     *secrets.Redactor // finds the key in answers (holdsKey)
	red          *secrets.Redactor // hides the key and the step's secrets in errors and logs
	userAgent    string
	teamUID      string
	timeout      time.Duration
	retry        RetryPolicy
	logf         func(format string, args ...any)

	// Injected by tests.
	now       func() time.Time     // reads Retry-After dates
	newTimer  func() backoff.Timer // waits between attempts; nil = real timer
	requestID func() (string, error)
}

// Option configures a Client. The values are the caller's to check (oz-run's
// config checks the inputs and says what to fix); an option refuses only
// what the client cannot work with, in a neutral `oz:` error.
type Option func(*Client) error

// NewClient returns a client of the API at baseURL, such as
// https://app.warp.dev/api/v1 (DefaultBaseURL when empty).
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:      base,
		hc:        &http.Client{CheckRedirect: noRedirects},
		dl:        newDownloadClient(nil),
		userAgent: DefaultUserAgent,
		timeout:   DefaultRequestTimeout,
		retry:     DefaultRetryPolicy(),
		logf:      func(string, ...any) {},
		now:       time.Now,
		requestID: newRequestID,
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.red == nil {
		c.red = secrets.New()
	}
	c.red.Add(c.key)
	return c, nil
}

// parseBaseURL reads the base URL: an absolute http or https URL. Requests
// are made from its scheme, host and path alone: user info, a query or a
// fragment in it are never sent. Errors never show the URL, which may hold
// credentials.
func parseBaseURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = DefaultBaseURL
	}
	u, err := url.Parse(s)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // without the URL
		}
		return nil, fmt.Errorf("oz: the base URL is not a valid URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("oz: the base URL is not an absolute http or https URL")
	}
	return &url.URL{
		Scheme:  u.Scheme,
		Host:    u.Host,
		Path:    strings.TrimRight(u.Path, "/"),
		RawPath: strings.TrimRight(u.RawPath, "/"),
	}, nil
}

// WithAPIKey sets the key sent as "Authorization: Bearer <key>". The key is
// sent as given (net/http refuses one that would break the header).
func WithAPIKey(key string) Option {
	return func(c *Client) error {
		if key == "" {
			return errors.New("oz: WithAPIKey: the key is empty")
		}
		c.key = key
		return nil
	}
}

// WithRedactor sets the Redactor that hides secrets in every error and log
// line of the client: the step's one, so that what it hides everywhere
// else (the forge tokens, api_url's credentials) is hidden here too. The
// key is added to it. Without it, the client hides its key alone.
func WithRedactor(r *secrets.Redactor) Option {
	return func(c *Client) error {
		if r == nil {
			return errors.New("oz: WithRedactor: the Redactor is nil")
		}
		c.red = r
		return nil
	}
}

// WithHTTPClient sets the HTTP client (its transport, proxies, TLS). Unless
// hc has its own CheckRedirect, redirects are not followed (a followed 301
// or 302 turns the create into a GET): a copy of hc is used, hc is not
// changed.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("oz: WithHTTPClient: the HTTP client is nil")
		}
		if hc.CheckRedirect == nil {
			cp := *hc
			cp.CheckRedirect = noRedirects
			hc = &cp
		}
		c.hc = hc
		return nil
	}
}

// noRedirects makes the HTTP client return a redirect as the answer; it is
// then reported as a final error that names its Location.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// WithUserAgent sets the User-Agent header (default DefaultUserAgent).
func WithUserAgent(s string) Option {
	return func(c *Client) error {
		if s == "" || strings.IndexFunc(s, unicode.IsControl) >= 0 {
			return fmt.Errorf("oz: WithUserAgent: %q is empty or has control characters", s)
		}
		c.userAgent = s
		return nil
	}
}

// WithTeamUID sets the header X-Warp-Team-Uid, which picks the team; empty
// sends no header.
func WithTeamUID(uid string) Option {
	return func(c *Client) error {
		c.teamUID = uid
		return nil
	}
}

// WithRequestTimeout bounds each HTTP attempt (default DefaultRequestTimeout).
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("oz: WithRequestTimeout: %s is not positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithRetry sets how transient failures are retried.
func WithRetry(r RetryPolicy) Option {
	return func(c *Client) error {
		if err := r.validate(); err != nil {
			return err
		}
		c.retry = r
		return nil
	}
}

// WithLogf receives a debug line per request and per retry: method, path,
// attempt, status and duration. Headers are never logged.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(c *Client) error {
		if logf != nil {
			c.logf = logf
		}
		return nil
	}
}

// endpoint is the URL of the API path made of segments, each escaped: a run
// id is user input and must stay one segment.
func (c *Client) endpoint(segments ...string) *url.URL {
	raw := c.base.EscapedPath()
	for _, s := range segments {
		e := url.PathEscape(s)
		if e == "." || e == ".." {
			e = strings.ReplaceAll(e, ".", "%2E")
		}
		raw += "/" + e
	}
	u := *c.base
	u.RawPath = raw
	u.Path, _ = url.PathUnescape(raw) // raw was escaped above
	return &u
}

// send makes one HTTP attempt. On a 2xx answer decode reads the body as a
// stream, at most maxBody bytes (past them it fails), never held whole. A
// failure is an *APIError, except the end of ctx (returned as is) and a
// request that cannot be built.
// sent reports whether the request may have reached the server: always,
// unless no connection could be made (see notSent).
func (c *Client) send(ctx context.Context, op string, attempt int, method string, u *url.URL, body []byte, decode func(io.Reader) error) (sent bool, err error) {
	return c.exchange(ctx, op, attempt, method, u, body, maxBody, func(_ *http.Response, r io.Reader) error { return decode(r) })
}

// exchange is send with a decoder that reads the 2xx body as a stream,
// limited to limit bytes (past them it fails: "larger than").
func (c *Client) exchange(ctx context.Context, op string, attempt int, method string, u *url.URL, body []byte, limit int64, decode func(*http.Response, io.Reader) error) (sent bool, err error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var conn connTrace
	actx = conn.with(actx)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, u.String(), rd)
	if err != nil {
		return false, fmt.Errorf("%s: building the request: %w", op, err)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if c.teamUID != "" {
		req.Header.Set("X-Warp-Team-Uid", c.teamUID)
	}

	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.logf("oz: %s %s attempt %d: no answer after %s: %s", method, u.RequestURI(), attempt, since(start), c.redact(err.Error()))
		sent := !notSent(err) && !conn.neverConnected()
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		return sent, c.newError(op, 0, nil, nil, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		c.logf("oz: %s %s attempt %d: HTTP %d in %s", method, u.RequestURI(), attempt, resp.StatusCode, since(start))
		if rerr != nil && ctx.Err() != nil {
			return true, ctx.Err()
		}
		return true, c.newError(op, resp.StatusCode, resp.Header, data, nil)
	}
	err = decode(resp, &limitedBody{r: resp.Body, left: limit, limit: limit})
	c.logf("oz: %s %s attempt %d: HTTP %d in %s", method, u.RequestURI(), attempt, resp.StatusCode, since(start))
	if err == nil {
		return true, nil
	}
	if ctx.Err() != nil {
		return true, ctx.Err()
	}
	e := c.newError(op, resp.StatusCode, resp.Header, nil, err)
	if isFinal(err) {
		e.Retryable = false
	}
	return true, e
}

// notSent reports whether a failed exchange certainly did not reach the
// server: the connection could not be made (a dial or proxy-connect error)
// or the host name could not be resolved. Any other failure may have come
// after the request was sent, unless connTrace shows that no connection was
// ever obtained (a TLS handshake that failed, a proxy that refused the
// CONNECT): that needs the standard transport, whose hooks a custom
// RoundTripper may not call.
func notSent(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}

// connTrace follows one request through the standard transport.
type connTrace struct {
	getConn atomic.Bool // the transport looked for a connection
	gotConn atomic.Bool // and had one (the request may then be written)
}

func (t *connTrace) with(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { t.getConn.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { t.gotConn.Store(true) },
	})
}

// neverConnected reports that the standard transport tried to get a
// connection and never had one: nothing of the request was written (the
// dial, the proxy's CONNECT or the TLS handshake failed).
func (t *connTrace) neverConnected() bool { return t.getConn.Load() && !t.gotConn.Load() }

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// newError builds the *APIError of an answer (status > 0) or of a failed
// exchange (status 0, err set), with the key removed from every text.
func (c *Client) newError(op string, status int, h http.Header, body []byte, err error) *APIError {
	return parseError(op, status, h, body, err, c.red, c.now())
}

func (c *Client) redact(s string) string { return c.red.String(s) }
