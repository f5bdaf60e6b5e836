package summary

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func defaultFailOn() outcome.FailOn {
	return outcome.FailOn{outcome.Failed: true, outcome.Error: true, outcome.Blocked: true, outcome.Cancelled: true, outcome.TimedOut: true}
}

func ptr[T any](v T) *T { return &v }

func artifacts(t testing.TB, js string) []oz.Artifact {
	t.Helper()
	var a []oz.Artifact
	require.NoError(t, json.Unmarshal([]byte(js), &a))
	return a
}

func timeline(states ...oz.State) []outcome.Transition {
	offsets := []time.Duration{time.Second, 3 * time.Second, 9 * time.Second, 2*time.Minute + 14*time.Second, 62 * time.Minute}
	var tl []outcome.Transition
	for i, s := range states {
		tl = append(tl, outcome.Transition{State: s, At: t0.Add(offsets[i%len(offsets)])})
	}
	return tl
}

// terminal is a run that reached s with the given status message.
func terminal(s oz.State, c outcome.Conclusion, sm *oz.StatusMessage) outcome.Result {
	return outcome.Result{
		RunID:      "run_8f3a",
		Run:        &oz.Run{RunID: "run_8f3a", Title: "Fix the flaky test", State: s, RunTime: "PT2M10S", StatusMessage: sm, SessionID: "sess_1"},
		State:      s,
		Conclusion: c,
		Timeline:   timeline(oz.StateQueued, oz.StateInProgress, s),
		Started:    t0,
		Ended:      t0.Add(2*time.Minute + 14*time.Second),
	}
}

