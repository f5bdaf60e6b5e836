package config

import (
	"regexp"
	"strconv"
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
