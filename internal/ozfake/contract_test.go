package ozfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// TestContractSweep makes the fake give every kind of answer it has, each
// checked against the spec by the harness.
func TestContractSweep(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithMetadataFilter(true))
	noFilter := newFake(t, WithMetadataFilter(false))
	send := func(g *fake, method, path, body string, status int, headers ...string) {
		t.Helper()
		r := g.do(method, path, body, headers...)
		assert.Equal(t, status, r.status, "%s %s: %s", method, path, r.body)
	}

	// Every scenario at every point of its life, through get and list, its
	// conversation and its artifacts; follow-ups at each point too.
	var runIDs []string
	for _, sc := range Scenarios() {
		b, _ := json.Marshal(map[string]any{"prompt": sc.Tag + " go", "metadata": map[string]string{"k": "v"},
			"config": map[string]any{"name": "n", "idle_timeout_minutes": 5, "session_sharing": map[string]string{"public_access": "VIEWER"}}})
		send(f, "POST", "/agent/runs", string(b), 200)
		runIDs = append(runIDs, f.srv.Runs()[len(f.srv.Runs())-1].RunID)
	}
	send(f, "POST", "/agent/run", `{"skill":"o/r:s"}`, 200)
	send(f, "POST", "/agent/runs", `{"conversation_id":"conv-1"}`, 200)
	followed := f.create("followed")
	for i := range 26 {
		for _, id := range runIDs {
			send(f, "GET", "/agent/runs/"+id, "", 200)
			conv := f.do("GET", "/agent/runs/"+id+"/conversation", "")
			assert.Contains(t, []int{200, 404}, conv.status)
			var run oz.Run
			require.NoError(t, json.Unmarshal(f.do("GET", "/agent/runs/"+id, "").body, &run))
			for _, fa := range run.FileArtifacts() {
				send(f, "GET", "/agent/artifacts/"+fa.UID, "", 200)
			}
		}
		send(f, "GET", "/agent/runs?limit=500&metadata[k]=v", "", 200)
		if i%4 == 0 {
			send(f, "POST", "/agent/runs/"+followed+"/followups", `{"message":"more `+strconv.Itoa(i)+`","mode":"plan"}`, 200)
		}
		conv := f.do("GET", "/agent/runs/"+followed+"/conversation", "")
		assert.Equal(t, i >= 3, conv.status == 200, "a conversation once the agent works (%d)", conv.status)
		f.clock.Advance(600 * time.Millisecond)
	}
	outcomes := map[string]bool{}
	for _, fu := range f.srv.Followups(followed) {
		outcomes[fu.Outcome] = true
	}
	assert.Equal(t, map[string]bool{oz.OutcomeQueuedPrompt: true, oz.OutcomeLiveSession: true,
		oz.OutcomeHandoffExecution: true, oz.OutcomeQueuePending: true}, outcomes, "every outcome was answered")
	send(f, "GET", "/agent/runs?limit=3", "", 200)

	// Errors of every route.
	send(f, "POST", "/agent/runs", `{}`, 400)
	send(f, "POST", "/agent/run", `{}`, 400)
	send(f, "POST", "/agent/runs", `{"prompt":"x"}`, 401, "Authorization: Bearer wrong")
	send(f, "POST", "/agent/run", `{"prompt":"x"}`, 401, "Authorization:")
	send(f, "GET", "/agent/runs/nope", "", 404)
	send(f, "GET", "/agent/runs/nope", "", 401, "Authorization:")
	send(f, "GET", "/agent/runs?limit=0", "", 400)
	send(f, "GET", "/agent/runs", "", 401, "Authorization:")
	send(noFilter, "GET", "/agent/runs?metadata[k]=v", "", 403)
	send(f, "POST", "/agent/runs/nope/cancel", "", 404)
	send(f, "POST", "/agent/runs/nope/cancel", "", 401, "Authorization:")
	send(f, "GET", "/agent/runs/nope/conversation", "", 404)
	send(f, "GET", "/agent/runs/nope/conversation", "", 401, "Authorization:")
	send(f, "POST", "/agent/runs/nope/followups", `{"message":"m"}`, 404)
	send(f, "POST", "/agent/runs/"+followed+"/followups", `{"message":""}`, 400)
	send(f, "POST", "/agent/runs/"+followed+"/followups", `{"message":"m"}`, 401, "Authorization:")
	send(f, "GET", "/agent/artifacts/nope", "", 404)
	send(f, "GET", "/agent/artifacts/nope", "", 401, "Authorization:")

	// Cancel: 200, 400, 409, 422.
	slow := f.create("[fake:slow]")
	send(f, "POST", "/agent/runs/"+f.create("x")+"/cancel", "", 200)
	f.clock.Advance(600 * time.Millisecond)
	send(f, "POST", "/agent/runs/"+slow+"/cancel", "", 409)
	send(f, "POST", "/agent/runs/"+runIDs[0]+"/cancel", "", 400)
	send(f, "POST", "/agent/runs/"+f.create("[fake:uncancellable]")+"/cancel", "", 422)

	// Injected faults without a body answer a problem that fits too.
	f.srv.Inject(ozfaketest.Fault{Path: "GET /agent/runs/{id}", Nth: 0, Status: 503})
	send(f, "GET", "/agent/runs/"+slow, "", 503)
	f.srv.Inject(ozfaketest.Fault{Path: "GET /agent/runs/{id}/conversation", Nth: 0, Status: 500})
	send(f, "GET", "/agent/runs/"+slow+"/conversation", "", 500)

	assert.Equal(t, int64(len(f.srv.Requests())), f.checked.Load(), "every answer was checked")
	assert.Equal(t, int64(1), noFilter.checked.Load())
	assert.Greater(t, f.checked.Load(), int64(300))
}

