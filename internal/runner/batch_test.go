package runner

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// batchFake is the embedded fake API, its runs a hundred times faster, and
// a client of it.
func batchFake(t *testing.T, opts ...ozfake.Option) (*ozfake.Server, *oz.Client) {
	t.Helper()
	fake := ozfake.New(append([]ozfake.Option{ozfake.WithAPIKey("wk-batch-test"), ozfake.WithTimeScale(0.01)}, opts...)...)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client, err := oz.NewClient(srv.URL+"/api/v1", oz.WithAPIKey("wk-batch-test"), oz.WithRequestTimeout(5*time.Second))
	require.NoError(t, err)
	return fake, client
}

// batchSpec is a batch of the prompts, keyed k1, k2, ...
func batchSpec(maxParallel int, prompts ...string) BatchSpec {
	bs := BatchSpec{
		ID: "batch-1", MaxParallel: maxParallel, FailOn: testFailOn, Timeout: 30 * time.Second,
		PollInterval: 5 * time.Millisecond, PollMaxInterval: 20 * time.Millisecond,
		CancelOnTimeout: true, CancelOnAbort: true,
	}
	for i, p := range prompts {
		bs.Items = append(bs.Items, BatchItem{Key: fmt.Sprintf("k%d", i+1), Spec: Spec{Create: oz.CreateRunRequest{Prompt: p, Mode: "normal"}}})
	}
	return bs
}

func repeat(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// conclusions are the items' conclusions, key=conclusion.
func conclusions(res BatchResult) string {
	var out []string
	for _, it := range res.Runs {
		c := string(it.Result.Conclusion)
		if it.NotStarted {
			c += "(not started)"
		}
		out = append(out, it.Key+"="+c)
	}
	return strings.Join(out, " ")
}

// maxWorking is the most runs the fake had working at once: each run from
// its creation to its last write.
func maxWorking(fake *ozfake.Server) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, r := range fake.Runs() {
		c, err1 := time.Parse(time.RFC3339Nano, r.CreatedAt)
		u, err2 := time.Parse(time.RFC3339Nano, r.UpdatedAt)
		if err1 != nil || err2 != nil {
			continue
		}
		edges = append(edges, edge{c, 1}, edge{u, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta // an end before a start at the same instant
	})
	n, most := 0, 0
	for _, e := range edges {
		n += e.delta
		most = max(most, n)
	}
	return most
}

func TestBatchSucceeds(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	rep := &logReporter{}
	res := RunBatch(t.Context(), batchSpec(4, repeat(25, "do it")...), client, rep, fastOpts)
	require.Len(t, res.Runs, 25)
	for _, it := range res.Runs {
		assert.Equal(t, outcome.Succeeded, it.Result.Conclusion, it.Key)
		assert.NoError(t, it.Result.Err)
		assert.NotEmpty(t, it.Result.RunID)
	}
	assert.False(t, res.ListRefused || res.Aborted || res.TimedOut || res.FailedFast)
	// Every run once, with the batch's id, its key and a request id of its own.
	runs := fake.Runs()
	require.Len(t, runs, 25)
	keys, ids := map[string]bool{}, map[string]bool{}
	for _, r := range runs {
		assert.Equal(t, "batch-1", r.Metadata[BatchIDKey])
		keys[r.Metadata[BatchItemKey]] = true
		ids[r.Metadata[oz.RequestIDKey]] = true
	}
	assert.Len(t, keys, 25)
	assert.Len(t, ids, 25)
	// One list a poll, never a run's own read.
	assert.Zero(t, fake.Count("GET /agent/runs/{id}"))
	assert.Equal(t, res.Reads, fake.Count("GET /agent/runs"))
	assert.LessOrEqual(t, res.Reads, res.Polls) // every list fits a page
	assert.LessOrEqual(t, maxWorking(fake), 4)
	// The log: a line a change, keyed.
	log := rep.text()
	assert.Regexp(t, `\[k25\] \[\d+:\d\d\] [A-Z]+ -> SUCCEEDED`, log)
	assert.NotContains(t, log, "warning")
	assert.NotContains(t, log, "notice")
}

func TestBatchMixedConclusions(t *testing.T) {
	t.Parallel()
	_, client := batchFake(t)
	rep := &logReporter{}
	res := RunBatch(t.Context(), batchSpec(10, "ok", "[fake:fail] x", "[fake:error] x", "[fake:block] x", "[fake:cancel] x"), client, rep, fastOpts)
	if testing.Verbose() {
		t.Log(rep.text())
	}
	assert.Equal(t, "k1=succeeded k2=failed k3=error k4=blocked k5=cancelled", conclusions(res))
}

func TestBatchListRefused(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t, ozfake.WithMetadataFilter(false))
	rep := &logReporter{}
	res := RunBatch(t.Context(), batchSpec(3, repeat(6, "do it")...), client, rep, fastOpts)
	assert.Equal(t, "k1=succeeded k2=succeeded k3=succeeded k4=succeeded k5=succeeded k6=succeeded", conclusions(res))
	assert.True(t, res.ListRefused)
	assert.Equal(t, 1, strings.Count(rep.text(), "warning Batch list refused"), rep.text())
	assert.Equal(t, 1, fake.Count("GET /agent/runs"))
	assert.Positive(t, fake.Count("GET /agent/runs/{id}"))
}

