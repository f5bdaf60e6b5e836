package abort

import (
	"context"
	"errors"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// clock is an injected clock, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t0.Add(d)
}

// signal is one signal at a time after t0.
type signal struct {
	sig os.Signal
	at  time.Duration
}

// Each signal gives one deadline; the cancel, the comment's final edit and
// publishing share the time to it in that order, and GitHub's next signal
// (SIGTERM 7.5 s after SIGINT, the kill 2.5 s after SIGTERM) comes after
// it. A later signal brings the ends forward, never back.
func TestEndsBySignal(t *testing.T) {
	t.Parallel()
	sigint, sigterm := os.Interrupt, syscall.SIGTERM
	cases := []struct {
		name    string
		signals []signal
		by      os.Signal     // the signal whose ends hold
		cancel  time.Duration // after t0
		comment time.Duration
		exit    time.Duration
		next    time.Duration // GitHub's next signal (or kill) after t0
	}{
		{"SIGINT", []signal{{sigint, 0}}, sigint, 3500 * time.Millisecond, 6400 * time.Millisecond, 7 * time.Second, 7500 * time.Millisecond},
		{"SIGTERM", []signal{{sigterm, 0}}, sigterm, time.Second, 1400 * time.Millisecond, 2 * time.Second, 2500 * time.Millisecond},
		{"SIGINT, then SIGTERM 7.5 s later (GitHub)", []signal{{sigint, 0}, {sigterm, 7500 * time.Millisecond}}, sigint,
			3500 * time.Millisecond, 6400 * time.Millisecond, 7 * time.Second, 7500 * time.Millisecond},
		{"SIGINT, then SIGTERM 1 s later: the SIGTERM's ends", []signal{{sigint, 0}, {sigterm, time.Second}}, sigterm,
			2 * time.Second, 2400 * time.Millisecond, 3 * time.Second, 3500 * time.Millisecond},
		{"SIGINT, then SIGTERM 4 s later: the SIGINT's cancel, the SIGTERM's comment and exit", []signal{{sigint, 0}, {sigterm, 4 * time.Second}}, sigterm,
			3500 * time.Millisecond, 5400 * time.Millisecond, 6 * time.Second, 6500 * time.Millisecond},
		{"SIGTERM, then SIGINT: a later signal moves nothing back", []signal{{sigterm, 0}, {sigint, 100 * time.Millisecond}}, sigterm,
			time.Second, 1400 * time.Millisecond, 2 * time.Second, 2500 * time.Millisecond},
		{"SIGTERM twice: the first holds", []signal{{sigterm, 0}, {sigterm, time.Second}}, sigterm,
			time.Second, 1400 * time.Millisecond, 2 * time.Second, 2500 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &clock{t: t0}
			d := New(c.now)
			_, _, ok := d.End(Exit)
			require.False(t, ok, "no deadline before a signal")
			for _, s := range tc.signals {
				c.set(s.at)
				d.Signal(s.sig)
			}
			ends := map[Phase]time.Duration{}
			for _, p := range []Phase{Cancel, Comment, Exit} {
				end, _, ok := d.End(p)
				require.True(t, ok)
				ends[p] = end.Sub(t0)
			}
			assert.Equal(t, tc.cancel, ends[Cancel], "the cancel's end")
			assert.Equal(t, tc.comment, ends[Comment], "the comment's end")
			assert.Equal(t, tc.exit, ends[Exit], "the deadline")
			_, sig, _ := d.End(Exit)
			assert.Equal(t, tc.by, sig)
			// The order the issue asks for: cancel, then the comment, then
			// publishing's reserve, all before GitHub's next signal.
			assert.Less(t, ends[Cancel], ends[Comment])
			assert.Equal(t, PublishReserve, ends[Exit]-ends[Comment], "publishing keeps its reserve")
			assert.Less(t, ends[Exit], tc.next, "the outputs are out before GitHub's next signal")
			assert.Equal(t, tc.signals[0].sig == sigterm || len(tc.signals) > 1 && tc.signals[1].sig == sigterm, d.Terminated())
		})
	}
}

