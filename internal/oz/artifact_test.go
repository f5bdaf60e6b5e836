package oz

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArtifactCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"keys sorted, spaces gone", `{ "data" : {"url":"https://x/1","branch":"b"}, "artifact_type":"PULL_REQUEST" }`,
			`{"artifact_type":"PULL_REQUEST","data":{"branch":"b","url":"https://x/1"}}`},
		{"escapes of plain characters undone", `{"artifact_type":"FILE","data":{"filename":"\u0077k-\u0053ECRET\/x"}}`,
			`{"artifact_type":"FILE","data":{"filename":"wk-SECRET/x"}}`},
		{"no HTML escaping", `{"artifact_type":"PLAN","data":{"title":"<b>&</b>"}}`,
			`{"artifact_type":"PLAN","data":{"title":"<b>&</b>"}}`},
		{"control characters stay escaped", `{"artifact_type":"PLAN","data":{"title":"a\nb\u0000c\u001b"}}`,
			`{"artifact_type":"PLAN","data":{"title":"a\nb\u0000c\u001b"}}`},
		{"invalid UTF-8 replaced", "{\"artifact_type\":\"PLAN\",\"data\":{\"title\":\"\xff\"}}",
			`{"artifact_type":"PLAN","data":{"title":"` + "\ufffd" + `"}}`},
		{"numbers kept as written", `{"artifact_type":"X","data":{"n":1.50e+3,"m":-0}}`,
			`{"artifact_type":"X","data":{"m":-0,"n":1.50e+3}}`},
		{"long numbers dropped", `{"artifact_type":"X","data":{"n":` + strings.Repeat("9", 100) + `}}`,
			`{"artifact_type":"X","data":{"n":null}}`},
		{"duplicate keys: the last wins", `{"artifact_type":"A","artifact_type":"B"}`, `{"artifact_type":"B"}`},
		{"deep nesting cut", `{"artifact_type":"X","data":` + strings.Repeat(`{"a":`, 12) + `1` + strings.Repeat(`}`, 12) + `}`,
			`{"artifact_type":"X","data":` + strings.Repeat(`{"a":`, maxArtifactDepth-1) + `null` + strings.Repeat(`}`, maxArtifactDepth-1) + `}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var a Artifact
			require.NoError(t, json.Unmarshal([]byte(tc.in), &a))
			out, err := a.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(out))
			// A run's artifacts output the same.
			run, err := decodeRun([]byte(`{"run_id":"r","state":"SUCCEEDED","artifacts":[` + tc.in + `]}`))
			require.NoError(t, err)
			out, err = MarshalArtifacts(run.Artifacts)
			require.NoError(t, err)
			assert.Equal(t, "["+tc.want+"]", string(out))
			// json.Marshal escapes <, > and & again, and changes nothing else.
			out, err = json.Marshal(run.Artifacts)
			require.NoError(t, err)
			assert.Equal(t, "["+tc.want+"]", strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(out)))
		})
	}
}

func TestArtifactCapped(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 1<<20)
	in := `{"artifact_type":"` + huge + `","created_at":"` + huge + `","data":{"a":"` + huge + `","b":"` + huge +
		`","list":[` + strings.Repeat(`"`+strings.Repeat("y", 1000)+`",`, 100) + `1]}}`
	var a Artifact
	require.NoError(t, json.Unmarshal([]byte(in), &a))
	out, _ := json.Marshal(a)
	assert.Less(t, len(out), maxArtifactJSON+2*maxArtifactString, "canonical size")
	assert.LessOrEqual(t, len(a.Type), maxCode)
	assert.Empty(t, a.CreatedAt, "an over-long timestamp is dropped")
	assert.True(t, json.Valid(out))

	var many strings.Builder
	many.WriteString(`{"run_id":"r","state":"SUCCEEDED","artifacts":[`)
	for i := range maxArtifacts + 50 {
		if i > 0 {
			many.WriteByte(',')
		}
		many.WriteString(`{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com/o/r/pull/1","branch":"b"}}`)
	}
	many.WriteString(`,1,"x",null]}`) // not artifacts: not counted
	run, err := decodeRun([]byte(many.String()))
	require.NoError(t, err)
	assert.Len(t, run.Artifacts, maxArtifacts)
	assert.Equal(t, 50, run.ArtifactsLeftOut, "the artifacts past the cap are counted")
	b, err := json.Marshal(run)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "LeftOut", "the count is not part of the run object")

	run, err = decodeRun([]byte(`{"run_id":"r","state":"SUCCEEDED","artifacts":[{"artifact_type":"FILE","data":{}}]}`))
	require.NoError(t, err)
	assert.Zero(t, run.ArtifactsLeftOut)
}

func TestArtifactMadeInGo(t *testing.T) {
	t.Parallel()
	a := Artifact{Type: ArtifactFile, CreatedAt: "2024-05-01T10:00:00Z", Data: json.RawMessage(`{"artifact_uid":"u","filename":"f"}`)}
	out, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, `{"artifact_type":"FILE","created_at":"2024-05-01T10:00:00Z","data":{"artifact_uid":"u","filename":"f"}}`, string(out))
	f, ok := a.File()
	assert.True(t, ok)
	assert.Equal(t, "u", f.UID)
	out, err = MarshalArtifacts(nil)
	require.NoError(t, err)
	assert.Equal(t, "[]", string(out))
	var b Artifact
	assert.Error(t, json.Unmarshal([]byte(`[1]`), &b))
	assert.Error(t, json.Unmarshal([]byte(`"x"`), &b))
}

