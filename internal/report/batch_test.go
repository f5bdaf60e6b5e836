package report

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

func testBatch() outcome.Batch {
	t0 := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	usd1, usd2, cr := 0.25, 0.5, 3.0
	var tok int64 = 1000
	pr := []oz.Artifact{{Type: oz.ArtifactPullRequest, Data: []byte(`{"url":"https://github.com/o/r/pull/7","branch":"b"}`)}}
	return outcome.Batch{ID: "b1", Started: t0, Ended: t0.Add(3 * time.Minute), Runs: []outcome.BatchRun{
		{Key: "a", Result: outcome.Result{RunID: "run-a", State: oz.StateSucceeded, Conclusion: outcome.Succeeded, Ended: t0.Add(2 * time.Minute),
			Timeline: []outcome.Transition{{State: oz.StateQueued, At: t0}},
			Run:      &oz.Run{RunID: "run-a", RequestUsage: &oz.Usage{InferenceCostUSD: &usd1, InferenceCost: &cr, TotalTokens: &tok}, Artifacts: pr},
			Work:     outcome.Work{Answer: "done", Files: []outcome.File{{Path: "out/a/r.md"}}}}},
		{Key: "b", Result: outcome.Result{RunID: "run-b", State: oz.StateFailed, Conclusion: outcome.Failed,
			Run: &oz.Run{RunID: "run-b", StatusMessage: &oz.StatusMessage{Message: strings.Repeat("m", 5000)}, RequestUsage: &oz.Usage{InferenceCostUSD: &usd2, TotalTokens: &tok}, Artifacts: pr}}},
		{Key: "c", Result: outcome.Result{Err: errors.New("starting the run: 500")}},
	}}
}

func outputs(outs []ci.Output) map[string]string {
	m := map[string]string{}
	for _, o := range outs {
		m[o.Name] = o.Value
	}
	return m
}

func TestBuildBatch(t *testing.T) {
	t.Parallel()
	failOn := outcome.FailOn{outcome.Failed: true, outcome.Error: true}
	r := BuildBatch(testBatch(), Options{FailOn: failOn, Summary: true})
	o := outputs(r.Outputs)
	assert.Equal(t, "error", o["conclusion"])
	assert.Equal(t, "0.75", o["cost_usd"])
	assert.Equal(t, "3", o["credits"])
	assert.Equal(t, "2000", o["tokens"])
	assert.Equal(t, "https://github.com/o/r/pull/7", o["pr_urls"])
	assert.Equal(t, "out/a/r.md", o["files"])
	for _, empty := range []string{"run_id", "state", "session_link", "agent_output"} {
		assert.Empty(t, o[empty], empty)
	}
	assert.True(t, r.Failed)
	require.Len(t, r.Cases, 3)
	assert.Equal(t, []bool{false, true, true}, []bool{r.Cases[0].Failed, r.Cases[1].Failed, r.Cases[2].Failed})
	assert.Equal(t, "c", r.Cases[2].Name)
	assert.Contains(t, r.Cases[2].Message, "500")
	assert.Contains(t, r.Summary, "| `b` | `failed` |")
	var runs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(o["runs"]), &runs))
	require.Len(t, runs, 3)
	assert.Equal(t, "a", runs[0]["key"])
	assert.Equal(t, "done", runs[0]["agent_output"])
	assert.LessOrEqual(t, len(runs[1]["status_message"].(string)), 1024)
	assert.Equal(t, "error", runs[2]["conclusion"])
	assert.Equal(t, string(r.RunsJSON), o["runs"])
}

func TestRunsJSONCapped(t *testing.T) {
	t.Parallel()
	b := testBatch()
	run := b.Runs[0]
	b.Runs = nil
	for range 256 {
		r := run
		r.Result.Work.Answer = strings.Repeat("ä", 10000)
		b.Runs = append(b.Runs, r)
	}
	out := RunsJSON(b)
	assert.LessOrEqual(t, len(out), MaxRunsOutput)
	var runs []map[string]any
	require.NoError(t, json.Unmarshal(out, &runs))
	assert.Len(t, runs, 256)
	assert.LessOrEqual(t, len(runs[0]["agent_output"].(string)), 4096)
}

func TestBatchResultFile(t *testing.T) {
	t.Parallel()
	r := BuildBatch(testBatch(), Options{ResultFile: "out/result.json"})
	assert.Equal(t, "out/result.json", r.ResultFile)
	var entries []struct {
		Key string  `json:"key"`
		Run *oz.Run `json:"run"`
	}
	require.NoError(t, json.Unmarshal(r.ResultJSON, &entries))
	require.Len(t, entries, 3)
	assert.Equal(t, "a", entries[0].Key)
	assert.Equal(t, "run-a", entries[0].Run.RunID)
	assert.Nil(t, entries[2].Run)
	assert.Empty(t, BuildBatch(testBatch(), Options{}).ResultFile)
}
