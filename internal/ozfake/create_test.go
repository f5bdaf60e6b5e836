package ozfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
)

func TestCreate(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/agent/runs", "/agent/run"} {
		f := newFake(t)
		body := `{"prompt":"Fix it","title":"T","mode":"plan","conversation_id":"c-1",
			"config":{"name":"ci","environment_id":"env-1","model_id":"m","worker_host":"h","computer_use_enabled":false,
			          "mcp_servers":{"gh":{"url":"https://mcp.example","headers":{"Authorization":"Bearer secret"}}}},
			"metadata":{"oz-run.request-id":"r1","pr":"42"}}`
		r := f.do("POST", path, body)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		assert.JSONEq(t, `{"run_id":"fake-run-000001","task_id":"fake-run-000001","state":"QUEUED"}`, string(r.body))

		raw := f.do("GET", "/agent/runs/fake-run-000001", "")
		assert.NotContains(t, string(raw.body), "secret", "MCP servers are not echoed")
		run := f.get("fake-run-000001")
		assert.Equal(t, "T", run.Title)
		assert.Equal(t, "Fix it", run.Prompt)
		assert.Equal(t, "c-1", run.ConversationID)
		assert.Equal(t, map[string]string{"oz-run.request-id": "r1", "pr": "42"}, run.Metadata)
		require.NotNil(t, run.IsRunTypeCancellable)
		assert.True(t, *run.IsRunTypeCancellable)
		var item runItem
		require.NoError(t, json.Unmarshal(raw.body, &item))
		assert.Equal(t, &agentConfig{Name: "ci", EnvironmentID: "env-1", ModelID: "m", WorkerHost: "h", ComputerUseEnabled: new(bool)}, item.AgentConfig)
		assert.Equal(t, "API", item.Source)
		assert.Equal(t, "REMOTE", item.ExecutionLocation)
	}
}

func TestCreateTitle(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 100)
	tests := []struct{ body, title string }{
		{`{"prompt":"  first line\nsecond"}`, "first line"},
		{`{"prompt":"[fake:fail] Fix the build"}`, "Fix the build"},
		{`{"skill":"acme/skills:review"}`, "acme/skills:review"},
		{`{"config":{"skill_spec":"acme/skills:fix"}}`, "acme/skills:fix"},
		{`{"prompt":"` + long + `"}`, strings.Repeat("é", 79) + "…"},
		{`{"prompt":"x","title":"  Given  "}`, "Given"},
	}
	for _, tt := range tests {
		f := newFake(t)
		r := f.do("POST", "/agent/runs", tt.body)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		assert.Equal(t, tt.title, f.get("fake-run-000001").Title, tt.body)
	}
}

