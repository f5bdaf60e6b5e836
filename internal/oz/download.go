package oz

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	secrets "github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/weburl"
)

// Download: a FILE artifact's signed URL fetched into a writer, with no key
// sent, each redirect checked, and the size limit enforced while streaming.

// Download failures, wrapped by *DownloadError.
var (
	// ErrDownloadExpired: the storage host answered 403, which is how
	// signed URLs that have expired are refused. Ask for a fresh URL
	// (GetArtifact) rather than trying this one again.
	ErrDownloadExpired = errors.New("the signed URL has expired or was refused (HTTP 403): ask for a fresh one")
	// ErrDownloadTooLarge: the file is larger than the limit given (by its
	// Content-Length, or by the bytes that came).
	ErrDownloadTooLarge = errors.New("the file is larger than the limit")
	// ErrDownloadRefusedURL: the URL was not fetched (not https, user
	// info, the API key in it, a redirect to such a URL, or too many
	// redirects).
	ErrDownloadRefusedURL = errors.New("the download URL was refused")
)

// maxDownloadRedirects is how many redirects a download follows.
const maxDownloadRedirects = 3

// DownloadError is the failure of Download. Its message names the host,
// never the URL (the URL's signature is a credential for the file).
type DownloadError struct {
	Host string
	// StatusCode is the storage host's answer; 0 when none came.
	StatusCode int
	Err        error
}

func (e *DownloadError) Error() string {
	var b strings.Builder
	b.WriteString("download")
	if e.Host != "" {
		b.WriteString(" from " + e.Host)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

func (e *DownloadError) Unwrap() error { return e.Err }

// WithDownloadHTTPClient sets the HTTP client downloads go through (its
// transport; for tests and custom CAs). It must not add credentials of its
// own. Its redirect policy is replaced by Download's; hc is not changed.
// By default downloads use a transport of their own, separate from the
// API's, with proxies from the environment (HTTPS_PROXY).
func WithDownloadHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("oz: WithDownloadHTTPClient: the HTTP client is nil")
		}
		c.dl = newDownloadClient(hc.Transport)
		return nil
	}
}

// newDownloadClient is the HTTP client of downloads: rt (nil: a transport
// of its own) behind a guard, no timeout but the context's. It follows no
// redirect: Download sets the policy that checks each one against the key
// (checkHop), on a copy of it for the call.
func newDownloadClient(rt http.RoundTripper) *http.Client {
	if rt == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone() // proxies from the environment
		tr.ResponseHeaderTimeout = DefaultRequestTimeout
		rt = tr
	}
	return &http.Client{Transport: noCredentials{rt}, CheckRedirect: refuseRedirects}
}

// refuseRedirects is the policy of the download client when it is not
// used through Download.
func refuseRedirects(*http.Request, []*http.Request) error {
	return fmt.Errorf("%w: a redirect outside Download", ErrDownloadRefusedURL)
}

// noCredentials refuses any request that carries credentials: downloads
// never send any, whatever a redirect or a caller's transport would do.
type noCredentials struct{ rt http.RoundTripper }

func (g noCredentials) RoundTrip(r *http.Request) (*http.Response, error) {
	for _, h := range []string{"Authorization", "Cookie", "X-Warp-Team-Uid"} {
		if r.Header.Get(h) != "" {
			if r.Body != nil {
				_ = r.Body.Close()
			}
			return nil, fmt.Errorf("%w: a download must not carry %s", ErrDownloadRefusedURL, h)
		}
	}
	return g.rt.RoundTrip(r)
}

// checkRedirect is the redirect policy of a download: each hop is checked
// as the first URL was (checkHop), at most maxDownloadRedirects of them.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxDownloadRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrDownloadRefusedURL, maxDownloadRedirects)
	}
	location := ""
	if req.Response != nil {
		location = req.Response.Header.Get("Location") // as sent, before it was resolved
	}
	if err := c.checkHop(req.URL, location); err != nil {
		return fmt.Errorf("a redirect: %w", err)
	}
	for _, h := range []string{"Authorization", "Cookie"} {
		req.Header.Del(h) // never set; a redirect adds none either
	}
	// Go sets the previous URL as the Referer: its signature is a
	// credential for the file, not for the next host.
	req.Header.Del("Referer")
	return nil
}

