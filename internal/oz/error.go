package oz

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// APIError: a failed call, what it means for the user, and whether it is
// worth trying again.

// Error codes the client acts on. Codes are compared without regard to case.
const (
	// CodeOutOfCredits (header X-Warp-Error-Code on a 429): do not retry.
	CodeOutOfCredits = "OUT_OF_CREDITS"
	// CodeAtCapacity (header X-Warp-Error-Code on a 429): retry later.
	CodeAtCapacity = "AT_CLOUD_AGENT_CAPACITY"
	// CodeFeatureNotAvailable (problem type on a 403): e.g. metadata
	// filtering is switched off for the team.
	CodeFeatureNotAvailable = "feature_not_available"
	// CodeInsufficientCredits (problem type): the team has no credits left;
	// final like CodeOutOfCredits.
	CodeInsufficientCredits = "insufficient_credits"
	// CodeBudgetExceeded (problem type): the team's spending budget is
	// used up; final.
	CodeBudgetExceeded = "budget_exceeded"
)

// APIError is every failure of a call that reached for the API: an error
// answer, an answer that could not be read, or no answer at all.
type APIError struct {
	// Op is what was attempted, e.g. "create run" or "get run abc".
	Op string
	// StatusCode is the HTTP status; 0 when no answer came.
	StatusCode int
	// Code is the error's code: the last path segment of a problem's type,
	// or the X-Warp-Error-Code header (which wins on a 429).
	Code string
	// Message is the server's one-line explanation, cleaned: valid UTF-8,
	// no control characters, no key, at most about 200 bytes.
	Message string
	// Retryable reports whether trying the same call again may succeed.
	Retryable bool
	// RetryAfter is the wait the server asked for, if any.
	RetryAfter time.Duration
	// TraceID identifies the request in Warp's logs.
	TraceID string
	// Err is the underlying network or decoding error, if any.
	Err error
}

// Error is one line: what failed, how, and what the user can do.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.StatusCode == 0 && misconfigured(e.Err):
		b.WriteString("cannot connect to the Oz API")
	case e.StatusCode == 0:
		b.WriteString("no answer from the Oz API")
	default:
		fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	}
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.TraceID != "" {
		b.WriteString(" (trace " + e.TraceID + ")")
	}
	if h := e.hint(); h != "" {
		b.WriteString("; " + h)
	}
	return b.String()
}

// uncancellable is a cancel refused for the run's type (422).
func (e *APIError) uncancellable() bool {
	return e.StatusCode == http.StatusUnprocessableEntity && strings.HasPrefix(e.Op, "cancel run")
}

// IsUncancellable reports whether err is a cancel that the API refused
// for the run's type (422): its message says already that the run must be
// stopped from its run page.
func IsUncancellable(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.uncancellable()
}

// Unwrap returns the underlying error.
func (e *APIError) Unwrap() error { return e.Err }

func (e *APIError) hasCode(code string) bool { return strings.EqualFold(e.Code, code) }

// hint says what the user can do about the error.
func (e *APIError) hint() string {
	s := e.StatusCode
	switch {
	case errors.Is(e.Err, ErrUncertainCreate), errors.Is(e.Err, ErrUncertainFollowup):
		return "" // the wrapped error says what to do
	case errors.Is(e.Err, ErrInvalidRunID):
		return "the id could change a path, a link or an output, so nothing more is done with it: check that api_url points at Warp's Oz API"
	case e.StatusCode >= 200 && e.StatusCode < 300 && isFinal(e.Err):
		return "the answer is too large or malformed to be used; asking again would not help"
	case s == 0 && certificateError(e.Err):
		return "the server's TLS certificate was not accepted: check api_url, the CA bundle (SSL_CERT_FILE) and any HTTPS proxy; the Oz API itself is not failing"
	case s == 0 && hostNotFound(e.Err):
		return "the API's host name does not resolve: check api_url and the DNS or proxy settings; the Oz API itself is not failing"
	case s == 0:
		return "check api_url and the network, then try again"
	case s >= 300 && s < 400:
		return "the API must not redirect (a redirect turns the create into a GET): set api_url to the address it redirects to"
	case s >= 200 && s < 300:
		return "the API or a proxy answered with an unreadable body; try again later"
	case s == http.StatusUnauthorized:
		return "check warp_api_key: it is missing, wrong, expired or revoked"
	case s == http.StatusForbidden && e.hasCode(CodeFeatureNotAvailable):
		return "this feature is not available to the team"
	case s == http.StatusForbidden:
		return "the key lacks access to this: check the key's team and team_uid"
	case s == http.StatusNotFound:
		return "check run_id and api_url"
	case s == http.StatusConflict:
		return "the run cannot do this in its current state yet; try again shortly"
	case e.hasCode(CodeOutOfCredits), e.hasCode(CodeInsufficientCredits):
		return "add credits to the Warp team, then run again"
	case e.hasCode(CodeBudgetExceeded):
		return "the Warp team's spending budget is used up: raise it, then run again"
	case s == http.StatusTooManyRequests && e.hasCode(CodeAtCapacity):
		return "the team is at its cloud agent limit; try again later"
	case s == http.StatusTooManyRequests, s == http.StatusRequestTimeout, s >= 500 && s < 600:
		return "the Oz API is busy or failing; try again later"
	case e.uncancellable() && strings.Contains(strings.ToLower(e.Message), "cannot be cancelled"):
		return "stop it from its run page in Oz" // the API's message says why
	case e.uncancellable():
		return "runs of this type cannot be cancelled through the API: stop it from its run page in Oz"
	case s == http.StatusBadRequest && strings.HasPrefix(e.Op, "cancel run"):
		return "the run has already ended"
	case s == http.StatusBadRequest, s == http.StatusUnprocessableEntity:
		return "the API rejected the request: check the inputs the message names"
	}
	return ""
}

// IsTransient reports whether err is a failure that may pass if the same
// call is made again: network errors (but not an untrusted TLS certificate
// or a host name that does not resolve), 408 and 429 (unless the body says
// "retryable": false or the code is a lack of credits or budget), 5xx, and
// an empty or malformed 2xx body.
func IsTransient(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Retryable
}

// transient is the rule behind APIError.Retryable. codes are the answer's
// error codes (header and problem type); bodyRetryable is the problem's
// "retryable" field, if any. On a 4xx only a false is heeded: a true never
// makes a final status retried. A 5xx stays transient whatever its body
// says: GETs and cancels are safe to repeat, and a create is looked up by
// its request id before it is repeated.
func transient(status int, codes []string, bodyRetryable *bool, err error) bool {
	switch {
	case status == 0:
		return !misconfigured(err)
	case status >= 200 && status < 300, status >= 500 && status < 600:
		return true
	case status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		return false
	case bodyRetryable != nil && !*bodyRetryable:
		return false
	}
	for _, c := range codes {
		for _, final := range []string{CodeOutOfCredits, CodeInsufficientCredits, CodeBudgetExceeded} {
			if strings.EqualFold(c, final) {
				return false
			}
		}
	}
	return true
}

// misconfigured reports whether a failed exchange is due to the setup, not
// to the API: trying again cannot help.
func misconfigured(err error) bool { return certificateError(err) || hostNotFound(err) }

// certificateError reports whether err is a failed TLS certificate check.
func certificateError(err error) bool {
	var (
		verify    *tls.CertificateVerificationError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	return err != nil && (errors.As(err, &verify) || errors.As(err, &authority) ||
		errors.As(err, &hostname) || errors.As(err, &invalid))
}

// hostNotFound reports whether err says that a host name does not exist.
func hostNotFound(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns) && dns.IsNotFound
}
