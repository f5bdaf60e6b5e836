package workspace

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCreateBelow: a name from elsewhere is written below its directory,
// never through a link that is already there, never over a file.
func TestCreateBelow(t *testing.T) {
	t.Parallel()
	for _, confined := range []bool{true, false} {
		ws, outside := tree(t)
		w := New(ws, confined)
		files := filepath.Join(ws, "files")
		require.NoError(t, os.MkdirAll(files, 0o755))
		require.NoError(t, os.Symlink(outside, filepath.Join(files, "linkdir")))
		require.NoError(t, os.Symlink(filepath.Join(ws, "dir"), filepath.Join(files, "inside")))
		require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(files, "secret")))
		require.NoError(t, os.WriteFile(filepath.Join(files, "plain"), []byte("x"), 0o644))

		f, path, err := w.CreateBelow("a download", "files", "a/b/report.md")
		require.NoError(t, err)
		assert.Equal(t, filepath.Join("files", "a", "b", "report.md"), path)
		_, err = f.WriteString("report")
		require.NoError(t, err)
		require.NoError(t, f.Close())
		assert.Equal(t, "report", read(t, ws, "files/a/b/report.md"))

		f, _, err = w.CreateBelow("a download", "new/dir", "x.txt")
		require.NoError(t, err, "the directory and its parents are made")
		require.NoError(t, f.Close())

		_, _, err = w.CreateBelow("a download", "files", "a/b/report.md")
		assert.ErrorIs(t, err, fs.ErrExist, "never over a file")
		_, _, err = w.CreateBelow("a download", "files", "secret")
		assert.ErrorIs(t, err, fs.ErrExist, "never through a link: it is there already")
		assert.Equal(t, "secret", read(t, outside, "secret"))

		for _, rel := range []string{"linkdir/x.txt", "inside/x.txt", "linkdir/deeper/x.txt"} {
			_, _, err = w.CreateBelow("a download", "files", rel)
			require.ErrorIs(t, err, ErrSymlink, "a link below the directory is not followed, even one that stays inside: %s", rel)
			assert.Contains(t, err.Error(), "writing a download files/"+rel)
		}
		_, _, err = w.CreateBelow("a download", "files", "plain/x.txt")
		assert.ErrorIs(t, err, ErrNotDirectory)
		entries, err := os.ReadDir(outside)
		require.NoError(t, err)
		assert.Len(t, entries, 1, "nothing written outside")
		assert.NoFileExists(t, filepath.Join(ws, "dir", "x.txt"))

		for _, rel := range []string{"", "../x", "/abs", "a/../b", "./a", "a//b"} {
			_, _, err = w.CreateBelow("a download", "files", rel)
			assert.Error(t, err, "%q is not a clean relative name", rel)
		}
		_, _, err = w.CreateBelow("a download", "out", "x.txt")
		if confined {
			assert.ErrorIs(t, err, ErrOutside, "the directory itself leads out")
		}

		require.NoError(t, w.Remove("files/a/b/report.md"))
		assert.NoFileExists(t, filepath.Join(files, "a", "b", "report.md"))
		require.NoError(t, w.Remove("files/secret"))
		assert.Equal(t, "secret", read(t, outside, "secret"), "the link is removed, not its target")
	}
}

// TestCreateBelowOwnership: as root, the directories and the file made
// below the directory get the workspace's owner.
func TestCreateBelowOwnership(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (as in a GitHub docker action)")
	}
	t.Parallel()
	ws := t.TempDir()
	require.NoError(t, os.Chown(ws, 1001, 1001))
	for _, confined := range []bool{true, false} {
		f, _, err := New(ws, confined).CreateBelow("a download", "files", "a/b.txt")
		require.NoError(t, err)
		require.NoError(t, f.Close())
		for _, p := range []string{"files", "files/a", "files/a/b.txt"} {
			assert.Equal(t, [2]int{1001, 1001}, owner(t, filepath.Join(ws, p)), p)
		}
		require.NoError(t, os.RemoveAll(filepath.Join(ws, "files")))
	}
}
