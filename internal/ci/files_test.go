package ci

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/workspace"
)

// The result file goes through the workspace: never through a symbolic
// link, nor out of the workspace; the output stays empty when it is not
// written.
func TestResultFileRefusesSymbolicLinks(t *testing.T) {
	t.Parallel()
	ws, outside := t.TempDir(), t.TempDir()
	victim := filepath.Join(outside, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("keep"), 0o644))
	require.NoError(t, os.Symlink(victim, filepath.Join(ws, "link.json")))
	require.NoError(t, os.Symlink(outside, filepath.Join(ws, "out")))
	o := Options{Workspace: workspace.New(ws, true)}.withDefaults()
	report := func(path string) Report {
		return Report{Outputs: []Output{{"run_id", "r"}}, ResultFile: path, ResultJSON: []byte("x")}
	}

	outs, err := withResultFile(o, &secrets{}, report("link.json"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "symbolic link")
	assert.Equal(t, []Output{{"run_id", "r"}}, outs)
	outs, err = withResultFile(o, &secrets{}, report("out/r.json"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "outside the workspace")
	assert.Equal(t, []Output{{"run_id", "r"}}, outs)
	got, _ := os.ReadFile(victim)
	assert.Equal(t, "keep", string(got))
	assert.NoFileExists(t, filepath.Join(outside, "r.json"), "nothing written outside")

	outs, err = withResultFile(o, &secrets{}, report("in/r.json"))
	require.NoError(t, err)
	assert.Equal(t, []Output{{"run_id", "r"}, {"result_file", "in/r.json"}}, outs)
	got, _ = os.ReadFile(filepath.Join(ws, "in", "r.json"))
	assert.Equal(t, "x", string(got), "its directory is made")
}

func TestWorkspaceFromTheEnvironment(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env  map[string]string
		dir  string
		inCI bool
	}{
		{nil, ".", false},
		{map[string]string{"GITHUB_WORKSPACE": "/github/workspace", "CI_PROJECT_DIR": "/builds/x", "GITHUB_ACTIONS": "true"}, "/github/workspace", true},
		{map[string]string{"CI_PROJECT_DIR": " /builds/x ", "GITLAB_CI": "true"}, "/builds/x", true},
		{map[string]string{"CI": "true"}, ".", true},
		{map[string]string{"CI": "1"}, ".", true},
		{map[string]string{"CI": "False"}, ".", false},
		{map[string]string{"CI": "0", "GITHUB_ACTIONS": "false", "GITLAB_CI": ""}, ".", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.dir, WorkspaceDir(env(tc.env)), "%v", tc.env)
		assert.Equal(t, tc.inCI, InCI(env(tc.env)), "%v", tc.env)
	}
}
