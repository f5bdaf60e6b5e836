package soak

import (
	"math/rand/v2"
	"strings"
)

// Issue 21's inputs, drawn after everything else so that every earlier
// plan stays what it was for a seed: a later attempt of a GitHub step
// (its lookup finds no earlier run on the invocation's own fake, or is
// refused, and a run is started all the same), a cost cap that is never
// reached (the cost is read on each poll; nothing changes), and a BLOCKED
// run answered by on_blocked: reply (it then succeeds).
func (p *plan) drawSpend(r *rand.Rand) {
	k := r.IntN(8)
	faults := strings.Join(p.faultNames, ";")
	switch {
	case k == 0 && !p.gitlab && !p.followup:
		p.env["GITHUB_RUN_ATTEMPT"] = "2"
		p.notes = append(p.notes, "re-run: attempt 2")
	case k == 1:
		p.inputs["max_cost_usd"] = "1000"
		p.notes = append(p.notes, "max_cost_usd 1000, never reached")
	case k == 2 && p.scenario == "[fake:block]" && !p.followup && p.hostile == "" && p.wait && !strings.Contains(faults, "follow-up"):
		p.blockedReply = true
		p.inputs["on_blocked"], p.inputs["blocked_reply"] = "reply", "soak reply"
		p.conclusion = "succeeded" // the reply's new execution is the default run
		p.notes = append(p.notes, "on_blocked: reply")
	}
}
