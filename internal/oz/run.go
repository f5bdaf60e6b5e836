// Package oz is a client for the Warp Oz runs API: create a cloud agent run,
// read it, list runs and cancel one. It knows HTTP and JSON, nothing about CI.
package oz

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// State is a run's lifecycle state as the API reports it.
type State string

// The states the API documents. Any other value is treated as terminal and
// failed, as Warp's own client does.
const (
	StateQueued     State = "QUEUED"
	StatePending    State = "PENDING"
	StateClaimed    State = "CLAIMED"
	StateInProgress State = "INPROGRESS"
	StateSucceeded  State = "SUCCEEDED"
	StateFailed     State = "FAILED"
	StateError      State = "ERROR"
	StateBlocked    State = "BLOCKED"
	StateCancelled  State = "CANCELLED"
)

// ParseState normalises a state word: upper case, and the spelling
// IN_PROGRESS read as INPROGRESS.
func ParseState(s string) State {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "IN_PROGRESS" {
		return StateInProgress
	}
	return State(s)
}

// UnmarshalJSON reads a state through ParseState.
func (s *State) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = ParseState(v)
	return nil
}

// IsWorking reports whether the run may still change state.
func (s State) IsWorking() bool {
	switch s {
	case StateQueued, StatePending, StateClaimed, StateInProgress:
		return true
	}
	return false
}

// IsTerminal reports whether polling should stop. Unknown states are terminal.
func (s State) IsTerminal() bool { return !s.IsWorking() }

// IsKnown reports whether s is one of the documented states.
func (s State) IsKnown() bool {
	switch s {
	case StateSucceeded, StateFailed, StateError, StateBlocked, StateCancelled:
		return true
	}
	return s.IsWorking()
}

// AgentConfig is the request's `config` object.
type AgentConfig struct {
	Name               string                     `json:"name,omitempty"`
	EnvironmentID      string                     `json:"environment_id,omitempty"`
	ModelID            string                     `json:"model_id,omitempty"`
	BasePrompt         string                     `json:"base_prompt,omitempty"`
	MCPServers         map[string]json.RawMessage `json:"mcp_servers,omitempty"`
	WorkerHost         string                     `json:"worker_host,omitempty"`
	ComputerUseEnabled *bool                      `json:"computer_use_enabled,omitempty"`
	SkillSpec          string                     `json:"skill_spec,omitempty"`
}

// CreateRunRequest is the body of POST /agent/runs.
type CreateRunRequest struct {
	Prompt         string            `json:"prompt,omitempty"`
	Mode           string            `json:"mode,omitempty"`
	Skill          string            `json:"skill,omitempty"`
	Title          string            `json:"title,omitempty"`
	Team           *bool             `json:"team,omitempty"`
	ConversationID string            `json:"conversation_id,omitempty"`
	Config         *AgentConfig      `json:"config,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
}

// CreateRunResponse is the answer to a create.
type CreateRunResponse struct {
	RunID      string `json:"run_id"`
	TaskID     string `json:"task_id"`
	State      State  `json:"state"`
	AtCapacity bool   `json:"at_capacity,omitempty"`
	// Recovered is set (never by the API) when the create's answer was lost
	// and the run was found again by its request id.
	Recovered bool `json:"-"`
}

// StatusMessage explains a run's state; usually present once it is terminal.
type StatusMessage struct {
	Message   string `json:"message"`
	ErrorCode string `json:"error_code,omitempty"`
	// Retryable means a new run may succeed.
	Retryable *bool `json:"retryable,omitempty"`
}

// Usage is the run's request_usage, in credits.
type Usage struct {
	InferenceCost *float64 `json:"inference_cost,omitempty"`
	ComputeCost   *float64 `json:"compute_cost,omitempty"`
	PlatformCost  *float64 `json:"platform_cost,omitempty"`
}

// Credits is the sum of the known costs; ok is false when none is known.
func (u *Usage) Credits() (credits float64, ok bool) {
	if u == nil {
		return 0, false
	}
	for _, c := range []*float64{u.InferenceCost, u.ComputeCost, u.PlatformCost} {
		if c != nil {
			credits += *c
			ok = true
		}
	}
	return credits, ok
}

// Artifact types the API documents. Others will appear and are kept raw.
const (
	ArtifactPullRequest       = "PULL_REQUEST"
	ArtifactPlan              = "PLAN"
	ArtifactScreenshot        = "SCREENSHOT"
	ArtifactFile              = "FILE"
	ArtifactExternalReference = "EXTERNAL_REFERENCE"
)

// Artifact is one element of a run's artifacts: a union on artifact_type.
// The raw JSON is kept, so any artifact, known or not, is output as it came.
type Artifact struct {
	Type      string          `json:"artifact_type"`
	CreatedAt string          `json:"created_at,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	raw       json.RawMessage
}

