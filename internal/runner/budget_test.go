package runner

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// costlyAPI is fakeAPI whose n-th read of the run reports costs[n] US
// dollars (the last repeats; a negative cost reports none).
type costlyAPI struct {
	*fakeAPI
	costs []float64
}

func (c *costlyAPI) GetRun(ctx context.Context, id string) (*oz.Run, error) {
	c.mu.Lock()
	n := c.gets
	c.mu.Unlock()
	run, err := c.fakeAPI.GetRun(ctx, id)
	if err != nil {
		return nil, err
	}
	if usd := c.costs[min(n, len(c.costs)-1)]; usd >= 0 {
		run.RequestUsage = &oz.Usage{InferenceCostUSD: &usd}
	}
	return run, nil
}

func TestCostCap(t *testing.T) {
	t.Parallel()
	refused := &oz.APIError{StatusCode: 422, Message: "run type cannot be cancelled"}
	for name, tc := range map[string]struct {
		cap        float64
		states     []oz.State
		costs      []float64
		cancelErrs []error
		want       outcome.Conclusion
		cancels    int
		cancelErr  bool
	}{
		"no cap: a costly run goes on":  {0, []oz.State{oz.StateInProgress, oz.StateSucceeded}, []float64{100}, nil, outcome.Succeeded, 0, false},
		"under the cap":                 {1, []oz.State{oz.StateInProgress, oz.StateInProgress, oz.StateSucceeded}, []float64{0.2, 0.9, 0.99}, nil, outcome.Succeeded, 0, false},
		"reached: cancelled":            {1, []oz.State{oz.StateInProgress, oz.StateInProgress, oz.StateCancelled}, []float64{0.5, 1, 1.1}, nil, outcome.OverBudget, 1, false},
		"no cost reported":              {1, []oz.State{oz.StateInProgress, oz.StateSucceeded}, []float64{-1}, nil, outcome.Succeeded, 0, false},
		"ended on its own past the cap": {1, []oz.State{oz.StateInProgress, oz.StateSucceeded}, []float64{0.5, 3}, nil, outcome.Succeeded, 0, false},
		"cancel refused":                {1, []oz.State{oz.StateInProgress, oz.StateInProgress}, []float64{2}, []error{refused}, outcome.OverBudget, 1, true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var script []step
			for _, s := range tc.states {
				script = append(script, step{state: s})
			}
			api := &costlyAPI{fakeAPI: &fakeAPI{script: script, cancelErrs: tc.cancelErrs}, costs: tc.costs}
			rep := &logReporter{}
			spec := testSpec()
			spec.MaxCostUSD = tc.cap
			res := Run(context.Background(), spec, api, rep, Options{})
			assert.NoError(t, res.Err)
			assert.Equal(t, tc.want, res.Conclusion)
			assert.Equal(t, tc.cap, res.MaxCostUSD)
			assert.Equal(t, tc.cancels, api.cancels)
			assert.Equal(t, tc.cancels == 1 && !tc.cancelErr, res.Cancelled)
			assert.Equal(t, tc.cancelErr, res.CancelErr != nil, "%v", res.CancelErr)
			if tc.want == outcome.OverBudget {
				assert.Contains(t, rep.text(), "Cost limit reached")
				assert.Contains(t, rep.text(), "with a delay")
			}
		})
	}
}

func TestBudgetSumsRuns(t *testing.T) {
	t.Parallel()
	usd := func(v float64) *oz.Run { return &oz.Run{RequestUsage: &oz.Usage{InferenceCostUSD: &v}} }
	b := Budget{LimitUSD: 1}
	spent := b.Spent(usd(0.25), nil, &oz.Run{}, usd(0.75))
	assert.InDelta(t, 1.0, spent, 1e-9)
	assert.True(t, b.Reached(spent))
	assert.False(t, b.Reached(0.99))
	assert.False(t, Budget{}.Reached(1e9), "no cap")
	assert.Equal(t, "$0.50", FormatUSD(0.5))
	assert.Equal(t, "$0.0021", FormatUSD(0.0021))
	assert.Equal(t, "$12.00", FormatUSD(12))
}