// checkHop is the check of every URL a download fetches, the first one and
// each redirect's alike: https, or http to a loopback address (the fake
// API's file server); a host; no user info; and nothing of the API key in
// any form the redact package knows, in the URL as parsed or as raw (the
// text as given: the first URL, or a redirect's Location). Its error names
// no URL; it names the host only when the URL does not hold the key.
func (c *Client) checkHop(u *url.URL, raw string) error {
	if c.urlHoldsKey(u, raw) {
		return fmt.Errorf("%w: the URL holds the API key, which must go to no host but the API", ErrDownloadRefusedURL)
	}
	switch {
	case u.User != nil:
		return fmt.Errorf("%w: the URL to %s holds user info", ErrDownloadRefusedURL, u.Host)
	case u.Host == "":
		return fmt.Errorf("%w: the URL has no host", ErrDownloadRefusedURL)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && weburl.IsLoopbackHost(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%w: only https is fetched (http only from a loopback address), not %q from %s", ErrDownloadRefusedURL, u.Scheme, u.Host)
}

// urlHoldsKey reports whether u, or raw, holds the API key: in the text as
// sent, as the URL prints, or once its path, query and fragment are
// unescaped (a key that was percent-encoded twice, or split by escapes).
func (c *Client) urlHoldsKey(u *url.URL, raw string) bool {
	forms := []string{raw, u.String(), u.Host, u.Path, u.Fragment}
	if q, err := url.QueryUnescape(u.RawQuery); err == nil {
		forms = append(forms, q)
	}
	if u.User != nil {
		forms = append(forms, u.User.String(), u.User.Username())
		if pw, ok := u.User.Password(); ok {
			forms = append(forms, pw)
		}
	}
	return slices.ContainsFunc(forms, func(s string) bool { return s != "" && c.holdsKey(s) })
}

// Download fetches a signed URL (an artifact's download_url) into w and
// returns how many bytes it wrote. It sends no Authorization header and
// nothing of the API key, through a transport of its own (see
// WithDownloadHTTPClient). The URL and every redirect's alike (checkHop):
// https only, except http to a loopback address; no user info; never a URL
// that holds the key in any form the redact package knows (a redirect that
// does is not followed: its host gets no request). At most 3 redirects.
//
// It writes at most limit bytes: a Content-Length over it is refused before
// the body is read, and a body that goes past it stops the download at
// once with ErrDownloadTooLarge (w then holds limit bytes, which the caller
// throws away). It is not retried; it ends when ctx ends, also in the
// middle of a body that hangs. Every failure is a *DownloadError: a 403
// wraps ErrDownloadExpired.
func (c *Client) Download(ctx context.Context, signedURL string, w io.Writer, limit int64) (int64, error) {
	u, err := url.Parse(signedURL)
	if err != nil {
		return 0, &DownloadError{Err: fmt.Errorf("%w: it is not a URL", ErrDownloadRefusedURL)}
	}
	fail := func(status int, n int64, err error) (int64, error) {
		return n, &DownloadError{Host: u.Host, StatusCode: status, Err: err}
	}
	if err := c.checkHop(u, signedURL); err != nil {
		if c.urlHoldsKey(u, signedURL) {
			u.Host = "" // the key may be in it: name no host
		}
		return fail(0, 0, err)
	}
	if limit <= 0 {
		return fail(0, 0, fmt.Errorf("the size limit %d is not positive", limit))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(0, 0, fmt.Errorf("building the request: %w", err))
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "*/*")

	start := time.Now()
	hc := *c.dl // the transport shared; the redirect policy this client's
	hc.CheckRedirect = c.checkRedirect
	resp, err := hc.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // without the signed URL
		}
		c.logf("oz: download from %s: no answer after %s: %s", u.Host, since(start), c.redact(err.Error()))
		if ctx.Err() != nil {
			return fail(0, 0, fmt.Errorf("stopped: %w", ctx.Err()))
		}
		return fail(0, 0, err)
	}
	defer func() { _ = resp.Body.Close() }()
	host := resp.Request.URL.Host // after redirects
	fail = func(status int, n int64, err error) (int64, error) {
		return n, &DownloadError{Host: host, StatusCode: status, Err: err}
	}
	c.logf("oz: download from %s: HTTP %d in %s (%d bytes announced)", host, resp.StatusCode, since(start), resp.ContentLength)
	switch s := resp.StatusCode; {
	case s == http.StatusForbidden:
		return fail(s, 0, ErrDownloadExpired)
	case s < 200 || s >= 300:
		why := http.StatusText(s)
		if s >= 300 && s < 400 {
			why = "a redirect without a usable Location"
		}
		return fail(s, 0, fmt.Errorf("the storage host refused the download (%s)", why))
	case resp.ContentLength > limit:
		return fail(s, 0, fmt.Errorf("%w: %d bytes announced, the limit is %d", ErrDownloadTooLarge, resp.ContentLength, limit))
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, limit))
	if err == nil && n == limit {
		var one [1]byte
		if k, _ := io.ReadFull(resp.Body, one[:]); k > 0 {
			err = fmt.Errorf("%w: more than %d bytes came", ErrDownloadTooLarge, limit)
		}
	}
	switch {
	case err == nil:
		c.logf("oz: download from %s: %d bytes in %s", host, n, since(start))
		return n, nil
	case errors.Is(err, ErrDownloadTooLarge):
		return fail(resp.StatusCode, n, err)
	case ctx.Err() != nil:
		return fail(resp.StatusCode, n, fmt.Errorf("stopped after %d bytes: %w", n, ctx.Err()))
	}
	return fail(resp.StatusCode, n, fmt.Errorf("after %d bytes: %w", n, err))
}

// holdsKey reports whether s holds the API key in any form the redact
// package knows (escaped, percent-encoded, base64, hex, ...), or in
// another case. A key shorter
// than secrets.MinEncodedLen (a test's) is not looked for: it would match by
// chance; the configuration refuses such keys.
func (c *Client) holdsKey(s string) bool {
	if len(c.key) < secrets.MinEncodedLen {
		return false
	}
	c.keyFormsOnce.Do(func() { c.keyForms = secrets.New(c.key) })
	// In another case it is not the key, but it nearly is.
	return c.keyForms.Contains(s) || strings.Contains(strings.ToLower(s), strings.ToLower(c.key))
}