// UnmarshalJSON keeps the raw bytes and reads what it can; it never fails
// on an element that is a JSON object.
func (a *Artifact) UnmarshalJSON(b []byte) error {
	var v struct {
		Type      json.RawMessage `json:"artifact_type"`
		CreatedAt json.RawMessage `json:"created_at"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*a = Artifact{Data: v.Data, raw: append(json.RawMessage(nil), b...)}
	_ = json.Unmarshal(v.Type, &a.Type)
	_ = json.Unmarshal(v.CreatedAt, &a.CreatedAt)
	return nil
}

// MarshalJSON writes the artifact as it was received.
func (a Artifact) MarshalJSON() ([]byte, error) {
	if len(a.raw) > 0 {
		return a.raw, nil
	}
	type plain Artifact
	return json.Marshal(plain(a))
}

// PullRequest returns the URL and branch of a PULL_REQUEST artifact.
func (a Artifact) PullRequest() (url, branch string, ok bool) {
	if a.Type != ArtifactPullRequest {
		return "", "", false
	}
	var d struct {
		URL    string `json:"url"`
		Branch string `json:"branch"`
	}
	if json.Unmarshal(a.Data, &d) != nil || d.URL == "" {
		return "", "", false
	}
	return d.URL, d.Branch, true
}

// Run is a RunItem: what GET /agent/runs/{id} answers. Times are kept as
// the API's strings so that an odd value never fails a decode; see Time.
type Run struct {
	RunID                string            `json:"run_id"`
	TaskID               string            `json:"task_id,omitempty"`
	Title                string            `json:"title"`
	State                State             `json:"state"`
	Prompt               string            `json:"prompt"`
	CreatedAt            string            `json:"created_at,omitempty"`
	UpdatedAt            string            `json:"updated_at,omitempty"`
	StartedAt            *string           `json:"started_at,omitempty"`
	RunTime              string            `json:"run_time,omitempty"`
	StatusMessage        *StatusMessage    `json:"status_message,omitempty"`
	SessionID            string            `json:"session_id,omitempty"`
	SessionLink          string            `json:"session_link,omitempty"`
	Artifacts            []Artifact        `json:"artifacts,omitempty"`
	RequestUsage         *Usage            `json:"request_usage,omitempty"`
	ConversationID       string            `json:"conversation_id,omitempty"`
	Metadata             map[string]string `json:"metadata,omitempty"`
	IsRunTypeCancellable *bool             `json:"is_run_type_cancellable,omitempty"`
}

// UnmarshalJSON reads a RunItem. An element of artifacts that is not a JSON
// object (or an artifacts value that is not an array) is skipped, so that
// one odd artifact does not hide the run.
func (r *Run) UnmarshalJSON(b []byte) error {
	type plain Run // without this method
	var v struct {
		*plain
		Artifacts json.RawMessage `json:"artifacts"`
	}
	v.plain = (*plain)(r)
	// A value of the wrong type loses only its own field: encoding/json
	// skips it, decodes the rest and reports an UnmarshalTypeError, which
	// is dropped here (the caller checks that run_id and state are there).
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(b, &v); err != nil && !errors.As(err, &typeErr) {
		return err
	}
	r.Artifacts = nil
	var elems []json.RawMessage
	if json.Unmarshal(v.Artifacts, &elems) != nil {
		return nil
	}
	for _, e := range elems {
		var a Artifact
		if e = bytes.TrimSpace(e); len(e) > 0 && e[0] == '{' && json.Unmarshal(e, &a) == nil {
			r.Artifacts = append(r.Artifacts, a)
		}
	}
	return nil
}

// SessionURL is the session link, built from the session id when only that
// is present. Empty when neither is known.
func (r *Run) SessionURL() string {
	if r == nil {
		return ""
	}
	if r.SessionLink != "" {
		return r.SessionLink
	}
	if r.SessionID != "" {
		return SessionBaseURL + r.SessionID
	}
	return ""
}

// PullRequestURLs lists the URLs of the run's pull-request artifacts.
func (r *Run) PullRequestURLs() []string {
	if r == nil {
		return nil
	}
	var urls []string
	for _, a := range r.Artifacts {
		if u, _, ok := a.PullRequest(); ok {
			urls = append(urls, u)
		}
	}
	return urls
}

// Time parses one of the run's RFC 3339 timestamps; zero when absent or odd.
func Time(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Human-facing URLs.
const (
	RunsBaseURL    = "https://oz.warp.dev/runs/"
	SessionBaseURL = "https://app.warp.dev/session/"
	DefaultBaseURL = "https://app.warp.dev/api/v1"
)

// RunURL is the run's page for people.
func RunURL(runID string) string {
	if runID == "" {
		return ""
	}
	return RunsBaseURL + runID
}

// PageInfo is the list response's paging.
type PageInfo struct {
	HasNextPage bool   `json:"has_next_page"`
	NextCursor  string `json:"next_cursor,omitempty"`
}

// ListRunsResponse is the answer to GET /agent/runs.
type ListRunsResponse struct {
	Runs     []Run    `json:"runs"`
	PageInfo PageInfo `json:"page_info"`
}

// ListOptions filters GET /agent/runs. Zero values are not sent.
type ListOptions struct {
	Limit        int
	Cursor       string
	States       []State
	Metadata     map[string]string
	CreatedAfter time.Time
}
