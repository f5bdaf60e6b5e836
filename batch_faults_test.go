package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
	"github.com/oz-run/oz-run-action/internal/runner"
)

// The fault matrix's rows for many runs in one step (prompts, issue 20):
// every create keeps its own request id (never a run twice), a refused
// list falls back with one warning, a timeout and a signal cancel every
// working run. As every row, they check what happened and in what order,
// never how soon.

// batchInputs are a batch's inputs: n items keyed r1..rn with prompt.
func batchInputs(n int, prompt string, kv ...string) map[string]string {
	in := map[string]string{"prompt": "", "prompts": promptList(n, prompt, nil)}
	for i := 0; i+1 < len(kv); i += 2 {
		in[kv[i]] = kv[i+1]
	}
	return in
}

// batchItemRuns counts the fake's runs by their item (oz_run_item).
func batchItemRuns(p *proc) map[string]int {
	n := map[string]int{}
	for _, r := range p.fake.Runs() {
		n[r.Metadata[runner.BatchItemKey]]++
	}
	return n
}

// checkBatchRows checks what every batch row shares: one run an item
// (want of them, r1..), the runs output one entry an item in list order
// with the conclusion wantEach, and every run of the fake in state.
func checkBatchRows(t *testing.T, p *proc, n, created int, wantEach, state string) {
	t.Helper()
	byItem := batchItemRuns(p)
	total := 0
	for k, c := range byItem {
		assert.LessOrEqual(t, c, 1, "item %q has %d runs", k, c)
		total += c
	}
	assert.Equal(t, created, total, "runs by item")
	for i := 1; i <= created; i++ {
		assert.Equal(t, 1, byItem[fmt.Sprintf("r%d", i)], "item r%d's runs", i)
	}
	var runs []struct {
		Key        string `json:"key"`
		RunID      string `json:"run_id"`
		Conclusion string `json:"conclusion"`
	}
	require.NoError(t, json.Unmarshal([]byte(p.s.stepOutputs()["runs"]), &runs), "runs is a JSON array")
	require.Len(t, runs, n, "one entry an item")
	for i, r := range runs {
		assert.Equal(t, fmt.Sprintf("r%d", i+1), r.Key, "list order")
		if wantEach != "" {
			assert.Equal(t, wantEach, r.Conclusion, "item %s", r.Key)
		}
	}
	if state != "" {
		for _, r := range p.fake.Runs() {
			assert.Equal(t, state, string(r.State), r.RunID)
		}
	}
}

func batchFaultCases() []faultCase {
	slow := "[fake:slow] fix the build"
	return []faultCase{
		{
			// The second create's answer is lost after the run was made:
			// it is found by its own request id, not made again, and the
			// next item's create has an id of its own.
			name:   "batch/a create answered 500 after creating, found by its request id",
			inputs: batchInputs(3, "fix the build", "max_parallel", "1"),
			faults: []ozfaketest.Fault{onCreate(ozfaketest.Fault{Nth: 2, Status: 500, CreateThenFail: true})},
			code:   0, conclusion: "succeeded", created: 3, creates: 3,
			says: []string{"[r2] The API's answer to the create was lost; found the run it created by its request id"},
			check: func(t *testing.T, p *proc) {
				checkBatchRows(t, p, 3, 3, "succeeded", "SUCCEEDED")
				ids := map[string]bool{}
				for _, r := range p.fake.Requests() {
					if r.Route != routeCreate {
						continue
					}
					var body struct {
						Metadata map[string]string `json:"metadata"`
					}
					require.NoError(t, json.Unmarshal(r.Body, &body))
					id := body.Metadata[oz.RequestIDKey]
					assert.NotEmpty(t, id, "every create carries a request id")
					assert.False(t, ids[id], "request id %q sent twice", id)
					ids[id] = true
				}
			},
		},
		{
			// The list is refused (feature_not_available): each working
			// run is read on its own, one warning.
			name:   "batch/the list refused",
			inputs: batchInputs(4, "fix the build", "max_parallel", "4"),
			fake:   []ozfake.Option{ozfake.WithMetadataFilter(false)},
			code:   0, conclusion: "succeeded", created: 4, creates: 4,
			check: func(t *testing.T, p *proc) {
				checkBatchRows(t, p, 4, 4, "succeeded", "SUCCEEDED")
				log := p.s.stdout + p.s.stderr
				assert.Equal(t, 1, strings.Count(log, "Listing the batch's runs was refused"), "one warning")
				assert.Equal(t, 1, p.requests(routeList), "the list is asked once")
				assert.Positive(t, p.requests(routeGet), "then each run is read")
			},
		},
		{
			// The batch's timeout with every run working: all cancelled,
			// each cancel after every create.
			name:   "batch/a timeout with the runs working",
			inputs: batchInputs(3, slow, "max_parallel", "3", "timeout", "5s"),
			code:   4, conclusion: "timed_out", created: 3, creates: 3,
			check: func(t *testing.T, p *proc) {
				checkBatchRows(t, p, 3, 3, "timed_out", "CANCELLED")
				creates, cancels := p.requestTimes(routeCreate), p.requestTimes(routeCancel)
				// At least one a run (checkBatchRows: every one CANCELLED): a
				// PENDING run's cancel is answered 409 and tried again.
				require.GreaterOrEqual(t, len(cancels), 3, "every working run cancelled")
				for _, c := range cancels {
					assert.False(t, c.Before(creates[len(creates)-1]), "a cancel before the last create")
				}
			},
		},
		{
			// SIGTERM once two of four runs work: both cancelled (after
			// the signal: checkSignalOrder), no run started after it, exit
			// 5, the outputs whole with an entry an item.
			name:   "batch/SIGTERM mid-batch",
			inputs: batchInputs(4, slow, "max_parallel", "2"),
			during: func(p *proc) error {
				if err := p.awaitRequests(routeCreate, 2); err != nil {
					return err
				}
				if err := p.awaitRequests(routeList, 1); err != nil {
					return err
				}
				return p.signal(syscall.SIGTERM)
			},
			code: 5, conclusion: "cancelled", created: 2, creates: 2,
			check: func(t *testing.T, p *proc) {
				checkBatchRows(t, p, 4, 2, "", "CANCELLED")
				// At least one a run; a PENDING run's 409 is tried again.
				assert.GreaterOrEqual(t, len(p.requestTimes(routeCancel)), 2, "every working run cancelled")
				for _, c := range p.requestTimes(routeCreate) {
					assert.True(t, c.Before(p.signalled), "a run created after the signal")
				}
			},
		},
	}
}
