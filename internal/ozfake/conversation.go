package ozfake

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// The conversation as the spec's RunConversation writes it: every
// required field always present.
type (
	conversation struct {
		ConversationID string     `json:"conversation_id"`
		Steps          []convStep `json:"steps"`
	}
	convStep struct {
		ID          string        `json:"id"`
		Description string        `json:"description,omitempty"`
		Summary     string        `json:"summary,omitempty"`
		StartedAt   string        `json:"started_at,omitempty"`
		CompletedAt string        `json:"completed_at,omitempty"`
		Messages    []convMessage `json:"messages"`
		Steps       []convStep    `json:"steps"`
	}
	convMessage struct {
		Role      string      `json:"role"`
		Timestamp string      `json:"timestamp,omitempty"`
		Content   []convBlock `json:"content"`
	}
	convBlock struct {
		Type     string         `json:"type"`
		Text     string         `json:"text,omitempty"`
		ID       string         `json:"id,omitempty"`
		ActionID string         `json:"action_id,omitempty"`
		Name     string         `json:"name,omitempty"`
		Category string         `json:"category,omitempty"`
		State    string         `json:"state,omitempty"`
		Input    map[string]any `json:"input,omitempty"`
		Output   map[string]any `json:"output,omitempty"`
		Data     map[string]any `json:"data,omitempty"`
	}
)

func textMsg(role string, at time.Time, text string) convMessage {
	return convMessage{Role: role, Timestamp: timestamp(at), Content: []convBlock{{Type: oz.BlockText, Text: text}}}
}

// conversationID is the run's conversation id: the one it continues, or
// its own.
func (r *run) conversationID() string {
	if r.req.ConversationID != "" {
		return r.req.ConversationID
	}
	return "fake-conversation-" + strings.TrimPrefix(r.id, "fake-run-")
}

// conversation is the run's conversation at now; ok is false while none
// exists (the run never started working) or when the script says so.
// Each execution is a root step: the prompt (or the follow-ups that
// started it), the agent's work (a command and its result, a sub-agent's
// step), the follow-ups handed to it while it worked, and once it has
// ended, its answer.
func (r *run) conversation(now time.Time) (conversation, bool) {
	tl, segs := r.history(now)
	if r.script.NoConversation || !tl.inProgress {
		return conversation{}, false
	}
	conv := conversation{ConversationID: r.conversationID(), Steps: []convStep{}}
	for i, sg := range segs {
		end := now.Add(time.Nanosecond) // what happened at now is in
		if i+1 < len(segs) {
			end = segs[i+1].start
		}
		conv.Steps = append(conv.Steps, r.convStep(sg, end))
	}
	return conv, true
}

