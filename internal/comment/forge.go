package comment

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/textclean"
)

// What the Sticky needs of a forge, and how a failed call is sorted by what
// to do about it and worded without the token.

// forge is what the sticky comment needs from GitHub or GitLab. Every call
// is bounded by the context it gets; errors are *apiError.
type forge interface {
	// name is "GitHub" or "GitLab", for messages.
	name() string
	// what is "pull request" or "merge request", for messages.
	what() string
	// limit is the largest comment body in bytes.
	limit() int
	// list reads one page of the PR/MR's comments, oldest first; next is
	// the next page, 0 when this was the last.
	list(ctx context.Context, page int) (notes []note, next int, err error)
	create(ctx context.Context, body string) (note, error)
	edit(ctx context.Context, id int64, body string) (note, error)
	// self is the token's own user.
	self(ctx context.Context) (identity, error)
	// mine reports whether a comment by a was written with the token of me.
	mine(a author, me identity) bool
}

// note is one comment as read from a forge.
type note struct {
	id     int64
	body   string
	url    string
	author author
	system bool // a GitLab system note (never ours)
}

// author is who wrote a comment.
type author struct {
	login string
	id    int64
	bot   bool // GitHub: the user's type is "Bot" (an app, github-actions)
}

// identity is the token's user.
type identity struct {
	login string
	id    int64
}

// kind sorts what went wrong in a call, by what to do about it.
type kind int

const (
	// transient: a network error, a timeout, a 5xx, an odd answer: try
	// again later (a create may have been done: look before creating again).
	transient kind = iota
	// refused: 401, 403 (not a rate limit): the token may not do this; it
	// will not change during the step.
	refused
	// notFound: 404: the PR/MR (or the comment being edited) is not there,
	// or the token cannot see it.
	notFound
	// rejected: 400, 422: this body was refused; another may not be.
	rejected
	// limited: a rate limit; retryAfter says for how long (0: unknown).
	limited
	// stopped: the caller's context ended; no warning.
	stopped
)

// apiError is a failed call: what was done, how it failed, and a message
// with no token in it.
type apiError struct {
	op         string // "list the comments", "create the comment", ...
	kind       kind
	status     int
	retryAfter time.Duration
	msg        string
}

func (e *apiError) Error() string { return e.op + ": " + e.msg }

// Rate-limit headers, as both forges send them.
const (
	headerRetryAfter     = "Retry-After"
	headerRateRemaining  = "X-RateLimit-Remaining"
	headerRateReset      = "X-RateLimit-Reset"
	headerGitLabRemain   = "RateLimit-Remaining"
	headerGitLabReset    = "RateLimit-Reset"
	defaultRateLimitWait = time.Minute
)

// classify turns the outcome of a call into an apiError. resp may be nil
// (no answer); err is the client's error, whose text is cleaned of the
// secrets red holds (the token).
func classify(ctx context.Context, op string, resp *http.Response, err error, now time.Time, red *redact.Redactor) *apiError {
	e := &apiError{op: op, kind: transient, msg: message(errText(err), red)}
	if resp != nil {
		e.status = resp.StatusCode
	}
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		e.kind = stopped
	case isTimeout(ctx, err):
		e.kind, e.msg = transient, "no answer within the time allowed for one call"
	case e.status == http.StatusTooManyRequests, (e.status == http.StatusForbidden && rateLimited(resp.Header)):
		e.kind, e.retryAfter = limited, retryAfter(resp.Header, now)
	case e.status == http.StatusUnauthorized, e.status == http.StatusForbidden:
		e.kind = refused
	case e.status == http.StatusNotFound:
		e.kind = notFound
	case e.status == http.StatusBadRequest, e.status == http.StatusUnprocessableEntity:
		e.kind = rejected
	}
	return e
}

// isTimeout reports a call that ran out of time (its own deadline or the
// transport's).
func isTimeout(ctx context.Context, err error) bool {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// rateLimited reports a 403 that is a rate limit, not a refusal: GitHub's
// primary limit (X-RateLimit-Remaining: 0) and secondary limits (a
// Retry-After).
func rateLimited(h http.Header) bool {
	return h.Get(headerRetryAfter) != "" || h.Get(headerRateRemaining) == "0" || h.Get(headerGitLabRemain) == "0"
}

// retryAfter is how long a rate limit asks to wait: Retry-After (seconds or
// a date), else the reset time of an exhausted limit, else 0 (unknown).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get(headerRetryAfter)); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(min(s, 24*3600)) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return clampWait(t.Sub(now))
		}
	}
	for _, name := range []string{headerRateReset, headerGitLabReset} {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			if s, err := strconv.ParseInt(v, 10, 64); err == nil && s > 0 {
				return clampWait(time.Unix(s, 0).Sub(now))
			}
		}
	}
	return 0
}

func clampWait(d time.Duration) time.Duration {
	return min(max(d, 0), 24*time.Hour)
}

func errText(err error) string {
	if err == nil {
		return "failed"
	}
	return err.Error()
}

// maxMessage caps a message from a forge (GitLab's errors hold the whole
// answer's body).
const maxMessage = 300

// message makes s one line of clean text (textclean.Line, the one rule
// for untrusted text) without the secrets red holds, at most maxMessage
// bytes.
func message(s string, red *redact.Redactor) string {
	return textclean.Cut(red.String(textclean.Line(s)), maxMessage)
}
