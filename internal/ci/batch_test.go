package ci

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/workspace"
)

func batchReport(runs string) Report {
	return Report{
		Outputs:  []Output{{Name: "conclusion", Value: "failed"}, {Name: "runs", Value: runs}},
		Failed:   true,
		Title:    "Oz batch",
		Message:  "2 runs: 1 succeeded, 1 failed",
		Duration: 3 * time.Second,
		RunsJSON: []byte(runs),
		Cases: []RunCase{
			{Name: "pkg.a", Conclusion: "succeeded", Duration: time.Second},
			{Name: "pkg.b", Conclusion: "failed", Failed: true, Message: "FAILED: environment_setup_failed <x>", Duration: 2 * time.Second},
		},
	}
}

func TestGitLabBatch(t *testing.T) {
	t.Parallel()
	g, _, dir := newTestGitLab(t, nil)
	runs := `[{"key":"pkg.a","conclusion":"succeeded"},{"key":"pkg.b","conclusion":"failed"}]`
	require.NoError(t, g.Publish(batchReport(runs)))
	assert.Equal(t, runs+"\n", string(readFile(t, filepath.Join(dir, RunsFile))))
	var suites junitSuites
	require.NoError(t, xml.Unmarshal(readFile(t, filepath.Join(dir, "oz-run-junit.xml")), &suites))
	require.Len(t, suites.Suites, 1)
	s := suites.Suites[0]
	assert.Equal(t, 2, s.Tests)
	assert.Equal(t, 1, s.Failures)
	require.Len(t, s.Cases, 2)
	assert.Equal(t, "pkg.a", s.Cases[0].Name)
	assert.Nil(t, s.Cases[0].Failure)
	assert.Equal(t, "pkg.b", s.Cases[1].Name)
	require.NotNil(t, s.Cases[1].Failure)
	assert.Equal(t, "failed", s.Cases[1].Failure.Type)
	assert.Equal(t, "FAILED: environment_setup_failed <x>", s.Cases[1].Failure.Message)
}

func TestGitHubRunsOutputPastTheValueCap(t *testing.T) {
	t.Parallel()
	g, _, vars := newTestGitHub(t, nil)
	var items []string
	for range 200 {
		items = append(items, `{"key":"k","agent_output":"`+strings.Repeat("a", 1000)+`"}`)
	}
	runs := "[" + strings.Join(items, ",") + "]"
	require.Greater(t, len(runs), maxOutputValue)
	require.NoError(t, g.Publish(batchReport(runs)))
	got, err := ParseGitHubOutput(readFile(t, vars["GITHUB_OUTPUT"]))
	require.NoError(t, err)
	// The parser reads back at most 64 KiB a value; the file holds it all.
	assert.Contains(t, string(readFile(t, vars["GITHUB_OUTPUT"])), runs)
	assert.NotEmpty(t, got["runs"])
}

func TestRunsValueCapped(t *testing.T) {
	t.Parallel()
	g, _, _ := newTestGitLab(t, nil)
	var items []string
	for range 300 {
		items = append(items, `{"key":"k","agent_output":"`+strings.Repeat("a", 4000)+`"}`)
	}
	v, note := jsonValueIn(&g.sec, "["+strings.Join(items, ",")+"]", MaxRunsValue)
	assert.LessOrEqual(t, len(v), MaxRunsValue)
	assert.NotEmpty(t, note)
	var back []map[string]string
	require.NoError(t, json.Unmarshal([]byte(v), &back))
	assert.NotEmpty(t, back)
}

func TestLocalWritesNoRunsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out bytes.Buffer
	l := newLocal(Options{Getenv: env(nil), Stdout: &out, Stderr: &out, Workspace: workspace.New(dir, false), Now: fixedNow})
	require.NoError(t, l.Publish(batchReport(`[{"key":"a"}]`)))
	_, err := os.Stat(filepath.Join(dir, RunsFile))
	assert.True(t, os.IsNotExist(err), "no runs file on a terminal: %v", err)
	assert.Contains(t, out.String(), `runs: [{"key":"a"}]`)
}