// convStep is the root step of one execution, as seen at end (the next
// execution's start, or now).
func (r *run) convStep(sg segment, end time.Time) convStep {
	at := sg.start
	tick := func() time.Time { at = at.Add(100 * time.Millisecond); return at }
	st := convStep{
		ID:          fmt.Sprintf("step-%d", sg.index+1),
		Description: "Work on the task",
		StartedAt:   timestamp(sg.start),
		Messages:    []convMessage{},
		Steps:       []convStep{},
	}
	if sg.index == 0 {
		prompt := r.req.Prompt
		if strings.TrimSpace(prompt) == "" {
			prompt = "(continuing conversation " + r.conversationID() + ")"
		}
		st.Messages = append(st.Messages, textMsg(oz.RoleUser, tick(), prompt))
	} else {
		st.Description = "Work on a follow-up"
		for _, m := range sg.messages {
			st.Messages = append(st.Messages, textMsg(oz.RoleUser, tick(), m))
		}
	}
	// Follow-ups handed to this execution while it worked or waited.
	var live []Followup
	for _, fu := range r.followups {
		if (fu.Outcome == oz.OutcomeLiveSession || fu.Outcome == oz.OutcomeQueuedPrompt) && !fu.At.Before(sg.start) && fu.At.Before(end) {
			live = append(live, fu)
		}
	}
	for _, fu := range live {
		if fu.Outcome == oz.OutcomeQueuedPrompt {
			st.Messages = append(st.Messages, textMsg(oz.RoleUser, fu.At, fu.Message))
		}
	}
	if !sg.inProgress {
		return st // never worked: nothing but what was asked
	}
	st.Messages = append(st.Messages,
		convMessage{Role: oz.RoleAssistant, Timestamp: timestamp(tick()), Content: []convBlock{
			{Type: oz.BlockText, Text: "I'll start by running the tests to see what fails."},
			{Type: oz.BlockAction, ID: "action-1", Name: "run_command", Category: "shell", State: "completed",
				Input: map[string]any{"command": "go test ./..."}},
		}},
		convMessage{Role: oz.RoleTool, Timestamp: timestamp(tick()), Content: []convBlock{
			{Type: oz.BlockActionResult, ActionID: "action-1", State: "completed",
				Output: map[string]any{"exit_code": 1, "output": "--- FAIL: TestClock (0.01s)\nFAIL\n"}},
		}},
	)
	st.Steps = append(st.Steps, convStep{
		ID: st.ID + ".1", Description: "Sub-agent: review the test", StartedAt: timestamp(tick()),
		Messages: []convMessage{
			textMsg(oz.RoleUser, tick(), "Find why TestClock is flaky."),
			textMsg(oz.RoleAssistant, tick(), "Sub-agent: TestClock sleeps 10ms and races the ticker. (This is a sub-agent's note, not the answer.)"),
		},
		Steps: []convStep{},
	})
	for _, fu := range live {
		if fu.Outcome == oz.OutcomeLiveSession {
			st.Messages = append(st.Messages, textMsg(oz.RoleUser, fu.At, fu.Message),
				textMsg(oz.RoleAssistant, fu.At.Add(time.Millisecond), "Noted, I'll take that into account."))
		}
	}
	st.Messages = append(st.Messages, convMessage{Role: oz.RoleAssistant, Timestamp: timestamp(tick()), Content: []convBlock{
		{Type: oz.BlockEvent, Data: map[string]any{"kind": "checkpoint"}},
	}})
	if !sg.state.IsTerminal() {
		return st
	}
	st.CompletedAt = timestamp(sg.since)
	if answer := r.answer(sg); answer != "" {
		st.Summary = "Ended " + string(sg.state)
		st.Messages = append(st.Messages, textMsg(oz.RoleAssistant, sg.since, answer))
	}
	return st
}

// answer is the agent's last word in an execution that ended; "" when it
// was cut off (cancelled).
func (r *run) answer(sg segment) string {
	var b strings.Builder
	switch sg.state {
	case oz.StateSucceeded:
		if sg.script.Review != "" {
			b.WriteString(reviewAnswer(sg.script.Review, sg.index))
			break
		}
		if sg.index == 0 {
			fmt.Fprintf(&b, "## Done\n\nRun %s succeeded: TestClock no longer sleeps, it advances a fake clock.\n\n", r.id)
		} else {
			fmt.Fprintf(&b, "## Done\n\nRun %s handled the follow-up %q.\n\n", r.id, clip(sg.messages[len(sg.messages)-1]))
		}
		b.WriteString("- `go test ./...` passes.\n")
		if sg.script.Artifacts {
			fmt.Fprintf(&b, "- Opened https://github.com/example/fake-repo/pull/%d.\n", r.seq)
		}
		if len(r.files) > 0 {
			fmt.Fprintf(&b, "- Attached %d file(s).\n", len(r.files))
		}
	case oz.StateFailed, oz.StateError:
		fmt.Fprintf(&b, "I could not finish run %s: the run ended %s.", r.id, sg.state)
	case oz.StateBlocked:
		fmt.Fprintf(&b, "Run %s is waiting for approval before I go on: I want to run `git push --force origin main`. "+
			"Reply with a follow-up to approve or to tell me what to do instead.", r.id)
	default:
		return ""
	}
	if sg.script.LongAnswer {
		b.WriteString("\n## Details\n\n")
		for i := 1; b.Len() < 80<<10; i++ {
			fmt.Fprintf(&b, "%d. Checked package `pkg/m%03d`: no change needed ✓ (naïve café résumé)\n", i, i)
		}
	}
	return b.String()
}

// handleConversation serves GET /agent/runs/{id}/conversation: 404 until
// the run has worked (and always with NoConversation).
func (s *Server) handleConversation(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	now := s.now()
	rn, ok := s.lookup(id, now)
	var conv conversation
	if ok {
		conv, ok = rn.conversation(now)
		if !ok {
			s.mu.Unlock()
			writeProblem(w, r, http.StatusNotFound, codeNotFound, "run "+quoteClip(id)+" has no conversation")
			return
		}
	}
	s.mu.Unlock()
	if !ok {
		writeProblem(w, r, http.StatusNotFound, codeNotFound, "no run with id "+quoteClip(id))
		return
	}
	writeJSON(w, http.StatusOK, conv)
}