func TestCreateRejects(t *testing.T) {
	t.Parallel()
	many := map[string]string{}
	for i := range 21 {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	manyJSON, _ := json.Marshal(map[string]any{"prompt": "x", "metadata": many})
	tests := []struct {
		name, body, detail string
	}{
		{"empty", ``, "empty"},
		{"not an object", `["prompt"]`, "JSON object"},
		{"not JSON", `prompt=x`, "JSON object"},
		{"trailing garbage", `{"prompt":"x"} {}`, "not valid"},
		{"wrong type", `{"prompt":5}`, "not valid"},
		{"nothing to do", `{"title":"t"}`, "one of prompt, skill, conversation_id or config.skill_spec"},
		{"blank prompt", `{"prompt":"  "}`, "one of prompt"},
		{"bad mode", `{"prompt":"x","mode":"fast"}`, "mode must be"},
		{"mcp not object", `{"prompt":"x","config":{"mcp_servers":{"a":"b"}}}`, `mcp_servers["a"]`},
		{"too many keys", string(manyJSON), "21 keys"},
		{"empty key", `{"prompt":"x","metadata":{"":"v"}}`, "1 to 64 bytes"},
		{"long key", `{"prompt":"x","metadata":{"` + strings.Repeat("k", 65) + `":"v"}}`, "1 to 64 bytes"},
		{"bad key", `{"prompt":"x","metadata":{"a b":"v"}}`, "letters, digits"},
		{"long value", `{"prompt":"x","metadata":{"k":"` + strings.Repeat("v", 257) + `"}}`, "257 bytes"},
		{"NUL value", `{"prompt":"x","metadata":{"k":"a\u0000b"}}`, "NUL"},
		{"value not string", `{"prompt":"x","metadata":{"k":1}}`, `metadata["k"] must be a string, not a number`},
		{"null prompt", `{"prompt":null}`, "prompt must be a string, not null"},
		{"metadata null", `{"prompt":"x","metadata":null}`, "metadata must be an object, not null"},
		{"team not boolean", `{"prompt":"x","team":"true"}`, "team must be a boolean, not a string"},
		{"interactive not boolean", `{"prompt":"x","interactive":1}`, "interactive must be a boolean, not a number"},
		{"mode in capitals", `{"prompt":"x","mode":"PLAN"}`, `mode must be one of normal, plan, orchestrate, not "PLAN"`},
		{"config not object", `{"prompt":"x","config":"c"}`, "config must be an object, not a string"},
		{"computer use not boolean", `{"prompt":"x","config":{"computer_use_enabled":"false"}}`, "config.computer_use_enabled must be a boolean, not a string"},
		{"idle timeout too long", `{"prompt":"x","config":{"idle_timeout_minutes":61}}`, "config.idle_timeout_minutes must be an integer from 1 to 60"},
		{"idle timeout fraction", `{"prompt":"x","config":{"idle_timeout_minutes":1.5}}`, "config.idle_timeout_minutes must be an integer"},
		{"skills not array", `{"prompt":"x","config":{"skills":"a"}}`, "config.skills must be an array, not a string"},
		{"harness type", `{"prompt":"x","config":{"harness":{"type":"gpt"}}}`, `config.harness.type must be one of oz, claude, gemini, codex, not "gpt"`},
		{"credential strategy", `{"prompt":"x","config":{"credential_strategy":"ME"}}`, "config.credential_strategy must be one of CREATOR, EXECUTOR"},
		{"mcp args", `{"prompt":"x","config":{"mcp_servers":{"gh":{"args":["a",1]}}}}`, `config.mcp_servers["gh"].args[1] must be a string, not a number`},
		{"mcp header not echoed", `{"prompt":"x","config":{"mcp_servers":{"gh":{"headers":{"Authorization":["Bearer secret"]}}}}}`,
			`config.mcp_servers["gh"].headers["Authorization"] must be a string, not an array`},
		{"attachment without data", `{"prompt":"x","attachments":[{"file_name":"a","mime_type":"text/plain"}]}`, "attachments[0].data is required"},
		{"attachment not base64", `{"prompt":"x","attachments":[{"file_name":"a","mime_type":"text/plain","data":"!!"}]}`, "attachments[0].data must be base64"},
		{"memory store access", `{"prompt":"x","config":{"memory_stores":[{"uid":"u","access":"all","instructions":"i"}]}}`, "config.memory_stores[0].access must be one of read_write, read_only"},
		{"unknown scenario", `{"prompt":"[fake:explode] x"}`, "unknown fake scenario [fake:explode]"},
		{"too large", `{"prompt":"` + strings.Repeat("x", maxBody) + `"}`, "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			p := problemOf(t, f.do("POST", "/agent/runs", tt.body, "Content-Type: application/json"), http.StatusBadRequest, "invalid_request")
			assert.Contains(t, p.Detail, tt.detail)
			assert.NotContains(t, p.Detail, "secret", "values are not echoed")
			assert.Equal(t, p.Title+" ("+p.Detail+")", p.Error)
			assert.Zero(t, f.srv.CreatedCount())
		})
	}
}

func TestCreateAcceptsLimits(t *testing.T) {
	t.Parallel()
	md := map[string]string{strings.Repeat("k", 64): strings.Repeat("v", 256), "A.b_c-9": ""}
	for i := range 18 {
		md[fmt.Sprintf("k%d", i)] = "v"
	}
	body, _ := json.Marshal(map[string]any{"skill": "o/r:s", "metadata": md})
	f := newFake(t)
	r := f.do("POST", "/agent/runs", string(body))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Len(t, f.get("fake-run-000001").Metadata, 20)
}

func TestCreateAtCapacity(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := f.do("POST", "/agent/runs", `{"prompt":"[fake:capacity] x"}`)
	require.Equal(t, http.StatusOK, r.status)
	var c oz.CreateRunResponse
	require.NoError(t, json.Unmarshal(r.body, &c))
	assert.True(t, c.AtCapacity)
	assert.Equal(t, oz.StateQueued, c.State)
}

