package report

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// defaultFailOn is fail_on's default.
var defaultFailOn = outcome.FailOn{outcome.Failed: true, outcome.Error: true, outcome.Blocked: true, outcome.Cancelled: true, outcome.TimedOut: true}

// opts are the default inputs, with a result file and the plain-text
// summary.
func opts() Options {
	return Options{FailOn: defaultFailOn, Summary: true, Text: true, ResultFile: "oz-run-result.json", Timeout: 60 * time.Minute}
}

// ended is a run that ended in state with its conclusion after 2m14s.
func ended(state oz.State, c outcome.Conclusion, sm *oz.StatusMessage) outcome.Result {
	return outcome.Result{
		RunID: "run_8f3a", State: state, Conclusion: c, Started: t0, Ended: t0.Add(134 * time.Second),
		Run:      &oz.Run{RunID: "run_8f3a", State: state, Title: "Fix the flaky test", StatusMessage: sm, ConversationID: "conv_1"},
		Timeline: []outcome.Transition{{State: oz.StateQueued, At: t0}, {State: state, At: t0.Add(134 * time.Second)}},
	}
}

// goldenCases are the outcomes the contract's outputs are checked for.
func goldenCases(t *testing.T) map[string]struct {
	res  outcome.Result
	opts Options
} {
	succeeded := ended(oz.StateSucceeded, outcome.Succeeded, &oz.StatusMessage{Message: "Opened a pull request that fixes the test."})
	succeeded.Run.SessionLink = "https://app.warp.dev/session/sess_1"
	succeeded.Run.RunTime = "PT2M14.6S"
	succeeded.Run.RequestUsage = &oz.Usage{InferenceCost: ptr(1.234), ComputeCost: ptr(0.5), PlatformCost: ptr(0.01)}
	require.NoError(t, json.Unmarshal([]byte(`[{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com/acme/app/pull/42","branch":"oz/fix"}}]`), &succeeded.Run.Artifacts))
	succeeded.Work = outcome.Work{Answer: "## Done\n\nThe test no longer sleeps.", ConversationID: "conv_2",
		Files: []outcome.File{{Path: "oz-files/report.txt", Size: 12}, {Path: "oz-files/plan.md", Size: 40}}}

	failed := ended(oz.StateFailed, outcome.Failed, &oz.StatusMessage{Message: "The tests still fail.", ErrorCode: "TASK_FAILED"})

	timedOutCancelled := ended(oz.StateCancelled, outcome.TimedOut, nil)
	timedOutCancelled.Cancelled = true
	leave := opts()
	leave.Timeout, leave.LeaveOnTimeout = 5*time.Minute, true
	timedOutLeft := ended(oz.StateInProgress, outcome.TimedOut, nil)
	uncancellable := ended(oz.StateInProgress, outcome.TimedOut, nil)
	uncancellable.CancelErr = &oz.APIError{Op: "cancel run run_8f3a", StatusCode: 422, Code: "operation_not_supported",
		Message: "This operation is not supported for this resource. (runs of this type cannot be cancelled through the API)"}

	submitted := ended(oz.StateQueued, outcome.Submitted, nil)
	submitted.NoWait = true

	pending := ended(oz.StateSucceeded, outcome.TimedOut, nil)
	pending.Attached, pending.FollowupPending = true, true
	pending.Followup = &outcome.Followup{ID: "fu_1", Outcome: "queued_prompt", Accepted: t0.Add(time.Second)}

	apiError := outcome.Result{Started: t0, Ended: t0.Add(3 * time.Second),
		Err: errors.New(`starting the run: the Oz API refused the key (401 Unauthorized): check warp_api_key`)}

	aborted := ended(oz.StateInProgress, "", nil)
	aborted.Aborted = true
	aborted.Err = errors.New("aborted (received interrupt) while waiting for the run")
	aborted.CancelErr = errors.New("cancelling run run_8f3a: 503 Service Unavailable")

	return map[string]struct {
		res  outcome.Result
		opts Options
	}{
		"succeeded":               {succeeded, opts()},
		"failed":                  {failed, opts()},
		"timed_out_cancelled":     {timedOutCancelled, opts()},
		"timed_out_left":          {timedOutLeft, leave},
		"timed_out_uncancellable": {uncancellable, opts()},
		"submitted":               {submitted, opts()},
		"followup_pending":        {pending, opts()},
		"api_error":               {apiError, opts()},
		"aborted":                 {aborted, opts()},
		"skipped":                 {outcome.Result{Conclusion: outcome.Skipped, Started: t0, Ended: t0}, opts()},
	}
}

func ptr(f float64) *float64 { return &f }

