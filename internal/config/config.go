// Package config turns the action's inputs (flags, INPUT_* variables,
// defaults) into a validated, typed Config, and is the one layer that words
// errors about inputs. It does no I/O of its own: the environment and the
// workspace's files are passed in.
package config

import (
	"encoding/json"
	"time"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/prfacts"
	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/verdict"
)

// Config is every contract input, parsed and validated.
type Config struct {
	APIKey      string
	Prompt      string // the prompt input, or the content of PromptFile
	PromptFile  string
	Skill       string
	Environment string
	Model       string
	Name        string
	Title       string
	MCP         map[string]json.RawMessage
	Host        string
	ComputerUse *bool // nil: server default
	AgentMode   string
	TeamUID     string
	Metadata    map[string]string

	Wait          bool
	RunID         string
	Timeout       time.Duration
	OnTimeout     OnTimeout
	CancelOnAbort bool
	FailOn        outcome.FailOn
	// MaxCostUSD is the cost cap in US dollars (max_cost_usd); zero: none.
	MaxCostUSD float64
	// OnBlocked is what to do with a BLOCKED run; BlockedReply the
	// follow-up that on_blocked: reply sends.
	OnBlocked    runner.OnBlocked
	BlockedReply string
	// Rerun is the rerun policy. RerunMetadata marks every created run
	// with the workflow run, the step and the attempt (nil outside GitHub
	// and GitLab); RerunLater is set on a later attempt, which looks the
	// earlier attempts' runs up first.
	Rerun         runner.RerunPolicy
	RerunMetadata map[string]string
	RerunLater    bool

	PollInterval    time.Duration
	PollMaxInterval time.Duration
	APIURL          string

	Summary    bool
	ResultFile string // as given (relative to Workspace unless absolute)
	Debug      bool
	DryRun     bool

	// ConversationID is the conversation a new run continues.
	ConversationID string
	// Followup is the message sent to the run RunID names.
	Followup string
	// FilesDir is where the run's FILE artifacts are downloaded, as given
	// (relative to Workspace unless absolute); empty downloads none.
	FilesDir string
	// Share is config.session_sharing.public_access (oz.PublicAccessViewer
	// or oz.PublicAccessEditor); empty shares with the team only.
	Share string
	// IdleTimeout is config.idle_timeout_minutes, whole minutes from 1 to
	// 60; zero leaves the server's default.
	IdleTimeout time.Duration

	// Harness is config.harness.type (oz, claude, gemini, codex); empty
	// leaves the server's default.
	Harness string
	// MissingKey is what to do when no API key is given at all.
	MissingKey MissingKey

	// The PR/MR comment. The tokens are read only with Comment (empty
	// otherwise): a token that is not used is neither checked nor masked.
	Comment     bool
	CommentKey  string
	GitHubToken string
	GitLabToken string

	// The report files (GitLab and other CIs; on a terminal only when
	// asked for): empty writes none.
	Dotenv      string
	SummaryFile string
	JUnitFile   string
	// OutputFile receives the agent's answer, when there is one.
	OutputFile string

	// The agent's verdict: PR are the job's PR/MR facts (nil without one),
	// which PRContext appends to the prompt; Judge is output_schema and pass_if,
	// compiled (a nil Schema judges nothing); OutputRetries is how many
	// repair follow-ups may be sent.
	PRContext     bool
	PR            *prfacts.Facts
	Judge         verdict.Spec
	OutputRetries int
	// StructuredFile and CodeQualityFile receive the structured answer
	// and a review's Code Quality report (GitLab and other CIs; on a
	// terminal only when asked for); empty writes none.
	StructuredFile  string
	CodeQualityFile string

	// Batch is what prompts asks for (many runs in one step); nil without
	// prompts.
	Batch *Batch

	// Workspace is the absolute path of the workspace (Files.Dir), the base
	// of relative paths: GITHUB_WORKSPACE, else CI_PROJECT_DIR, else the
	// current directory.
	Workspace string

	// values are the effective values by input name, as parsed, for
	// Settings.
	values map[string]string
}

// OnTimeout is what to do with the remote run when the timeout passes.
type OnTimeout string

// The on_timeout words.
const (
	OnTimeoutCancel OnTimeout = "cancel"
	OnTimeoutLeave  OnTimeout = "leave"
)

// DefaultFailOn is the fail_on default.
const DefaultFailOn = "failed,error,blocked,cancelled,timed_out,rejected,invalid_output,over_budget"
