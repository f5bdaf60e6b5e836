package runner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// Re-runs (rerun): every run the step creates carries the workflow run (or
// pipeline), the step and the attempt in its metadata; a later attempt
// lists the runs with the first two before creating, and attaches to one
// still working (attach, reuse) or reports one that succeeded (reuse)
// instead of starting a second paid run. A lookup that fails never blocks
// the step: a new run, with one warning.

// RerunPolicy is the rerun input.
type RerunPolicy string

// The rerun policies; the zero value is RerunAttach.
const (
	RerunAttach RerunPolicy = "attach"
	RerunReuse  RerunPolicy = "reuse"
	RerunNew    RerunPolicy = "new"
)

// Rerun is what the step knows of its attempts.
type Rerun struct {
	Policy RerunPolicy
	// Metadata is added to every created run's metadata, before the CI
	// context (which gives way to it when the API's limit is near).
	Metadata map[string]string
	// Lookup, on a later attempt, are the metadata pairs (at most 5) that
	// find the runs of the earlier attempts; nil: no lookup.
	Lookup map[string]string
}

// rerunListLimit is how many of the earlier attempts' runs one lookup
// reads (newest first): a step starts one run an attempt.
const rerunListLimit = 20

// rerunLookups is shared by a batch's runs: once one lookup of the earlier
// attempts has failed (the metadata filter refused, the API failing), the
// runs still to start begin new ones without asking again, and the
// warning is said once for the batch, not once a run.
type rerunLookups struct {
	failed atomic.Bool
	warned sync.Once
}

// attemptKeys are where a run's metadata says which attempt started it.
var attemptKeys = []string{AttemptKey, "github_run_attempt"}

// earlier looks up the runs of the step's earlier attempts and, when one
// fits the policy, takes it as the step's run (attached, nothing created):
// true then. False starts a new run: none fits, or the lookup failed (one
// warning), or ctx ended (the create that follows says so).
func (w *waiter) earlier(ctx context.Context) bool {
	r := w.spec.Rerun
	if len(r.Lookup) == 0 || r.Policy == RerunNew {
		return false
	}
	if w.lookups != nil && w.lookups.failed.Load() {
		return false // an earlier item's lookup failed: the same would
	}
	list, err := w.api.ListRuns(ctx, oz.ListOptions{Limit: rerunListLimit, Metadata: maps.Clone(r.Lookup)})
	if err != nil {
		if ctx.Err() == nil {
			warn := func() {
				w.rep.Warning("Re-run lookup failed", fmt.Sprintf("Looking up the runs of earlier attempts of this step failed (%v); starting a new run.", err))
			}
			if w.lookups == nil {
				warn()
			} else {
				w.lookups.failed.Store(true)
				w.lookups.warned.Do(warn)
			}
		}
		return false
	}
	var found *oz.Run
	for i := range list.Runs {
		run := &list.Runs[i]
		if run.RunID == "" || !matches(run.Metadata, r.Lookup) {
			continue
		}
		if run.State.IsWorking() || (r.Policy == RerunReuse && run.State == oz.StateSucceeded) {
			found = run
			break
		}
	}
	if found == nil {
		w.rep.Debugf("no run of an earlier attempt to attach to (%d listed)", len(list.Runs))
		return false
	}
	attempt := ""
	for _, k := range attemptKeys {
		if v := found.Metadata[k]; v != "" {
			attempt = v
			break
		}
	}
	w.res.RunID, w.res.Attached = found.RunID, true
	w.res.Reattached = &outcome.Reattached{RunID: found.RunID, Attempt: attempt, Reused: found.State == oz.StateSucceeded}
	how := "still working"
	if w.res.Reattached.Reused {
		how = "it succeeded; reported again without starting a run (rerun: reuse)"
	}
	w.rep.Notice("Re-attached", fmt.Sprintf("Re-attached to run %s from %s (%s): %s", found.RunID, attemptWords(attempt), how, oz.RunURL(found.RunID)))
	w.observe(found)
	w.notify()
	return true
}

// attemptWords names an attempt for a message: "attempt 1", "job 88", or
// "an earlier attempt" when the run does not say.
func attemptWords(a string) string {
	switch {
	case a == "":
		return "an earlier attempt"
	case a[0] >= '0' && a[0] <= '9':
		return "attempt " + a
	}
	return a
}

// matches reports whether a listed run's metadata, when the list shows it,
// holds the lookup's pairs (a list that leaves metadata out is trusted,
// one that shows other values ignored the filter).
func matches(md, lookup map[string]string) bool {
	if len(md) == 0 {
		return true
	}
	for k, v := range lookup {
		if md[k] != v {
			return false
		}
	}
	return true
}

// The metadata keys that mark a created run with the workflow run (or
// pipeline) and the step that started it, and the attempt that did; the
// first two find it again.
const (
	WorkflowRunKey = "oz_run_workflow_run"
	StepKey        = "oz_run_step"
	AttemptKey     = "oz_run_attempt"
)

// withRerun is the user's metadata with the rerun's keys added, so that
// they come before the CI context: the user's win a clash, and they are
// added, those that find the run first, while room is left for the
// client's request id.
func withRerun(user, rerun map[string]string) map[string]string {
	if len(rerun) == 0 {
		return user
	}
	out := maps.Clone(user)
	if out == nil {
		out = map[string]string{}
	}
	keys := slices.Sorted(maps.Keys(rerun))
	slices.SortStableFunc(keys, func(a, b string) int { return rerunKeyRank(a) - rerunKeyRank(b) })
	for _, k := range keys {
		if _, taken := out[k]; !taken && len(out) < MaxMetadataKeys-1 {
			out[k] = rerun[k]
		}
	}
	return out
}

func rerunKeyRank(k string) int {
	switch k {
	case WorkflowRunKey:
		return 0
	case StepKey:
		return 1
	case AttemptKey:
		return 2
	}
	return 3
}