func goldenCases(t testing.TB) map[string]struct {
	r    outcome.Result
	opts Options
} {
	failOn := Options{FailOn: defaultFailOn()}

	succeeded := terminal(oz.StateSucceeded, outcome.Succeeded, &oz.StatusMessage{Message: "Opened a pull request that fixes the test."})
	succeeded.Run.SessionLink = "https://app.warp.dev/session/sess_1"
	succeeded.Run.RunTime = "PT2M14.6S"
	succeeded.Run.RequestUsage = &oz.Usage{InferenceCost: ptr(1.234), ComputeCost: ptr(0.5), PlatformCost: ptr(0.01)}
	succeeded.Run.Artifacts = artifacts(t, `[
		{"artifact_type":"PULL_REQUEST","created_at":"2025-03-01T12:02:00Z","data":{"url":"https://github.com/acme/app/pull/42","branch":"oz/fix-flaky-test"}},
		{"artifact_type":"PLAN","created_at":"2025-03-01T12:00:30Z","data":{"document_uid":"d1","title":"Plan: fix the test","url":"https://app.warp.dev/drive/plan/d1"}},
		{"artifact_type":"SCREENSHOT","created_at":"2025-03-01T12:01:00Z","data":{"artifact_uid":"a2","mime_type":"image/png","description":"The green test run"}},
		{"artifact_type":"FILE","created_at":"2025-03-01T12:01:10Z","data":{"artifact_uid":"a3","filepath":"out/report.txt","filename":"report.txt","mime_type":"text/plain"}},
		{"artifact_type":"EXTERNAL_REFERENCE","created_at":"2025-03-01T12:01:20Z","data":{"reference_type":"linear_issue","url":"https://linear.app/acme/issue/ENG-1","title":"ENG-1"}},
		{"artifact_type":"HOLOGRAM","created_at":"2025-03-01T12:01:30Z","data":{}}
	]`)

	failed := terminal(oz.StateFailed, outcome.Failed, &oz.StatusMessage{Message: "The team has no credits left.", ErrorCode: "insufficient_credits", Retryable: ptr(false)})
	failed.Run.RequestUsage = &oz.Usage{InferenceCost: ptr(0.0)}

	errored := terminal(oz.StateError, outcome.Error, &oz.StatusMessage{Message: "The worker crashed.\nIt was restarted twice.", ErrorCode: "quantum_flux", Retryable: ptr(true)})

	blocked := terminal(oz.StateBlocked, outcome.Blocked, &oz.StatusMessage{Message: "Waiting for approval to run `rm -rf build/`."})
	blocked.AtCapacity = true

	cancelled := terminal(oz.StateCancelled, outcome.Cancelled, &oz.StatusMessage{Message: "Cancelled by a user."})

	timedOut := terminal(oz.StateCancelled, outcome.TimedOut, nil)
	timedOut.Run.RunTime = ""
	timedOut.Cancelled = true
	timedOut.Ended = t0.Add(62*time.Minute + 5*time.Second)
	timedOut.Timeline = timeline(oz.StateQueued, oz.StateInProgress, oz.StateInProgress, oz.StateInProgress, oz.StateCancelled)

	submitted := outcome.Result{
		RunID: "run_new", State: oz.StateQueued, Conclusion: outcome.Submitted, AtCapacity: true,
		Run:     &oz.Run{RunID: "run_new", State: oz.StateQueued},
		Started: t0, Ended: t0.Add(800 * time.Millisecond),
	}

	apiErr := outcome.Result{
		State:   "",
		Err:     errors.New("create the run: POST https://app.warp.dev/api/v1/agent/runs: 401 Unauthorized: invalid API key; check warp_api_key"),
		Started: t0, Ended: t0.Add(1500 * time.Millisecond),
	}

	aborted := terminal(oz.StateInProgress, "", nil)
	aborted.Run.RunTime = ""
	aborted.Timeline = timeline(oz.StateQueued, oz.StateInProgress)
	aborted.Attached = true
	aborted.Aborted = true
	aborted.Err = errors.New("interrupted by SIGTERM")
	aborted.CancelErr = errors.New("cancel run run_8f3a: POST /agent/runs/run_8f3a/cancel: 503 Service Unavailable")
	aborted.Ended = t0.Add(40 * time.Second)

	hostile := terminal(oz.StateFailed, outcome.Failed, &oz.StatusMessage{
		Message: "<script>alert(1)</script> & <img src=x onerror=alert(1)>\n" +
			"| a | b |\n|---|---|\n" +
			"```\ncode fence\n```\n" +
			"# heading\n" +
			"[x](javascript:alert(1)) ![img](https://evil.example/p.png)\n" +
			"::set-output name=conclusion::succeeded\n" +
			"ping @octocat and @acme/security, mail me@example.com\n" +
			"    indented\n" +
			"---\n===\n- item\n" +
			"bad bytes: \xff\xfe end\x00\x1b[31mred\x1b[0m\r\n" +
			"bidi \u202egnirts\u202c $x^2$ ~~strike~~ *em* _em_ \\` &amp; &#60;",
		ErrorCode: "`not_authorized` | <b>",
	})
	hostile.RunID = "run) <x> |y"
	hostile.Run.RunID = hostile.RunID
	hostile.Run.Title = "Title | with pipe\nand newline <b>bold</b> [link](https://evil.example)"
	hostile.Run.SessionLink = "javascript:alert(document.cookie)"
	hostile.Run.RunTime = "forever <b>"
	hostile.Run.Artifacts = artifacts(t, `[
		{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com/acme/app/pull/1?q=<x>&a=(b) |c","branch":"main | <b>"}},
		{"artifact_type":"PULL_REQUEST","data":{"url":"javascript:alert(1)"}},
		{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com@evil.example/pull/2"}},
		{"artifact_type":"PLAN","data":{"title":"[click](javascript:x)","url":"data:text/html,<script>"}},
		{"artifact_type":"<img src=x>|\u0060x\u0060","data":"not an object"}
	]`)
	hostile.Timeline = append(hostile.Timeline, outcome.Transition{State: "WEIRD|<STATE>", At: t0.Add(10 * time.Second)})

	// The agent's work after a follow-up: an answer, files, what was not
	// brought back, dollars and tokens.
	followedUp := terminal(oz.StateSucceeded, outcome.Succeeded, &oz.StatusMessage{Message: "Done."})
	followedUp.Attached = true
	followedUp.Followup = &outcome.Followup{ID: "fu-1", Outcome: oz.OutcomeHandoffExecution, Accepted: t0}
	followedUp.Run.RequestUsage = &oz.Usage{InferenceCost: ptr(2.0), InferenceCostUSD: ptr(0.4), ComputeCostUSD: ptr(0.0213), TotalTokens: ptr(int64(1234567))}
	followedUp.Work = outcome.Work{
		Answer: "## Review\n\nAll **three** findings are fixed:\n\n- the race in `cache.go`\n- <b>the leak</b> @octocat\n\n```go\nfunc f() {}\n```\n",
		Files:  []outcome.File{{Path: "oz-files/reports/oz-report.md", Size: 2048}, {Path: "oz-files/a|b`c.txt", Size: 12}},
		Warnings: []string{`file "big.bin" was not downloaded: it is 209715200 bytes, over the 100 MiB limit for a file`,
			`file "x" was not downloaded: <b>HTTP 403</b> | |`},
		ConversationID: "conv-1",
	}
	// An answer that tries to pass for oz-run (frame_test.go).
	forged := terminal(oz.StateSucceeded, outcome.Succeeded, &oz.StatusMessage{Message: "Done."})
	forged.Work.Answer = forgedAnswer
	pending := terminal(oz.StateSucceeded, outcome.TimedOut, nil)
	pending.Attached, pending.FollowupPending = true, true
	pending.Followup = &outcome.Followup{Outcome: oz.OutcomeHandoffExecution}
	sentNoWait := terminal(oz.StateSucceeded, outcome.Submitted, nil)
	sentNoWait.Attached, sentNoWait.NoWait = true, true
	sentNoWait.Followup = &outcome.Followup{Outcome: oz.OutcomeHandoffExecution}

	return map[string]struct {
		r    outcome.Result
		opts Options
	}{
		"followed_up":         {followedUp, failOn},
		"followup_pending":    {pending, failOn},
		"followup_no_wait":    {sentNoWait, failOn},
		"succeeded":           {succeeded, failOn},
		"failed":              {failed, failOn},
		"error":               {errored, failOn},
		"blocked":             {blocked, failOn},
		"blocked_report_only": {blocked, Options{FailOn: outcome.FailOn{}}},
		"cancelled":           {cancelled, failOn},
		"timed_out":           {timedOut, Options{FailOn: defaultFailOn(), Timeout: time.Hour}},
		"submitted":           {submitted, failOn},
		"api_error":           {apiErr, failOn},
		"aborted":             {aborted, failOn},
		"hostile":             {hostile, Options{FailOn: defaultFailOn(), Title: "Nightly <b>#1</b>"}},
		"forged":              {forged, failOn},
		"skipped":             {outcome.Result{Conclusion: outcome.Skipped, Started: t0, Ended: t0}, failOn},
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	for name, tc := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := Render(tc.r, tc.opts)
			if tc.r.Work.Answer == "" { // an answer keeps its Markdown: TestCmarkGFM checks it
				checkInvariants(t, got, DefaultMaxBytes)
			}
			path := filepath.Join("testdata", name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run `go test ./internal/summary -update` to create the golden files")
			assert.Equal(t, string(want), got)
		})
	}
}

