package comment

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/oz-run/oz-run-action/internal/weburl"
)

// The HTTP client under both forges' clients: answers capped, redirects
// kept on the API's host, and the API's base URL checked before a token
// is sent to it.

// maxResponse caps what is read of one answer from a forge: a page of 100
// comments of the largest size GitHub allows is about 7 MiB of JSON.
const maxResponse = 16 << 20

// newHTTPClient is the HTTP client of both forges' clients: the default
// transport (proxies from the environment) with idle connections the
// Sticky closes, answers capped as they are read, and redirects followed
// only on the API's own host (a forge's client adds the token to every
// request, the redirected ones too).
func newHTTPClient() (*http.Client, *http.Transport) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &http.Client{
		Transport: cappedTransport{tr},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 || req.URL.Scheme != via[0].URL.Scheme || req.URL.Host != via[0].URL.Host {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}, tr
}

// cappedTransport makes every answer's body fail once it is longer than
// maxResponse, so that no client reads more.
type cappedTransport struct{ rt http.RoundTripper }

func (t cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	if resp != nil && resp.Body != nil {
		resp.Body = &cappedBody{rc: resp.Body, left: maxResponse}
	}
	return resp, err
}

var errTooLarge = fmt.Errorf("the answer is larger than %d MiB", maxResponse>>20)

type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// apiBase parses a forge's API URL from the environment (GITHUB_API_URL,
// CI_API_V4_URL): https, or http on a loopback host (tests, a local fake);
// no user info, query or fragment. The token is sent nowhere else.
func apiBase(name, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("%s is not a valid URL (%v)", name, err)
	}
	switch {
	case u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return nil, fmt.Errorf("%s %q is not an absolute http(s) URL", name, u.Redacted())
	case u.Scheme == "http" && !weburl.IsLoopbackHost(u.Hostname()):
		return nil, fmt.Errorf("%s %q is plain http: the token is sent only over https (or to a loopback host)", name, u.Redacted())
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("%s %q must have no user info, query or fragment", name, u.Redacted())
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawPath = ""
	return u, nil
}