func TestBatchFailFast(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	bs := batchSpec(2, "[fake:fail] x", "[fake:slow] x", "[fake:slow] x", "[fake:slow] x")
	bs.FailFast = true
	res := RunBatch(t.Context(), bs, client, &logReporter{}, fastOpts)
	assert.True(t, res.FailedFast)
	got := conclusions(res)
	// The first run fails; the one beside it, and any started before the
	// failure was seen, are cancelled; the rest never start.
	assert.True(t, strings.HasPrefix(got, "k1=failed k2=cancelled"), got)
	assert.Contains(t, got, "k4=cancelled(not started)")
	for _, r := range fake.Runs() {
		assert.True(t, r.State.IsTerminal(), "run %s left %s", r.RunID, r.State)
	}
}

func TestBatchInterrupted(t *testing.T) {
	t.Parallel()
	for _, abort := range []bool{false, true} {
		t.Run(map[bool]string{false: "timeout", true: "abort"}[abort], func(t *testing.T) {
			t.Parallel()
			fake, client := batchFake(t)
			bs := batchSpec(3, repeat(5, "[fake:slow] x")...)
			ctx, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			if abort {
				go func() {
					for fake.CreatedCount() < 3 && ctx.Err() == nil {
						time.Sleep(time.Millisecond)
					}
					cancel(errors.New("received terminated"))
				}()
			} else {
				bs.Timeout = time.Second
			}
			rep := &logReporter{}
			opts := fastOpts
			opts.CancelBudget = 10 * time.Second
			res := RunBatch(ctx, bs, client, rep, opts)
			assert.Equal(t, abort, res.Aborted)
			assert.Equal(t, !abort, res.TimedOut)
			require.Len(t, fake.Runs(), 3)
			for _, r := range fake.Runs() {
				assert.Equal(t, oz.StateCancelled, r.State, r.RunID)
			}
			for _, it := range res.Runs[:3] {
				assert.True(t, it.Result.Cancelled, it.Key)
				if abort {
					assert.Equal(t, outcome.ExitAborted, it.Result.ExitCode(testFailOn), it.Key)
				} else {
					assert.Equal(t, outcome.TimedOut, it.Result.Conclusion, it.Key)
				}
			}
			for _, it := range res.Runs[3:] {
				assert.True(t, it.NotStarted, it.Key)
			}
			title := map[bool]string{false: "warning Timed out", true: "warning Aborted"}[abort]
			assert.Equal(t, 1, strings.Count(rep.text(), title), rep.text())
		})
	}
}

// countingAPI counts the creates under way at once.
type countingAPI struct {
	BatchAPI
	mu         sync.Mutex
	now, most  int
	createWait time.Duration
}

