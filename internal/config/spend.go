package config

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
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

// OnBlocked is what to do with a BLOCKED run (on_blocked).
type OnBlocked string

// The on_blocked words.
const (
	OnBlockedFail  OnBlocked = "fail"
	OnBlockedWait  OnBlocked = "wait"
	OnBlockedReply OnBlocked = "reply"
)

func setOnBlocked(_ *loader, c *Config, v string) []*InputError {
	switch o := OnBlocked(strings.ToLower(v)); o {
	case OnBlockedFail, OnBlockedWait, OnBlockedReply:
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
	case c.OnBlocked == OnBlockedReply && strings.TrimSpace(c.BlockedReply) == "":
		errs = append(errs, &InputError{Input: "blocked_reply", Problem: "is required with on_blocked: reply",
			Accepted: "give the message to send to a BLOCKED run (it is sent once, as a follow-up), or use on_blocked: wait or fail"})
	case c.OnBlocked != OnBlockedReply && c.BlockedReply != "":
		errs = append(errs, &InputError{Input: "blocked_reply", Problem: "is given but on_blocked is " + string(c.OnBlocked) + ", so it would never be sent",
			Accepted: "set on_blocked: reply to send it, or leave blocked_reply out"})
	}
	if c.APIKey != "" && strings.Contains(c.BlockedReply, c.APIKey) {
		errs = append(errs, &InputError{Input: "blocked_reply", Problem: "contains the API key",
			Accepted: "a reply without the key: oz-run never sends the key to the agent"})
	}
	return errs
}