// TestContractCatchesViolations shows the harness's checker is not vacuous.
func TestContractCatchesViolations(t *testing.T) {
	t.Parallel()
	v := validator(t)
	req := httptest.NewRequest("GET", BasePath+"/agent/runs/r1", nil)
	req.Header.Set("Authorization", "Bearer k")
	h := http.Header{"Content-Type": {"application/json"}}
	good := `{"run_id":"r1","task_id":"r1","title":"t","state":"QUEUED","prompt":"p","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`
	require.NoError(t, v.ValidateResponse(req, 200, h, []byte(good)))
	for _, bad := range []string{
		strings.Replace(good, `"title":"t",`, "", 1),
		strings.Replace(good, `"QUEUED"`, `"RUNNING"`, 1),
		strings.Replace(good, `"2026-01-01T00:00:00Z"`, `"yesterday"`, 1),
		strings.Replace(good, `"prompt":"p"`, `"prompt":"p","status_message":{"error_code":"nope","message":"m"}`, 1),
	} {
		assert.Error(t, v.ValidateResponse(req, 200, h, []byte(bad)), bad)
	}
	pj := http.Header{"Content-Type": {"application/problem+json"}}
	assert.Error(t, v.ValidateResponse(req, 404, pj, []byte(`{"error":"old style"}`)))
}

// serveDirect answers one request without a network.
func serveDirect(s *Server, method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+DefaultAPIKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func FuzzCreate(f *testing.F) {
	for _, seed := range []string{
		`{"prompt":"x"}`, `{"prompt":"[fake:fail] x","metadata":{"a":"b"}}`, `{"skill":"o/r:s","mode":"plan"}`,
		`{"config":{"skill_spec":"s","mcp_servers":{"a":{}}}}`, `{"prompt":"x","metadata":{"":""}}`, `[]`, ``, `{`,
		`{"prompt":"[fake:slow][fake:nolink][fake:capacity]"}`, `{"prompt":"\u0000","title":"\ud800"}`,
		`{"prompt":"x","team":"true"}`, `{"prompt":"x","config":{"idle_timeout_minutes":1e1,"credential_strategy":null}}`,
		`{"prompt":"x","attachments":[{"file_name":"a","mime_type":"b","data":"aGk="}]}`, `{"prompt":null}`,
	} {
		f.Add(seed)
	}
	v, err := loadSchema()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s := New(WithTimeScale(0))
		rec := serveDirect(s, "POST", BasePath+"/agent/runs", body)
		if rec.Code != 200 && rec.Code != 400 {
			t.Fatalf("create answered %d", rec.Code)
		}
		req := httptest.NewRequest("POST", BasePath+"/agent/runs", nil)
		req.Header.Set("Authorization", "Bearer k")
		req.Header.Set("Content-Type", "application/json")
		if err := v.ValidateResponse(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Fatalf("create: %v", err)
		}
		if err := v.ValidateRequest(req, []byte(body)); rec.Code == 200 && err != nil {
			t.Fatalf("the fake accepted a body the spec refuses: %v", err)
		}
		if rec.Code == 200 {
			get := serveDirect(s, "GET", BasePath+"/agent/runs/fake-run-000001", "")
			req := httptest.NewRequest("GET", BasePath+"/agent/runs/fake-run-000001", nil)
			req.Header.Set("Authorization", "Bearer k")
			if err := v.ValidateResponse(req, get.Code, get.Header(), get.Body.Bytes()); err != nil {
				t.Fatalf("get: %v\n%s", err, get.Body)
			}
		}
	})
}

