package oz

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	secrets "github.com/oz-run/oz-run-action/internal/redact"
)

func TestParseError(t *testing.T) {
	t.Parallel()
	problemJSON := http.Header{"Content-Type": {"application/problem+json"}}
	htmlType := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	tests := []struct {
		name      string
		status    int
		header    http.Header
		body      string
		err       error
		code      string
		message   string
		retryable bool
		trace     string
		after     time.Duration
	}{
		{name: "problem+json", status: 404, header: problemJSON,
			body: `{"type":"https://docs.warp.dev/errors/resource_not_found","title":"Not Found","status":404,"error":"Run abc not found","detail":"longer","trace_id":"tr-1"}`,
			code: "resource_not_found", message: "Run abc not found", trace: "tr-1"},
		{name: "problem with title only", status: 400, header: problemJSON, body: `{"type":"about:blank","title":"Bad Request","status":400}`,
			message: "Bad Request"},
		{name: "problem with detail", status: 422, body: `{"type":"x/operation_not_supported/","title":"t","detail":"cannot cancel this run type"}`,
			code: "operation_not_supported", message: "cannot cancel this run type"},
		{name: "old error object", status: 400, body: `{"error":"prompt is required"}`, message: "prompt is required"},
		{name: "nested error", status: 400, body: `{"error":{"message":"nested message"}}`, message: "nested message"},
		{name: "odd field types", status: 400, body: `{"error":5,"type":["x"],"title":"fallback"}`, message: "fallback"},
		{name: "html from a proxy", status: 502, header: htmlType,
			body:    "<html><head><title>502 Bad Gateway</title><style>body{color:red}</style><script>alert('x<y>')</script></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx &amp; co</center></body></html>",
			message: "502 Bad Gateway 502 Bad Gateway nginx & co", retryable: true},
		{name: "html without content type", status: 504, body: "\n<!DOCTYPE html><p>Gateway   Timeout</p>", message: "Gateway Timeout", retryable: true},
		{name: "unclosed script", status: 500, body: "<p>oops</p><script>var k=1", message: "oops", retryable: true},
		{name: "plain text", status: 503, header: http.Header{"Content-Type": {"text/plain"}}, body: "upstream connect error\nor disconnect", message: "upstream connect error or disconnect", retryable: true},
		{name: "empty", status: 503, message: "Service Unavailable", retryable: true},
		{name: "empty unknown status", status: 599, retryable: true},
		{name: "malformed json", status: 500, body: `{"error": "unterminated`, message: `{"error": "unterminated`, retryable: true},
		{name: "control characters and bad utf-8", status: 400, body: "{\"error\":\"line1\\nline2\\u0000\\u202eevil\\tend\"}", message: "line1 line2 evil end"},
		{name: "invalid utf-8 text", status: 400, body: "bad \xff\xfe bytes", message: "bad \ufffd bytes"},
		{name: "429 bare", status: 429, message: "Too Many Requests", retryable: true},
		{name: "429 at capacity", status: 429, header: http.Header{"X-Warp-Error-Code": {CodeAtCapacity}},
			code: CodeAtCapacity, message: "Too Many Requests", retryable: true},
		{name: "429 out of credits wins over the type", status: 429,
			header: http.Header{"X-Warp-Error-Code": {CodeOutOfCredits}, "Content-Type": {"application/problem+json"}},
			body:   `{"type":"https://warp.dev/errors/insufficient_credits","title":"t","status":429,"error":"You are out of credits"}`,
			code:   CodeOutOfCredits, message: "You are out of credits"},
		{name: "header code when no type", status: 403, header: http.Header{"X-Warp-Error-Code": {"feature_not_available"}}, body: `{"error":"no"}`,
			code: CodeFeatureNotAvailable, message: "no"},
		{name: "type wins over header off 429", status: 403, header: http.Header{"X-Warp-Error-Code": {"other"}},
			body: `{"type":"https://warp.dev/errors/feature_not_available","error":"Metadata filtering is not available"}`,
			code: CodeFeatureNotAvailable, message: "Metadata filtering is not available"},
		{name: "408", status: 408, message: "Request Timeout", retryable: true},
		{name: "429 insufficient-credits type, no header", status: 429, header: problemJSON,
			body: `{"type":"https://warp.dev/errors/insufficient-credits","title":"t","status":429,"error":"no credits"}`,
			code: CodeInsufficientCredits, message: "no credits"},
		{name: "429 budget_exceeded type", status: 429, body: `{"type":"x/budget_exceeded","error":"over budget"}`,
			code: CodeBudgetExceeded, message: "over budget"},
		{name: "429 budget header", status: 429, header: http.Header{"X-Warp-Error-Code": {"budget_exceeded"}},
			code: CodeBudgetExceeded, message: "Too Many Requests"},
		{name: "429 at capacity header, credits type", status: 429, header: http.Header{"X-Warp-Error-Code": {CodeAtCapacity}},
			body: `{"type":"x/insufficient_credits","error":"e"}`, code: CodeAtCapacity, message: "e"},
		{name: "429 retryable false", status: 429, body: `{"type":"about:blank","error":"stop","retryable":false}`, message: "stop"},
		{name: "429 retryable true", status: 429, body: `{"error":"go","retryable":true}`, message: "go", retryable: true},
		{name: "408 retryable false", status: 408, body: `{"error":"stop","retryable":false}`, message: "stop"},
		{name: "409 retryable true stays final", status: 409, body: `{"error":"pending","retryable":true}`, message: "pending"},
		{name: "503 retryable false stays transient", status: 503, body: `{"error":"down","retryable":false}`, message: "down", retryable: true},
		{name: "retryable of an odd type", status: 429, body: `{"error":"x","retryable":"no"}`, message: "x", retryable: true},
		{name: "redirect", status: 301, header: http.Header{"Location": {"https://app.warp.dev/api/v2/agent/runs\n"}}, body: "<html>Moved</html>",
			message: "the API redirected to https://app.warp.dev/api/v2/agent/runs"},
		{name: "redirect without location", status: 302, message: "the API redirected"},
		{name: "unknown authority", err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}},
		{name: "bad host name", err: fmt.Errorf("x: %w", x509.HostnameError{Host: "h"})},
		{name: "host not found", err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "nope.invalid", IsNotFound: true}}},
		{name: "dns timeout", err: &net.DNSError{Err: "timeout", Name: "h", IsTimeout: true}, retryable: true},
		{name: "401", status: 401, message: "Unauthorized"},
		{name: "409", status: 409, message: "Conflict"},
		{name: "retry-after", status: 503, header: http.Header{"Retry-After": {"12"}}, message: "Service Unavailable", retryable: true, after: 12 * time.Second},
		{name: "key echoed", status: 401, body: `{"error":"invalid key ` + testKey + `","trace_id":"` + testKey + `"}`,
			message: "invalid key " + secrets.Mark, trace: secrets.Mark},
		{name: "key split by a tag", status: 401, header: htmlType, body: "<p>key " + testKey[:5] + "<b></b>" + testKey[5:] + "</p>",
			message: "key " + secrets.Mark},
		{name: "key split by a zero-width space", status: 401, body: `{"error":"key ` + testKey[:5] + `\u200b` + testKey[5:] + `"}`,
			message: "key " + secrets.Mark},
		{name: "network", status: 0, err: errors.New("dial tcp: connection refused"), retryable: true},
		{name: "network error with key", status: 0, err: errors.New("oops " + testKey), retryable: true},
		{name: "malformed 2xx", status: 200, err: errors.New("the body is empty"), retryable: true},
	}
	for _, tc := range tests {
		h := tc.header
		if h == nil {
			h = http.Header{}
		}
		e := parseError("get run abc", tc.status, h, []byte(tc.body), tc.err, secrets.New(testKey), time.Now())
		if e.Code != tc.code || e.Message != tc.message || e.Retryable != tc.retryable || e.TraceID != tc.trace || e.RetryAfter != tc.after || e.StatusCode != tc.status {
			t.Errorf("%s:\n got code %q message %q retryable %v trace %q after %s\nwant code %q message %q retryable %v trace %q after %s",
				tc.name, e.Code, e.Message, e.Retryable, e.TraceID, e.RetryAfter, tc.code, tc.message, tc.retryable, tc.trace, tc.after)
		}
		if s := e.Error(); strings.Contains(s, testKey) || strings.Contains(fmt.Sprint(e.Err), testKey) {
			t.Errorf("%s: the error shows the key: %s", tc.name, s)
		}
		if !errors.Is(e, tc.err) && tc.err != nil {
			t.Errorf("%s: errors.Is(e, underlying) = false", tc.name)
		}
	}
}

