package oz

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"

	"github.com/cenkalti/backoff/v4"
)

// RequestIDKey is the metadata key under which CreateRun stores a random id
// of its call, to find the run again when the create's answer is lost.
const RequestIDKey = "oz_run_request_id"

// ErrUncertainCreate is wrapped by the error of a create whose outcome is
// unknown: a run may or may not have been started, and it was not retried
// so as not to start two.
var ErrUncertainCreate = errors.New("a run may or may not have been created")

// CreateRun starts a run. It never starts two runs for one call: a random
// request id goes into the run's metadata (under RequestIDKey; req is not
// changed), and after a failure that leaves the outcome unknown (no answer
// after sending, 408, 5xx, an unreadable 2xx) the run is looked up by that
// id before the create is tried again. A run found that way is returned
// with Recovered set. When the lookup cannot be made (metadata filtering
// is unavailable, or the lookup fails), the create is not retried and the
// error wraps ErrUncertainCreate.
func (c *Client) CreateRun(ctx context.Context, req CreateRunRequest) (*CreateRunResponse, error) {
	const op = "create run"
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
	u := c.endpoint("agent", "runs")

	var out *CreateRunResponse
	anySent := false
	err = c.withRetry(ctx, op, func(n int) error {
		sent, err := c.send(ctx, op, n, http.MethodPost, u, body, func(b []byte) error {
			out = new(CreateRunResponse)
			if err := decodeObject(b, out); err != nil {
				return err
			}
			if out.RunID == "" {
				return errors.New("the answer has no run_id")
			}
			return nil
		})
		anySent = anySent || sent
		if err == nil || !ambiguous(err, sent) {
			return err
		}
		run, lerr := c.findByRequestID(ctx, id)
		switch {
		case lerr != nil && ctx.Err() != nil:
			return lerr
		case lerr != nil:
			return backoff.Permanent(uncertain(err, id, lerr))
		case run != nil:
			c.logf("oz: %s: the create's answer was lost; found run %s by %s=%s", op, quoteID(run.RunID), RequestIDKey, id)
			out = recovered(run)
			return nil
		}
		return err // nothing was created: the create may be retried
	})
	if err != nil {
		if anySent && ctx.Err() != nil {
			return nil, fmt.Errorf("%w; a run may have been created with metadata %s=%s", err, RequestIDKey, id)
		}
		return nil, err
	}
	if out.TaskID == "" {
		out.TaskID = out.RunID
	}
	return out, nil
}

// ambiguous reports whether a failed create may have started a run anyway.
func ambiguous(err error, sent bool) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	s := e.StatusCode
	return s == 0 && sent || s >= 200 && s < 300 || s == http.StatusRequestTimeout || s >= 500 && s < 600
}

// findByRequestID returns the run created with request id id, or nil.
func (c *Client) findByRequestID(ctx context.Context, id string) (*Run, error) {
	list, err := c.ListRuns(ctx, ListOptions{Limit: 5, Metadata: map[string]string{RequestIDKey: id}})
	if err != nil {
		return nil, err
	}
	for i := range list.Runs {
		// Checked here too, in case a server ignores the filter.
		if r := &list.Runs[i]; r.Metadata[RequestIDKey] == id && r.RunID != "" {
			return r, nil
		}
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
