package oz

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetRun(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 200, body: runJSON})
	c, _ := testClient(t, s)
	run, err := c.GetRun(t.Context(), "run-1")
	if err != nil {
		t.Fatal(err)
	}
	credits, _ := run.RequestUsage.Credits()
	if run.RunID != "run-1" || run.State != StateInProgress || run.SessionURL() != SessionBaseURL+"s-1" ||
		run.StatusMessage.Message != "working" || len(run.PullRequestURLs()) != 1 || credits != 2 {
		t.Errorf("decoded run = %+v", run)
	}
	if r := s.requests()[0]; r.Method != http.MethodGet || r.Path != "/api/v1/agent/runs/run-1" || len(r.Body) != 0 {
		t.Errorf("request = %s %s %q", r.Method, r.Path, r.Body)
	}
}

func TestGetRunEscapesID(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 404, body: `{"error":"no such run"}`})
	c, _ := testClient(t, s)
	_, err := c.GetRun(t.Context(), "../x y")
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 404 || ae.Op != `get run "../x y"` {
		t.Fatalf("err = %#v", err)
	}
	if got := s.requests()[0].Path; got != "/api/v1/agent/runs/..%2Fx%20y" {
		t.Errorf("path = %q", got)
	}
}

func TestEmptyRunID(t *testing.T) {
	t.Parallel()
	s := newStub(t)
	c, _ := testClient(t, s)
	// Neutral errors: config words what the user sees.
	if _, err := c.GetRun(t.Context(), ""); err == nil || err.Error() != "oz: GetRun: the run id is empty" {
		t.Errorf("GetRun(\"\") err = %v", err)
	}
	if err := c.CancelRun(t.Context(), ""); err == nil || err.Error() != "oz: CancelRun: the run id is empty" {
		t.Errorf("CancelRun(\"\") err = %v", err)
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestGetRunRejectsUnreadableBodies(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "null", `"run-1"`, `{"run_id":`, `{"state":"QUEUED"}`, `[]`,
		// Without a state the run would be read as ended, failed.
		`{"run_id":"run-1"}`, `{"run_id":"run-1","state":null}`, `{"run_id":"run-1","state":""}`, `{"run_id":"run-1","state":" "}`} {
		s := newStub(t, reply{status: 200, body: body}, reply{status: 200, body: runJSON})
		c, w := testClient(t, s)
		run, err := c.GetRun(t.Context(), "run-1")
		if err != nil || run.RunID != "run-1" {
			t.Errorf("body %q: run %v, err %v; want the second, good answer", body, run, err)
		}
		if n := len(w.all()); n != 1 {
			t.Errorf("body %q: %d waits, want 1 retry", body, n)
		}
	}
}

func TestListRunsQuery(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 200, body: `{"runs":[` + runJSON + `],"page_info":{"has_next_page":true,"next_cursor":"c2"}}`})
	c, _ := testClient(t, s)
	list, err := c.ListRuns(t.Context(), ListOptions{
		Limit:    50,
		Cursor:   "c1",
		Metadata: map[string]string{"a": "1", "b.c": "x y&z"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Runs) != 1 || list.Runs[0].RunID != "run-1" || !list.PageInfo.HasNextPage || list.PageInfo.NextCursor != "c2" {
		t.Errorf("list = %+v", list)
	}
	r := s.requests()[0]
	want := url.Values{
		"limit":         {"50"},
		"cursor":        {"c1"},
		"metadata[a]":   {"1"},
		"metadata[b.c]": {"x y&z"},
	}
	if r.Method != http.MethodGet || r.Path != "/api/v1/agent/runs" || !reflect.DeepEqual(r.Query, want) {
		t.Errorf("request = %s %s %v, want query %v", r.Method, r.Path, r.Query, want)
	}
}

func TestListRunsNoOptions(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 200, body: `{"runs":[],"page_info":{"has_next_page":false}}`})
	c, _ := testClient(t, s)
	if _, err := c.ListRuns(t.Context(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if q := s.requests()[0].Query; len(q) != 0 {
		t.Errorf("query = %v, want none", q)
	}
}

func TestCancelRun(t *testing.T) {
	t.Parallel()
	problem := func(status int, code, msg string) reply {
		return reply{status: status, header: map[string]string{"Content-Type": "application/problem+json"},
			body: `{"type":"https://warp.dev/errors/` + code + `","title":"t","status":1,"error":"` + msg + `"}`}
	}
	tests := []struct {
		name       string
		replies    []reply
		wantStatus int // 0 = success
		wantCalls  int
	}{
		{"ok", []reply{{status: 200, body: `"run-1"`}}, 0, 1},
		{"ok with any body", []reply{{status: 200}}, 0, 1},
		{"503 then ok", []reply{{status: 503}, {status: 200, body: `"run-1"`}}, 0, 2},
		{"409 pending is left to the caller", []reply{problem(409, "conflict", "run is pending")}, 409, 1},
		{"400 already terminal", []reply{problem(400, "invalid_request", "run already finished")}, 400, 1},
		{"422 not cancellable", []reply{problem(422, "operation_not_supported", "cannot cancel")}, 422, 1},
	}
	for _, tc := range tests {
		s := newStub(t, tc.replies...)
		c, _ := testClient(t, s)
		err := c.CancelRun(t.Context(), "run-1")
		var ae *APIError
		switch {
		case tc.wantStatus == 0 && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantStatus != 0 && (!errors.As(err, &ae) || ae.StatusCode != tc.wantStatus || ae.Retryable):
			t.Errorf("%s: err = %v, want a final %d", tc.name, err, tc.wantStatus)
		}
		if n := s.count(http.MethodPost, "/api/v1/agent/runs/run-1/cancel"); n != tc.wantCalls {
			t.Errorf("%s: %d cancel requests, want %d", tc.name, n, tc.wantCalls)
		}
		for _, r := range s.requests() {
			if len(r.Body) != 0 {
				t.Errorf("%s: cancel sent a body %q", tc.name, r.Body)
			}
		}
	}
}

// TestDecodeRunSkipsOddArtifacts: an artifact that is not an object is
// skipped, the others kept, in a GET and in a list.
func TestDecodeRunSkipsOddArtifacts(t *testing.T) {
	t.Parallel()
	pr := `{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com/o/r/pull/1","branch":"b"}}`
	for artifacts, want := range map[string]int{
		`[1,"x",null,[],true,` + pr + `,{"artifact_type":"NEW","data":[1]}]`: 2,
		`[` + pr + `]`: 1,
		`"x"`:          0,
		`{}`:           0,
		`null`:         0,
	} {
		run, err := decodeRun([]byte(`{"run_id":"r","state":"SUCCEEDED","title":"t","artifacts":` + artifacts + `}`))
		if err != nil {
			t.Errorf("artifacts %s: %v", artifacts, err)
			continue
		}
		if len(run.Artifacts) != want || run.Title != "t" || run.State != StateSucceeded {
			t.Errorf("artifacts %s: run %+v, want %d artifacts", artifacts, run, want)
		}
		if want > 0 && len(run.PullRequestURLs()) != 1 {
			t.Errorf("artifacts %s: pull requests %v", artifacts, run.PullRequestURLs())
		}
	}
	if list, err := decodeList(strings.NewReader(`{"runs":[{"run_id":"r","state":"QUEUED","artifacts":[7,` + pr + `]}]}`)); err != nil || len(list.Runs[0].Artifacts) != 1 {
		t.Errorf("list %+v, %v", list, err)
	}
	if _, err := decodeRun([]byte(`{"run_id":"r","state":5}`)); err == nil {
		t.Error("a numeric state was accepted")
	}
}

func TestDecodeRunToleratesOddOptionalFields(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"usage as strings":    `{"run_id":"r","state":"SUCCEEDED","request_usage":{"inference_cost":"1.5"}}`,
		"metadata not string": `{"run_id":"r","state":"SUCCEEDED","metadata":{"a":1}}`,
		"retryable as text":   `{"run_id":"r","state":"SUCCEEDED","status_message":{"message":"m","retryable":"yes"}}`,
		"title a number":      `{"run_id":"r","state":"SUCCEEDED","title":7}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run, err := decodeRun([]byte(body))
			require.NoError(t, err)
			assert.Equal(t, "r", run.RunID)
			assert.Equal(t, StateSucceeded, run.State)
		})
	}
	_, err := decodeRun([]byte(`{"run_id":"r","state":7}`))
	assert.Error(t, err, "the state itself must be readable")
}
