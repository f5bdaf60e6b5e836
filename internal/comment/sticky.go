package comment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oz-run/oz-run-action/internal/redact"
)

// The Sticky: the one comment kept up to date from a goroutine of its own,
// found again by its marker, created or edited, its failures turned into
// warnings and waits.

// maxBackoff caps the time between two tries after failures.
const maxBackoff = 5 * time.Minute

// Sticky keeps one comment up to date. Update and Observe hand it a body
// and return at once; one goroutine of its own writes the latest body, at
// most once every interval (the bodies in between are dropped: the latest
// wins). Finish writes the final body within a bounded time; Close stops
// everything. A nil *Sticky does nothing, so a caller may hold one whether
// or not New succeeded.
//
// Which earlier comment is ours: the first one, oldest first in at most 10
// pages of 100, whose body starts with our marker and whose author is the
// token's own user (GitHub: GraphQL's viewer, else GET /user, by account
// id, or a Bot whose login is the viewer's with "[bot]"; GitLab: GET
// /user, by id; never by login text alone). A comment with our marker by
// anyone else is left alone, and when the token's user cannot be learned
// at all, no earlier comment is taken: a second comment is better than
// editing someone else's. The user is asked
// only when a comment with our marker is found (a first run lists and
// creates: two calls).
type Sticky struct {
	f        forge
	marker   string
	warner   Warner
	debugf   func(format string, args ...any)
	red      *redact.Redactor
	render   func(Progress) string
	closeIdl func()
	clock    clock
	interval time.Duration
	callTO   time.Duration
	budget   time.Duration

	mu      sync.Mutex
	pending func() string // renders the latest body not yet written
	has     bool
	url     string
	written bool   // a write succeeded: the comment holds a body of this step
	failure string // why the last write failed, for Unwritten
	last    Progress
	stopped bool // no more Updates
	closed  bool // no more writes at all
	warned  map[string]bool

	wake     chan struct{}
	quit     chan struct{}
	done     chan struct{}
	ctx      context.Context // the loop's: ended by the caller's, Close or a late Finish
	cancel   context.CancelFunc
	quitOnce sync.Once

	// Owned by the loop goroutine, then by Finish once the loop has ended
	// (Finish waits for it: the two never write at once).
	id        int64  // the comment's id, 0 until found or created
	sent      string // the body it holds as far as known
	needFind  bool   // look for an earlier comment (or one a failed create made) before creating
	off       bool   // writing was refused for good
	lastTry   time.Time
	notBefore time.Time // a rate limit's end
	fails     int       // failures in a row
	me        *identity
	noMe      bool // the token's user cannot be learned
}

