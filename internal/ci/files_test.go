package ci

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteFileRefusesSymbolicLinks(t *testing.T) {
	t.Parallel()
	ws, outside := t.TempDir(), t.TempDir()
	victim := filepath.Join(outside, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("keep"), 0o644))
	require.NoError(t, os.Symlink(victim, filepath.Join(ws, "link.json")))
	require.NoError(t, os.Symlink(outside, filepath.Join(ws, "out")))
	require.NoError(t, os.Mkdir(filepath.Join(ws, "in"), 0o755))
	o := Options{Workspace: ws}.withDefaults()

	err := o.writeFile("the result file", "link.json", []byte("x"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "symbolic link")
	err = o.writeFile("the result file", "out/r.json", []byte("x"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "outside the workspace")
	got, _ := os.ReadFile(victim)
	assert.Equal(t, "keep", string(got))
	_, err = os.Stat(filepath.Join(outside, "r.json"))
	assert.True(t, os.IsNotExist(err), "nothing written outside")

	require.NoError(t, o.writeFile("the result file", "in/r.json", []byte("ok")))
	got, _ = os.ReadFile(filepath.Join(ws, "in", "r.json"))
	assert.Equal(t, "ok", string(got))
}
