package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// maxRetryAfter caps how long a Retry-After can hold the poll loop back.
const maxRetryAfter = 10 * time.Minute

// pollBackOff is the poll schedule: exponential with jitter from the poll
// interval to its cap, no elapsed-time limit (the timeout input is the only
// budget), a Retry-After from the API honoured as a floor for the next wait,
// and stopped when ctx ends.
type pollBackOff struct {
	backoff.BackOffContext
	ra *oz.RetryAfterBackOff
}

func newPollBackOff(ctx context.Context, initial, maxInterval time.Duration) *pollBackOff {
	e := backoff.NewExponentialBackOff()
	e.InitialInterval = initial
	e.MaxInterval = max(maxInterval, initial)
	e.Multiplier = 1.5
	e.RandomizationFactor = 0.2
	e.MaxElapsedTime = 0
	e.Reset()
	ra := oz.NewRetryAfterBackOff(e, maxRetryAfter)
	return &pollBackOff{BackOffContext: backoff.WithContext(ra, ctx), ra: ra}
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

// formatElapsed renders a duration as m:ss or h:mm:ss.
func formatElapsed(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
