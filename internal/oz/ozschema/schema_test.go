package ozschema_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oz-run/oz-run-action/internal/oz/ozschema"
)

func TestValidator(t *testing.T) {
	t.Parallel()
	v, err := ozschema.New(ozschema.SpecPath())
	if err != nil {
		t.Fatal(err)
	}
	req := func(method, target, body string, auth bool) *http.Request {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		if auth {
			r.Header.Set("Authorization", "Bearer wk-test")
		}
		return r
	}
	requests := []struct {
		name    string
		r       *http.Request
		body    string
		wantErr bool
	}{
		{"create", req("POST", "http://127.0.0.1/api/v1/agent/runs", "", true), `{"prompt":"hi","metadata":{"k":"v"}}`, false},
		{"create without base path", req("POST", "http://127.0.0.1/agent/runs", "", true), `{"prompt":"hi"}`, false},
		{"create bad mode", req("POST", "http://127.0.0.1/api/v1/agent/runs", "", true), `{"mode":"fast"}`, true},
		{"create no auth", req("POST", "http://127.0.0.1/api/v1/agent/runs", "", false), `{"prompt":"hi"}`, true},
		{"get", req("GET", "http://127.0.0.1/api/v1/agent/runs/r%2F1", "", true), "", false},
		{"list", req("GET", "http://127.0.0.1/api/v1/agent/runs?limit=5&state=QUEUED&state=FAILED&metadata%5Bk%5D=v&created_after=2024-01-02T03:04:05Z", "", true), "", false},
		{"list bad state", req("GET", "http://127.0.0.1/api/v1/agent/runs?state=NOPE", "", true), "", true},
		{"cancel", req("POST", "http://127.0.0.1/api/v1/agent/runs/abc/cancel", "", true), "", false},
		{"list bad created_after", req("GET", "http://127.0.0.1/api/v1/agent/runs?created_after=yesterday", "", true), "", true},
		{"list bad limit", req("GET", "http://127.0.0.1/api/v1/agent/runs?limit=0", "", true), "", true},
		{"unknown path", req("DELETE", "http://127.0.0.1/api/v1/agent/runs/abc", "", true), "", true},
		{"conversation", req("GET", "http://127.0.0.1/api/v1/agent/runs/abc/conversation", "", true), "", false},
		{"conversation no auth", req("GET", "http://127.0.0.1/api/v1/agent/runs/abc/conversation", "", false), "", true},
		{"follow-up", req("POST", "http://127.0.0.1/api/v1/agent/runs/abc/followups", "", true), `{"message":"more","mode":"plan"}`, false},
		{"follow-up bad mode", req("POST", "http://127.0.0.1/api/v1/agent/runs/abc/followups", "", true), `{"message":"m","mode":"fast"}`, true},
		{"follow-up no body", req("POST", "http://127.0.0.1/api/v1/agent/runs/abc/followups", "", true), "", true},
		{"artifact", req("GET", "http://127.0.0.1/api/v1/agent/artifacts/u-1", "", true), "", false},
		{"create config extras", req("POST", "http://127.0.0.1/api/v1/agent/runs", "", true),
			`{"conversation_id":"c","config":{"idle_timeout_minutes":30,"session_sharing":{"public_access":"EDITOR"}}}`, false},
		{"create idle timeout too long", req("POST", "http://127.0.0.1/api/v1/agent/runs", "", true), `{"prompt":"p","config":{"idle_timeout_minutes":61}}`, true},
		{"create bad public access", req("POST", "http://127.0.0.1/api/v1/agent/runs", "", true), `{"prompt":"p","config":{"session_sharing":{"public_access":"viewer"}}}`, true},
	}
	for _, tc := range requests {
		if tc.body != "" {
			tc.r.Header.Set("Content-Type", "application/json")
		}
		err := v.ValidateRequest(tc.r, []byte(tc.body))
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: ValidateRequest err = %v, want error %v", tc.name, err, tc.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "wk-test") {
			t.Errorf("%s: error shows the key: %v", tc.name, err)
		}
	}

	json := http.Header{"Content-Type": {"application/json"}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	get := req("GET", "http://127.0.0.1/api/v1/agent/runs/abc", "", true)
	conv := req("GET", "http://127.0.0.1/api/v1/agent/runs/abc/conversation", "", true)
	followup := req("POST", "http://127.0.0.1/api/v1/agent/runs/abc/followups", "", true)
	artifact := req("GET", "http://127.0.0.1/api/v1/agent/artifacts/u", "", true)
	responses := []struct {
		name    string
		r       *http.Request
		status  int
		header  http.Header
		body    string
		wantErr bool
	}{
		{"run", get, 200, json, `{"run_id":"abc","task_id":"abc","title":"t","state":"QUEUED","prompt":"p","created_at":"2024-01-02T03:04:05Z","updated_at":"2024-01-02T03:04:05Z"}`, false},
		{"run missing fields", get, 200, json, `{"run_id":"abc"}`, true},
		{"problem", get, 404, problem, `{"type":"https://warp.dev/errors/resource_not_found","title":"Not Found","status":404,"error":"no run"}`, false},
		{"undeclared status", get, 503, http.Header{"Content-Type": {"text/html"}}, `<html>bad gateway</html>`, false},
		{"cancel string", req("POST", "http://127.0.0.1/api/v1/agent/runs/abc/cancel", "", true), 200, json, `"abc"`, false},
		{"create", req("POST", "http://127.0.0.1/api/v1/agent/runs", "", true), 200, json, `{"run_id":"a","task_id":"a","state":"QUEUED","at_capacity":true}`, false},
		{"conversation", conv, 200, json, `{"conversation_id":"c","steps":[{"id":"s","messages":[{"role":"assistant","content":[{"type":"text","text":"hi"},{"type":"action","input":{"a":1}}]}],"steps":[]}]}`, false},
		{"conversation bad role", conv, 200, json, `{"conversation_id":"c","steps":[{"id":"s","messages":[{"role":"robot","content":[]}],"steps":[]}]}`, true},
		{"conversation bad block", conv, 200, json, `{"conversation_id":"c","steps":[{"id":"s","messages":[{"role":"user","content":[{"type":"video"}]}],"steps":[]}]}`, true},
		{"conversation step without id", conv, 200, json, `{"conversation_id":"c","steps":[{"messages":[],"steps":[]}]}`, true},
		{"conversation 404", conv, 404, problem, `{"type":"https://warp.dev/errors/resource_not_found","title":"Not Found","status":404,"error":"none"}`, false},
		{"follow-up", followup, 200, json, `{"followup_id":"f","outcome":"handoff_execution"}`, false},
		{"follow-up null id", followup, 200, json, `{"followup_id":null,"outcome":"live_session"}`, false},
		{"follow-up bad outcome", followup, 200, json, `{"followup_id":"f","outcome":"done"}`, true},
		{"follow-up 409", followup, 409, problem, `{"type":"https://warp.dev/errors/conflict","title":"Conflict","status":409,"error":"busy"}`, false},
		{"artifact", artifact, 200, json, `{"artifact_type":"FILE","artifact_uid":"u","created_at":"2024-01-02T03:04:05Z","data":{"download_url":"https://s/x?sig=1","expires_at":"2024-01-02T03:19:05Z","content_type":"text/plain","filename":"a.txt","size_bytes":3}}`, false},
		{"artifact without uid", artifact, 200, json, `{"artifact_type":"FILE","created_at":"2024-01-02T03:04:05Z","data":{}}`, true},
	}
	for _, tc := range responses {
		err := v.ValidateResponse(tc.r, tc.status, tc.header, []byte(tc.body))
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: ValidateResponse err = %v, want error %v", tc.name, err, tc.wantErr)
		}
	}
}
