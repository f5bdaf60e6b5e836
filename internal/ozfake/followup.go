package ozfake

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// POST /agent/runs/{id}/followups, and the follow-ups the fake received.

// Followup is a follow-up the fake received.
type Followup struct {
	ID      string
	RunID   string
	Message string
	Mode    string
	// Outcome is what the fake answered: live_session, queued_prompt,
	// handoff_execution or queue_pending.
	Outcome string
	At      time.Time
	// Picked is when the new execution is picked up (handoff_execution
	// only): until then the run shows its old terminal state.
	Picked time.Time
}

// followupRequest is the body of POST /agent/runs/{id}/followups.
type followupRequest struct {
	Message string `json:"message"`
	Mode    string `json:"mode"`
}

// followupBodyType is the spec's FollowupRequest, built on first use.
var followupBodyType = sync.OnceValue(func() jsonType {
	return objectOf(map[string]jsonType{
		"message": strType, "mode": enumOf("normal", "plan", "orchestrate"),
	})
})

// parseFollowup reads and checks a follow-up body.
func parseFollowup(body []byte) (followupRequest, error) {
	var req followupRequest
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return req, fmt.Errorf("the request body must be a JSON object with a message")
	}
	if err := followupBodyType().decode(trimmed, &req); err != nil {
		return req, err
	}
	if strings.TrimSpace(req.Message) == "" {
		return req, fmt.Errorf("message is required")
	}
	return req, nil
}

// followupResponse is the spec's FollowupResponse.
type followupResponse struct {
	FollowupID string `json:"followup_id"`
	Outcome    string `json:"outcome"`
}

// handleFollowup serves POST /agent/runs/{id}/followups. To a working run
// the message is handed over (live_session, or queued_prompt before the
// agent started). To an ended run a new execution of the same run starts
// (handoff_execution): the run keeps its old terminal state for the pickup
// window, then works again and ends per a script, the default one with the
// message's scenario tags applied. During the window, more follow-ups
// queue behind it (queue_pending).
func (s *Server) handleFollowup(w http.ResponseWriter, r *http.Request, id string, body []byte) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		writeProblem(w, r, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	req, err := parseFollowup(body)
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	s.mu.Lock()
	now := s.now()
	rn, ok := s.lookup(id, now)
	if !ok {
		s.mu.Unlock()
		writeProblem(w, r, http.StatusNotFound, codeNotFound, "no run with id "+quoteClip(id))
		return
	}
	sc, err := scriptFor(req.Message, s.script)
	if err != nil {
		s.mu.Unlock()
		writeProblem(w, r, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	s.followupSeq++
	fu := Followup{ID: fmt.Sprintf("fake-followup-%06d", s.followupSeq), RunID: id, Message: req.Message, Mode: req.Mode, At: now}
	st := rn.state(now)
	switch {
	case rn.pending(now) != nil:
		e := rn.pending(now)
		e.messages = append(e.messages, req.Message)
		fu.Outcome, fu.Picked = oz.OutcomeQueuePending, e.start
	case st.IsTerminal():
		sc = sc.scaled(s.scale)
		// What the run is, not what it does, carries over.
		sc.Uncancellable, sc.NoSessionLink, sc.NoConversation = rn.script.Uncancellable, rn.script.NoSessionLink, rn.script.NoConversation
		sc.SessionID, sc.Files = rn.script.SessionID, nil
		if sc.Review == "" {
			sc.Review = rn.script.Review // the agent still answers with a review
		}
		start := now.Add(s.pickup)
		if s.pickup == 0 {
			start = now.Add(time.Nanosecond) // after the acceptance, so that updated_at is later
		}
		rn.execs = append(rn.execs, execution{accepted: now, start: start, script: sc, messages: []string{req.Message}})
		fu.Outcome, fu.Picked = oz.OutcomeHandoffExecution, start
	case st == oz.StateInProgress:
		fu.Outcome = oz.OutcomeLiveSession
	default:
		fu.Outcome = oz.OutcomeQueuedPrompt
	}
	rn.followups = append(rn.followups, fu)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, followupResponse{FollowupID: fu.ID, Outcome: fu.Outcome})
}

// Followups returns the follow-ups run id received, oldest first (nil for
// an unknown run).
func (s *Server) Followups(id string) []Followup {
	s.mu.Lock()
	defer s.mu.Unlock()
	rn, ok := s.byID[id]
	if !ok {
		return nil
	}
	return append([]Followup(nil), rn.followups...)
}

// EndedRun creates a run through the API at base (a fake's URL) with the
// given key and waits until it has ended, as an earlier step's run that a
// follow-up then continues; it returns the run's id.
func EndedRun(ctx context.Context, base, key string) (string, error) {
	c, err := oz.NewClient(base, oz.WithAPIKey(key))
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := c.CreateRun(ctx, oz.CreateRunRequest{Prompt: "the earlier step's run"})
	if err != nil {
		return "", err
	}
	for {
		run, err := c.GetRun(ctx, resp.RunID)
		if err != nil {
			return "", err
		}
		if run.State.IsTerminal() {
			return run.RunID, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}
