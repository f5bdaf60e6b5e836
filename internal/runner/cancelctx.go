package runner

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The context of what follows an interrupted wait (the lookup of a run an
// interrupted create may have started, the remote cancel, the last read):
// fresh, as the step's own has ended on an abort, and bounded twice: by
// Options.CancelBudget, and by the abort's share for the cancel that
// Options.CancelContext gives (main's: the signal's deadline).

// cancelContext is that context; its CancelFunc releases it.
func (w *waiter) cancelContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), w.opts.CancelBudget)
	if w.opts.CancelContext == nil {
		return context.WithValue(ctx, allowanceKey{}, w.opts.CancelBudget), cancel
	}
	bounded, release := w.opts.CancelContext(ctx)
	allowed := w.opts.CancelBudget
	if dl, ok := bounded.Deadline(); ok {
		allowed = min(allowed, max(time.Until(dl), 0).Round(100*time.Millisecond))
	}
	return context.WithValue(bounded, allowanceKey{}, allowed), func() {
		release()
		cancel()
	}
}

type allowanceKey struct{}

// allowance is the time a context from cancelContext gave the cancel when
// it was made, for messages.
func allowance(ctx context.Context) time.Duration {
	d, _ := ctx.Value(allowanceKey{}).(time.Duration)
	return d
}

// withCause is err, a failure of the cancel, with the reason its context
// ended when that says more than err does (the share of a signal's
// deadline that passed, say).
func withCause(ctx context.Context, err error) error {
	cause := context.Cause(ctx)
	if ctx.Err() == nil || cause == nil || cause == ctx.Err() || errors.Is(err, cause) { //nolint:errorlint // the same error, not one like it
		return err
	}
	return fmt.Errorf("%w (%v)", err, cause)
}
