package oz

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// conversationJSON is shaped like the API's: a user prompt, the agent's
// work with an action and its result, a sub-agent's step, and the answer.
const conversationJSON = `{"conversation_id":"conv-1","steps":[
 {"id":"s1","description":"Work","started_at":"2024-05-01T10:00:00Z","completed_at":"2024-05-01T10:05:00Z",
  "messages":[
   {"role":"user","content":[{"type":"text","text":"Fix the test"}]},
   {"role":"assistant","timestamp":"2024-05-01T10:00:01Z","content":[{"type":"text","text":"Looking."},
     {"type":"action","id":"a1","name":"run_command","category":"shell","state":"done","input":{"command":"go test ./..."}}]},
   {"role":"tool","content":[{"type":"action_result","action_id":"a1","output":{"exit_code":0,"stdout":"ok"}}]},
   {"role":"assistant","content":[{"type":"text","text":"\n## Done\n\nThe test passes.  \n"},{"type":"event","data":{"kind":"x"}},{"type":"text","text":"Run r-1 succeeded."}]},
   {"role":"assistant","content":[{"type":"action","name":"noop"},{"type":"text","text":"   "}]}
  ],
  "steps":[{"id":"s1.1","messages":[{"role":"assistant","content":[{"type":"text","text":"sub-agent says"}]}],"steps":[]}]}
]}`

