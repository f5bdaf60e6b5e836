package oz

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	createPath  = "/api/v1/agent/runs"
	createdJSON = `{"run_id":"run-1","task_id":"run-1","state":"QUEUED"}`
	foundJSON   = `{"runs":[` + runJSON + `],"page_info":{"has_next_page":false}}`
	noneJSON    = `{"runs":[],"page_info":{"has_next_page":false}}`
)

var featureOff = reply{status: 403, header: map[string]string{"Content-Type": "application/problem+json"},
	body: `{"type":"https://warp.dev/errors/feature_not_available","title":"Forbidden","status":403,"error":"Metadata filtering is not enabled for this team"}`}

func TestCreateRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		replies   []reply
		transport func(*stub) *http.Client
		timeout   time.Duration
		recovered bool
		creates   int // POST requests
		lookups   int // GET list requests
		wantErr   func(t *testing.T, err error)
	}{
		{name: "created", replies: []reply{{status: 200, body: `{"run_id":"run-1","task_id":"run-1","state":"QUEUED","at_capacity":true}`}},
			creates: 1},
		{name: "(a) created, then 502: found by lookup",
			replies:   []reply{{status: 502}, {status: 200, body: foundJSON}},
			recovered: true, creates: 1, lookups: 1},
		{name: "(b) 503, not created: retried once",
			replies: []reply{{status: 503}, {status: 200, body: noneJSON}, {status: 200, body: createdJSON}},
			creates: 2, lookups: 1},
		{name: "(c) 502, lookup not available: not retried",
			replies: []reply{{status: 502, body: `{"error":"bad gateway"}`}, featureOff}, creates: 1, lookups: 1,
			wantErr: func(t *testing.T, err error) {
				var ae *APIError
				if !errors.Is(err, ErrUncertainCreate) || !errors.As(err, &ae) || ae.StatusCode != 502 || IsTransient(err) {
					t.Errorf("err = %#v, want a final 502 wrapping ErrUncertainCreate", err)
				}
				for _, w := range []string{"create run: HTTP 502", "may or may not", "not retried", "not available to this team", "oz_run_request_id=req-1", "feature_not_available"} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("err %q lacks %q", err, w)
					}
				}
			}},
		{name: "lookup fails otherwise: not retried",
			replies: []reply{{status: 500}, {status: 401}}, creates: 1, lookups: 1,
			wantErr: func(t *testing.T, err error) {
				if !errors.Is(err, ErrUncertainCreate) || !strings.Contains(err.Error(), "looking it up failed") {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "connection refused before sending: retried without lookup",
			replies:   []reply{{status: 200, body: createdJSON}},
			transport: refuseFirstDial, creates: 1},
		{name: "connection reset after sending: found by lookup",
			replies:   []reply{{reset: true}, {status: 200, body: foundJSON}},
			recovered: true, creates: 1, lookups: 1},
		{name: "timeout after sending: not found, retried",
			replies: []reply{{hang: true}, {status: 200, body: noneJSON}, {status: 200, body: createdJSON}},
			timeout: 300 * time.Millisecond, creates: 2, lookups: 1},
		{name: "malformed 200: found by lookup",
			replies:   []reply{{status: 200, body: `{"run_id":`}, {status: 200, body: foundJSON}},
			recovered: true, creates: 1, lookups: 1},
		{name: "408: found by lookup",
			replies:   []reply{{status: 408}, {status: 200, body: foundJSON}},
			recovered: true, creates: 1, lookups: 1},
		{name: "lookup ignores runs of other requests",
			replies: []reply{{status: 504}, {status: 200, body: strings.Replace(foundJSON, "req-1", "req-0", 1)}, {status: 200, body: createdJSON}},
			creates: 2, lookups: 1},
		{name: "lookup retried on its own 503",
			replies:   []reply{{status: 502}, {status: 503}, {status: 200, body: foundJSON}},
			recovered: true, creates: 1, lookups: 2},
		{name: "429 at capacity: retried without lookup",
			replies: []reply{{status: 429, header: map[string]string{"X-Warp-Error-Code": CodeAtCapacity}}, {status: 200, body: createdJSON}},
			creates: 2},
		{name: "429 out of credits: final",
			replies: []reply{{status: 429, header: map[string]string{"X-Warp-Error-Code": CodeOutOfCredits}}}, creates: 1,
			wantErr: func(t *testing.T, err error) {
				var ae *APIError
				if !errors.As(err, &ae) || !ae.hasCode(CodeOutOfCredits) || IsTransient(err) || !strings.Contains(err.Error(), "add credits") {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "400: final", replies: []reply{{status: 400, body: `{"error":"invalid metadata"}`}}, creates: 1,
			wantErr: func(t *testing.T, err error) {
				if IsTransient(err) || !strings.Contains(err.Error(), "invalid metadata") {
					t.Errorf("err = %v", err)
				}
			}},
		{name: "always 503, never created: gives up",
			replies: []reply{{status: 503}, {status: 200, body: noneJSON}, {status: 503}, {status: 200, body: noneJSON}, {status: 503}, {status: 200, body: noneJSON}},
			creates: 3, lookups: 3,
			wantErr: func(t *testing.T, err error) {
				if errors.Is(err, ErrUncertainCreate) || !strings.Contains(err.Error(), "after 3 attempts") {
					t.Errorf("err = %v", err)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.replies...)
			var opts []Option
			if tc.transport != nil {
				opts = append(opts, WithHTTPClient(tc.transport(s)))
			}
			if tc.timeout > 0 {
				opts = append(opts, WithRequestTimeout(tc.timeout))
			}
			c, _ := testClient(t, s, opts...)
			got, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "fix it", Mode: "normal", Metadata: map[string]string{"pr": "7"}})
			switch {
			case tc.wantErr != nil:
				if err == nil {
					t.Fatalf("CreateRun = %+v, want an error", got)
				}
				tc.wantErr(t, err)
			case err != nil:
				t.Fatal(err)
			case got.RunID != "run-1" || got.TaskID != "run-1" || got.Recovered != tc.recovered:
				t.Errorf("CreateRun = %+v, want run-1 recovered=%v", got, tc.recovered)
			}
			if n := s.count(http.MethodPost, createPath); n != tc.creates {
				t.Errorf("%d create requests, want %d", n, tc.creates)
			}
			if n := s.count(http.MethodGet, createPath); n != tc.lookups {
				t.Errorf("%d lookups, want %d", n, tc.lookups)
			}
			for _, r := range s.requests() {
				if r.Method == http.MethodGet && r.Query.Get("metadata["+RequestIDKey+"]") != "req-1" {
					t.Errorf("lookup query = %v, want metadata[%s]=req-1", r.Query, RequestIDKey)
				}
				if r.Method == http.MethodPost {
					var body CreateRunRequest
					if err := json.Unmarshal(r.Body, &body); err != nil || body.Metadata[RequestIDKey] != "req-1" || body.Metadata["pr"] != "7" || body.Prompt != "fix it" {
						t.Errorf("create body = %s (%v)", r.Body, err)
					}
				}
			}
		})
	}
}