func TestRenderVerdict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		r      outcome.Result
		failOn outcome.FailOn
		want   string
	}{
		{"in fail_on", outcome.Result{Conclusion: outcome.Failed}, defaultFailOn(), "**This fails the step**: `failed` is in `fail_on`."},
		{"fail_on none", outcome.Result{Conclusion: outcome.Failed}, nil, "This does not fail the step: `failed` is not in `fail_on`."},
		{"succeeded", outcome.Result{Conclusion: outcome.Succeeded}, defaultFailOn(), ""},
		{"submitted", outcome.Result{Conclusion: outcome.Submitted}, defaultFailOn(), "This does not fail the step: `submitted` is not in `fail_on`."},
		{"api error", outcome.Result{Err: errors.New("x")}, nil, "**This fails the step**: see what went wrong below."},
		{"aborted", outcome.Result{Err: errors.New("x"), Aborted: true}, nil, "**This fails the step**: the step was stopped"},
		{"no conclusion", outcome.Result{}, nil, "**This fails the step**: the run reached no conclusion."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Render(tt.r, Options{FailOn: tt.failOn})
			if tt.want == "" {
				assert.NotContains(t, got, "fail the step", "nothing to say")
				return
			}
			assert.Contains(t, got, tt.want)
			first, _, _ := strings.Cut(got, "\n")
			assert.NotContains(t, first, "fail the step", "the verdict is not the first line")
			assert.NotContains(t, first, "fails the step", "the verdict is not the first line")
		})
	}
}

func TestRenderHints(t *testing.T) {
	t.Parallel()
	for code, hint := range hints {
		r := terminal(oz.StateFailed, outcome.Failed, &oz.StatusMessage{Message: "m", ErrorCode: code})
		assert.Contains(t, Render(r, Options{}), "**Error code:** `"+code+"`: "+hint)
	}
	r := terminal(oz.StateFailed, outcome.Failed, &oz.StatusMessage{ErrorCode: "brand_new_code"})
	got := Render(r, Options{})
	assert.Contains(t, got, "**Error code:** `brand_new_code`\n")
	assert.Contains(t, got, "### Status message\n\n**Error code:**", "no empty quote for a missing message")
}