func TestArtifactAccessors(t *testing.T) {
	t.Parallel()
	decode := func(s string) Artifact {
		var a Artifact
		require.NoError(t, json.Unmarshal([]byte(s), &a))
		return a
	}
	pr := decode(`{"artifact_type":"PULL_REQUEST","created_at":"2024-05-01T10:00:00Z","data":{"url":"https://github.com/o/r/pull/7","branch":"oz/x","status":"merged"}}`)
	u, b, ok := pr.PullRequest()
	assert.True(t, ok)
	assert.Equal(t, "https://github.com/o/r/pull/7", u)
	assert.Equal(t, "oz/x", b)
	_, ok = pr.File()
	assert.False(t, ok)

	for _, bad := range []string{
		`{"artifact_type":"PULL_REQUEST","data":{"url":7}}`,
		`{"artifact_type":"PULL_REQUEST","data":{"branch":"b"}}`,
		`{"artifact_type":"PULL_REQUEST","data":"x"}`,
		`{"artifact_type":"PULL_REQUEST"}`,
		`{"artifact_type":"PULL_REQUEST","data":{"url":"https://x/` + strings.Repeat("a", maxURL) + `"}}`,
		`{"artifact_type":"PLAN","data":{"url":"https://x"}}`,
	} {
		_, _, ok := decode(bad).PullRequest()
		assert.False(t, ok, bad)
	}

	file := decode(`{"artifact_type":"FILE","created_at":"2024-05-01T10:00:00Z","data":{"artifact_uid":"art-1","filename":"report.md",
		"filepath":"out/report.md","mime_type":"text/markdown","size_bytes":1234,"title":"Report","description":"What was done","extra":[1]}}`)
	f, ok := file.File()
	require.True(t, ok)
	size := int64(1234)
	assert.Equal(t, FileArtifact{UID: "art-1", Filename: "report.md", Filepath: "out/report.md", MimeType: "text/markdown",
		Title: "Report", Description: "What was done", SizeBytes: &size}, f)

	hostile := decode(`{"artifact_type":"FILE","data":{"artifact_uid":"u","filename":"../x\u0000y","filepath":"` + strings.Repeat("a/", 600) + `","size_bytes":1.5}}`)
	f, ok = hostile.File()
	require.True(t, ok)
	assert.Equal(t, "../x\x00y", f.Filename, "hostile names are kept for the caller to clean")
	assert.Empty(t, f.Filepath, "an over-long path is dropped")
	assert.Nil(t, f.SizeBytes)
	for _, bad := range []string{
		`{"artifact_type":"FILE","data":{"filename":"x"}}`,
		`{"artifact_type":"FILE","data":{"artifact_uid":""}}`,
		`{"artifact_type":"FILE","data":{"artifact_uid":"` + strings.Repeat("u", maxIdent+1) + `"}}`,
		`{"artifact_type":"FILE","data":[]}`,
	} {
		_, ok := decode(bad).File()
		assert.False(t, ok, bad)
	}

	run, err := decodeRun([]byte(`{"run_id":"r","state":"SUCCEEDED","artifacts":[` + string(mustJSON(t, pr)) + `,` + string(mustJSON(t, file)) + `]}`))
	require.NoError(t, err)
	require.Len(t, run.FileArtifacts(), 1)
	assert.Equal(t, "art-1", run.FileArtifacts()[0].UID)
	var nilRun *Run
	assert.Nil(t, nilRun.FileArtifacts())
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

const artifactResponseJSON = `{"artifact_type":"FILE","artifact_uid":"art-1","created_at":"2024-05-01T10:00:00Z",
"data":{"download_url":"https://storage.example/b/o?X-Sig=abc","expires_at":"2024-05-01T10:15:00Z","content_type":"text/markdown",
"filename":"report.md","filepath":"out/report.md","size_bytes":12}}`

func TestGetArtifact(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 503}, reply{status: 200, body: artifactResponseJSON})
	c, _ := testClient(t, s)
	a, err := c.GetArtifact(t.Context(), "art-1")
	require.NoError(t, err)
	size := int64(12)
	assert.Equal(t, &ArtifactResponse{Type: "FILE", UID: "art-1", CreatedAt: "2024-05-01T10:00:00Z", Data: ArtifactDownloadData{
		DownloadURL: "https://storage.example/b/o?X-Sig=abc", ExpiresAt: "2024-05-01T10:15:00Z", ContentType: "text/markdown",
		Filename: "report.md", Filepath: "out/report.md", SizeBytes: &size,
	}}, a)
	assert.Equal(t, 2, s.count("GET", "/api/v1/agent/artifacts/art-1"))
}

