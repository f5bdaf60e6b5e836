package ci

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/workspace"
)

func TestLocal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, stderr := newBuffers()
	l := newLocal(Options{Getenv: env(nil), Stdout: stdout, Stderr: stderr, Workspace: workspace.New(dir, false)})
	assert.Equal(t, "local", l.Name())
	l.Mask("key-1")
	end := l.Group("Run key-1")
	l.Logf("state %s\x1b[2J", "QUEUED")
	l.Debugf("hidden")
	l.Warning("Slow", "still waiting")
	end()
	r := sampleReport()
	r.Outputs = r.Outputs[:8]
	r.Outputs[0].Value = "key-1"
	r.SummaryText = "Oz run run-123 failed"

	require.NoError(t, l.Publish(r))

	assert.Equal(t, "== Run ***\nstate QUEUED[2J\nWARNING: Slow: still waiting\n", stderr.String())
	golden(t, "local_stdout.golden", stdout.Bytes())
	assert.Equal(t, string(r.ResultJSON), string(readFile(t, filepath.Join(dir, "result.json"))))
	assert.Empty(t, l.Metadata())
}

// On a terminal only the outputs that have a value are printed, and the
// plain-text summary instead of the Markdown.
func TestLocalPrintsWhatIsKnown(t *testing.T) {
	t.Parallel()
	stdout, stderr := newBuffers()
	l := newLocal(Options{Getenv: env(nil), Stdout: stdout, Stderr: stderr, Workspace: workspace.New(t.TempDir(), false)})
	r := Report{
		Outputs:     []Output{{"run_id", "r-1"}, {"state", ""}, {"status_message", " \n"}, {"conclusion", "succeeded"}, {"artifacts", "[]"}},
		Summary:     "## Markdown \\: escaped",
		SummaryText: "Oz run succeeded\nRun: r-1 (https://oz.warp.dev/runs/r-1)",
	}
	require.NoError(t, l.Publish(r))
	assert.Equal(t, "run_id: r-1\nconclusion: succeeded\n\nOz run succeeded\nRun: r-1 (https://oz.warp.dev/runs/r-1)\n", stdout.String())
	assert.Empty(t, stderr.String())
}
