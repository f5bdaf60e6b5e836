package oz

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"time"
)

// CreateRun, safe against duplicates: a request id in the metadata, and
// after an ambiguous failure, the run looked up by it before another try.

// RequestIDKey is the metadata key under which CreateRun stores a random id
// of its call, to find the run again when the create's answer is lost.
const RequestIDKey = "oz_run_request_id"

// ErrUncertainCreate is wrapped by the error of a create whose outcome is
// unknown: a run may or may not have been started, and it was not retried
// so as not to start two.
var ErrUncertainCreate = errors.New("a run may or may not have been created")

// CreateRun starts a run. It never starts two runs for one call, as far as
// the API lets it tell: a random request id goes into the run's metadata
// (under RequestIDKey; req is not changed). After a failure that leaves
// the outcome unknown (no answer, unless the connection could not even be
// made; 408; 5xx; an unreadable 2xx) the run is looked up by that id at
// once and, if it is not there, once more after RetryPolicy.SettleDelay
// and the backoff wait, right before the create is tried again. A run
// found that way is returned with Recovered set. When a lookup cannot be
// made (metadata filtering is unavailable, or the lookup fails), the
// create is not tried again and the error wraps ErrUncertainCreate.
//
// The limit: a create that the server records only after the request
// timeout plus the settle delay (and the backoff wait) is not seen by the
// lookups, and may be started a second time.
//
// A 429 other than a lack of credits (the team is at capacity, or the API
// is overloaded) is retried, with Retry-After honoured, until ctx ends;
// other transient failures count against RetryPolicy.MaxAttempts.
//
// When a run may exist although CreateRun failed (ctx ended, the outcome is
// unknown), RequestIDFrom reports its request id and FindRunByRequestID
// finds it.
func (c *Client) CreateRun(ctx context.Context, req CreateRunRequest) (*CreateRunResponse, error) {
	const op = "create run"
	if err := req.Config.check(); err != nil {
		return nil, err
	}
	id, err := c.requestID()
	if err != nil {
		return nil, fmt.Errorf("%s: making a request id: %w", op, err)
	}
	req.Metadata = maps.Clone(req.Metadata)
	if req.Metadata == nil {
		req.Metadata = map[string]string{}
	}
	req.Metadata[RequestIDKey] = id
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding the request: %w", op, err)
	}
	cr := &creation{c: c, op: op, id: id, u: c.endpoint("agent", "runs"), body: body}
	out, err := cr.run(ctx)
	if err != nil {
		if cr.mayExist {
			return nil, &requestIDError{id: id, err: err}
		}
		return nil, err
	}
	if out.TaskID == "" {
		out.TaskID = out.RunID
	}
	return out, nil
}

// creation is one call of CreateRun.
type creation struct {
	c        *Client
	op, id   string
	u        *url.URL
	body     []byte
	mayExist bool // an attempt may have started a run
}

// run makes attempts until one succeeds, a run is found, or it must stop.
func (cr *creation) run(ctx context.Context) (*CreateRunResponse, error) {
	c, p := cr.c, cr.c.retry
	b := p.newBackOff()
	var last error
	counted := 0 // attempts that count against MaxAttempts
	for n := 1; ; n++ {
		if n > 1 && cr.mayExist {
			// After the wait: an earlier attempt may have been recorded by now.
			if out, err := cr.lookUp(ctx, last); out != nil || err != nil {
				return out, err
			}
		}
		out, sent, err := cr.post(ctx, n)
		if err == nil {
			return out, nil
		}
		last = err
		if ctx.Err() != nil {
			cr.mayExist = cr.mayExist || sent
			return nil, cr.stopped(ctx, err)
		}
		var ae *APIError
		if !errors.As(err, &ae) {
			return nil, err
		}
		unknown := ambiguous(ae, sent)
		if unknown {
			cr.mayExist = true
			if out, err := cr.lookUp(ctx, err); out != nil || err != nil {
				return out, err
			}
		}
		if !ae.Retryable {
			return nil, err
		}
		busy := ae.StatusCode == http.StatusTooManyRequests // at capacity or overloaded
		if !busy {
			counted++
		}
		if counted >= p.MaxAttempts {
			return cr.giveUp(ctx, err, n, unknown)
		}
		b.Observe(ae)
		d := b.NextBackOff()
		if unknown {
			d = max(d, p.SettleDelay)
		}
		if busy {
			c.logf("oz: %s: attempt %d refused (HTTP 429), retrying in %s until the timeout: %s", cr.op, n, d.Round(time.Millisecond), err)
		} else {
			c.logf("oz: %s: attempt %d of %d failed, retrying in %s: %s", cr.op, counted, p.MaxAttempts, d.Round(time.Millisecond), err)
		}
		if c.sleep(ctx, d) != nil {
			return nil, cr.stopped(ctx, err)
		}
	}
}

