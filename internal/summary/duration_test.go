package summary

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

func TestParseRunTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"PT2M14S", 2*time.Minute + 14*time.Second, true},
		{"PT2M14.5S", 2*time.Minute + 14500*time.Millisecond, true},
		{"PT0,5S", 500 * time.Millisecond, true},
		{"P1DT2H", 26 * time.Hour, true},
		{"P1W", 7 * 24 * time.Hour, true},
		{"pt1h", time.Hour, true},
		{"PT0S", 0, true},
		{"2m14s", 2*time.Minute + 14*time.Second, true},
		{" PT5S ", 5 * time.Second, true},
		{"P", 0, false},
		{"PT", 0, false},
		{"P1DT", 0, false},
		{"P1Y", 0, false},
		{"-PT5S", 0, false},
		{"-5s", 0, false},
		{"PT99999999999999999999H", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRunTime(tt.in)
		assert.Equal(t, tt.ok, ok, "parseRunTime(%q)", tt.in)
		if tt.ok {
			assert.Equal(t, tt.want, got, "parseRunTime(%q)", tt.in)
		}
	}
}

func TestHuman(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{-time.Second, "0s"},
		{499 * time.Millisecond, "0s"},
		{999 * time.Millisecond, "1s"},
		{14 * time.Second, "14s"},
		{2*time.Minute + 14*time.Second + 400*time.Millisecond, "2m 14s"},
		{2*time.Minute + 14*time.Second + 600*time.Millisecond, "2m 15s"},
		{2 * time.Minute, "2m"},
		{time.Hour + 5*time.Second, "1h 5s"},
		{26*time.Hour + 3*time.Minute, "26h 3m"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, human(tt.in), "human(%v)", tt.in)
	}
}

func TestElapsed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "+0:00"},
		{3 * time.Second, "+0:03"},
		{12*time.Minute + 34*time.Second, "+12:34"},
		{time.Hour + 2*time.Minute + 3*time.Second, "+1:02:03"},
		{-3 * time.Second, "-0:03"},
		{1600 * time.Millisecond, "+0:02"},
		{1400 * time.Millisecond, "+0:01"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, elapsed(tt.in), "elapsed(%v)", tt.in)
	}
}

// The table's Duration and the timeline's last elapsed time round alike
// (regression: "Duration 1s" next to a timeline ending at +0:02).
func TestDurationAndTimelineRoundAlike(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{1600 * time.Millisecond, 2400 * time.Millisecond, 59500 * time.Millisecond, 2*time.Minute + 14600*time.Millisecond} {
		r := outcome.Result{
			RunID: "r", Run: &oz.Run{RunID: "r", State: oz.StateSucceeded},
			State: oz.StateSucceeded, Conclusion: outcome.Succeeded,
			Started: t0, Ended: t0.Add(d), Timeline: []outcome.Transition{{State: oz.StateSucceeded, At: t0.Add(d)}},
		}
		md := Render(r, Options{})
		secs := int(d.Round(time.Second) / time.Second)
		assert.Contains(t, md, "| Duration | "+human(d)+" (waited) |")
		assert.Contains(t, md, fmt.Sprintf("| +%d:%02d | ", secs/60, secs%60), d)
		assert.Equal(t, human(d), human(time.Duration(secs)*time.Second), d)
		clock := t0.Add(time.Duration(secs) * time.Second).Format(time.TimeOnly)
		assert.Contains(t, md, " | "+clock+" | ", "the clock rounds alike: %v", d)
	}
}