func start(ctx context.Context, f forge, cfg Config, c clock, m string, closeIdle func()) *Sticky {
	s := &Sticky{
		f: f, marker: m, warner: cfg.Warner, debugf: cfg.Debugf, render: cfg.Render, closeIdl: closeIdle, clock: c,
		interval: orDefault(cfg.Interval, DefaultInterval),
		callTO:   orDefault(cfg.callTimeout, DefaultCallTimeout),
		budget:   orDefault(cfg.finishBudget, DefaultFinishBudget),
		warned:   map[string]bool{},
		wake:     make(chan struct{}, 1),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		needFind: true,
	}
	if s.debugf == nil {
		s.debugf = func(string, ...any) {}
	}
	if s.red = cfg.Redactor; s.red == nil {
		s.red = redact.New()
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	go s.loop()
	return s
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Update hands the Sticky the comment's latest body (Markdown, without the
// marker) and returns at once. The first one creates the comment (or finds
// the earlier one and edits it): call it once the run id is known.
func (s *Sticky) Update(body string) {
	s.UpdateFunc(func() string { return body })
}

// UpdateFunc is Update with a body rendered only when it is written, from
// the Sticky's goroutine (a body dropped for a later one is never
// rendered): render must be safe to call from another goroutine, and
// return at once.
func (s *Sticky) UpdateFunc(render func() string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.pending, s.has = render, true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Observe renders what it is told with Config.Render and hands it to
// Update, when something changed and the run id is known.
func (s *Sticky) Observe(runID, state, sessionLink string) {
	if s == nil || s.render == nil || runID == "" {
		return
	}
	p := Progress{RunID: runID, State: state, SessionLink: sessionLink}
	s.mu.Lock()
	same := p == s.last
	s.last = p
	s.mu.Unlock()
	if !same {
		s.Update(s.render(p))
	}
}

// URL is the comment's web page once this step has written it (or found
// it holding the body already); empty before, and when no write succeeded.
func (s *Sticky) URL() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.written {
		return ""
	}
	return s.url
}

// Unwritten says why no write of the comment ever succeeded, once one was
// tried: the last failure's message; empty once a write succeeded, and
// when none was tried.
func (s *Sticky) Unwritten() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written {
		return ""
	}
	return s.failure
}

// MaxBody is the largest body (without the marker) that fits in one
// comment on this forge.
func (s *Sticky) MaxBody() int {
	if s == nil {
		return 0
	}
	return s.f.limit() - len(s.marker) - 1
}

// Finish writes the final body: it stops the background writes (an edit
// in flight may end first), then writes body whatever the interval, waiting
// out a short rate limit. All of it takes at most the finish budget (10 s)
// and ctx: pass a context that is still live when the run was aborted
// (context.WithoutCancel), or the final edit cannot be made. Failures are
// warnings. Finish also does what Close does; after Close, or a first
// Finish, it does nothing.
func (s *Sticky) Finish(ctx context.Context, body string) {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, s.budget)
	defer cancel()
	s.stop(ctx)
	defer s.closeIdl()
	s.mu.Lock()
	closed := s.closed
	s.closed = true
	s.mu.Unlock()
	if closed {
		return
	}
	// A second try only after a rate limit short enough to wait out.
	for try := 0; try < 2 && !s.off; try++ {
		if wait := s.notBefore.Sub(s.clock.Now()); wait > 0 {
			deadline, _ := ctx.Deadline()
			if wait > time.Until(deadline) {
				s.warn("final", fmt.Sprintf("The final update of the comment was not made: %s asked to wait %s more (rate limit), longer than the end of the step may be delayed.", s.f.name(), wait.Round(time.Second)))
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-s.clock.After(wait):
			}
		}
		if err := s.write(ctx, body, true); kindOf(err) != limited {
			return
		}
	}
}

// Close stops the background writes at once (a call in flight is
// cancelled) and waits for the goroutine to end. Bodies not yet written are
// dropped. It may be called more than once, and after Finish.
func (s *Sticky) Close() {
	if s == nil {
		return
	}
	s.quitLoop()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	<-s.done
	s.closeIdl()
}

func (s *Sticky) quitLoop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.quitOnce.Do(func() { close(s.quit) })
}

// stop ends the loop, letting a call in flight finish while ctx allows.
func (s *Sticky) stop(ctx context.Context) {
	s.quitLoop()
	select {
	case <-s.done:
	case <-ctx.Done():
		s.cancel()
		<-s.done
	}
	s.cancel()
}

// loop writes the latest body, at most once every interval, until quit.
func (s *Sticky) loop() {
	defer close(s.done)
	for {
		select {
		case <-s.quit:
			return
		case <-s.wake:
		}
		for !s.off && s.hasPending() {
			if wait := s.wait(); wait > 0 {
				select {
				case <-s.quit:
					return
				case <-s.clock.After(wait):
				}
			}
			body, ok := s.take()
			if !ok {
				break
			}
			s.write(s.ctx, body, false)
		}
	}
}

func (s *Sticky) hasPending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.has
}

func (s *Sticky) take() (string, bool) {
	s.mu.Lock()
	if !s.has {
		s.mu.Unlock()
		return "", false
	}
	s.has = false
	render := s.pending
	s.pending = nil
	s.mu.Unlock()
	return render(), true
}

