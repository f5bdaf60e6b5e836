package ozfake

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/verdict"
)

// reviewSpec judges answers as oz-run does with output_schema: review.
func reviewSpec(t *testing.T) verdict.Spec {
	t.Helper()
	g, err := verdict.NewGate(verdict.DefaultReviewGate, verdict.Review())
	require.NoError(t, err)
	return verdict.Spec{Schema: verdict.Review(), Gate: g}
}

// answerOf is the agent's answer of run id, read through the API.
func (f *fake) answerOf(id string) string {
	f.t.Helper()
	conv, err := f.client().GetConversation(f.t.Context(), id)
	require.NoError(f.t, err)
	text, ok := conv.Answer()
	require.True(f.t, ok, "run %s has no answer", id)
	return text
}

// TestReviewAnswers: each [fake:review-*] run succeeds, and its answer is
// judged as its tag says.
func TestReviewAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag        string
		conclusion verdict.Conclusion
		verdict    string
		counts     string // of the findings
		usable     int    // findings that make annotations
	}{
		{"[fake:review-pass]", verdict.Passed, "pass", "1 notice", 1},
		{"[fake:review-fail]", verdict.Rejected, "fail", "1 error, 1 warning, 1 notice", 3},
		{"[fake:review-invalid-then-fixed]", verdict.InvalidOutput, "", "none", 0},
		{"[fake:review-invalid]", verdict.InvalidOutput, "", "none", 0},
		{"[fake:review-hostile]", verdict.Rejected, "fail", "4 error, 2 warning, 1 notice", 1},
	}
	f := newFake(t)
	spec := reviewSpec(t)
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			id := f.create(tt.tag + " review the pull request")
			f.clock.Advance(time.Hour)
			require.Equal(t, oz.StateSucceeded, f.get(id).State)
			o := spec.Judge(f.answerOf(id))
			assert.Equal(t, tt.conclusion, o.Conclusion, o.Reason)
			assert.Equal(t, tt.verdict, o.Verdict)
			assert.Equal(t, tt.counts, verdict.Counts(o.Findings))
			usable := 0
			for _, fd := range o.Findings {
				if fd.Usable() {
					usable++
				}
			}
			assert.Equal(t, tt.usable, usable)
		})
	}
}

// TestReviewFailHasAnErrorOnALine: the failing review's error names a
// file and its lines, as an annotation needs.
func TestReviewFailHasAnErrorOnALine(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("[fake:review-fail] review")
	f.clock.Advance(time.Hour)
	o := reviewSpec(t).Judge(f.answerOf(id))
	require.NotEmpty(t, o.Findings)
	first := o.Findings[0]
	assert.Equal(t, verdict.Finding{Path: "internal/clock/clock_test.go", Line: 42, EndLine: 45, Severity: "error", Title: "Data race on now",
		Message: "The ticker's goroutine writes now while the test reads it without the lock: go test -race fails."}, first)
	assert.Len(t, verdict.Annotations(o.Findings), 3)
}

// TestReviewHostileFindings: every finding but one names no file; one
// warning counts them.
func TestReviewHostileFindings(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("[fake:review-hostile] review")
	f.clock.Advance(time.Hour)
	o := reviewSpec(t).Judge(f.answerOf(id))
	var dropped []string
	for _, fd := range o.Findings {
		if !fd.Usable() {
			dropped = append(dropped, fd.Title+": "+fd.Dropped)
		}
	}
	assert.ElementsMatch(t, []string{
		"dot-dot: its path holds ..",
		"absolute: its path is absolute",
		"drive: its path is absolute",
		"control: its path holds control or invisible characters",
		"line 0: its line is not a positive integer",
		"backwards: its end_line is before its line",
	}, dropped)
	assert.Contains(t, verdict.DroppedWarning(o.Findings), "6 findings")
	ann := verdict.Annotations(o.Findings)
	require.Len(t, ann, 1)
	assert.Equal(t, "src/ok.go", ann[0].Path)
	assert.Contains(t, ann[0].Message, "::error file=forged.go")
}

// TestReviewInvalidThenFixed: the first answer is invalid; the follow-up
// that asks for a repair (as oz-run writes it) gets a valid one, after
// the stale window; a run without the tag keeps answering with reviews
// after a follow-up, and a follow-up's tag picks another.
func TestReviewInvalidThenFixed(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithFollowupPickup(2*time.Second))
	c := f.client()
	spec := reviewSpec(t)
	id := f.create("[fake:review-invalid-then-fixed] review the pull request")
	f.clock.Advance(time.Hour)
	first := spec.Judge(f.answerOf(id))
	require.Equal(t, verdict.InvalidOutput, first.Conclusion)
	repair := first.Repair()
	require.NotEmpty(t, repair)

	out, err := c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: repair})
	require.NoError(t, err)
	require.Equal(t, oz.OutcomeHandoffExecution, out.Outcome)
	assert.Equal(t, first, spec.Judge(f.answerOf(id)), "until the new execution ends, the old answer stands")
	f.clock.Advance(time.Hour)
	require.Equal(t, oz.StateSucceeded, f.get(id).State)
	fixed := spec.Judge(f.answerOf(id))
	assert.Equal(t, verdict.Passed, fixed.Conclusion, fixed.Reason)
	assert.Equal(t, "pass", fixed.Verdict)
	assert.Equal(t, []Followup{{ID: f.srv.Followups(id)[0].ID, RunID: id, Message: repair, Outcome: oz.OutcomeHandoffExecution,
		At: f.srv.Followups(id)[0].At, Picked: f.srv.Followups(id)[0].Picked}}, f.srv.Followups(id))

	// The answer to a second follow-up is still valid.
	_, err = c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: "once more"})
	require.NoError(t, err)
	f.clock.Advance(time.Hour)
	assert.Equal(t, verdict.Passed, spec.Judge(f.answerOf(id)).Conclusion)

	// Always invalid stays invalid; fail stays fail; a tag in the
	// follow-up picks another review.
	for _, tc := range []struct {
		prompt, followup string
		want             verdict.Conclusion
	}{
		{"[fake:review-invalid] review", "please fix", verdict.InvalidOutput},
		{"[fake:review-fail] review", "look again", verdict.Rejected},
		{"[fake:review-fail] review", "[fake:review-pass] look again", verdict.Passed},
	} {
		id := f.create(tc.prompt)
		f.clock.Advance(time.Hour)
		_, err := c.SubmitFollowup(t.Context(), id, oz.FollowupRequest{Message: tc.followup})
		require.NoError(t, err)
		f.clock.Advance(time.Hour)
		assert.Equal(t, tc.want, spec.Judge(f.answerOf(id)).Conclusion, "%s, then %s", tc.prompt, tc.followup)
	}
}
