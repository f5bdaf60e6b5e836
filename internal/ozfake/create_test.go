package ozfake

import (
	"encoding/json"
	"fmt"
	"net/http"
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
		{"nothing to do", `{"title":"t"}`, "one of prompt, skill or config.skill_spec"},
		{"blank prompt", `{"prompt":"  "}`, "one of prompt"},
		{"bad mode", `{"prompt":"x","mode":"fast"}`, "mode must be"},
		{"mcp not object", `{"prompt":"x","config":{"mcp_servers":{"a":"b"}}}`, `mcp_servers["a"]`},
		{"too many keys", string(manyJSON), "21 keys"},
		{"empty key", `{"prompt":"x","metadata":{"":"v"}}`, "1 to 64 bytes"},
		{"long key", `{"prompt":"x","metadata":{"` + strings.Repeat("k", 65) + `":"v"}}`, "1 to 64 bytes"},
		{"bad key", `{"prompt":"x","metadata":{"a b":"v"}}`, "letters, digits"},
		{"long value", `{"prompt":"x","metadata":{"k":"` + strings.Repeat("v", 257) + `"}}`, "257 bytes"},
		{"NUL value", `{"prompt":"x","metadata":{"k":"a\u0000b"}}`, "NUL"},
		{"value not string", `{"prompt":"x","metadata":{"k":1}}`, "not valid"},
		{"unknown scenario", `{"prompt":"[fake:explode] x"}`, "unknown fake scenario [fake:explode]"},
		{"too large", `{"prompt":"` + strings.Repeat("x", maxBody) + `"}`, "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			p := problemOf(t, f.do("POST", "/agent/runs", tt.body), http.StatusBadRequest, "invalid_request")
			assert.Contains(t, p.Detail, tt.detail)
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