func TestRenderStillGoing(t *testing.T) {
	t.Parallel()
	r := terminal(oz.StateInProgress, outcome.TimedOut, nil)
	got := Render(r, Options{})
	assert.Contains(t, got, "The remote run was still `INPROGRESS` when the step ended and was not cancelled: it may still be going.")

	r.Cancelled = true
	assert.NotContains(t, Render(r, Options{}), "may still be going")
}

func TestRenderDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		runTime string
		started time.Time
		ended   time.Time
		want    string
	}{
		{"run_time", "PT1H2M3S", t0, t0.Add(time.Hour), "| Duration | 1h 2m 3s |"},
		{"step time", "", t0, t0.Add(75 * time.Second), "| Duration | 1m 15s (waited) |"},
		{"unknown", "", time.Time{}, t0, "| Duration | — |"},
		{"odd run_time", "soon|ish", t0, t0.Add(time.Second), `| Duration | soon\|ish |`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := outcome.Result{RunID: "r", Run: &oz.Run{RunTime: tt.runTime}, Started: tt.started, Ended: tt.ended}
			assert.Contains(t, Render(r, Options{}), tt.want)
		})
	}
}

func TestRenderTruncates(t *testing.T) {
	t.Parallel()
	r := terminal(oz.StateFailed, outcome.Failed, &oz.StatusMessage{Message: strings.Repeat("é line\n", 2000)})
	for _, max := range []int{1, 5, 40, 100, 1000, 4096} {
		got := Render(r, Options{MaxBytes: max})
		checkInvariants(t, got, max)
		if max >= 100 {
			assert.True(t, strings.HasSuffix(got, " bytes over the limit)\n"), "MaxBytes %d: no marker", max)
		}
	}
	r.Run.StatusMessage.Message = strings.Repeat("x", DefaultMaxBytes)
	got := Render(r, Options{})
	assert.LessOrEqual(t, len(got), DefaultMaxBytes)
	assert.True(t, strings.HasPrefix(got, "## ❌ Oz run failed\n"))
	assert.Contains(t, got, "*Cut here: ", "the status message is cut, and says so")
	assert.Contains(t, got, "oz-run · the full run", "the sections after it survive")
}

// hugeResult has every field the summary shows at a size the API's body
// cap lets through, made of the characters that escape the longest.
func hugeResult() outcome.Result {
	big := func(n int) string { return strings.Repeat("&<@|", n/4) }
	r := terminal(oz.StateFailed, outcome.Failed, &oz.StatusMessage{Message: big(15 << 20), ErrorCode: big(1 << 20)})
	r.RunID = strings.Repeat("r", 300)
	r.Run.RunID = r.RunID
	r.Run.Title = big(1 << 20)
	r.Run.RunTime = big(1 << 20)
	r.Run.SessionLink = "https://app.warp.dev/session/" + strings.Repeat("s", 2<<20)
	r.Run.State = oz.State(big(1 << 20))
	r.State = r.Run.State
	r.Err = errors.New(big(1 << 20))
	r.CancelErr = errors.New(big(1 << 20))
	var arts []oz.Artifact
	field := big(1024) // over every cap on an artifact's field
	for i := range 6_000 {
		url := fmt.Sprintf("https://github.com/o/r/pull/%d?%s", i, strings.Repeat("u", 1500))
		data := fmt.Sprintf(`{"url":%q,"branch":%q,"title":%q,"filename":%q,"description":%q,"reference_type":%q}`, url, field, field, field, field, field)
		typ := []string{oz.ArtifactPullRequest, oz.ArtifactPlan, oz.ArtifactFile, oz.ArtifactScreenshot, oz.ArtifactExternalReference, big(1000)}[i%6]
		arts = append(arts, oz.Artifact{Type: typ, Data: json.RawMessage(data)})
	}
	r.Run.Artifacts = arts
	for i := range 10_000 {
		r.Timeline = append(r.Timeline, outcome.Transition{State: oz.State(field), At: t0.Add(time.Duration(i) * time.Second)})
	}
	return r
}

