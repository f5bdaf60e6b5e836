package oz

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// RetryPolicy says how transient failures of one call are retried: waits
// grow from InitialInterval to MaxInterval, a server's Retry-After is
// honoured up to MaxRetryAfter, and a call makes at most MaxAttempts
// attempts (a create refused with a 429 other than a lack of credits is
// retried until its context ends; see CreateRun).
type RetryPolicy struct {
	InitialInterval time.Duration
	MaxInterval     time.Duration
	MaxRetryAfter   time.Duration
	MaxAttempts     int
	// SettleDelay is how long a create whose outcome is unknown is given
	// to show up in the list of runs before it is looked up a second time
	// and tried again (0: no extra wait).
	SettleDelay time.Duration
}

// DefaultRetryPolicy is 500ms growing to 5s, Retry-After honoured up to 60s,
// 5 attempts, and a settle delay of 2s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		InitialInterval: 500 * time.Millisecond,
		MaxInterval:     5 * time.Second,
		MaxRetryAfter:   60 * time.Second,
		MaxAttempts:     5,
		SettleDelay:     2 * time.Second,
	}
}

func (p RetryPolicy) validate() error {
	switch {
	case p.InitialInterval <= 0 || p.MaxInterval < p.InitialInterval:
		return fmt.Errorf("oz: retry intervals %s..%s: need 0 < initial <= max", p.InitialInterval, p.MaxInterval)
	case p.MaxRetryAfter < 0:
		return fmt.Errorf("oz: retry MaxRetryAfter %s is negative", p.MaxRetryAfter)
	case p.MaxAttempts < 1:
		return fmt.Errorf("oz: retry MaxAttempts %d: need at least 1", p.MaxAttempts)
	case p.SettleDelay < 0:
		return fmt.Errorf("oz: retry SettleDelay %s is negative", p.SettleDelay)
	}
	return nil
}

// RetryAfterBackOff is a BackOff whose next wait is at least the
// Retry-After of the last failed answer (capped at Max); the server's wish is
// used once, then the wrapped schedule goes on. The client retries with it,
// and so does the runner's poll loop.
type RetryAfterBackOff struct {
	backoff.BackOff
	Max  time.Duration
	next time.Duration
}

// NewRetryAfterBackOff wraps b, honouring Retry-After up to maxWait.
func NewRetryAfterBackOff(b backoff.BackOff, maxWait time.Duration) *RetryAfterBackOff {
	return &RetryAfterBackOff{BackOff: b, Max: maxWait}
}

// Observe takes note of err's Retry-After, if it is an *APIError with one.
func (b *RetryAfterBackOff) Observe(err error) {
	var ae *APIError
	if errors.As(err, &ae) {
		b.next = ae.RetryAfter
	}
}

// NextBackOff is the wrapped wait, raised to a pending Retry-After.
func (b *RetryAfterBackOff) NextBackOff() time.Duration {
	d := b.BackOff.NextBackOff()
	if ra := min(b.next, b.Max); d != backoff.Stop && ra > d {
		d = ra
	}
	b.next = 0
	return d
}

// Reset restarts the wrapped schedule and forgets a pending Retry-After.
func (b *RetryAfterBackOff) Reset() {
	b.BackOff.Reset()
	b.next = 0
}

// newBackOff is the policy's schedule of waits: exponential without an end,
// raised to a server's Retry-After.
func (p RetryPolicy) newBackOff() *RetryAfterBackOff {
	exp := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(p.InitialInterval),
		backoff.WithMaxInterval(p.MaxInterval),
		backoff.WithMaxElapsedTime(0),
	)
	return NewRetryAfterBackOff(exp, p.MaxRetryAfter)
}

// withRetry runs attempt (numbered from 1) until it succeeds, fails with an
// error that is not transient, or the policy's attempts are spent. The end
// of ctx stops it at once, also during a wait, with ctx's error wrapped.
func (c *Client) withRetry(ctx context.Context, op string, attempt func(n int) error) error {
	p := c.retry
	ra := p.newBackOff()
	b := backoff.WithContext(backoff.WithMaxRetries(ra, uint64(p.MaxAttempts-1)), ctx)

	n := 0
	var last error
	operation := func() error {
		n++
		err := attempt(n)
		if err == nil {
			return nil
		}
		last = err
		if ctx.Err() != nil {
			return backoff.Permanent(interrupted(op, ctx.Err(), err))
		}
		var ae *APIError
		if !errors.As(err, &ae) || !ae.Retryable {
			return backoff.Permanent(err)
		}
		ra.Observe(ae)
		return err
	}
	notify := func(err error, d time.Duration) {
		c.logf("oz: %s: attempt %d of %d failed, retrying in %s: %s", op, n, p.MaxAttempts, d.Round(time.Millisecond), err)
	}
	var timer backoff.Timer
	if c.newTimer != nil {
		timer = c.newTimer()
	}
	err := backoff.RetryNotifyWithTimer(operation, b, notify, timer)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && err == ctx.Err(): //nolint:errorlint // backoff returns ctx.Err() itself
		return interrupted(op, err, last)
	case n > 1 && IsTransient(err):
		return fmt.Errorf("%w (gave up after %d attempts)", err, n)
	}
	return err
}

// sleep waits d, or less when ctx ends first (then it returns ctx's error).
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	var (
		done <-chan time.Time
		stop func()
	)
	if c.newTimer != nil {
		t := c.newTimer()
		t.Start(d)
		done, stop = t.C(), t.Stop
	} else {
		t := time.NewTimer(d)
		done, stop = t.C, func() { t.Stop() }
	}
	defer stop()
	select {
	case <-ctx.Done():
	case <-done:
	}
	return ctx.Err() // the end of ctx wins over a timer that fired too
}

// interrupted is the error of a call stopped by the end of its context.
func interrupted(op string, ctxErr, last error) error {
	if last == nil || errors.Is(last, ctxErr) {
		return fmt.Errorf("%s: stopped: %w", op, ctxErr)
	}
	return fmt.Errorf("%s: stopped: %w (last failure: %v)", op, ctxErr, last)
}

// maxRetryAfter bounds what parseRetryAfter returns, so that no arithmetic
// overflows; the policy's MaxRetryAfter caps the wait much lower.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date
// (relative to now). Zero when absent, odd or past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil || secs > uint64(maxRetryAfter/time.Second) { // too large
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}
