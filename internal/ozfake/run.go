package ozfake

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// run is one run the fake holds: what was asked, its script and when it was
// created. Its state is computed on demand.
type run struct {
	seq       int
	id        string
	sessionID string
	created   time.Time
	script    Script // already time-scaled
	req       createRequest
	// pins put the run in a state from an instant on, whatever the script
	// says (cancel, SetState, Finish); the last one holds.
	pins []pin
	// execs are the executions that follow-ups to the ended run started,
	// in order: each begins once picked up, after the stale window.
	execs []execution
	// followups are every follow-up the run received, in order.
	followups []Followup
	// files are the run's FILE artifacts, in order.
	files []*fileEntry
}

// execution is a new execution of a run that had ended, started by a
// follow-up (outcome handoff_execution).
type execution struct {
	accepted time.Time // the follow-up's acceptance: the run still shows its old state
	start    time.Time // picked up: the run is QUEUED again (updated_at moves)
	script   Script    // already time-scaled
	messages []string  // the follow-up's message, and those queued behind it
}

// segment is one execution of a run as seen at some instant.
type segment struct {
	index      int // 0: the first execution
	start      time.Time
	script     Script
	messages   []string // the follow-ups that started it (none for the first)
	inProgress bool     // it reached INPROGRESS
	state      oz.State // where it stands
	since      time.Time
}

type pin struct {
	state oz.State
	at    time.Time
	msg   *oz.StatusMessage
}

// runItem is the spec's RunItem as the fake writes it: every required field
// is always present (oz.Run omits some when empty).
type runItem struct {
	RunID                string            `json:"run_id"`
	TaskID               string            `json:"task_id"`
	Title                string            `json:"title"`
	State                oz.State          `json:"state"`
	ExecutionLocation    string            `json:"execution_location"`
	Prompt               string            `json:"prompt"`
	CreatedAt            string            `json:"created_at"`
	UpdatedAt            string            `json:"updated_at"`
	StartedAt            *string           `json:"started_at,omitempty"`
	RunTime              string            `json:"run_time,omitempty"`
	StatusMessage        *oz.StatusMessage `json:"status_message,omitempty"`
	Source               string            `json:"source"`
	SessionID            string            `json:"session_id,omitempty"`
	SessionLink          string            `json:"session_link,omitempty"`
	Creator              *creator          `json:"creator,omitempty"`
	RequestUsage         *oz.Usage         `json:"request_usage,omitempty"`
	AgentConfig          *agentConfig      `json:"agent_config,omitempty"`
	ConversationID       string            `json:"conversation_id,omitempty"`
	Metadata             map[string]string `json:"metadata,omitempty"`
	IsSandboxRunning     bool              `json:"is_sandbox_running"`
	IsRunTypeCancellable bool              `json:"is_run_type_cancellable"`
	Artifacts            []oz.Artifact     `json:"artifacts,omitempty"`
	FinishedAt           string            `json:"finished_at,omitempty"`
}

type creator struct {
	Type        string `json:"type"`
	UID         string `json:"uid"`
	DisplayName string `json:"display_name"`
}

// agentConfig is the part of the request's config that the run echoes. MCP
// servers are left out: their env and headers may hold secrets.
type agentConfig struct {
	Name               string             `json:"name,omitempty"`
	ModelID            string             `json:"model_id,omitempty"`
	EnvironmentID      string             `json:"environment_id,omitempty"`
	SkillSpec          string             `json:"skill_spec,omitempty"`
	WorkerHost         string             `json:"worker_host,omitempty"`
	ComputerUseEnabled *bool              `json:"computer_use_enabled,omitempty"`
	IdleTimeoutMinutes *int64             `json:"idle_timeout_minutes,omitempty"`
	SessionSharing     *oz.SessionSharing `json:"session_sharing,omitempty"`
}

var fakeCreator = &creator{Type: "user", UID: "fake-user", DisplayName: "Fake User"}

// timeline is where the run stands at now.
func (r *run) timeline(now time.Time) timeline {
	tl, _ := r.history(now)
	return tl
}

// history is where the run stands at now, and each of its executions that
// has begun by then. Pins apply to the execution they fall in.
func (r *run) history(now time.Time) (timeline, []segment) {
	segs := []segment{{start: r.created, script: r.script}}
	for i, e := range r.execs {
		if now.Before(e.start) {
			break
		}
		segs = append(segs, segment{index: i + 1, start: e.start, script: e.script, messages: e.messages})
	}
	tl := timeline{since: r.created}
	for i := range segs {
		sg := &segs[i]
		end := now
		if i+1 < len(segs) {
			end = segs[i+1].start
		}
		var pins []pin
		for _, p := range r.pins {
			if !p.at.Before(sg.start) && (i+1 == len(segs) || p.at.Before(end)) {
				pins = append(pins, p)
			}
		}
		if len(pins) == 0 {
			sg.script.follow(&tl, sg.start, end)
		} else {
			sg.script.follow(&tl, sg.start, pins[0].at)
			for _, p := range pins {
				tl.enter(p.state, p.at)
			}
		}
		sg.inProgress, sg.state, sg.since = tl.segInProgress, tl.state, tl.since
	}
	for _, e := range r.execs {
		if e.script.AcceptWrites && !now.Before(e.accepted) && e.accepted.After(tl.written) {
			tl.written = e.accepted
		}
	}
	return tl, segs
}

// current is the script of the execution under way at now.
func (r *run) current(now time.Time) Script {
	sc := r.script
	for _, e := range r.execs {
		if !now.Before(e.start) {
			sc = e.script
		}
	}
	return sc
}