func TestCreateRunDoesNotChangeTheRequest(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 200, body: createdJSON}, reply{status: 200, body: createdJSON})
	c, err := NewClient(s.srv.URL+"/api/v1", WithAPIKey(testKey), WithHTTPClient(s.srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	md := map[string]string{"a": "1"}
	if _, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p", Metadata: md}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRun(t.Context(), CreateRunRequest{Prompt: "p"}); err != nil {
		t.Fatal(err)
	}
	if len(md) != 1 {
		t.Errorf("the caller's metadata was changed: %v", md)
	}
	var ids []string
	for _, r := range s.requests() {
		var body CreateRunRequest
		_ = json.Unmarshal(r.Body, &body)
		ids = append(ids, body.Metadata[RequestIDKey])
	}
	if len(ids) != 2 || len(ids[0]) != 32 || ids[0] == ids[1] {
		t.Errorf("request ids = %q, want two different random ids", ids)
	}
}

func TestCreateRunCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := newStub(t, reply{hang: true, before: cancel})
	c, _ := testClient(t, s)
	_, err := c.CreateRun(ctx, CreateRunRequest{Prompt: "p"})
	if err == nil || !strings.Contains(err.Error(), "a run may have been created with metadata oz_run_request_id=req-1") || IsTransient(err) {
		t.Errorf("err = %v", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no lookup once cancelled)", n)
	}
}