func (c *countingAPI) CreateRun(ctx context.Context, req oz.CreateRunRequest) (*oz.CreateRunResponse, error) {
	c.mu.Lock()
	c.now++
	c.most = max(c.most, c.now)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.now--
		c.mu.Unlock()
	}()
	time.Sleep(c.createWait)
	return c.BatchAPI.CreateRun(ctx, req)
}

func TestBatchOfAHundred(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	api := &countingAPI{BatchAPI: client, createWait: time.Millisecond}
	rep := &logReporter{}
	opts := fastOpts
	opts.Heartbeat = 50 * time.Millisecond
	res := RunBatch(t.Context(), batchSpec(100, repeat(100, "do it")...), api, rep, opts)
	for _, it := range res.Runs {
		require.Equal(t, outcome.Succeeded, it.Result.Conclusion, it.Key)
	}
	assert.Len(t, fake.Runs(), 100)
	assert.LessOrEqual(t, api.most, 100)
	assert.Zero(t, fake.Count("GET /agent/runs/{id}"))
	// A list a poll: two pages at most for a hundred runs.
	assert.LessOrEqual(t, res.Reads, 2*res.Polls)
	log := rep.text()
	assert.Contains(t, log, "Batch batch-1: 100 runs, at most 100 at once")
}

func TestBatchOverBudget(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	bs := batchSpec(2, repeat(4, "[fake:costly] [fake:slow] x")...)
	bs.MaxCostUSD = 0.6
	rep := &logReporter{}
	res := RunBatch(t.Context(), bs, client, rep, fastOpts)
	got := conclusions(res)
	assert.Equal(t, "k1=over_budget k2=over_budget k3=cancelled(not started) k4=cancelled(not started)", got)
	assert.Len(t, fake.Runs(), 2)
	for _, r := range fake.Runs() {
		assert.Equal(t, oz.StateCancelled, r.State)
	}
	assert.Equal(t, 1, strings.Count(rep.text(), "warning Cost limit reached"))
	assert.Equal(t, outcome.OverBudget, res.Result().Conclusion)
}

func TestBatchNeverARunTwice(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	for _, f := range []ozfaketest.Fault{
		{Path: "POST /agent/runs", Nth: 2, CreateThenFail: true, Status: 500},
		{Path: "POST /agent/runs", Nth: 4, CreateThenFail: true, CloseConn: true},
		{Path: "POST /agent/runs", Nth: 6, Status: 503},
		{Path: "GET /agent/runs", Nth: 3, Times: 2, Status: 502},
	} {
		fake.Inject(f)
	}
	res := RunBatch(t.Context(), batchSpec(3, repeat(8, "do it")...), client, &logReporter{}, fastOpts)
	for _, it := range res.Runs {
		assert.Equal(t, outcome.Succeeded, it.Result.Conclusion, it.Key)
	}
	items := map[string]int{}
	for _, r := range fake.Runs() {
		items[r.Metadata[BatchItemKey]]++
	}
	assert.Len(t, items, 8)
	for k, n := range items {
		assert.Equal(t, 1, n, "item %s has %d runs", k, n)
	}
}

func TestBatchHeartbeatCounts(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	rep := &logReporter{}
	b := &batch{rep: rep, opts: Options{Heartbeat: time.Minute, Now: func() time.Time { return now }}, lastHeartbeat: now}
	b.res.Started = now
	add := func(started, creating, done bool, state oz.State, c outcome.Conclusion) {
		w := &waiter{}
		w.res.State, w.res.Conclusion = state, c
		b.runs = append(b.runs, &batchRun{w: w, started: started, creating: creating, done: done})
	}
	add(true, false, false, oz.StateInProgress, "")
	add(true, false, true, oz.StateSucceeded, outcome.Succeeded)
	add(true, false, false, oz.StateQueued, "")
	add(true, false, false, oz.StateInProgress, "")
	add(true, true, false, "", "")
	add(false, false, false, "", "")
	add(true, false, true, oz.StateFailed, outcome.Failed)
	b.heartbeat()
	assert.Empty(t, rep.text(), "not before a heartbeat is due")
	now = now.Add(61 * time.Second)
	b.heartbeat()
	assert.Equal(t, "log [1:01] 1 starting, 1 QUEUED, 2 INPROGRESS, 1 succeeded, 1 failed, 1 to start", rep.text())
}

