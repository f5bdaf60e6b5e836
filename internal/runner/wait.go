package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// The poll's backoff, its sleeps and how elapsed time is shown.

// maxRetryAfter caps how long a Retry-After can hold the poll loop back.
const maxRetryAfter = 10 * time.Minute

// The poll schedule's shape beyond the contract's two inputs (the first wait
// and the cap). Measured by `go run ./bench`: growing x3 reaches the cap in
// three reads (2 s, 6 s, 18 s, then 30 s), so a 10-minute run costs about
// 1.25 times the reads of a fixed 30 s poller, and keeping the jittered
// waits under the cap makes the mean detection latency no worse than its.
const (
	PollMultiplier = 3.0
	PollJitter     = 0.2
)

// pollBackOff is the poll schedule: exponential with jitter from the poll
// interval to its cap (never past it), no elapsed-time limit (the timeout
// input is the only budget), a Retry-After from the API honoured as a floor
// for the next wait (even past the cap), and stopped when ctx ends.
type pollBackOff struct {
	backoff.BackOffContext
	ra *oz.RetryAfterBackOff
}

func newPollBackOff(ctx context.Context, initial, maxInterval time.Duration) *pollBackOff {
	e := backoff.NewExponentialBackOff()
	e.InitialInterval = initial
	e.MaxInterval = max(maxInterval, initial)
	e.Multiplier = PollMultiplier
	e.RandomizationFactor = PollJitter
	e.MaxElapsedTime = 0
	e.Reset()
	ra := oz.NewRetryAfterBackOff(capped{e, e.MaxInterval}, maxRetryAfter)
	return &pollBackOff{BackOffContext: backoff.WithContext(ra, ctx), ra: ra}
}

// capped keeps a jittered wait at or under the cap.
type capped struct {
	backoff.BackOff
	limit time.Duration
}

func (c capped) NextBackOff() time.Duration {
	d := c.BackOff.NextBackOff()
	if d == backoff.Stop {
		return d
	}
	return min(d, c.limit)
}

// retryAfter raises the next wait to the error's Retry-After, if any.
func (p *pollBackOff) retryAfter(err error) { p.ra.Observe(err) }

// sleep waits for d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// formatElapsed renders a duration as m:ss or h:mm:ss, rounded to the
// nearest second as the summary's durations and timeline are.
func formatElapsed(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
