package outcome

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/oz"
)

func TestConclusionOfEachState(t *testing.T) {
	t.Parallel()
	for state, want := range map[oz.State]Conclusion{
		oz.StateSucceeded: Succeeded, oz.StateFailed: Failed, oz.StateError: Error,
		oz.StateBlocked: Blocked, oz.StateCancelled: Cancelled, "EXPLODED": Failed,
	} {
		assert.Equal(t, want, ConclusionOf(state), state)
	}
}

func TestExitCodeUnderFailOn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		res    Result
		failOn FailOn
		want   int
	}{
		{"failed, fail_on none", Result{Conclusion: Failed}, FailOn{}, ExitOK},
		{"failed, fail_on failed", Result{Conclusion: Failed}, FailOn{Failed: true}, ExitFailed},
		{"timed out, fail_on none", Result{Conclusion: TimedOut}, FailOn{}, ExitOK},
		{"timed out, fail_on timed_out", Result{Conclusion: TimedOut}, FailOn{TimedOut: true}, ExitTimedOut},
		{"submitted, fail_on submitted", Result{Conclusion: Submitted}, FailOn{Submitted: true}, ExitFailed},
		{"API error, whatever fail_on", Result{Err: errors.New("x")}, FailOn{}, ExitAPI},
		{"aborted, whatever fail_on", Result{Err: errors.New("x"), Aborted: true}, FailOn{}, ExitAborted},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tc.res.ExitCode(tc.failOn), tc.name)
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 90 * time.Minute: "1h30m", 2 * time.Second: "2s", 500 * time.Millisecond: "500ms",
		time.Minute: "1m", time.Hour + time.Second: "1h0m1s", 61 * time.Second: "1m1s",
	} {
		assert.Equal(t, want, FormatDuration(d))
	}
}