func TestParseErrorTruncatesHugeBody(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		strings.Repeat("é", maxErrorBody),
		`{"error":"` + strings.Repeat("x", 10000) + `"}`,
		"<html>" + strings.Repeat("<p>word</p>", 5000),
	} {
		e := parseError("op", 500, http.Header{}, []byte(body), nil, secrets.New(testKey), time.Now())
		if len(e.Message) > maxMessage || !strings.HasSuffix(e.Message, "…") || !utf8.ValidString(e.Message) {
			t.Errorf("message of %d bytes: %q", len(e.Message), e.Message)
		}
	}
}

func TestHugeErrorBodyOverHTTP(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 400, body: strings.Repeat("too long ", 1<<20)})
	c, _ := testClient(t, s)
	_, err := c.GetRun(t.Context(), "run-1")
	var ae *APIError
	if !errors.As(err, &ae) || len(ae.Message) > maxMessage {
		t.Errorf("err = %v", err)
	}
}

func TestErrorHints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    APIError
		want []string
	}{
		{APIError{Op: "get run abc", StatusCode: 401, Message: "Unauthorized"}, []string{"get run abc: HTTP 401: Unauthorized", "warp_api_key"}},
		{APIError{Op: "get run abc", StatusCode: 403}, []string{"team_uid"}},
		{APIError{Op: "list runs", StatusCode: 403, Code: CodeFeatureNotAvailable}, []string{"HTTP 403 feature_not_available", "not available to the team"}},
		{APIError{Op: "get run abc", StatusCode: 404, TraceID: "t-1"}, []string{"(trace t-1)", "check run_id"}},
		{APIError{Op: "create run", StatusCode: 429, Code: CodeOutOfCredits}, []string{"add credits"}},
		{APIError{Op: "create run", StatusCode: 429, Code: CodeAtCapacity}, []string{"cloud agent limit"}},
		{APIError{Op: "create run", StatusCode: 400, Message: "bad mcp"}, []string{"bad mcp", "check the inputs"}},
		{APIError{Op: "cancel run abc", StatusCode: 409}, []string{"try again shortly"}},
		{APIError{Op: "cancel run abc", StatusCode: 422}, []string{"cannot be cancelled through the API"}},
		{APIError{Op: "cancel run abc", StatusCode: 400}, []string{"already ended"}},
		{APIError{Op: "get run abc", StatusCode: 503}, []string{"try again later"}},
		{APIError{Op: "get run abc", Err: io.ErrUnexpectedEOF}, []string{"no answer from the Oz API: unexpected EOF", "api_url and the network"}},
		{APIError{Op: "get run abc", StatusCode: 200, Err: errors.New("the body is empty")}, []string{"HTTP 200: the body is empty", "unreadable"}},
		{APIError{Op: "create run", StatusCode: 429, Code: CodeInsufficientCredits}, []string{"add credits"}},
		{APIError{Op: "create run", StatusCode: 402, Code: CodeBudgetExceeded}, []string{"budget is used up"}},
		{APIError{Op: "create run", StatusCode: 301, Message: "the API redirected to https://x/y"}, []string{"HTTP 301: the API redirected to https://x/y", "set api_url"}},
		{APIError{Op: "get run abc", Err: x509.UnknownAuthorityError{}}, []string{"cannot connect to the Oz API", "TLS certificate", "CA bundle", "proxy", "not failing"}},
		{APIError{Op: "get run abc", Err: &net.DNSError{Name: "h", IsNotFound: true}}, []string{"cannot connect", "does not resolve", "api_url"}},
	}
	for _, tc := range tests {
		s := tc.e.Error()
		for _, w := range tc.want {
			if !strings.Contains(s, w) {
				t.Errorf("%q lacks %q", s, w)
			}
		}
		if strings.Contains(s, "\n") {
			t.Errorf("%q is not one line", s)
		}
	}
}

func TestIsTransient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("x"), false},
		{&APIError{Retryable: true}, true},
		{fmt.Errorf("wrapped: %w", &APIError{Retryable: true}), true},
		{&APIError{StatusCode: 404}, false},
	}
	for _, tc := range tests {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%v) = %v", tc.err, got)
		}
	}
}