func TestGetArtifactFailures(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 404, body: `{"error":"no artifact"}`})
	c, _ := testClient(t, s)
	_, err := c.GetArtifact(t.Context(), "a/b")
	var apiErr *APIError
	assert.True(t, errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound, "%v", err)
	assert.Equal(t, "/api/v1/agent/artifacts/a%2Fb", s.requests()[0].Path)

	_, err = c.GetArtifact(t.Context(), "")
	assert.EqualError(t, err, "oz: GetArtifact: the artifact uid is empty")
	_, err = c.GetConversation(t.Context(), "")
	assert.EqualError(t, err, "oz: GetConversation: the run id is empty")

	for _, body := range []string{`{"artifact_uid":"a","data":{}}`, `{"data":{"download_url":"https://x/` + strings.Repeat("s", maxSignedURL) + `"}}`} {
		s := newStub(t, reply{status: 200, body: body}, reply{status: 200, body: artifactResponseJSON})
		c, _ := testClient(t, s)
		a, err := c.GetArtifact(t.Context(), "art-1")
		require.NoError(t, err, "retried after an answer without a usable download_url")
		assert.Equal(t, "art-1", a.UID)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	run, err := decodeRun([]byte(`{"run_id":"r","state":"SUCCEEDED","request_usage":{"inference_cost":1,"inference_cost_usd":0.25,
		"compute_cost_usd":0.5,"platform_cost_usd":0.125,"total_tokens":12345,"usage_by_category":{"x":{}}},
		"finished_at":"2024-05-01T10:05:00Z","root_run_id":"root","parent_run_id":"parent","submitted_prompt":"p2",
		"trigger_url":"https://github.com/o/r/pull/1#issuecomment-1"}`))
	require.NoError(t, err)
	usd, ok := run.RequestUsage.CostUSD()
	assert.True(t, ok)
	assert.InDelta(t, 0.875, usd, 1e-9)
	tokens, ok := run.RequestUsage.Tokens()
	assert.True(t, ok)
	assert.Equal(t, int64(12345), tokens)
	assert.Equal(t, "2024-05-01T10:05:00Z", run.FinishedAt)
	assert.Equal(t, "root", run.RootRunID)
	assert.Equal(t, "parent", run.ParentRunID)
	assert.Equal(t, "p2", run.SubmittedPrompt)
	assert.Equal(t, "https://github.com/o/r/pull/1#issuecomment-1", run.TriggerURL)

	var none *Usage
	_, ok = none.CostUSD()
	assert.False(t, ok)
	_, ok = none.Tokens()
	assert.False(t, ok)
	_, ok = (&Usage{}).CostUSD()
	assert.False(t, ok)
	huge := 1e308
	_, ok = (&Usage{InferenceCostUSD: &huge, ComputeCostUSD: &huge}).CostUSD()
	assert.False(t, ok, "an infinite sum is not a cost")
	run, err = decodeRun([]byte(`{"run_id":"r","state":"SUCCEEDED","request_usage":{"total_tokens":1.5,"compute_cost_usd":"1","platform_cost_usd":1e999}}`))
	require.NoError(t, err)
	_, ok = run.RequestUsage.Tokens()
	assert.False(t, ok)
	_, ok = run.RequestUsage.CostUSD()
	assert.False(t, ok)
}

// MarshalArtifacts writes the canonical forms without HTML escaping.
func TestMarshalArtifactsAsEncodingJSON(t *testing.T) {
	t.Parallel()
	var run Run
	require.NoError(t, json.Unmarshal([]byte(`{"run_id":"r","state":"SUCCEEDED","artifacts":[
		{"artifact_type":"PULL_REQUEST","data":{"url":"https://x/1?a=<b>&c","branch":"b"}},
		{"artifact_type":"PLAN","data":{"title":"a\nb \u2028 \"q\""}},
		{"artifact_type":"X","created_at":"2025-01-01T00:00:00Z","data":{"n":1.5,"l":[1,{"k":null}]}}]}`), &run))
	require.Len(t, run.Artifacts, 3)
	var want strings.Builder
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(run.Artifacts))
	got, err := MarshalArtifacts(run.Artifacts)
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSuffix(want.String(), "\n"), string(got))
	assert.Contains(t, string(got), "https://x/1?a=<b>&c")
}