// post makes one create attempt.
func (cr *creation) post(ctx context.Context, n int) (out *CreateRunResponse, sent bool, err error) {
	sent, err = cr.c.send(ctx, cr.op, n, http.MethodPost, cr.u, cr.body, func(r io.Reader) (err error) {
		if out, err = decodeCreated(r); err == nil {
			err = cr.c.refuseKeyAsID(out.RunID)
		}
		return err
	})
	return out, sent, err
}

// lookUp looks for the run of an earlier attempt that failed with
// createErr. It returns the run found, nil and nil when there is none, or
// the error that ends the create.
func (cr *creation) lookUp(ctx context.Context, createErr error) (*CreateRunResponse, error) {
	run, err := cr.c.findByRequestID(ctx, cr.id)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, cr.stopped(ctx, createErr)
	case err != nil:
		return nil, uncertain(createErr, cr.id, err)
	case run != nil:
		cr.c.logf("oz: %s: the create's answer was lost; found run %s by %s=%s", cr.op, quoteID(run.RunID), RequestIDKey, cr.id)
		return recovered(run), nil
	}
	return nil, nil
}

// giveUp ends the create after its last attempt failed with err. When that
// attempt may have started a run, it is given the settle delay and looked
// up once more.
func (cr *creation) giveUp(ctx context.Context, err error, n int, unknown bool) (*CreateRunResponse, error) {
	if unknown {
		if cr.c.sleep(ctx, cr.c.retry.SettleDelay) != nil {
			return nil, cr.stopped(ctx, err)
		}
		if out, lerr := cr.lookUp(ctx, err); out != nil || lerr != nil {
			return out, lerr
		}
	}
	if cr.mayExist {
		return nil, fmt.Errorf("%w (gave up after %d attempts; no run with metadata %s=%s was found)", err, n, RequestIDKey, cr.id)
	}
	return nil, fmt.Errorf("%w (gave up after %d attempts; no run was created)", err, n)
}

// stopped is the error of a create ended by ctx after last failed.
func (cr *creation) stopped(ctx context.Context, last error) error {
	err := interrupted(cr.op, ctx.Err(), last)
	if cr.mayExist {
		return fmt.Errorf("%w; a run may have been created with metadata %s=%s", err, RequestIDKey, cr.id)
	}
	return fmt.Errorf("%w; no run was created", err)
}

// ambiguous reports whether a failed create may have started a run anyway.
// A 2xx answer refused finally (an invalid run id, a body over the limit)
// is not: looking the run up would only meet the same answer again.
func ambiguous(e *APIError, sent bool) bool {
	s := e.StatusCode
	return s == 0 && sent && e.Retryable || s >= 200 && s < 300 && e.Retryable || s == http.StatusRequestTimeout || s >= 500 && s < 600
}