func FuzzList(f *testing.F) {
	for _, seed := range []string{
		"", "limit=1", "state=QUEUED&state=FAILED", "metadata[a]=b", "cursor=bzox", "cursor=%%%",
		"created_after=2026-01-01T00:00:00Z", "sort_by=title&sort_order=asc", "metadata[=x", "limit=-1",
		"state=inprogress", "state=IN_PROGRESS", "state=%20QUEUED", "limit=", "source=api", "metadata[a][b]=c",
		"created_after=2026-01-01", "artifact_type=PLAN&execution_location=REMOTE",
	} {
		f.Add(seed)
	}
	v, err := loadSchema()
	if err != nil {
		f.Fatal(err)
	}
	s := New(WithTimeScale(0))
	serveDirect(s, "POST", BasePath+"/agent/runs", `{"prompt":"x","metadata":{"a":"b"}}`)
	f.Fuzz(func(t *testing.T, query string) {
		if _, err := url.Parse("/?" + query); err != nil || strings.ContainsAny(query, " #") {
			return // not a query a client can send
		}
		rec := serveDirect(s, "GET", BasePath+"/agent/runs?"+query, "")
		if rec.Code != 200 && rec.Code != 400 {
			t.Fatalf("list answered %d", rec.Code)
		}
		req := httptest.NewRequest("GET", BasePath+"/agent/runs", nil)
		req.Header.Set("Authorization", "Bearer k")
		if err := v.ValidateResponse(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Fatalf("list: %v", err)
		}
		sent := httptest.NewRequest("GET", BasePath+"/agent/runs?"+query, nil)
		sent.Header.Set("Authorization", "Bearer k")
		if err := v.ValidateRequest(sent, nil); rec.Code == 200 && err != nil {
			t.Fatalf("the fake accepted a query the spec refuses: %v", err)
		}
	})
}

func FuzzFollowup(f *testing.F) {
	for _, seed := range []string{
		`{"message":"x"}`, `{"message":"[fake:fail] x","mode":"plan"}`, `{"message":""}`, `{"mode":"normal"}`, `[]`, ``, `{`,
		`{"message":"x","mode":"fast"}`, `{"message":null}`, `{"message":"\u0000"}`, `{"message":"[fake:nope]"}`, `{"message":"x","extra":{}}`,
	} {
		f.Add(seed, 0)
		f.Add(seed, 2)
	}
	v, err := loadSchema()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string, steps int) {
		s := New(WithTimeScale(0.001))
		serveDirect(s, "POST", BasePath+"/agent/runs", `{"prompt":"x"}`)
		path := BasePath + "/agent/runs/fake-run-000001/followups"
		for range steps % 4 {
			rec := serveDirect(s, "POST", path, body)
			if rec.Code != 200 && rec.Code != 400 {
				t.Fatalf("follow-up answered %d", rec.Code)
			}
			req := httptest.NewRequest("POST", path, nil)
			req.Header.Set("Authorization", "Bearer k")
			req.Header.Set("Content-Type", "application/json")
			if err := v.ValidateResponse(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
				t.Fatalf("follow-up: %v", err)
			}
			if err := v.ValidateRequest(req, []byte(body)); rec.Code == 200 && err != nil {
				t.Fatalf("the fake accepted a body the spec refuses: %v", err)
			}
			conv := serveDirect(s, "GET", BasePath+"/agent/runs/fake-run-000001/conversation", "")
			get := httptest.NewRequest("GET", BasePath+"/agent/runs/fake-run-000001/conversation", nil)
			get.Header.Set("Authorization", "Bearer k")
			if err := v.ValidateResponse(get, conv.Code, conv.Header(), conv.Body.Bytes()); err != nil {
				t.Fatalf("conversation: %v\n%s", err, conv.Body)
			}
		}
	})
}