func TestBatchListMissingRuns(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	// A list that never shows a run: each is read on its own once no list
	// has shown it for ten of the longest polls.
	fake.Inject(ozfaketest.Fault{Path: "GET /agent/runs", Status: 200, Body: `{"runs":[],"page_info":{"has_next_page":false}}`})
	res := RunBatch(t.Context(), batchSpec(3, repeat(3, "do it")...), client, &logReporter{}, fastOpts)
	assert.Equal(t, "k1=succeeded k2=succeeded k3=succeeded", conclusions(res))
	assert.Positive(t, fake.Count("GET /agent/runs/{id}"))
}

func TestBatchRerunAttaches(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	mark := map[string]string{WorkflowRunKey: "github/o/r/42", StepKey: "ci/job/oz"}
	// The first attempt leaves its runs working (its timeout, on_timeout:
	// leave).
	first := batchSpec(3, repeat(3, "[fake:slow] x")...)
	first.Timeout, first.CancelOnTimeout = 500*time.Millisecond, false
	for i := range first.Items {
		first.Items[i].Spec.Rerun = Rerun{Policy: RerunAttach, Metadata: mark}
	}
	res1 := RunBatch(t.Context(), first, client, &logReporter{}, fastOpts)
	require.Len(t, fake.Runs(), 3)
	// The second attempt re-attaches each item to its own run, creates
	// none, and follows them with the step's pairs; they end.
	second := batchSpec(3, repeat(3, "[fake:slow] x")...)
	second.ID, second.Timeout = "batch-2", time.Minute
	for i := range second.Items {
		second.Items[i].Spec.Rerun = Rerun{Policy: RerunAttach, Metadata: mark, Lookup: mark}
	}
	lists := fake.Count("GET /agent/runs")
	go func() {
		// Once the three lookups and a poll's list have come.
		for fake.Count("GET /agent/runs") < lists+4 && t.Context().Err() == nil {
			time.Sleep(time.Millisecond)
		}
		for _, r := range fake.Runs() {
			_ = fake.Finish(r.RunID, oz.StateSucceeded)
		}
	}()
	res2 := RunBatch(t.Context(), second, client, &logReporter{}, fastOpts)
	assert.Len(t, fake.Runs(), 3, "no run created by the second attempt")
	for i, it := range res2.Runs {
		assert.Equal(t, res1.Runs[i].Result.RunID, it.Result.RunID, it.Key)
		assert.Equal(t, outcome.Succeeded, it.Result.Conclusion, it.Key)
		assert.NotNil(t, it.Result.Reattached, it.Key)
	}
	last := ""
	for _, r := range fake.Requests() {
		if r.Route == "GET /agent/runs" {
			last = r.RawQuery
		}
	}
	assert.Contains(t, last, "oz_run_workflow_run", "the list follows the step's runs of every attempt")
	assert.NotContains(t, last, "oz_run_batch")
}

func TestBatchRerunLookupRefusedOnce(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	// Metadata filtering is off for the team: every list is refused.
	fake.Inject(ozfaketest.Fault{Path: "GET /agent/runs", Status: 403, Body: `{"error":"feature_not_available"}`})
	mark := map[string]string{WorkflowRunKey: "github/o/r/42", StepKey: "ci/job/oz"}
	spec := batchSpec(1, repeat(6, "do it")...)
	for i := range spec.Items {
		spec.Items[i].Spec.Rerun = Rerun{Policy: RerunAttach, Metadata: mark, Lookup: mark}
	}
	rep := &logReporter{}
	res := RunBatch(t.Context(), spec, client, rep, fastOpts)
	assert.Equal(t, "k1=succeeded k2=succeeded k3=succeeded k4=succeeded k5=succeeded k6=succeeded", conclusions(res))
	assert.Len(t, fake.Runs(), 6, "a new run an item")
	assert.Equal(t, 1, strings.Count(rep.text(), "Re-run lookup failed"), "one warning for the batch, not one a run")
}
