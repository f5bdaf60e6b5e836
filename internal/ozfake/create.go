package ozfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// POST /agent/runs: the create's body read and checked as the API does.

// Metadata limits the API enforces on create.
const (
	maxMetadataKeys   = 20
	maxMetadataKeyLen = 64
	maxMetadataValLen = 256
)

// createRequest is the body of POST /agent/runs as the fake reads it.
type createRequest struct {
	Prompt         string            `json:"prompt"`
	Mode           string            `json:"mode"`
	Skill          string            `json:"skill"`
	Title          string            `json:"title"`
	Team           *bool             `json:"team"`
	ConversationID string            `json:"conversation_id"`
	Config         *createConfig     `json:"config"`
	Metadata       map[string]string `json:"metadata"`
}

// createConfig is the request's config as the fake reads it: the spec
// lets an integer be written 1.0, which an int field would refuse.
type createConfig struct {
	oz.AgentConfig
	IdleTimeoutMinutes json.Number `json:"idle_timeout_minutes"` // shadows AgentConfig's
}

// title is the run's title: the one asked for, else the prompt's first
// line, else the skill.
func (c createRequest) title() string {
	t := strings.TrimSpace(c.Title)
	if t == "" {
		t, _, _ = strings.Cut(strings.TrimSpace(c.Prompt), "\n")
		t = strings.TrimSpace(tagPattern().ReplaceAllString(t, ""))
	}
	if t == "" {
		t = c.Skill
	}
	if t == "" && c.Config != nil {
		t = c.Config.SkillSpec
	}
	if t == "" && c.ConversationID != "" {
		t = "Continue " + c.ConversationID
	}
	if utf8.RuneCountInString(t) > 80 {
		t = string([]rune(t)[:79]) + "…"
	}
	return t
}

// parseCreate reads and checks a create body; the error says what is wrong.
// The body's types are checked against the spec's RunAgentRequest first.
func parseCreate(body []byte) (createRequest, error) {
	var req createRequest
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return req, fmt.Errorf("the request body is empty; send a JSON object with a prompt or a skill")
	}
	if trimmed[0] != '{' {
		return req, fmt.Errorf("the request body must be a JSON object")
	}
	if err := createBodyType().decode(trimmed, &req); err != nil {
		return req, err
	}
	if strings.TrimSpace(req.Prompt) == "" && strings.TrimSpace(req.Skill) == "" && strings.TrimSpace(req.ConversationID) == "" &&
		(req.Config == nil || strings.TrimSpace(req.Config.SkillSpec) == "") {
		return req, fmt.Errorf("one of prompt, skill, conversation_id or config.skill_spec is required")
	}
	return req, checkMetadata(req.Metadata)
}

// checkContentType accepts application/json, with parameters such as
// charset (a malformed parameter is ignored); the spec declares create
// bodies only as application/json.
func checkContentType(h string) error {
	if h == "" {
		return fmt.Errorf("the header Content-Type is missing; send the body as Content-Type: application/json")
	}
	mt, _, err := mime.ParseMediaType(h)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) || mt != "application/json" {
		return fmt.Errorf("the header Content-Type is %s; send the body as Content-Type: application/json", quoteClip(h))
	}
	return nil
}

// checkMetadata enforces the API's metadata limits.
func checkMetadata(md map[string]string) error {
	if len(md) > maxMetadataKeys {
		return fmt.Errorf("metadata has %d keys; at most %d are allowed", len(md), maxMetadataKeys)
	}
	for k, v := range md {
		if len(k) == 0 || len(k) > maxMetadataKeyLen {
			return fmt.Errorf("metadata key %q must be 1 to %d bytes long", clip(k), maxMetadataKeyLen)
		}
		for i := 0; i < len(k); i++ {
			if !keyByte(k[i]) {
				return fmt.Errorf("metadata key %q may only hold letters, digits, '.', '_' and '-'", clip(k))
			}
		}
		if len(v) > maxMetadataValLen {
			return fmt.Errorf("metadata value of %q is %d bytes; at most %d are allowed", k, len(v), maxMetadataValLen)
		}
		if strings.IndexByte(v, 0) >= 0 {
			return fmt.Errorf("metadata value of %q must not contain NUL", k)
		}
	}
	return nil
}

func keyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// clip shortens text from a request before it is echoed in an error.
func clip(s string) string {
	if len(s) <= 70 {
		return s
	}
	for i := 64; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return "…"
}

// createResponse is the spec's RunAgentResponse.
type createResponse struct {
	RunID      string   `json:"run_id"`
	TaskID     string   `json:"task_id"`
	State      oz.State `json:"state"`
	AtCapacity bool     `json:"at_capacity,omitempty"`
}

// handleCreate serves POST /agent/runs and POST /agent/run. A run created
// with a latency stays invisible that long (ozfaketest.Fault.CreateLatency).
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, body []byte, latency time.Duration) {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		writeProblem(w, r, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	req, err := parseCreate(body)
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	s.mu.Lock()
	sc, err := scriptFor(req.Prompt, s.script)
	if err != nil {
		s.mu.Unlock()
		writeProblem(w, r, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	rn := s.addRun(req, sc.scaled(s.scale), latency)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, createResponse{RunID: rn.id, TaskID: rn.id, State: oz.StateQueued, AtCapacity: rn.script.AtCapacity})
}