// wait is how long the next write must wait: the interval after the last
// try (doubled after each failure in a row from the second on), and the end
// of a rate limit.
func (s *Sticky) wait() time.Duration {
	now := s.clock.Now()
	next := now
	if !s.lastTry.IsZero() {
		gap := s.interval
		for i := 1; i < s.fails && gap < maxBackoff; i++ {
			gap *= 2
		}
		next = s.lastTry.Add(min(gap, maxBackoff))
	}
	if s.notBefore.After(next) {
		next = s.notBefore
	}
	return next.Sub(now)
}

// write makes the comment hold body, reporting a failure as a warning.
func (s *Sticky) write(ctx context.Context, body string, final bool) error {
	full := compose(s.marker, body, s.f.limit())
	if s.id != 0 && full == s.sent {
		return nil
	}
	s.lastTry = s.clock.Now()
	err := s.put(ctx, full)
	if err == nil {
		s.fails = 0
		s.mu.Lock()
		s.written = true
		s.mu.Unlock()
		return nil
	}
	s.fails++
	s.report(err, final)
	return err
}

// put finds our comment when it may exist, then edits it, or creates one.
func (s *Sticky) put(ctx context.Context, full string) error {
	if s.id == 0 && s.needFind {
		n, found, err := s.find(ctx)
		if err != nil {
			return err
		}
		s.needFind = false
		if found {
			s.adopt(n)
			if n.body == full {
				s.sent = full
				return nil
			}
		}
	}
	if s.id != 0 {
		n, err := call(s, ctx, "edit", func(ctx context.Context) (note, error) { return s.f.edit(ctx, s.id, full) })
		if err == nil {
			s.adopt(n)
			s.sent = full
			return nil
		}
		if kindOf(err) != notFound {
			return err
		}
		// Someone deleted our comment while the run went on: make another.
		s.id = 0
	}
	n, err := call(s, ctx, "create", func(ctx context.Context) (note, error) { return s.f.create(ctx, full) })
	if err != nil {
		if k := kindOf(err); k == transient || k == stopped {
			s.needFind = true // it may have been made all the same
		}
		return err
	}
	s.adopt(n)
	s.sent = full
	return nil
}

func (s *Sticky) adopt(n note) {
	s.id = n.id
	if n.url != "" {
		s.mu.Lock()
		s.url = n.url
		s.mu.Unlock()
	}
}

// find pages through the PR/MR's comments for the first one of ours.
func (s *Sticky) find(ctx context.Context) (note, bool, error) {
	page := 1
	for range maxPages {
		notes, next, err := call2(s, ctx, fmt.Sprintf("list page %d", page), func(ctx context.Context) ([]note, int, error) { return s.f.list(ctx, page) })
		if err != nil {
			return note{}, false, err
		}
		for _, n := range notes {
			if n.system || n.id == 0 || !hasMarker(n.body, s.marker) {
				continue
			}
			me, ok, err := s.identity(ctx)
			if err != nil {
				return note{}, false, err
			}
			if ok && s.f.mine(n.author, me) {
				return n, true, nil
			}
			s.debugf("comment: %s comment %d carries this step's marker but was not written with this token (author %q): left alone", s.f.name(), n.id, n.author.login)
		}
		if next <= page {
			return note{}, false, nil
		}
		page = next
	}
	s.debugf("comment: no comment of ours in the first %d pages of %s's comments: writing a new one", maxPages, s.f.what())
	return note{}, false, nil
}

