// Package abort is the one deadline a signal gives the step. GitHub sends
// SIGINT when a job is cancelled or a step times out, SIGTERM 7.5 s later
// and kills the step 2.5 s after that; GitLab sends SIGTERM first. Each
// signal, when it arrives, sets one deadline by which the outputs and the
// report files must be whole, and three things share the time up to it, in
// this order of priority: the remote cancel (at most a share of it), the
// final edit of the PR/MR comment (what is left, less a reserve), and
// publishing (local file writes, never cut: the reserve is its). A SIGTERM
// after a SIGINT brings every end forward to the SIGTERM's; a later signal
// never moves one back. main's signal handler owns the Deadline and hands
// it down in the step's context (From); the runner gets its cancel context
// from it through a func.
package abort

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// Window is how long after sig the outputs must be out: a margin short of
// what GitHub leaves before its next signal (SIGINT: SIGTERM 7.5 s later;
// SIGTERM: the kill 2.5 s later). GitLab sends SIGTERM alone; its grace
// is not documented to be longer, so it gets the same window.
func Window(sig os.Signal) time.Duration {
	if sig == os.Interrupt {
		return InterruptWindow
	}
	return TerminateWindow
}

const (
	// InterruptWindow is Window(SIGINT): 0.5 s short of GitHub's SIGTERM.
	InterruptWindow = 7 * time.Second
	// TerminateWindow is Window(SIGTERM): 0.5 s short of GitHub's kill.
	TerminateWindow = 2 * time.Second
	// PublishReserve is the end of every window kept for publishing: the
	// comment's edit ends that long before the deadline (and the window
	// ends 0.5 s before GitHub's next signal). Publishing the largest
	// report takes about 0.4 s on a quiet machine (go run ./bench).
	PublishReserve = 600 * time.Millisecond
)

// Phase is one of the things the time after a signal is shared among.
type Phase int

const (
	// Cancel is the remote cancel, with the lookup of a run an
	// interrupted create may have started and the last read of the run:
	// it ends at most half the window after the signal.
	Cancel Phase = iota
	// Comment is the final edit of the PR/MR comment: it ends
	// PublishReserve before the deadline.
	Comment
	// Exit is the deadline itself: the outputs are whole by then.
	Exit
)

func (p Phase) String() string {
	switch p {
	case Cancel:
		return "the remote cancel"
	case Comment:
		return "the final edit of the comment"
	}
	return "the outputs"
}

// end is when phase p ends for a signal that arrived at with window w.
func (p Phase) end(at time.Time, w time.Duration) time.Time {
	switch p {
	case Cancel:
		return at.Add(w / 2)
	case Comment:
		return at.Add(w - PublishReserve)
	}
	return at.Add(w)
}

// Cause is the cause of the step's context's end: the first signal.
type Cause struct{ Signal os.Signal }

func (c Cause) Error() string { return fmt.Sprintf("received %v", c.Signal) }

// PassedError is the cause of a phase's context ending at its end.
type PassedError struct {
	Phase  Phase
	Signal os.Signal // the signal whose deadline it was
}

func (e *PassedError) Error() string {
	return fmt.Sprintf("the time %s leaves for %v has passed", Name(e.Signal), e.Phase)
}

// Name is the signal's name as the CI's documentation writes it: SIGINT,
// SIGTERM.
func Name(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return fmt.Sprint(sig)
}

// Is makes a PassedError a context.DeadlineExceeded, as a deadline is.
func (e *PassedError) Is(target error) bool { return target == context.DeadlineExceeded }

// arrival is one signal and when it came.
type arrival struct {
	sig os.Signal
	at  time.Time
}

// Deadline is the abort deadline of one step. The zero value is not
// usable; a nil *Deadline is one no signal ever reaches.
type Deadline struct {
	now    func() time.Time
	ctx    context.Context
	cancel context.CancelCauseFunc

	mu       sync.Mutex
	arrivals []arrival
	bounds   map[*bound]struct{} // the phases' contexts still in use
}

// New is a Deadline whose clock is now (nil: time.Now). Its Context ends
// on the first signal.
func New(now func() time.Time) *Deadline {
	if now == nil {
		now = time.Now
	}
	d := &Deadline{now: now, bounds: map[*bound]struct{}{}}
	base, cancel := context.WithCancelCause(context.Background())
	d.ctx, d.cancel = context.WithValue(base, key{}, d), cancel
	return d
}

type key struct{}

