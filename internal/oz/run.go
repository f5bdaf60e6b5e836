// Package oz is a client for the Warp Oz runs API: create a cloud agent run,
// read it, list runs and cancel one; read what the agent said (its
// conversation) and made (artifacts, downloaded through signed URLs), and
// send it a follow-up. It knows HTTP and JSON, nothing about CI. Everything
// the API returns is capped while it is decoded (caps.go).
package oz

import (
	"encoding/json"
	"math"
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

// UnmarshalJSON reads a state through ParseState, cut to 64 bytes; null
// is the empty state, another type an error.
func (s *State) UnmarshalJSON(b []byte) error {
	d := jsonReaderOf(b)
	switch d.kind() {
	case 'n':
		d.literal()
		*s = ""
	case '"':
		v, _ := d.readString(maxState)
		*s = ParseState(v)
	default:
		if d.err == nil {
			return &json.UnmarshalTypeError{Value: "non-string", Type: stateType}
		}
	}
	return d.end()
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
	MCPServers         map[string]json.RawMessage `json:"mcp_servers,omitempty"`
	WorkerHost         string                     `json:"worker_host,omitempty"`
	ComputerUseEnabled *bool                      `json:"computer_use_enabled,omitempty"`
	SkillSpec          string                     `json:"skill_spec,omitempty"`
	// IdleTimeoutMinutes is how long the sandbox stays up once the agent is
	// idle, 1 to 60; 0 leaves the server's default (10).
	IdleTimeoutMinutes int `json:"idle_timeout_minutes,omitempty"`
	// SessionSharing lets anyone with the session link watch or act.
	SessionSharing *SessionSharing `json:"session_sharing,omitempty"`
	// Harness is the agent harness that runs the prompt; nil leaves the
	// server's default.
	Harness *Harness `json:"harness,omitempty"`
}

// Harness is config.harness.
type Harness struct {
	// Type is one of Harnesses.
	Type string `json:"type,omitempty"`
}

// Harnesses are the values of Harness.Type.
var Harnesses = []string{"oz", "claude", "gemini", "codex"}

// SessionSharing is config.session_sharing.
type SessionSharing struct {
	// PublicAccess is PublicAccessViewer or PublicAccessEditor.
	PublicAccess string `json:"public_access,omitempty"`
}

// Values of SessionSharing.PublicAccess.
const (
	PublicAccessViewer = "VIEWER"
	PublicAccessEditor = "EDITOR"
)

// Bounds of AgentConfig.IdleTimeoutMinutes.
const (
	MinIdleTimeoutMinutes = 1
	MaxIdleTimeoutMinutes = 60
)

// CreateRunRequest is the body of POST /agent/runs.
type CreateRunRequest struct {
	Prompt         string            `json:"prompt,omitempty"`
	Mode           string            `json:"mode,omitempty"`
	Skill          string            `json:"skill,omitempty"`
	Title          string            `json:"title,omitempty"`
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

// Usage is the run's request_usage: costs in credits and in US dollars,
// and tokens.
type Usage struct {
	InferenceCost    *float64 `json:"inference_cost,omitempty"`
	ComputeCost      *float64 `json:"compute_cost,omitempty"`
	PlatformCost     *float64 `json:"platform_cost,omitempty"`
	InferenceCostUSD *float64 `json:"inference_cost_usd,omitempty"`
	ComputeCostUSD   *float64 `json:"compute_cost_usd,omitempty"`
	PlatformCostUSD  *float64 `json:"platform_cost_usd,omitempty"`
	TotalTokens      *int64   `json:"total_tokens,omitempty"`
}

// CostUSD is the sum of the known costs in US dollars; ok is false when
// none is known or the sum is not a finite number.
func (u *Usage) CostUSD() (usd float64, ok bool) {
	if u == nil {
		return 0, false
	}
	for _, c := range []*float64{u.InferenceCostUSD, u.ComputeCostUSD, u.PlatformCostUSD} {
		if c != nil {
			usd += *c
			ok = true
		}
	}
	if math.IsInf(usd, 0) || math.IsNaN(usd) {
		return 0, false
	}
	return usd, ok
}

// Tokens is the total number of tokens used; ok is false when unknown.
func (u *Usage) Tokens() (tokens int64, ok bool) {
	if u == nil || u.TotalTokens == nil {
		return 0, false
	}
	return *u.TotalTokens, true
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
// What was decoded is kept in canonical form (see MarshalJSON), so that any
// artifact, known or not, is output as it was understood, capped. Read the
// known types with PR and File.
type Artifact struct {
	Type      string          `json:"artifact_type"`
	CreatedAt string          `json:"created_at,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	raw       json.RawMessage // canonical: set when decoded
}

// UnmarshalJSON reads an artifact object, capped (caps.go); it never fails
// on a JSON object, whatever it holds.
func (a *Artifact) UnmarshalJSON(b []byte) error {
	d := jsonReaderOf(b)
	if d.kind() != '{' {
		if d.err == nil {
			return &json.UnmarshalTypeError{Value: "non-object", Type: artifactType}
		}
		return d.err
	}
	d.readArtifact(a)
	return d.end()
}

// MarshalJSON writes the canonical re-encoding of what was decoded: keys
// sorted, strings capped and re-escaped by encoding/json (no \u escapes of
// plain characters survive, so that text such as a key cannot hide in
// them), no HTML escaping. An artifact made in Go is encoded as it is.
func (a Artifact) MarshalJSON() ([]byte, error) {
	if len(a.raw) > 0 {
		return a.raw, nil
	}
	type plain Artifact
	return json.Marshal(plain(a))
}

// Run is a RunItem: what GET /agent/runs/{id} answers. Times are kept as
// the API's strings so that an odd value never fails a decode; see Time.
type Run struct {
	RunID                string            `json:"run_id"`
	TaskID               string            `json:"task_id,omitempty"`
	Title                string            `json:"title"`
	State                State             `json:"state"`
	Prompt               string            `json:"prompt"`
	SubmittedPrompt      string            `json:"submitted_prompt,omitempty"`
	CreatedAt            string            `json:"created_at,omitempty"`
	UpdatedAt            string            `json:"updated_at,omitempty"`
	StartedAt            *string           `json:"started_at,omitempty"`
	FinishedAt           string            `json:"finished_at,omitempty"`
	RunTime              string            `json:"run_time,omitempty"`
	StatusMessage        *StatusMessage    `json:"status_message,omitempty"`
	SessionID            string            `json:"session_id,omitempty"`
	SessionLink          string            `json:"session_link,omitempty"`
	TriggerURL           string            `json:"trigger_url,omitempty"`
	RequestUsage         *Usage            `json:"request_usage,omitempty"`
	ConversationID       string            `json:"conversation_id,omitempty"`
	RootRunID            string            `json:"root_run_id,omitempty"`
	ParentRunID          string            `json:"parent_run_id,omitempty"`
	Metadata             map[string]string `json:"metadata,omitempty"`
	IsRunTypeCancellable *bool             `json:"is_run_type_cancellable,omitempty"`
	// Artifacts come last: most of a large run, they are what a cut of
	// its JSON (the result file) leaves out first.
	Artifacts []Artifact `json:"artifacts,omitempty"`

	// ArtifactsLeftOut is how many artifacts past the first MaxArtifacts
	// the answer listed: they were not read (not in Artifacts, nor
	// downloaded). Not part of the API's run object.
	ArtifactsLeftOut int `json:"-"`
}

// MaxArtifacts is how many of a run's artifacts are read; the others are
// counted (Run.ArtifactsLeftOut).
const MaxArtifacts = maxArtifacts

// UnmarshalJSON reads a RunItem, each field capped (caps.go). A field of
// an unexpected type is left empty, and an element of artifacts that is not
// a JSON object is skipped, so that one odd value does not hide the run.
// It does not check run_id and state (decodeRun does).
func (r *Run) UnmarshalJSON(b []byte) error {
	d := jsonReaderOf(b)
	if d.kind() != '{' {
		if d.err == nil {
			return &json.UnmarshalTypeError{Value: "non-object", Type: runType}
		}
		return d.err
	}
	d.readRun(r)
	return d.end()
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

// FileArtifacts lists the run's FILE artifacts that can be downloaded.
func (r *Run) FileArtifacts() []FileArtifact {
	if r == nil {
		return nil
	}
	var files []FileArtifact
	for _, a := range r.Artifacts {
		if f, ok := a.File(); ok {
			files = append(files, f)
		}
	}
	return files
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

// ListOptions filters GET /agent/runs. Zero values are not sent. Cursor
// asks for the page after one whose PageInfo.NextCursor it is.
// UpdatedAfter asks only for the runs written after it (sent in UTC, to
// the nanosecond).
type ListOptions struct {
	Limit        int
	Cursor       string
	Metadata     map[string]string
	UpdatedAfter time.Time
}