// The step's context ends on the first signal, with it as the cause, and
// carries the deadline; the ends are known by the time it has ended.
func TestContextEndsOnTheFirstSignal(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	d := New(c.now)
	ctx := d.Context()
	derived, cancel := context.WithCancel(ctx)
	defer cancel()
	assert.Same(t, d, From(derived))
	assert.Nil(t, From(context.Background()))
	require.NoError(t, ctx.Err())
	d.Signal(syscall.SIGTERM)
	<-derived.Done()
	var cause Cause
	require.ErrorAs(t, context.Cause(ctx), &cause)
	assert.Equal(t, syscall.SIGTERM, cause.Signal)
	assert.Equal(t, "received terminated", cause.Error())
	end, _, ok := d.End(Comment)
	assert.True(t, ok)
	assert.Equal(t, t0.Add(1400*time.Millisecond), end)
	d.Signal(os.Interrupt)
	assert.Equal(t, syscall.SIGTERM, context.Cause(ctx).(Cause).Signal, "the first signal stays the cause")
}

// A phase's context: no deadline before a signal; the phase's end once
// one came, brought forward by a later SIGTERM; ended, as a deadline
// ends a context, once the end has passed by the deadline's clock.
func TestBound(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	d := New(c.now)
	budget, stop := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer stop()
	ctx, cancel := d.Bound(budget, Comment)
	defer cancel()
	parent, _ := budget.Deadline()
	dl, ok := ctx.Deadline()
	assert.True(t, ok)
	assert.Equal(t, parent, dl, "before a signal: the parent's deadline")

	d.Signal(os.Interrupt)
	dl, _ = ctx.Deadline()
	assert.Equal(t, t0.Add(6400*time.Millisecond), dl, "SIGINT's end for the comment")
	require.NoError(t, ctx.Err(), "its end has not passed")

	c.set(time.Second)
	d.Signal(syscall.SIGTERM)
	dl, _ = ctx.Deadline()
	assert.Equal(t, t0.Add(2400*time.Millisecond), dl, "brought forward by the SIGTERM")
	require.NoError(t, ctx.Err())

	// Once the end has passed by the clock, the next re-arming fires.
	c.set(3 * time.Second)
	d.Signal(syscall.SIGTERM)
	<-ctx.Done()
	assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
	var passed *PassedError
	require.ErrorAs(t, context.Cause(ctx), &passed)
	assert.Equal(t, Comment, passed.Phase)
	assert.Equal(t, syscall.SIGTERM, passed.Signal)
	assert.ErrorIs(t, passed, context.DeadlineExceeded)
	assert.Equal(t, "the time SIGTERM leaves for the final edit of the comment has passed", passed.Error())
	child, cc := context.WithCancel(ctx)
	defer cc()
	<-child.Done()
}

// A phase's context made after the signal whose end has passed ends at
// once; one released before it stops its timer and says Canceled.
func TestBoundAfterTheEnd(t *testing.T) {
	t.Parallel()
	c := &clock{t: t0}
	d := New(c.now)
	d.Signal(syscall.SIGTERM)
	c.set(time.Second) // the cancel's end
	ctx, cancel := d.Bound(context.Background(), Cancel)
	defer cancel()
	<-ctx.Done()
	assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
	left, ok := d.Left(Cancel)
	assert.True(t, ok)
	assert.Zero(t, left)

	other, release := d.Bound(context.Background(), Exit)
	release()
	assert.ErrorIs(t, other.Err(), context.Canceled)
	assert.False(t, errors.Is(other.Err(), context.DeadlineExceeded))
	d.mu.Lock()
	assert.Len(t, d.bounds, 1, "a released context is forgotten")
	d.mu.Unlock()
}

// A nil Deadline is one no signal reaches: Bound is a plain cancel.
func TestNilDeadline(t *testing.T) {
	t.Parallel()
	var d *Deadline
	_, _, ok := d.End(Exit)
	assert.False(t, ok)
	_, ok = d.Left(Cancel)
	assert.False(t, ok)
	assert.False(t, d.Terminated())
	ctx, cancel := d.Bound(context.Background(), Cancel)
	_, has := ctx.Deadline()
	assert.False(t, has)
	cancel()
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
}

// Release ends the step's context when no signal has; after one, the
// signal stays the cause.
func TestRelease(t *testing.T) {
	t.Parallel()
	d := New(nil)
	d.Release()
	assert.ErrorIs(t, context.Cause(d.Context()), context.Canceled)
	_, _, ok := d.End(Exit)
	assert.False(t, ok, "no deadline without a signal")
	s := New(nil)
	s.Signal(os.Interrupt)
	s.Release()
	assert.Equal(t, Cause{os.Interrupt}, context.Cause(s.Context()))
	assert.Equal(t, "SIGINT", Name(os.Interrupt))
	assert.Equal(t, "SIGTERM", Name(syscall.SIGTERM))
	assert.Equal(t, "hangup", Name(syscall.SIGHUP))
}