// A field at any size leaves every section of the summary in it, and the
// whole under the cap without being cut at its end.
func TestRenderEverySectionSurvivesHugeFields(t *testing.T) {
	t.Parallel()
	got := Render(hugeResult(), Options{FailOn: defaultFailOn(), Title: strings.Repeat("<t>", 1<<20)})
	t.Logf("%d bytes; the lists' last lines: %q", len(got), regexp.MustCompile(`- … and \d+ more`).FindAllString(got, -1))
	assert.Less(t, len(got), 512<<10, "the caps add up to about 450 KiB at most")
	assert.NotContains(t, got, "bytes over the limit", "nothing was cut at the end")
	for _, section := range []string{"| Run |", "| State |", "| Session | — (the API gave a link", "| Title |", "### Status message", "**Error code:**",
		"### What went wrong", "### Pull requests", "### Artifacts", "- … and ", "### Timeline", "| … | | 9953 more changes |", "oz-run · the full run"} {
		assert.True(t, strings.Contains(got, section), "the summary lacks %q", section) // not Contains: it would print the summary
	}
	checkInvariants(t, got, DefaultMaxBytes)
}

func TestCut(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "abc", cut("abc", 3))
	assert.Equal(t, "ab…", cut("abcd", 2))
	assert.Equal(t, "a…", cut("aéb", 2), "never inside a character")
	shown, note := cutNoting(strings.Repeat("x", 10), 4, "; see the output")
	assert.Equal(t, "xxxx…", shown)
	assert.Equal(t, "*Cut here: 6 more bytes; see the output.*", note)
	shown, note = cutNoting("short", 10, "")
	assert.Equal(t, "short", shown)
	assert.Empty(t, note)
}

// The plain-text summary and the PR/MR comment keep their sections too.
func TestTextAndCommentSurviveHugeFields(t *testing.T) {
	t.Parallel()
	r := hugeResult()
	r.Work.Answer = strings.Repeat("answer & <b>\n", 64<<10/13)
	text := Text(r, Options{FailOn: defaultFailOn(), Title: strings.Repeat("<t>", 1<<20)})
	t.Logf("text: %d bytes", len(text))
	assert.Less(t, len(text), 512<<10)
	for _, section := range []string{"Status message:", "Cut here: ", "What went wrong:", "Pull requests:", "Artifacts:", "  - … and ",
		"The agent's answer:", "Timeline (UTC):", "more changes", "The full run (conversation, logs, artifacts): https://oz.warp.dev/runs/"} {
		assert.True(t, strings.Contains(text, section), "the text lacks %q", section)
	}
	comment := Comment(r, Options{FailOn: defaultFailOn(), Title: strings.Repeat("<t>", 1<<20)})
	t.Logf("comment: %d bytes", len(comment))
	assert.LessOrEqual(t, len(comment), DefaultCommentMaxBytes)
	assert.NotContains(t, comment, "bytes over the limit", "nothing was cut at the end")
	for _, section := range []string{"### Status message", "### What went wrong", "### Pull requests", "- … and ", "oz-run · the full run"} {
		assert.True(t, strings.Contains(comment, section), "the comment lacks %q", section)
	}
}

// TestRenderAnswerWithinTheLimit: the answer takes what the other sections
// leave, so that they stay whole, collapsed when long, and the summary
// stays under the limit.
func TestRenderAnswerWithinTheLimit(t *testing.T) {
	t.Parallel()
	r := terminal(oz.StateSucceeded, outcome.Succeeded, &oz.StatusMessage{Message: "Done."})
	r.Work.Answer = strings.Repeat("a line with <b>, & and @x ", 3000) // escapes make it grow
	r.Work.Files = []outcome.File{{Path: "oz-files/r.md", Size: 3}}
	for _, max := range []int{DefaultMaxBytes, 20000, 4000} {
		got := Render(r, Options{MaxBytes: max})
		assert.LessOrEqual(t, len(got), max)
		for _, section := range []string{"### Status message", "### Files", "### Timeline", "oz-run · the full run"} {
			assert.Contains(t, got, section, "MaxBytes %d", max)
		}
		assert.Contains(t, got, "<details>\n<summary>The agent's answer", "a long answer is collapsed")
		assert.Equal(t, strings.Count(got, "<details>"), strings.Count(got, "</details>"))
		assert.NotContains(t, got, "summary truncated", "the answer is cut, not the summary")
	}
}