// From is the Deadline that ctx carries (Context's and those derived from
// it), or nil: a context ended by its caller has no abort deadline, and
// each phase keeps its own budget then.
func From(ctx context.Context) *Deadline {
	d, _ := ctx.Value(key{}).(*Deadline)
	return d
}

// Context is the step's context: it ends, with a Cause, when the first
// signal arrives, and carries d (From).
func (d *Deadline) Context() context.Context { return d.ctx }

// Signal records sig's arrival, now: the first signal ends Context; each
// one brings the ends forward when its own come sooner. The ends are set
// before Context ends, so that whoever sees it end finds them.
func (d *Deadline) Signal(sig os.Signal) {
	d.mu.Lock()
	d.arrivals = append(d.arrivals, arrival{sig: sig, at: d.now()})
	for b := range d.bounds {
		d.arm(b)
	}
	d.mu.Unlock()
	d.cancel(Cause{sig})
}

// Release ends Context, when no signal has, once the step is over.
func (d *Deadline) Release() { d.cancel(context.Canceled) }

// End is when phase p must end: the earliest end any signal gave it, and
// the signal that gave it; false while no signal has arrived.
func (d *Deadline) End(p Phase) (end time.Time, sig os.Signal, ok bool) {
	if d == nil {
		return time.Time{}, nil, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.endLocked(p)
}

func (d *Deadline) endLocked(p Phase) (end time.Time, sig os.Signal, ok bool) {
	for _, a := range d.arrivals {
		if e := p.end(a.at, Window(a.sig)); !ok || e.Before(end) {
			end, sig, ok = e, a.sig, true
		}
	}
	return end, sig, ok
}

// Left is the time left before phase p must end, by d's clock; false while
// no signal has arrived.
func (d *Deadline) Left(p Phase) (time.Duration, bool) {
	end, _, ok := d.End(p)
	if !ok {
		return 0, false
	}
	return end.Sub(d.now()), true
}

// Terminated reports whether a SIGTERM has arrived: GitHub's second signal
// and GitLab's only one, after which little time is left.
func (d *Deadline) Terminated() bool {
	if d == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range d.arrivals {
		if a.sig == syscall.SIGTERM {
			return true
		}
	}
	return false
}

// Bound is parent, ended also when phase p's end passes, once a signal
// has set it (and sooner when a later signal brings it forward). It then
// reports context.DeadlineExceeded, with a *PassedError as its cause. The
// CancelFunc releases its timer; call it when the phase is over. On a nil
// d it is context.WithCancel(parent).
func (d *Deadline) Bound(parent context.Context, p Phase) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	if d == nil {
		return ctx, func() { cancel(context.Canceled) }
	}
	b := &bound{phase: p, cancel: cancel}
	d.mu.Lock()
	d.bounds[b] = struct{}{}
	d.arm(b)
	d.mu.Unlock()
	return boundCtx{ctx, d, p}, func() {
		d.mu.Lock()
		delete(d.bounds, b)
		if b.timer != nil {
			b.timer.Stop()
		}
		d.mu.Unlock()
		cancel(context.Canceled)
	}
}

// bound is a phase's context still in use.
type bound struct {
	phase  Phase
	cancel context.CancelCauseFunc
	timer  *time.Timer // nil until a signal
}

// arm sets b's timer to its phase's end (d.mu held).
func (d *Deadline) arm(b *bound) {
	end, _, ok := d.endLocked(b.phase)
	if !ok {
		return
	}
	wait := end.Sub(d.now())
	if b.timer != nil {
		b.timer.Reset(wait)
		return
	}
	b.timer = time.AfterFunc(wait, func() {
		_, sig, _ := d.End(b.phase)
		b.cancel(&PassedError{Phase: b.phase, Signal: sig})
	})
}

// boundCtx is a phase's context: its deadline is the phase's end, and
// once that has passed it says context.DeadlineExceeded, as a context
// with a deadline does.
type boundCtx struct {
	context.Context
	d *Deadline
	p Phase
}

func (c boundCtx) Deadline() (time.Time, bool) {
	parent, ok := c.Context.Deadline()
	if end, _, set := c.d.End(c.p); set && (!ok || end.Before(parent)) {
		return end, true
	}
	return parent, ok
}

func (c boundCtx) Err() error {
	err := c.Context.Err()
	var passed *PassedError
	if err != nil && errors.As(context.Cause(c.Context), &passed) {
		return context.DeadlineExceeded
	}
	return err
}