func TestDecodeConversation(t *testing.T) {
	t.Parallel()
	conv, err := decodeConversation(strings.NewReader(conversationJSON))
	require.NoError(t, err)
	assert.Equal(t, "conv-1", conv.ConversationID)
	assert.False(t, conv.Truncated)
	require.Len(t, conv.Steps, 1)
	st := conv.Steps[0]
	assert.Equal(t, "s1", st.ID)
	assert.Equal(t, "2024-05-01T10:05:00Z", st.CompletedAt)
	require.Len(t, st.Messages, 5)
	assert.Equal(t, RoleAssistant, st.Messages[1].Role)
	act := st.Messages[1].Content[1]
	assert.Equal(t, BlockAction, act.Type)
	assert.Equal(t, "run_command", act.Name)
	assert.JSONEq(t, `{"command":"go test ./..."}`, string(act.Input))
	assert.JSONEq(t, `{"exit_code":0,"stdout":"ok"}`, string(st.Messages[2].Content[0].Output))
	require.Len(t, st.Steps, 1)
	assert.Equal(t, "sub-agent says", st.Steps[0].Messages[0].Content[0].Text)

	answer, ok := conv.Answer()
	assert.True(t, ok)
	assert.Equal(t, "## Done\n\nThe test passes.\n\nRun r-1 succeeded.", answer)
	// The same from the Steps, as for a conversation built by hand.
	hand := Conversation{ConversationID: conv.ConversationID, Steps: conv.Steps}
	got, ok := hand.Answer()
	assert.True(t, ok)
	assert.Equal(t, answer, got)
	out, err := json.Marshal(conv)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"input":{"command":"go test ./..."}`, "payloads are JSON, not base64")
}

func TestConversationAnswer(t *testing.T) {
	t.Parallel()
	msg := func(role string, texts ...string) string {
		var blocks []string
		for _, s := range texts {
			b, _ := json.Marshal(map[string]string{"type": "text", "text": s})
			blocks = append(blocks, string(b))
		}
		return `{"role":"` + role + `","content":[` + strings.Join(blocks, ",") + `]}`
	}
	step := func(msgs ...string) string {
		return `{"id":"s","messages":[` + strings.Join(msgs, ",") + `],"steps":[]}`
	}
	long := strings.Repeat("é", MaxAnswer) // 2 bytes each: twice the cap
	tests := []struct {
		name  string
		steps []string
		want  string
		ok    bool
	}{
		{"none", nil, "", false},
		{"only the user", []string{step(msg("user", "hi"))}, "", false},
		{"last root assistant", []string{step(msg("assistant", "one")), step(msg("assistant", "two"), msg("user", "thanks"))}, "two", true},
		{"blank ones skipped", []string{step(msg("assistant", "real"), msg("assistant", " \n\t"))}, "real", true},
		{"texts joined", []string{step(msg("assistant", "a\n", "", "\n\nb"))}, "a\n\nb", true},
		{"role in any case", []string{step(msg("Assistant", "x"))}, "x", true},
		{"system and tool are not the agent", []string{step(msg("assistant", "x"), msg("system", "y"), msg("tool", "z"))}, "x", true},
		{"nested steps ignored", []string{
			`{"id":"s","messages":[` + msg("assistant", "root") + `],"steps":[` + step(msg("assistant", "nested")) + `]}`,
		}, "root", true},
		{"role after content", []string{step(`{"content":[{"text":"late","type":"text"}],"role":"assistant"}`)}, "late", true},
		{"only text blocks", []string{step(`{"role":"assistant","content":[{"type":"action","text":"not prose"},{"type":"text","text":"prose"}]}`)}, "prose", true},
		{"odd elements", []string{`7`, `null`, step(`"x"`, `{"role":"assistant","content":"nope"}`, msg("assistant", "fine"), `{"role":"assistant","content":[1,{"type":"text","text":5}]}`)}, "fine", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := `{"conversation_id":"c","steps":[` + strings.Join(tc.steps, ",") + `]}`
			conv, err := decodeConversation(strings.NewReader(body))
			require.NoError(t, err)
			got, ok := conv.Answer()
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}

	t.Run("cut at 64 KiB", func(t *testing.T) {
		t.Parallel()
		body := `{"conversation_id":"c","steps":[` + step(msg("assistant", long)) + `]}`
		conv, err := decodeConversation(strings.NewReader(body))
		require.NoError(t, err)
		got, ok := conv.Answer()
		require.True(t, ok)
		assert.LessOrEqual(t, len(got), MaxAnswer)
		assert.Greater(t, len(got), MaxAnswer-len(answerCutLine)-4)
		assert.True(t, utf8.ValidString(got))
		assert.True(t, strings.HasSuffix(got, answerCutLine))
		assert.True(t, strings.HasPrefix(long, strings.TrimSuffix(got, answerCutLine)))
		// The kept text block is cut too.
		assert.LessOrEqual(t, len(conv.Steps[0].Messages[0].Content[0].Text), maxBlockText)
	})
	t.Run("many long blocks", func(t *testing.T) {
		t.Parallel()
		texts := make([]string, 40)
		for i := range texts {
			texts[i] = strings.Repeat("x", 10<<10)
		}
		body := `{"conversation_id":"c","steps":[` + step(msg("assistant", texts...)) + `]}`
		conv, err := decodeConversation(strings.NewReader(body))
		require.NoError(t, err)
		got, _ := conv.Answer()
		assert.LessOrEqual(t, len(got), MaxAnswer)
		assert.True(t, strings.HasSuffix(got, answerCutLine))
	})
	t.Run("exactly 64 KiB is not cut", func(t *testing.T) {
		t.Parallel()
		exact := strings.Repeat("y", MaxAnswer)
		conv, err := decodeConversation(strings.NewReader(`{"conversation_id":"c","steps":[` + step(msg("assistant", exact)) + `]}`))
		require.NoError(t, err)
		got, _ := conv.Answer()
		assert.Equal(t, exact, got)
	})
	t.Run("built by hand", func(t *testing.T) {
		t.Parallel()
		conv := &Conversation{Steps: []Step{{Messages: []Message{
			{Role: RoleAssistant, Content: []ContentBlock{{Type: BlockText, Text: long}}},
		}}}}
		got, ok := conv.Answer()
		assert.True(t, ok)
		assert.LessOrEqual(t, len(got), MaxAnswer)
		var nilConv *Conversation
		_, ok = nilConv.Answer()
		assert.False(t, ok)
	})
}

func TestDecodeConversationKeepsABoundedPart(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"conversation_id":"c","steps":[{"id":"s","messages":[`)
	for i := range maxConversationNodes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"role":"tool","content":[{"type":"action_result","output":{"x":"` + strings.Repeat("o", 300) + `"}}]}`)
	}
	b.WriteString(`,{"role":"assistant","content":[{"type":"text","text":"the end"}]}]`)
	// Nested deeper than kept.
	b.WriteString(`,"steps":[` + strings.Repeat(`{"id":"n","messages":[],"steps":[`, 20) + strings.Repeat(`]}`, 20) + `]}]}`)
	conv, err := decodeConversation(strings.NewReader(b.String()))
	require.NoError(t, err)
	assert.True(t, conv.Truncated)
	got, ok := conv.Answer()
	assert.True(t, ok)
	assert.Equal(t, "the end", got, "the answer comes from the whole body")
	n := 0
	for _, m := range conv.Steps[0].Messages {
		n += 1 + len(m.Content)
	}
	assert.Less(t, n, maxConversationNodes)
	depth := 0
	for st := conv.Steps[0]; len(st.Steps) > 0; st = st.Steps[0] {
		depth++
	}
	assert.LessOrEqual(t, depth, maxConversationDepth)
}

func TestDecodeConversationRejects(t *testing.T) {
	t.Parallel()
	for _, body := range []string{``, `null`, `[]`, `"x"`, `{"steps":[`, `{} {}`, `{"steps":[]}x`} {
		_, err := decodeConversation(strings.NewReader(body))
		assert.Error(t, err, body)
	}
	// Odd but valid: no answer, no error.
	for _, body := range []string{`{}`, `{"steps":null}`, `{"steps":{}}`, `{"conversation_id":7,"steps":[[],1]}`} {
		conv, err := decodeConversation(strings.NewReader(body))
		require.NoError(t, err, body)
		_, ok := conv.Answer()
		assert.False(t, ok, body)
	}
}

func TestGetConversation(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 200, body: conversationJSON})
	c, _ := testClient(t, s)
	conv, err := c.GetConversation(t.Context(), "r 1/x")
	require.NoError(t, err)
	assert.Equal(t, "conv-1", conv.ConversationID)
	r := s.requests()[0]
	assert.Equal(t, "GET", r.Method)
	assert.Equal(t, "/api/v1/agent/runs/r%201%2Fx/conversation", r.Path)
	assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
}

func TestGetConversationFailures(t *testing.T) {
	t.Parallel()
	notFound := reply{status: 404, header: map[string]string{"Content-Type": "application/problem+json"},
		body: `{"type":"https://warp.dev/errors/resource_not_found","title":"Not Found","status":404,"error":"no conversation"}`}
	html := reply{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html><h1>Bad Gateway</h1></html>"}
	good := reply{status: 200, body: conversationJSON}
	tests := []struct {
		name    string
		replies []reply
		check   func(t *testing.T, conv *Conversation, err error)
		timeout time.Duration
	}{
		{"404 is no conversation", []reply{notFound}, func(t *testing.T, _ *Conversation, err error) {
			assert.ErrorIs(t, err, ErrNoConversation)
			assert.False(t, IsTransient(err))
		}, 0},
		{"5xx retried", []reply{{status: 503}, {status: 500}, good}, ok, 0},
		{"HTML retried", []reply{html, good}, ok, 0},
		{"unreadable 2xx retried", []reply{{status: 200, body: `{"steps":[`}, {status: 200, body: `<html>`}, good}, ok, 0},
		{"hang retried", []reply{{hang: true}, good}, ok, 500 * time.Millisecond},
		{"reset retried", []reply{{reset: true}, good}, ok, 0},
		{"gives up", []reply{{status: 503}, {status: 503}, {status: 503}}, func(t *testing.T, _ *Conversation, err error) {
			assert.ErrorContains(t, err, "gave up after 3 attempts")
			assert.NotErrorIs(t, err, ErrNoConversation)
		}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStub(t, tc.replies...)
			var opts []Option
			if tc.timeout > 0 {
				opts = append(opts, WithRequestTimeout(tc.timeout))
			}
			c, _ := testClient(t, s, opts...)
			conv, err := c.GetConversation(t.Context(), "run-1")
			tc.check(t, conv, err)
			if err != nil {
				assert.NotContains(t, err.Error(), testKey)
			}
		})
	}
}

func ok(t *testing.T, conv *Conversation, err error) {
	t.Helper()
	require.NoError(t, err)
	a, found := conv.Answer()
	assert.True(t, found)
	assert.Contains(t, a, "Run r-1 succeeded.")
}

func TestGetConversationTooLargeIsFinal(t *testing.T) {
	t.Parallel()
	s := newStub(t, reply{status: 200, body: `{"conversation_id":"c","steps":[],"pad":"` + strings.Repeat("x", 200) + `"}`})
	c, _ := testClient(t, s)
	var conv *Conversation
	_, err := c.exchange(t.Context(), "get conversation", 1, "GET", c.endpoint("agent", "runs", "r", "conversation"), nil, 100, func(_ *http.Response, r io.Reader) (err error) {
		conv, err = decodeConversation(r)
		return err
	})
	assert.Nil(t, conv)
	assert.ErrorContains(t, err, "larger than 100 bytes")
	assert.False(t, IsTransient(err))
}
