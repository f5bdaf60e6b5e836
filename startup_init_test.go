package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Nothing costly runs at package init (issue 17): a regular expression
// compiled there (one with a {1,255}-style repetition cost a millisecond
// of every start), a table built there, the fake API's setup (linked into
// every oz-run for demo and fake-server). Checked by what the inits of
// this module's packages allocate, as `GODEBUG=inittrace=1` reports it
// for this test binary (which links them as oz-run does): a count, not a
// time, so it holds on a busy machine. How long the inits take is a
// figure of `go run ./bench` (under 4 ms).
func TestStartupPackageInitAllocatesLittle(t *testing.T) {
	t.Parallel()
	const maxAllocs, maxBytes = 100, 48 << 10 // per package
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	seen := 0
	for _, line := range strings.Split(string(out), "\n") {
		// init PKG @2.2 ms, 1.0 ms clock, 380808 bytes, 5144 allocs
		f := strings.Fields(line)
		if len(f) != 11 || f[0] != "init" || !strings.HasPrefix(f[1], "github.com/oz-run/oz-run-action/internal/") {
			continue
		}
		seen++
		bytes, err1 := strconv.Atoi(f[7])
		allocs, err2 := strconv.Atoi(f[9])
		require.NoError(t, err1, line)
		require.NoError(t, err2, line)
		assert.LessOrEqual(t, allocs, maxAllocs, "%s: its package init allocates too much; build it on first use (sync.OnceValue) or check with a loop", line)
		assert.LessOrEqual(t, bytes, maxBytes, "%s: its package init allocates too much; build it on first use (sync.OnceValue) or check with a loop", line)
	}
	assert.Positive(t, seen, "no init line of this module's packages in:\n%s", out)
}