func TestCreateContentType(t *testing.T) {
	t.Parallel()
	v := validator(t)
	tests := []struct {
		contentType string
		ok          bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"Application/JSON;charset=UTF-8", true},
		{"", false},
		{"text/plain", false},
		{"text/plain; charset=utf-8", false},
		{"application/x-www-form-urlencoded", false},
		{"application/problem+json", false},
		{"json", false},
		{"application/json; charset", true}, // a malformed parameter is ignored, as by the spec's checker
	}
	for _, path := range []string{"/agent/runs", "/agent/run"} {
		for _, tt := range tests {
			f := newFake(t)
			r := f.do("POST", path, `{"prompt":"x"}`, "Content-Type: "+tt.contentType)
			if tt.ok {
				assert.Equal(t, http.StatusOK, r.status, "%q: %s", tt.contentType, r.body)
				assert.Equal(t, 1, f.srv.CreatedCount())
			} else {
				p := problemOf(t, r, http.StatusBadRequest, "invalid_request")
				assert.Contains(t, p.Detail, "Content-Type: application/json", tt.contentType)
				assert.Zero(t, f.srv.CreatedCount())
			}
			req := httptest.NewRequest("POST", BasePath+path, nil)
			req.Header.Set("Authorization", "Bearer k")
			req.Header.Set("Content-Type", tt.contentType)
			assert.Equal(t, tt.ok, v.ValidateRequest(req, []byte(`{"prompt":"x"}`)) == nil, "the spec agrees on %q", tt.contentType)
		}
	}
}

// TestCreateTypesMatchSpec: with a prompt present, the fake accepts a body
// exactly when the spec's RunAgentRequest does.
func TestCreateTypesMatchSpec(t *testing.T) {
	t.Parallel()
	v := validator(t)
	bodies := []string{
		`{"prompt":"x"}`,
		`{"prompt":"x","unknown":{"any":[1,null]}}`,
		`{"prompt":"x","mode":"orchestrate","team":true,"interactive":false,"parent_run_id":"p","agent_identity_uid":"a","on_behalf_of":"o"}`,
		`{"prompt":"x","config":{"credential_strategy":null,"idle_timeout_minutes":1.0,"skills":["a","b"],"computer_use_model_id":"m"}}`,
		`{"prompt":"x","config":{"idle_timeout_minutes":60,"harness":{"type":"codex"},"session_sharing":{"public_access":"VIEWER"}}}`,
		`{"prompt":"x","config":{"mcp_servers":{"a":{"command":"c","args":["1"],"env":{"K":"v"}},"b":{"url":"https://x"}}}}`,
		`{"prompt":"x","config":{"inference_providers":{"aws":{"disabled":true,"region":"eu"}},"harness_auth_secrets":{"claude_auth_secret_name":"s"}}}`,
		`{"prompt":"x","attachments":[{"file_name":"a.txt","mime_type":"text/plain","data":"aGk="}]}`,
		`{"prompt":"x","config":{"memory_stores":[{"uid":"u","access":"read_only","instructions":"i"}]}}`,
		`{"prompt":"x","title":1}`,
		`{"prompt":"x","skill":false}`,
		`{"prompt":"x","conversation_id":[]}`,
		`{"prompt":"x","config":{"environment_id":5}}`,
		`{"prompt":"x","config":{"idle_timeout_minutes":0}}`,
		`{"prompt":"x","config":{"idle_timeout_minutes":"5"}}`,
		`{"prompt":"x","config":{"mcp_servers":[]}}`,
		`{"prompt":"x","config":{"mcp_servers":{"a":{"env":{"K":1}}}}}`,
		`{"prompt":"x","config":{"session_sharing":{"public_access":"viewer"}}}`,
		`{"prompt":"x","config":{"inference_providers":{"aws":{"disabled":"no"}}}}`,
		`{"prompt":"x","attachments":{}}`,
		`{"prompt":"x","attachments":[{"file_name":"a","data":"aGk="}]}`,
		`{"prompt":"x","metadata":{"k":null}}`,
	}
	for _, body := range bodies {
		rec := serveDirect(New(WithTimeScale(0)), "POST", BasePath+"/agent/runs", body)
		req := httptest.NewRequest("POST", BasePath+"/agent/runs", nil)
		req.Header.Set("Authorization", "Bearer k")
		req.Header.Set("Content-Type", "application/json")
		specErr := v.ValidateRequest(req, []byte(body))
		assert.Equal(t, specErr == nil, rec.Code == http.StatusOK, "%s\nfake: %d %s\nspec: %v", body, rec.Code, rec.Body, specErr)
	}
}