// pending is the execution accepted but not yet picked up at now, if any.
func (r *run) pending(now time.Time) *execution {
	for i := range r.execs {
		if e := &r.execs[i]; now.Before(e.start) {
			return e
		}
	}
	return nil
}

// visible reports whether the API shows the run at now: a run created
// with a latency is not shown before its creation time.
func (r *run) visible(now time.Time) bool { return !now.Before(r.created) }

// state is the run's state at now.
func (r *run) state(now time.Time) oz.State { return r.timeline(now).state }

// item renders the run as the API shows it at now.
func (r *run) item(now time.Time) runItem {
	tl := r.timeline(now)
	sc := r.current(now)
	it := runItem{
		RunID:                r.id,
		TaskID:               r.id,
		Title:                r.req.title(),
		State:                tl.state,
		ExecutionLocation:    "REMOTE",
		Prompt:               r.req.Prompt,
		CreatedAt:            timestamp(r.created),
		UpdatedAt:            timestamp(tl.updated()),
		Source:               "API",
		Creator:              fakeCreator,
		ConversationID:       r.req.ConversationID,
		Metadata:             r.req.Metadata,
		IsSandboxRunning:     tl.state == oz.StateClaimed || tl.state == oz.StateInProgress,
		IsRunTypeCancellable: !r.script.Uncancellable,
	}
	if c := r.req.Config; c != nil {
		it.AgentConfig = &agentConfig{
			Name: c.Name, ModelID: c.ModelID, EnvironmentID: c.EnvironmentID,
			SkillSpec: c.SkillSpec, WorkerHost: c.WorkerHost, ComputerUseEnabled: c.ComputerUseEnabled,
			SessionSharing: c.SessionSharing,
		}
		if n, err := c.IdleTimeoutMinutes.Int64(); err == nil {
			it.AgentConfig.IdleTimeoutMinutes = &n
		} else if f, err := c.IdleTimeoutMinutes.Float64(); err == nil { // 1.0
			n := int64(f)
			it.AgentConfig.IdleTimeoutMinutes = &n
		}
	}
	if !tl.started.IsZero() {
		s := timestamp(tl.started)
		it.StartedAt = &s
	}
	if tl.inProgress {
		it.SessionID = r.sessionID
		if !r.script.NoSessionLink {
			it.SessionLink = oz.SessionBaseURL + r.sessionID
		}
		if it.ConversationID == "" {
			it.ConversationID = "fake-conversation-" + strings.TrimPrefix(r.id, "fake-run-")
		}
	}
	for _, f := range r.files {
		if f.shown(tl) {
			it.Artifacts = append(it.Artifacts, f.artifact())
		}
	}
	if tl.state.IsWorking() {
		if !tl.started.IsZero() {
			it.RequestUsage = sc.grownUsage(now.Sub(tl.started))
		}
		return it
	}
	begin := tl.started
	if begin.IsZero() {
		begin = r.created
	}
	it.RunTime = isoDuration(tl.since.Sub(begin))
	it.FinishedAt = timestamp(tl.since)
	it.StatusMessage = r.message(tl.state, sc, now)
	it.RequestUsage = sc.Usage
	if grown := sc.grownUsage(tl.since.Sub(tl.started)); grown != nil && !tl.started.IsZero() {
		it.RequestUsage = grown
	}
	if it.RequestUsage == nil {
		it.RequestUsage = usage(0.9, 0.2, 0.05)
	}
	if tl.state == oz.StateSucceeded && sc.Artifacts {
		data, _ := json.Marshal(map[string]string{
			"url":    fmt.Sprintf("https://github.com/example/fake-repo/pull/%d", r.seq),
			"branch": "oz/" + r.id,
			"status": "open",
		})
		it.Artifacts = append([]oz.Artifact{{Type: oz.ArtifactPullRequest, CreatedAt: timestamp(tl.since), Data: data}}, it.Artifacts...)
	}
	return it
}

// message is the status message of a terminal run, by the script of the
// execution under way (sc) and the pins of that execution.
func (r *run) message(st oz.State, sc Script, now time.Time) *oz.StatusMessage {
	start := r.created
	for _, e := range r.execs {
		if !now.Before(e.start) {
			start = e.start
		}
	}
	if n := len(r.pins); n > 0 && r.pins[n-1].state == st && !r.pins[n-1].at.Before(start) {
		if m := r.pins[n-1].msg; m != nil {
			return m
		}
		return defaultMessage(st, sc.Artifacts)
	}
	if sc.StatusMessage != nil {
		return sc.StatusMessage
	}
	return defaultMessage(st, sc.Artifacts)
}

// ozRun converts an item to the client's type, through JSON as a client
// would read it.
func (it runItem) ozRun() oz.Run {
	var out oz.Run
	b, err := json.Marshal(it)
	if err == nil {
		_ = json.Unmarshal(b, &out)
	}
	return out
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// isoDuration writes d as an ISO 8601 duration: PT1H2M3.5S, PT12S, PT0S.
func isoDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Millisecond)
	var b strings.Builder
	b.WriteString("PT")
	if h := d / time.Hour; h > 0 {
		b.WriteString(strconv.FormatInt(int64(h), 10) + "H")
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		b.WriteString(strconv.FormatInt(int64(m), 10) + "M")
		d -= m * time.Minute
	}
	if d > 0 || b.Len() == 2 {
		b.WriteString(strconv.FormatInt(int64(d/time.Second), 10))
		if ms := d % time.Second / time.Millisecond; ms > 0 {
			b.WriteString(strings.TrimRight(fmt.Sprintf(".%03d", ms), "0"))
		}
		b.WriteString("S")
	}
	return b.String()
}