// show writes what a step publishes and announces, for a golden file: the
// report's fields, the outputs in order, the lines, the result file. The
// summaries have their own golden files (internal/summary): only their
// first line is shown.
func show(rep ci.Report, lines []Line) string {
	var b strings.Builder
	fmt.Fprintf(&b, "failed: %v\ntitle: %s\nmessage: %s\nduration: %s\n", rep.Failed, rep.Title, rep.Message, rep.Duration)
	first := func(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }
	fmt.Fprintf(&b, "summary: %s\nsummary text: %s\n", first(rep.Summary), first(rep.SummaryText))
	fmt.Fprintf(&b, "answer: %q\n", rep.Answer)
	b.WriteString("\noutputs:\n")
	for _, o := range rep.Outputs {
		fmt.Fprintf(&b, "  %s: %q\n", o.Name, o.Value)
	}
	b.WriteString("\nannounced:\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "  %s %q: %s\n", [...]string{"notice", "warning", "error"}[l.Level], l.Title, l.Message)
	}
	if rep.ResultFile != "" {
		fmt.Fprintf(&b, "\nresult file %s:\n%s", rep.ResultFile, rep.ResultJSON)
	}
	return b.String()
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run `go test ./internal/report -update` to create the golden files")
	assert.Equal(t, string(want), got, "golden %s (run `go test ./internal/report -update` after checking the difference)", path)
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for name, tc := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, name, show(Build(tc.res, tc.opts), Announce(tc.res, tc.opts)))
		})
	}
	t.Run("input_error", func(t *testing.T) {
		t.Parallel()
		line, rep := InputError(errors.New(`input "timeout": "soon" is not a duration; give a Go duration such as 30m or 1h30m`), false)
		checkGolden(t, "input_error", show(rep, []Line{line}))
		line, _ = InputError(errors.New("x"), true)
		assert.Equal(t, "x\nNothing was sent to the Oz API. Run `oz-run --help` for every input.", line.Message, "on a terminal")
	})
}

// Build is pure: the same Result gives the same report, and the Result is
// left as it was.
func TestBuildIsPure(t *testing.T) {
	t.Parallel()
	tc := goldenCases(t)["succeeded"]
	before := fmt.Sprintf("%+v %+v", tc.res, *tc.res.Run)
	a, b := Build(tc.res, tc.opts), Build(tc.res, tc.opts)
	assert.Equal(t, a, b)
	assert.Equal(t, before, fmt.Sprintf("%+v %+v", tc.res, *tc.res.Run))
}

// Without summary or result_file, neither is rendered; without a run,
// no result file is written.
func TestBuildLeavesOutWhatIsNotAskedFor(t *testing.T) {
	t.Parallel()
	tc := goldenCases(t)["failed"]
	o := tc.opts
	o.Summary, o.ResultFile = false, ""
	rep := Build(tc.res, o)
	assert.Empty(t, rep.Summary)
	assert.Empty(t, rep.SummaryText)
	assert.Empty(t, rep.ResultFile)
	assert.Nil(t, rep.ResultJSON)

	o = tc.opts
	o.Text = false
	assert.Empty(t, Build(tc.res, o).SummaryText, "plain text only on a terminal")
	assert.Empty(t, Build(goldenCases(t)["api_error"].res, tc.opts).ResultFile, "no run, no run object")
}

func TestSetOutput(t *testing.T) {
	t.Parallel()
	outs := Outputs(outcome.Result{RunID: "r"})
	SetOutput(outs, "comment_url", "https://github.com/acme/app/pull/7#issuecomment-1")
	i := slices.IndexFunc(outs, func(o ci.Output) bool { return o.Name == "comment_url" })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, "https://github.com/acme/app/pull/7#issuecomment-1", outs[i].Value)
	assert.Equal(t, "r", outs[0].Value)
}

// The result file is the run object, indented, its artifacts last (a cut
// keeps the rest): it reads back as encoding/json writes the run.
func TestResultJSONReadsAsTheRun(t *testing.T) {
	t.Parallel()
	var run oz.Run
	require.NoError(t, json.Unmarshal([]byte(`{"run_id":"r1","state":"FAILED","title":"<b>&</b>","status_message":{"message":"m"},
		"metadata":{"k":"v"},"artifacts":[{"artifact_type":"PULL_REQUEST","data":{"url":"https://x/1","branch":"b"}},{"artifact_type":"PLAN","data":{}}]}`), &run))
	for _, r := range []*oz.Run{&run, {RunID: "r2", State: oz.StateQueued}} {
		got := ResultJSON(outcome.Result{Run: r})
		require.True(t, json.Valid(got), "%s", got)
		want, err := json.Marshal(r)
		require.NoError(t, err)
		var a, b map[string]any
		require.NoError(t, json.Unmarshal(got, &a))
		require.NoError(t, json.Unmarshal(want, &b))
		assert.Equal(t, b, a)
		assert.True(t, strings.HasSuffix(string(got), "\n}\n"))
		assert.NotContains(t, string(got), `\u003c`, "no HTML escaping")
		if len(r.Artifacts) > 0 {
			assert.Greater(t, strings.Index(string(got), `"artifacts"`), strings.Index(string(got), `"metadata"`), "%s", got)
		}
	}
	assert.JSONEq(t, `{"run_id":"r3","state":"","title":"","prompt":""}`, string(ResultJSON(outcome.Result{RunID: "r3"})))
}
