package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	s := summarize([]time.Duration{5 * ms, 1 * ms, 3 * ms, 2 * ms, 4 * ms})
	assert.Equal(t, stats{n: 5, median: 3 * ms, p10: 1 * ms, p90: 5 * ms, mean: 3 * ms, w: 5 * ms}, s)
	assert.Equal(t, stats{}, summarize(nil))
}

func TestWriteSection(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "RESULTS.md")
	ok, err := writeSection(path, "bench", "Performance", "one\n", true)
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = writeSection(path, "soak", "Soak", "two\n", true)
	require.NoError(t, err)
	_, err = writeSection(path, "bench", "Performance", "three\n", true)
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "one")
	assert.Contains(t, string(b), "<!-- bench:begin -->\nthree\n<!-- bench:end -->")
	assert.Contains(t, string(b), "<!-- soak:begin -->\ntwo\n<!-- soak:end -->")

	readme := filepath.Join(t.TempDir(), "README.md")
	require.NoError(t, os.WriteFile(readme, []byte("# x\n"), 0o644))
	ok, err = writeSection(readme, "bench", "", "table\n", false)
	require.NoError(t, err)
	assert.False(t, ok, "a file without the markers is left alone")
	b, _ = os.ReadFile(readme)
	assert.Equal(t, "# x\n", string(b))
}

func TestRunEndIsWithinThePhaseWindow(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ length, lo, hi time.Duration }{
		{20 * time.Second, 15 * time.Second, 25 * time.Second},
		{10 * time.Minute, 585 * time.Second, 615 * time.Second},
	} {
		for range 1000 {
			end := runEnd(tc.length, r)
			assert.True(t, end >= tc.lo && end < tc.hi, "end %s of a %s run", end, tc.length)
		}
	}
}

// The simulation agrees with arithmetic for a fixed poller, and keeps
// today's schedule's known shape: under the 30 s poller's latency at 20 s
// and 10 minutes, at most 1.3 times its requests at 10 minutes.
func TestWhatIf(t *testing.T) {
	t.Parallel()
	fixed := whatIf{fixed: 30 * time.Second}.simulate(10*time.Minute, 4000, rand.New(rand.NewPCG(1, 1)))
	assert.InDelta(t, 20.5, fixed.requests, 0.2)
	assert.InDelta(t, 15.0, fixed.mean.Seconds(), 0.5)
	today := whatIfs[0]
	short := today.simulate(20*time.Second, 4000, rand.New(rand.NewPCG(1, 1)))
	assert.Less(t, short.mean, 10*time.Second)
	long := today.simulate(10*time.Minute, 4000, rand.New(rand.NewPCG(1, 1)))
	assert.LessOrEqual(t, long.requests/fixed.requests, 1.3)
	assert.LessOrEqual(t, long.mean, fixed.mean)
	capped := whatIf{multiplier: 1.5, jitter: 0.2, underCap: true}.simulate(10*time.Minute, 4000, rand.New(rand.NewPCG(1, 1)))
	assert.LessOrEqual(t, capped.worst, 30*time.Second, "no wait passes the cap")
}
