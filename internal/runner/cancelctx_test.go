package runner

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/abort"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// hangingCancel is a cancel endpoint that answers only when its context
// ends; arrived is called when the request comes.
type hangingCancel struct {
	fakeAPI
	arrived func()
}

func (h *hangingCancel) CancelRun(ctx context.Context, id string) error {
	h.mu.Lock()
	h.cancels++
	h.mu.Unlock()
	h.arrived()
	<-ctx.Done()
	return fmt.Errorf("cancel run %s: stopped: %w", id, ctx.Err())
}

// After a signal, the remote cancel runs in the context that
// Options.CancelContext bounds (main's: the signal's share for the
// cancel, internal/abort), not in CancelBudget alone: a cancel that hangs
// is given up when the share has passed, and the step says the run may
// still be going. The clock is injected: the share passes when the test
// moves it, once the cancel request has arrived.
func TestCancelContextBoundsTheCancel(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	d := abort.New(clock)
	api := &hangingCancel{fakeAPI: fakeAPI{script: []step{{state: oz.StateInProgress}}}}
	api.onGet = func(n int) {
		if n == 1 {
			d.Signal(syscall.SIGTERM) // the cancel's share: 1 s from now
		}
	}
	var order []string
	api.arrived = func() {
		order = append(order, "cancel requested")
		mu.Lock()
		now = now.Add(time.Second) // the share has passed
		mu.Unlock()
		d.Signal(syscall.SIGTERM) // a later signal re-arms the bounds by the clock
	}
	opts := fastOpts
	opts.CancelBudget = time.Hour // the share, not the budget, ends the cancel
	opts.CancelContext = func(parent context.Context) (context.Context, context.CancelFunc) {
		order = append(order, "cancel context made")
		return d.Bound(parent, abort.Cancel)
	}
	res := Run(d.Context(), testSpec(), api, &logReporter{}, opts)
	assert.True(t, res.Aborted)
	assert.Equal(t, outcome.ExitAborted, res.ExitCode(testFailOn))
	assert.Equal(t, []string{"cancel context made", "cancel requested"}, order)
	assert.Equal(t, 1, api.cancels)
	require.Error(t, res.CancelErr, "the run may still be going")
	assert.ErrorIs(t, res.CancelErr, context.DeadlineExceeded)
	assert.Contains(t, res.CancelErr.Error(), "(the time SIGTERM leaves for the remote cancel has passed)", "the message says why the cancel was given up")
	assert.False(t, res.Cancelled)
}

// Without a signal (a timeout), the cancel context is CancelBudget's,
// bounded by CancelContext too, and the allowance the messages give is
// the budget.
func TestCancelContextAfterATimeout(t *testing.T) {
	t.Parallel()
	d := abort.New(nil)
	made := 0
	opts := fastOpts
	var began time.Time // before the budget's context was made
	opts.CancelContext = func(parent context.Context) (context.Context, context.CancelFunc) {
		made++
		ctx, cancel := d.Bound(parent, abort.Cancel)
		dl, ok := ctx.Deadline()
		assert.True(t, ok)
		// Made between began and now: its deadline is the budget after
		// then (no tolerance that a busy machine could exceed).
		assert.False(t, dl.Before(began.Add(opts.CancelBudget)) || dl.After(time.Now().Add(opts.CancelBudget)),
			"the budget's deadline: no signal came")
		return ctx, cancel
	}
	spec := testSpec()
	spec.Timeout = 20 * time.Millisecond
	api := &fakeAPI{script: []step{{state: oz.StateInProgress}}}
	began = time.Now()
	res := Run(context.Background(), spec, api, &logReporter{}, opts)
	assert.Equal(t, 1, made)
	assert.True(t, res.Cancelled)
	w := &waiter{opts: opts.withDefaults()}
	ctx, cancel := w.cancelContext()
	defer cancel()
	assert.Equal(t, opts.CancelBudget, allowance(ctx))
}