// identity is the token's user, asked once. ok is false when it cannot be
// learned (then no earlier comment is taken); err is a failure worth
// trying again later.
func (s *Sticky) identity(ctx context.Context) (identity, bool, error) {
	if s.me != nil {
		return *s.me, true, nil
	}
	if s.noMe {
		return identity{}, false, nil
	}
	me, err := call(s, ctx, "find the token's user", s.f.self)
	if err != nil {
		if k := kindOf(err); k == transient || k == limited || k == stopped {
			return identity{}, false, err
		}
		s.noMe = true
		s.warn("identity", fmt.Sprintf("Could not tell which earlier comment of this step on the %s is ours (%v): a new one is written instead.", s.f.what(), err))
		return identity{}, false, nil
	}
	s.me = &me
	return me, true, nil
}

// call runs one call to the forge with its own timeout and logs it.
func call[T any](s *Sticky, ctx context.Context, what string, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, s.callTO)
	defer cancel()
	began := time.Now()
	v, err := f(ctx)
	s.debugf("comment: %s %s: %s (%s)", s.f.name(), what, outcome(err), time.Since(began).Round(time.Millisecond))
	return v, err
}

func call2[T any](s *Sticky, ctx context.Context, what string, f func(context.Context) (T, int, error)) (T, int, error) {
	var n int
	v, err := call(s, ctx, what, func(ctx context.Context) (T, error) {
		var v T
		var err error
		v, n, err = f(ctx)
		return v, err
	})
	return v, n, err
}

func outcome(err error) string {
	if err == nil {
		return "done"
	}
	return err.Error()
}

func kindOf(err error) kind {
	var e *apiError
	if errors.As(err, &e) {
		return e.kind
	}
	return transient
}

// report turns a failure into at most one warning of its kind, and into
// what the next writes do: stop for good, wait, or try again later.
func (s *Sticky) report(err error, final bool) {
	var e *apiError
	if !errors.As(err, &e) {
		e = &apiError{op: "write the comment", kind: transient, msg: message(err.Error(), s.red)}
	}
	name, what := s.f.name(), s.f.what()
	switch e.kind {
	case stopped:
	case refused:
		s.off = true
		hint := fmt.Sprintf("the token may not write comments on this %s. Give the job `permissions: pull-requests: write`; on a pull request from a fork (or from Dependabot) the token is read-only and no comment can be written.", what)
		if _, gitlab := s.f.(*gitlabForge); gitlab {
			hint = "the token may not write notes on this merge request: use a project or personal access token with the api scope in gitlab_token (CI_JOB_TOKEN cannot write notes)."
		}
		if e.status == http.StatusUnauthorized {
			hint = "the token was not accepted: check github_token or gitlab_token."
		}
		s.warn("refused", fmt.Sprintf("%s refused to %s (%d): %s The run goes on without the comment.", name, e.op, e.status, hint))
	case notFound:
		s.off = true
		s.warn("notFound", fmt.Sprintf("%s could not %s (404): the %s does not exist or the token cannot see it. The run goes on without the comment.", name, e.op, what))
	case rejected:
		s.warn("rejected", fmt.Sprintf("%s rejected the comment (%d): %s", name, e.status, e.msg))
	case limited:
		wait := e.retryAfter
		if wait <= 0 {
			wait = defaultRateLimitWait
		}
		s.notBefore = s.clock.Now().Add(wait)
		s.warn("limited", fmt.Sprintf("%s rate-limited the comment's updates: the next one waits %s; updates in between are skipped.", name, wait.Round(time.Second)))
	default:
		next := "it is tried again with the next update"
		if final {
			next = "the comment may not show the outcome"
		}
		s.warn("transient", fmt.Sprintf("Could not %s on %s: %s; %s.", e.op, name, e.msg, next))
	}
}

// warn prints one warning per kind of failure, and keeps the last one's
// message for Unwritten.
func (s *Sticky) warn(kind, msg string) {
	s.mu.Lock()
	s.failure = strings.TrimSuffix(msg, " The run goes on without the comment.")
	done := s.warned[kind]
	s.warned[kind] = true
	s.mu.Unlock()
	if done || s.warner == nil {
		return
	}
	title := "PR comment"
	if s.f.what() == "merge request" {
		title = "MR comment"
	}
	s.warner.Warning(title, msg)
}