// check refuses config values the API would refuse, before anything is
// sent; config words what the user sees.
func (c *AgentConfig) check() error {
	if c == nil {
		return nil
	}
	if m := c.IdleTimeoutMinutes; m != 0 && (m < MinIdleTimeoutMinutes || m > MaxIdleTimeoutMinutes) {
		return fmt.Errorf("oz: CreateRun: config.idle_timeout_minutes %d is not from %d to %d", m, MinIdleTimeoutMinutes, MaxIdleTimeoutMinutes)
	}
	if s := c.SessionSharing; s != nil && s.PublicAccess != "" && s.PublicAccess != PublicAccessViewer && s.PublicAccess != PublicAccessEditor {
		return fmt.Errorf("oz: CreateRun: config.session_sharing.public_access %q is not %s or %s", s.PublicAccess, PublicAccessViewer, PublicAccessEditor)
	}
	return nil
}

// requestIDError is the error of a create after which a run may exist.
type requestIDError struct {
	id  string
	err error
}

func (e *requestIDError) Error() string { return e.err.Error() }
func (e *requestIDError) Unwrap() error { return e.err }

// RequestIDFrom returns the request id of a failed CreateRun after which a
// run may exist (the context ended after the create was sent, or its
// outcome is unknown): look for it with FindRunByRequestID. ok is false
// when err is no such error: then no run was started.
func RequestIDFrom(err error) (id string, ok bool) {
	var e *requestIDError
	if errors.As(err, &e) {
		return e.id, true
	}
	return "", false
}

// FindRunByRequestID returns the run that CreateRun started with request
// id requestID (see RequestIDFrom), or nil and nil when there is none. It
// fails when the API cannot filter runs by metadata (HTTP 403
// feature_not_available) or seems to ignore the filter.
func (c *Client) FindRunByRequestID(ctx context.Context, requestID string) (*Run, error) {
	if requestID == "" {
		return nil, errors.New("find run by request id: the request id is empty")
	}
	return c.findByRequestID(ctx, requestID)
}

// findByRequestID returns the run created with request id id, or nil. A
// listed run is taken when its metadata holds id, or when it is the only
// run listed and shows no request id (metadata is optional in an answer:
// the filter is trusted). A run whose metadata holds another request id is
// skipped: the server ignored the filter. Several runs without one cannot
// be told apart, which is an error.
func (c *Client) findByRequestID(ctx context.Context, id string) (*Run, error) {
	list, err := c.ListRuns(ctx, ListOptions{Limit: 5, Metadata: map[string]string{RequestIDKey: id}})
	if err != nil {
		return nil, err
	}
	var unmarked []*Run
	for i := range list.Runs {
		r := &list.Runs[i]
		got, marked := r.Metadata[RequestIDKey]
		switch {
		case r.RunID == "":
		case got == id:
			return r, nil
		case !marked:
			unmarked = append(unmarked, r)
		}
	}
	switch {
	case len(unmarked) == 1 && len(list.Runs) == 1:
		return unmarked[0], nil
	case len(unmarked) > 0:
		return nil, fmt.Errorf("list runs: %d runs were listed for one request id without showing it in their metadata: "+
			"the API seems to ignore the metadata filter", len(list.Runs))
	}
	return nil, nil
}

func recovered(r *Run) *CreateRunResponse {
	return &CreateRunResponse{RunID: r.RunID, TaskID: r.TaskID, State: r.State, Recovered: true}
}

// uncertain is the error of an ambiguous create that could not be looked up.
func uncertain(createErr error, id string, lookupErr error) error {
	var ce *APIError
	if !errors.As(createErr, &ce) {
		return createErr // not reached: ambiguous() found an *APIError
	}
	why := "looking it up failed"
	var le *APIError
	if errors.As(lookupErr, &le) && le.StatusCode == http.StatusForbidden && le.hasCode(CodeFeatureNotAvailable) {
		why = "looking it up by metadata is not available to this team"
	}
	cause := fmt.Errorf("%w, and it was not retried because %s (%v); "+
		"before starting again, look for a run with metadata %s=%s at %s",
		ErrUncertainCreate, why, lookupErr, RequestIDKey, id, RunsBaseURL)
	if ce.Err != nil {
		cause = fmt.Errorf("%w; %w", ce.Err, cause)
	}
	e := *ce
	e.Retryable = false
	e.Err = cause
	return &e
}

// newRequestID is 128 random bits in hex.
func newRequestID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
