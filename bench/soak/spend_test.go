package soak

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDrawSpend: issue 21's draws come, each in some plans, only where
// they fit, and after every earlier draw (a plan without them is the
// plan it was).
func TestDrawSpend(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	for i := range 600 {
		p := newPlan(i, rand.New(rand.NewPCG(5, uint64(i))))
		if p.env["GITHUB_RUN_ATTEMPT"] != "" {
			seen["rerun"]++
			assert.False(t, p.gitlab || p.followup, p.String())
		}
		if p.inputs["max_cost_usd"] != "" {
			seen["cap"]++
		}
		if p.blockedReply {
			seen["reply"]++
			assert.Equal(t, "[fake:block]", p.scenario, p.String())
			assert.Equal(t, "succeeded", p.conclusion, p.String())
			assert.True(t, p.wait && !p.followup && p.hostile == "", p.String())
			assert.Equal(t, "reply", p.inputs["on_blocked"])
		}
	}
	for _, n := range []string{"rerun", "cap", "reply"} {
		assert.Positive(t, seen[n], "%s never drawn in 600 plans", n)
	}
	t.Logf("in 600 plans: %v", seen)
}
