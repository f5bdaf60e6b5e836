package runner

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// listed is what fakeAPI's list answers (rerun lookups), per fakeAPI.
var listed sync.Map // *fakeAPI -> listAnswer

type listAnswer struct {
	runs []oz.Run
	err  error
	opts *[]oz.ListOptions
}

// ListRuns answers the list set with setList; none by default.
func (f *fakeAPI) ListRuns(_ context.Context, opts oz.ListOptions) (*oz.ListRunsResponse, error) {
	v, ok := listed.Load(f)
	if !ok {
		return &oz.ListRunsResponse{}, nil
	}
	a := v.(listAnswer)
	f.mu.Lock()
	*a.opts = append(*a.opts, opts)
	f.mu.Unlock()
	if a.err != nil {
		return nil, a.err
	}
	return &oz.ListRunsResponse{Runs: a.runs}, nil
}

func setList(t *testing.T, f *fakeAPI, runs []oz.Run, err error) *[]oz.ListOptions {
	calls := &[]oz.ListOptions{}
	listed.Store(f, listAnswer{runs: runs, err: err, opts: calls})
	t.Cleanup(func() { listed.Delete(f) })
	return calls
}

func TestRerun(t *testing.T) {
	t.Parallel()
	lookup := map[string]string{"oz_run_workflow_run": "github/octo/repo/42", "oz_run_step": "CI/review/oz"}
	marked := func(id string, st oz.State, attempt string) oz.Run {
		md := map[string]string{"oz_run_workflow_run": "github/octo/repo/42", "oz_run_step": "CI/review/oz", "oz_run_attempt": attempt}
		return oz.Run{RunID: id, State: st, Metadata: md}
	}
	other := marked("run-other", oz.StateInProgress, "1")
	other.Metadata["oz_run_step"] = "CI/lint/oz"
	for name, tc := range map[string]struct {
		policy   RerunPolicy
		lookup   map[string]string
		runs     []oz.Run
		err      error
		attached string // the run taken; "" a new one
		reused   bool
		lists    int
		warn     string
	}{
		"first attempt: no lookup":       {RerunAttach, nil, []oz.Run{marked("run-old", oz.StateInProgress, "1")}, nil, "", false, 0, ""},
		"new: no lookup":                 {RerunNew, lookup, []oz.Run{marked("run-old", oz.StateInProgress, "1")}, nil, "", false, 0, ""},
		"attach to a working run":        {RerunAttach, lookup, []oz.Run{marked("run-old", oz.StateInProgress, "1")}, nil, "run-old", false, 1, ""},
		"attach: an ended run is left":   {RerunAttach, lookup, []oz.Run{marked("run-old", oz.StateSucceeded, "1")}, nil, "", false, 1, ""},
		"reuse a succeeded run":          {RerunReuse, lookup, []oz.Run{marked("run-f", oz.StateFailed, "2"), marked("run-ok", oz.StateSucceeded, "1")}, nil, "run-ok", true, 1, ""},
		"reuse: a failed run is left":    {RerunReuse, lookup, []oz.Run{marked("run-f", oz.StateFailed, "1")}, nil, "", false, 1, ""},
		"a list that ignored the filter": {RerunAttach, lookup, []oz.Run{other}, nil, "", false, 1, ""},
		"a list without metadata":        {RerunAttach, lookup, []oz.Run{{RunID: "run-bare", State: oz.StateQueued}}, nil, "run-bare", false, 1, ""},
		"lookup refused: a new run":      {RerunAttach, lookup, nil, &oz.APIError{StatusCode: 403, Message: "feature_not_available"}, "", false, 1, "Re-run lookup failed"},
		"lookup failing: a new run":      {RerunReuse, lookup, nil, errors.New("connection reset"), "", false, 1, "Re-run lookup failed"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{script: []step{{state: oz.StateSucceeded}}}
			calls := setList(t, api, tc.runs, tc.err)
			rep := &logReporter{}
			spec := testSpec()
			spec.Rerun = Rerun{Policy: tc.policy, Metadata: map[string]string{"oz_run_step": "CI/review/oz"}, Lookup: tc.lookup}
			res := Run(context.Background(), spec, api, rep, Options{})
			require.NoError(t, res.Err)
			assert.Equal(t, outcome.Succeeded, res.Conclusion)
			assert.Len(t, *calls, tc.lists)
			for _, c := range *calls {
				assert.Equal(t, tc.lookup, c.Metadata)
				assert.LessOrEqual(t, len(c.Metadata), 5, "the API takes at most 5 metadata pairs")
			}
			if tc.attached == "" {
				assert.Len(t, api.requests, 1, "a new run")
				assert.Nil(t, res.Reattached)
				assert.Equal(t, "CI/review/oz", api.requests[0].Metadata["oz_run_step"], "a created run carries the step")
			} else {
				assert.Empty(t, api.requests, "nothing created")
				require.NotNil(t, res.Reattached)
				assert.Equal(t, tc.attached, res.RunID)
				assert.Equal(t, tc.attached, res.Reattached.RunID)
				assert.Equal(t, tc.reused, res.Reattached.Reused)
				assert.Contains(t, rep.text(), "Re-attached to run "+tc.attached)
			}
			if tc.warn != "" {
				assert.Equal(t, 1, strings.Count(rep.text(), tc.warn), "one warning")
			}
		})
	}
}

func TestRerunMetadataComesBeforeTheCIContext(t *testing.T) {
	t.Parallel()
	user := map[string]string{}
	for i := range 17 {
		user["u"+string(rune('a'+i))] = "v"
	}
	spec := testSpec()
	spec.Create.Metadata = user
	spec.Rerun.Metadata = map[string]string{"oz_run_workflow_run": "r", "oz_run_step": "s", "oz_run_attempt": "2"}
	req, dropped := Request(spec, map[string]string{"github_repository": "octo/repo", "github_sha": "abc"})
	assert.Len(t, req.Metadata, MaxMetadataKeys-1, "room is left for the request id")
	assert.Equal(t, "r", req.Metadata["oz_run_workflow_run"])
	assert.Equal(t, "s", req.Metadata["oz_run_step"])
	assert.Equal(t, []string{"github_repository", "github_sha"}, dropped)
}
