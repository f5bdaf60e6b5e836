package config

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/runner"
)

// The inputs of spend, blocked runs and re-runs: max_cost_usd, on_blocked
// with blocked_reply, rerun.

// decimalPattern is a plain decimal number: 5, 0.50, 12.345 (no sign,
// exponent, hex, or NaN); compiled on first use.
var decimalPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,9})?$`) })

// setMaxCostUSD reads max_cost_usd: a positive decimal number of US
// dollars; unset is no cap.
func setMaxCostUSD(_ *loader, c *Config, v string) []*InputError {
	if v == "" {
		return nil
	}
	bad := &InputError{Value: v, Problem: "is not a positive amount of US dollars", Accepted: "give a decimal number greater than 0, such as 5 or 2.50 (no $ sign), or leave it unset for no cap"}
	if !decimalPattern().MatchString(v) {
		return one(bad)
	}
	usd, err := strconv.ParseFloat(v, 64)
	if err != nil || usd <= 0 {
		return one(bad)
	}
	c.MaxCostUSD = usd
	return nil
}

func setOnBlocked(_ *loader, c *Config, v string) []*InputError {
	switch o := runner.OnBlocked(strings.ToLower(v)); o {
	case runner.OnBlockedFail, runner.OnBlockedWait, runner.OnBlockedReply:
		c.OnBlocked = o
		return nil
	}
	return one(&InputError{Value: v, Problem: "is not a policy for a blocked run",
		Accepted: "use fail (conclusion blocked), wait (until someone answers from the session, or the timeout) or reply (send blocked_reply once, then wait)"})
}

// checkSpend is the validation of these inputs that spans inputs:
// blocked_reply goes with on_blocked: reply, both ways, and holds no key.
func (l *loader) checkSpend(c *Config) []*InputError {
	var errs []*InputError
	switch {
	case c.OnBlocked == runner.OnBlockedReply && strings.TrimSpace(c.BlockedReply) == "":
		errs = append(errs, &InputError{Input: "blocked_reply", Problem: "is required with on_blocked: reply",
			Accepted: "give the message to send to a BLOCKED run (it is sent once, as a follow-up), or use on_blocked: wait or fail"})
	case c.OnBlocked != runner.OnBlockedReply && c.BlockedReply != "":
		errs = append(errs, &InputError{Input: "blocked_reply", Problem: "is given but on_blocked is " + string(c.OnBlocked) + ", so it would never be sent",
			Accepted: "set on_blocked: reply to send it, or leave blocked_reply out"})
	}
	if c.APIKey != "" && strings.Contains(c.BlockedReply, c.APIKey) {
		errs = append(errs, &InputError{Input: "blocked_reply", Problem: "contains the API key",
			Accepted: "a reply without the key: oz-run never sends the key to the agent"})
	}
	return errs
}

func setRerun(_ *loader, c *Config, v string) []*InputError {
	switch r := runner.RerunPolicy(strings.ToLower(v)); r {
	case runner.RerunAttach, runner.RerunReuse, runner.RerunNew:
		c.Rerun = r
		return nil
	}
	return one(&InputError{Value: v, Problem: "is not a re-run policy",
		Accepted: "use attach (wait on an earlier attempt's run still working), reuse (also report an earlier attempt's succeeded run) or new (always start a run)"})
}

// maxMetadataValue is the API's limit on a metadata value, in bytes.
const maxMetadataValue = 256

// rerunContext reads, from the CI's variables, the workflow run (GitHub
// GITHUB_RUN_ID, GitLab CI_PIPELINE_ID) and the step's key (comment_key,
// else what the comment derives: the workflow, job and step on GitHub, the
// job on GitLab) that every created run carries, and whether this is a
// later attempt (GitHub GITHUB_RUN_ATTEMPT > 1; GitLab, which counts no
// attempts, always). Outside GitHub and GitLab there is none.
func (c *Config) rerunContext(env Env) {
	c.RerunMetadata, c.RerunLater = nil, false
	var run, step, attempt string
	switch {
	case env.Get("GITHUB_ACTIONS") == "true":
		repo, id := env.Get("GITHUB_REPOSITORY"), env.Get("GITHUB_RUN_ID")
		if id == "" {
			return
		}
		run = "github/" + repo + "/" + id
		step = env.Get("GITHUB_WORKFLOW") + "/" + env.Get("GITHUB_JOB") + "/" + env.Get("GITHUB_ACTION")
		attempt = env.Get("GITHUB_RUN_ATTEMPT")
		n, err := strconv.Atoi(attempt)
		c.RerunLater = err == nil && n > 1
	case env.Get("GITLAB_CI") == "true":
		project, id := env.Get("CI_PROJECT_PATH"), env.Get("CI_PIPELINE_ID")
		if id == "" {
			return
		}
		run = "gitlab/" + project + "/" + id
		step = "gitlab/" + env.Get("CI_JOB_NAME")
		if job := env.Get("CI_JOB_ID"); job != "" {
			attempt = "job " + job
		}
		c.RerunLater = true
	default:
		return
	}
	if c.CommentKey != "" {
		step = c.CommentKey
	}
	c.RerunMetadata = map[string]string{runner.WorkflowRunKey: metadataValue(run), runner.StepKey: metadataValue(step)}
	if attempt != "" {
		c.RerunMetadata[runner.AttemptKey] = metadataValue(attempt)
	}
}

// metadataValue is v as a metadata value: itself when the API takes it,
// else its SHA-256 (too long, or holding NUL), which still matches itself.
func metadataValue(v string) string {
	if len(v) <= maxMetadataValue && !strings.ContainsRune(v, 0) && utf8.ValidString(v) {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// rerunSpec is the runner's part of the rerun input: the policy, the
// metadata every created run carries, and the pairs a later attempt looks
// the earlier runs up by.
func (c *Config) rerunSpec() runner.Rerun {
	r := runner.Rerun{Policy: c.Rerun, Metadata: maps.Clone(c.RerunMetadata)}
	if c.RerunLater && c.RerunMetadata != nil {
		r.Lookup = map[string]string{runner.WorkflowRunKey: c.RerunMetadata[runner.WorkflowRunKey], runner.StepKey: c.RerunMetadata[runner.StepKey]}
	}
	return r
}
