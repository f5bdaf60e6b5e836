package main

import (
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// spendFaultCases are the fault matrix's rows for spend, blocked runs and
// re-runs (issue 21).
func spendFaultCases() []faultCase {
	return []faultCase{
		// The cap is reached but the run cannot be cancelled: the step
		// still ends over_budget, and says the run may still be going.
		{name: "spend/cancel refused over budget", inputs: map[string]string{"prompt": "[fake:costly] [fake:slow] [fake:uncancellable] fix it", "max_cost_usd": "0.5"},
			code: 1, conclusion: "over_budget", created: 1,
			says:  []string{"Cost limit reached", "may still be going"},
			check: routeCount(routeCancel, 1)},
		{name: "spend/cancel failing over budget", inputs: map[string]string{"prompt": "[fake:costly] [fake:slow] fix it", "max_cost_usd": "0.5"},
			faults: []ozfaketest.Fault{onCancel(ozfaketest.Fault{Status: 500, Times: 100})},
			code:   1, conclusion: "over_budget", created: 1,
			says: []string{"Cost limit reached", "may still be going"}},
		// The reply to a BLOCKED run may or may not have arrived: it is
		// not sent again, and the step says so (exit 3).
		{name: "spend/blocked reply uncertain", inputs: map[string]string{"prompt": "[fake:blocked-reply] fix it", "on_blocked": "reply", "blocked_reply": "push to oz/fix"},
			faults: []ozfaketest.Fault{onFollowup(ozfaketest.Fault{CloseConn: true, CreateThenFail: true})},
			code:   3, created: 1, says: []string{"may or may not have arrived", "not sent again"}, check: followups(1, 1)},
		{name: "spend/blocked reply refused", inputs: map[string]string{"prompt": "[fake:blocked-reply] fix it", "on_blocked": "reply", "blocked_reply": "push to oz/fix"},
			faults: []ozfaketest.Fault{onFollowup(ozfaketest.Fault{Status: 422})},
			code:   3, created: 1, says: []string{"it was not delivered"}, check: followups(1, 0)},
		// A re-run's lookup that fails never blocks the step: a new run,
		// one warning.
		{name: "spend/rerun lookup refused (metadata filter off)", env: map[string]string{"GITHUB_RUN_ATTEMPT": "2"},
			fake: []ozfake.Option{ozfake.WithMetadataFilter(false)},
			code: 0, conclusion: "succeeded", created: 1, says: []string{"Re-run lookup failed"}, check: routeCount(routeList, 1)},
		{name: "spend/rerun lookup failing", env: map[string]string{"GITHUB_RUN_ATTEMPT": "3"},
			faults: []ozfaketest.Fault{{Path: routeList, Status: 400, Times: 100}},
			code:   0, conclusion: "succeeded", created: 1, says: []string{"Re-run lookup failed"}, check: routeCount(routeList, 1)},
		{name: "spend/rerun lookup dropped on gitlab", gitlab: true,
			faults: []ozfaketest.Fault{{Path: routeList, CloseConn: true, Times: 100}},
			code:   0, conclusion: "succeeded", created: 1, says: []string{"Re-run lookup failed"}},
		{name: "spend/first attempt: no lookup", env: map[string]string{"GITHUB_RUN_ATTEMPT": "1"},
			code: 0, conclusion: "succeeded", created: 1, check: routeCount(routeList, 0)},
	}
}
