package summary

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
		{999 * time.Millisecond, "0s"},
		{14 * time.Second, "14s"},
		{2*time.Minute + 14*time.Second + 600*time.Millisecond, "2m 14s"},
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
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, elapsed(tt.in), "elapsed(%v)", tt.in)
	}
}
