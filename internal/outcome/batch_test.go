package outcome

import (
	"errors"
	"testing"
)

func TestWorst(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []Conclusion
		want Conclusion
	}{
		{nil, ""},
		{[]Conclusion{Succeeded}, Succeeded},
		{[]Conclusion{Succeeded, Cancelled, TimedOut}, TimedOut},
		{[]Conclusion{Blocked, OverBudget, Succeeded}, OverBudget},
		{[]Conclusion{"rejected", "invalid_output"}, "invalid_output"},
		{[]Conclusion{"invalid_output", Failed, Blocked}, Failed},
		{[]Conclusion{Failed, Error, Succeeded}, Error},
		{[]Conclusion{"", Succeeded, ""}, Succeeded},
	} {
		if got := Worst(tc.in...); got != tc.want {
			t.Errorf("Worst(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBatchResult(t *testing.T) {
	t.Parallel()
	failOn := FailOn{Failed: true, Error: true, TimedOut: true, Cancelled: true, Blocked: true}
	ok := BatchRun{Key: "a", Result: Result{Conclusion: Succeeded}}
	for _, tc := range []struct {
		name string
		b    Batch
		want Conclusion
		code int
	}{
		{"all pass", Batch{Runs: []BatchRun{ok, ok}}, Succeeded, ExitOK},
		{"one fails", Batch{Runs: []BatchRun{ok, {Key: "b", Result: Result{Conclusion: Failed}}}}, Failed, ExitFailed},
		{"timed out", Batch{TimedOut: true, Runs: []BatchRun{ok, {Key: "b", Result: Result{Conclusion: TimedOut}}}}, TimedOut, ExitTimedOut},
		{"an API error", Batch{Runs: []BatchRun{ok, {Key: "b", Result: Result{Err: errors.New("create: 500")}}}}, Error, ExitAPI},
		{"aborted", Batch{Aborted: true, Runs: []BatchRun{{Key: "b", Result: Result{Aborted: true, Err: errors.New("aborted")}}}}, "", ExitAborted},
	} {
		res := tc.b.Result()
		if res.Conclusion != tc.want || tc.b.ExitCode(failOn) != tc.code {
			t.Errorf("%s: conclusion %q exit %d, want %q %d", tc.name, res.Conclusion, tc.b.ExitCode(failOn), tc.want, tc.code)
		}
	}
}
