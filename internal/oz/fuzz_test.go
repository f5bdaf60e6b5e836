package oz

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	secrets "github.com/oz-run/oz-run-action/internal/redact"
)

// FuzzParseError: any answer becomes an *APIError with a clean one-line
// message that never holds the key. Seeds: f.Add and testdata/fuzz.
func FuzzParseError(f *testing.F) {
	f.Add(404, "application/problem+json", "", "", []byte(`{"type":"https://warp.dev/errors/resource_not_found","title":"Not Found","status":404,"error":"no run","trace_id":"t"}`))
	f.Add(429, "", CodeOutOfCredits, "30", []byte(`{"error":"out of credits"}`))
	f.Add(502, "text/html", "", "Wed, 01 May 2024 10:00:30 GMT", []byte("<html><script>x</script><h1>Bad Gateway</h1></html>"))
	f.Add(401, "application/json", "", "", []byte(`{"error":"bad key `+testKey+`"}`))
	f.Add(500, "", "", "", []byte("\xff\x00<scr"))
	f.Add(0, "", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, status int, contentType, code, retryAfter string, body []byte) {
		h := http.Header{}
		h.Set("Content-Type", contentType)
		h.Set("X-Warp-Error-Code", code)
		h.Set("Retry-After", retryAfter)
		now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		e := parseError("get run x", status, h, body, nil, secrets.New(testKey), now)
		if e == nil {
			t.Fatal("nil error")
		}
		for name, s := range map[string]string{"message": e.Message, "code": e.Code, "trace": e.TraceID} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r\x00") {
				t.Errorf("%s %q is not clean", name, s)
			}
		}
		if len(e.Message) > maxMessage {
			t.Errorf("message of %d bytes", len(e.Message))
		}
		if s := e.Error(); strings.Contains(s, testKey) || strings.Contains(s, "\n") {
			t.Errorf("Error() = %q", s)
		}
		if e.RetryAfter < 0 || e.RetryAfter > maxRetryAfter {
			t.Errorf("RetryAfter = %s", e.RetryAfter)
		}
	})
}

// FuzzDecodeRun: any bytes become a run or an error, never a panic.
func FuzzDecodeRun(f *testing.F) {
	f.Add([]byte(runJSON))
	f.Add([]byte(`{"run_id":"r","state":"IN_PROGRESS","artifacts":[{"artifact_type":"NEW","data":[1]},{}],"status_message":{"message":"m","retryable":true}}`))
	f.Add([]byte(`{"run_id":"r","artifacts":[1]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := decodeRun(data)
		if (run == nil) == (err == nil) {
			t.Fatalf("run %v and err %v", run, err)
		}
		if run != nil {
			_ = run.SessionURL()
			_ = run.PullRequestURLs()
			_ = run.FileArtifacts()
			_, _ = run.RequestUsage.Credits()
			_, _ = run.RequestUsage.CostUSD()
			_ = run.State.IsTerminal()
			if CheckRunID(run.RunID) != nil {
				t.Fatalf("run id %q accepted", run.RunID)
			}
			if run.StatusMessage != nil && len(run.StatusMessage.Message) > maxStatusMessage ||
				len(run.Title) > maxTitle || len(run.SessionLink) > maxURL || len(run.Artifacts) > maxArtifacts {
				t.Fatal("a field over its cap")
			}
			out, err := MarshalArtifacts(run.Artifacts)
			if err != nil || !json.Valid(out) || !utf8.Valid(out) {
				t.Fatalf("artifacts %s: %v", out, err)
			}
			// The canonical form reads back to itself.
			var again []Artifact
			if err := json.Unmarshal(out, &again); err != nil {
				t.Fatal(err)
			}
			if out2, _ := MarshalArtifacts(again); !bytes.Equal(out, out2) {
				t.Fatalf("not canonical:\n%s\n%s", out, out2)
			}
		}
	})
}

// FuzzDecodeConversation: any body becomes a conversation or an error,
// never a panic; the answer is valid UTF-8 within MaxAnswer and, for a
// conversation kept whole, the same as Answer computes from its Steps.
func FuzzDecodeConversation(f *testing.F) {
	f.Add([]byte(conversationJSON))
	f.Add([]byte(`{"conversation_id":"c","steps":[{"id":"s","messages":[{"content":[{"text":"late","type":"text"}],"role":"assistant"}],"steps":[]}]}`))
	f.Add([]byte(`{"steps":[{"messages":[{"role":"ASSISTANT","content":[{"type":"TEXT","text":"\ud800 \u0000 x"},{"type":"text","text":"\n\n"}]}]},7,null]}`))
	f.Add([]byte(`{"steps":[{"steps":[{"steps":[{"messages":[{"role":"assistant","content":[{"type":"text","text":"deep"}]}]}]}]}]}`))
	f.Add([]byte(`{"steps":null,"conversation_id":null}`))
	f.Add([]byte(`{"steps":[{"messages":[{"role":"assistant","content":[{"type":"action","input":{"a":[1,{"b":"c"}]},"output":"x"}]}]}]}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		conv, err := decodeConversation(bytes.NewReader(data))
		if (conv == nil) == (err == nil) {
			t.Fatalf("conversation %v and err %v", conv, err)
		}
		if err != nil {
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("error %q", err)
			}
			return
		}
		answer, ok := conv.Answer()
		if ok != (answer != "") || len(answer) > MaxAnswer || !utf8.ValidString(answer) {
			t.Fatalf("answer %q, %v", answer, ok)
		}
		if ok && strings.TrimSpace(answer) == "" {
			t.Fatalf("blank answer %q", answer)
		}
		if !conv.Truncated && len(data) < maxBlockText {
			hand := Conversation{Steps: conv.Steps}
			if got, _ := hand.Answer(); got != answer {
				t.Fatalf("decoded answer %q, from the steps %q", answer, got)
			}
		}
		if _, err := json.Marshal(conv); err != nil {
			t.Fatal(err)
		}
	})
}
