package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseInitTrace(t *testing.T) {
	t.Parallel()
	trace := "init runtime @0.015 ms, 0.17 ms clock, 0 bytes, 0 allocs\n" +
		"oz-run dev\n" +
		"init github.com/oz-run/oz-run-action/internal/ci @2.2 ms, 1.0 ms clock, 380808 bytes, 5144 allocs\n" +
		"init main @7.2 ms, 0.008 ms clock, 1928 bytes, 29 allocs\n"
	total, end, by, err := parseInitTrace([]byte(trace))
	require.NoError(t, err)
	assert.Equal(t, 1178*time.Microsecond, total)
	assert.Equal(t, 7208*time.Microsecond, end)
	assert.Equal(t, time.Millisecond, by["github.com/oz-run/oz-run-action/internal/ci"])
	r := &initResult{byPkg: map[string][]time.Duration{}}
	for p, d := range by {
		r.byPkg[p] = []time.Duration{d}
	}
	assert.Equal(t, []string{"internal/ci 1.000 ms", "runtime 0.170 ms"}, r.heaviest(2))
	_, _, _, err = parseInitTrace([]byte("oz-run dev\n"))
	assert.Error(t, err)
}
