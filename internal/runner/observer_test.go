package runner

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// observed records what a Sink hears.
type observed struct {
	mu    sync.Mutex
	calls []string
}

func (o *observed) Observe(runID, state, sessionLink string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, runID+" "+state+" "+sessionLink)
}

func (o *observed) Finish(context.Context, outcome.Result) {}

func (o *observed) all() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.calls...)
}

func TestSinksHearEachChange(t *testing.T) {
	t.Parallel()
	const link = "https://app.warp.dev/session/s1"
	tests := []struct {
		name   string
		runID  string // attach to it
		script []step
		want   []string
	}{
		{"created", "", []step{{state: oz.StateQueued}, {state: oz.StateQueued}, {state: oz.StateInProgress}, {state: oz.StateInProgress, link: link}, {state: oz.StateInProgress, link: link}, {state: oz.StateSucceeded, link: link}},
			[]string{"run-1 QUEUED ", "run-1 INPROGRESS ", "run-1 INPROGRESS " + link, "run-1 SUCCEEDED " + link}},
		{"link with the state", "", []step{{state: oz.StateInProgress, link: link}, {state: oz.StateFailed, link: link}},
			[]string{"run-1 QUEUED ", "run-1 INPROGRESS " + link, "run-1 FAILED " + link}},
		{"attached", "existing", []step{{state: oz.StateInProgress}, {state: oz.StateSucceeded}},
			[]string{"existing  ", "existing INPROGRESS ", "existing SUCCEEDED "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := testSpec()
			spec.RunID = tt.runID
			obs, other := &observed{}, &observed{}
			opts := fastOpts
			opts.Sinks = []Sink{obs, nil, other}
			res := Run(context.Background(), spec, &fakeAPI{script: tt.script}, &logReporter{}, opts)
			assert.NoError(t, res.Err)
			assert.Equal(t, tt.want, obs.all())
			assert.Equal(t, tt.want, other.all(), "every sink hears the same")
		})
	}
}

func TestSinksNotToldWithoutARun(t *testing.T) {
	t.Parallel()
	obs := &observed{}
	opts := fastOpts
	opts.Sinks = []Sink{obs}
	res := Run(context.Background(), testSpec(), &fakeAPI{createErr: &oz.APIError{StatusCode: 401}}, &logReporter{}, opts)
	assert.Error(t, res.Err)
	assert.Empty(t, obs.all(), "no run id, nothing to tell")
}
