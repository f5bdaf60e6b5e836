package config

import (
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/verdict"
)

// Spec is what the runner needs of the inputs for the step's run: the
// create request they ask for (the user's metadata only: the runner
// merges the CI context in), or the run to attach to and the follow-up
// to send it, and how to wait.
func (c *Config) Spec() runner.Spec {
	return runner.Spec{
		Create:          c.sentRequest(),
		RunID:           c.RunID,
		Followup:        c.sentFollowup(),
		Wait:            c.Wait,
		Timeout:         c.Timeout,
		PollInterval:    c.PollInterval,
		PollMaxInterval: c.PollMaxInterval,
		CancelOnTimeout: c.OnTimeout == OnTimeoutCancel,
		CancelOnAbort:   c.CancelOnAbort,
		MaxCostUSD:      c.MaxCostUSD,
		OnBlocked:       c.OnBlocked,
		BlockedReply:    c.BlockedReply,
		Rerun:           c.rerunSpec(),
	}
}

// sentRequest is the create request with the prompt as it is sent (the
// PR/MR facts and the schema block appended: SentPrompt).
func (c *Config) sentRequest() oz.CreateRunRequest {
	req := c.createRequest()
	req.Prompt = c.SentPrompt()
	return req
}

// sentFollowup is the followup input as it is sent: with output_schema,
// the schema block appended, since the answer to it is judged.
func (c *Config) sentFollowup() string {
	if c.Followup == "" || c.Judge.Schema == nil {
		return c.Followup
	}
	return verdict.Prompt(c.Followup, nil, c.Judge.Schema)
}

// createRequest is the create request the inputs ask for; its config only
// when a config input is set.
func (c *Config) createRequest() oz.CreateRunRequest {
	req := oz.CreateRunRequest{
		Prompt:         c.Prompt,
		Mode:           c.AgentMode,
		Skill:          c.Skill,
		Title:          c.Title,
		ConversationID: c.ConversationID,
		Metadata:       c.Metadata,
	}
	conf := oz.AgentConfig{
		Name:               c.Name,
		EnvironmentID:      c.Environment,
		ModelID:            c.Model,
		MCPServers:         c.MCP,
		WorkerHost:         c.Host,
		ComputerUseEnabled: c.ComputerUse,
		IdleTimeoutMinutes: int(c.IdleTimeout / time.Minute),
	}
	if c.Harness != "" {
		conf.Harness = &oz.Harness{Type: c.Harness}
	}
	if c.Share != "" {
		conf.SessionSharing = &oz.SessionSharing{PublicAccess: c.Share}
	}
	if conf.Name != "" || conf.EnvironmentID != "" || conf.ModelID != "" || len(conf.MCPServers) > 0 ||
		conf.WorkerHost != "" || conf.ComputerUseEnabled != nil || conf.IdleTimeoutMinutes != 0 || conf.SessionSharing != nil || conf.Harness != nil {
		req.Config = &conf
	}
	return req
}
