package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ownTree makes, in a temporary directory top, a workspace and a
// directory beside it, with real symbolic links:
//
//	top/ws/.git/hooks/       git's own
//	top/ws/sub/up -> ..      a link back to the workspace, on the way
//	top/ws/sub/vendor/.git/  a nested repository
//	top/ws/dot -> .          the workspace
//	top/ws/g -> .git         git's directory
//	top/ws/gabs -> top/ws/.git
//	top/ws/gnew -> .git/new  dangling, into .git
//	top/ws/chain -> g        a link to a link to .git
//	top/ws/sublink -> sub
//	top/ws/parent -> ..      the directory holding the workspace
//	top/ws/ok -> sub         a link to a directory of its own
//	top/ws/loop -> loop
//	top/ws/file              a file
//	top/other/               outside
func ownTree(t *testing.T) (top, ws string) {
	t.Helper()
	top = t.TempDir()
	ws = filepath.Join(top, "ws")
	for _, d := range []string{"ws/.git/hooks", "ws/sub/vendor/.git", "other"} {
		require.NoError(t, os.MkdirAll(filepath.Join(top, d), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(ws, "file"), []byte("x"), 0o644))
	for link, to := range map[string]string{
		"sub/up": "..", "dot": ".", "g": ".git", "gabs": filepath.Join(ws, ".git"), "gnew": ".git/new",
		"chain": "g", "sublink": "sub", "parent": "..", "ok": "sub", "loop": "loop",
	} {
		require.NoError(t, os.Symlink(to, filepath.Join(ws, link)))
	}
	return top, ws
}

func TestCheckOwnDir(t *testing.T) {
	t.Parallel()
	top, ws := ownTree(t)
	cases := []struct {
		name     string
		path     string
		terminal bool // else CI (confined)
		want     error
	}{
		{"a new directory", "oz-files", false, nil},
		{"an existing directory", "sub", false, nil},
		{"deep and new", "out/oz/files", false, nil},
		{"a link to a directory of its own", "ok", false, nil},
		{"through a link to the workspace, below it", "dot/oz-files", false, nil},
		{"a name holding .git", "my.git-files", false, nil},
		{"the workspace: .", ".", false, ErrWorkspaceDir},
		{"the workspace: ./", "./", false, ErrWorkspaceDir},
		{"the workspace: sub/..", "sub/..", false, ErrWorkspaceDir},
		{"the workspace: absolute", ws, false, ErrWorkspaceDir},
		{"the workspace: a link", "dot", false, ErrWorkspaceDir},
		{"the workspace: a link on the way", "sub/up", false, ErrWorkspaceDir},
		{"the workspace: links on the way", "sublink/up", false, ErrWorkspaceDir},
		{"the workspace: a link then ..", "sublink/up/sub/..", false, ErrWorkspaceDir},
		{".git", ".git", false, ErrGitDir},
		{".git/sub", ".git/sub", false, ErrGitDir},
		{".git/hooks", ".git/hooks", false, ErrGitDir},
		{".git in another case", ".GIT/x", false, ErrGitDir},
		{".git absolute", filepath.Join(ws, ".git", "x"), false, ErrGitDir},
		{".git through ..", "sub/../.git", false, ErrGitDir},
		{"a nested repository's .git", "sub/vendor/.git/x", false, ErrGitDir},
		{".git: a link", "g", false, ErrGitDir},
		{".git: below a link", "g/sub", false, ErrGitDir},
		{".git: an absolute link", "gabs", false, ErrGitDir},
		{".git: a dangling link", "gnew", false, ErrGitDir},
		{".git: a chain of links", "chain/x", false, ErrGitDir},
		{".git: through a link back", "sub/up/.git", false, ErrGitDir},
		{"the workspace's parent through a link", "parent", false, ErrHoldsWorkspace},
		{"outside as written", "../other", false, ErrOutside},
		{"a loop of links", "loop/x", false, errLinks},

		{"terminal: a new directory", "oz-files", true, nil},
		{"terminal: outside", filepath.Join(top, "other"), true, nil},
		{"terminal: outside, relative", "../other/files", true, nil},
		{"terminal: the current directory", ".", true, ErrWorkspaceDir},
		{"terminal: the current directory, absolute", ws, true, ErrWorkspaceDir},
		{"terminal: the current directory, from outside", "../ws", true, ErrWorkspaceDir},
		{"terminal: a link to it", "dot", true, ErrWorkspaceDir},
		{"terminal: its parent", "..", true, ErrHoldsWorkspace},
		{"terminal: the root", "/", true, ErrHoldsWorkspace},
		{"terminal: .git", ".git/x", true, ErrGitDir},
		{"terminal: .git through a link", "g", true, ErrGitDir},
		{"terminal: another repository's .git", filepath.Join(top, "other", ".git"), true, ErrGitDir},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := New(ws, !tc.terminal)
			err := w.CheckOwnDir(tc.path)
			switch {
			case tc.want == nil:
				assert.NoError(t, err)
				return
			case tc.want == errLinks:
				require.Error(t, err)
				assert.Contains(t, err.Error(), "more than 40 symbolic links")
			default:
				assert.ErrorIs(t, err, tc.want)
			}
			var we *Error
			require.ErrorAs(t, err, &we)
			assert.Equal(t, tc.path, we.Path, "the error names the path as given")
		})
	}
}

// errLinks stands for "too many links" in the table.
var errLinks = errors.New("too many links")

// The message says what the path is and, for a link, where it leads.
func TestCheckOwnDirMessage(t *testing.T) {
	t.Parallel()
	_, ws := ownTree(t)
	realWS, err := filepath.EvalSymlinks(ws)
	require.NoError(t, err)
	err = New(ws, true).CheckOwnDir("g")
	require.Error(t, err)
	assert.Equal(t, "g ("+filepath.Join(ws, "g")+"): it is .git or inside it, where git keeps the repository (and its hooks) ("+ws+") through a symbolic link (it leads to "+filepath.Join(realWS, ".git")+")", err.Error())
	err = New(ws, true).CheckOwnDir(".")
	require.Error(t, err)
	assert.Equal(t, ". ("+ws+"): it is the workspace itself ("+ws+")", err.Error())
}

// realPath follows links as the system does.
func TestRealPath(t *testing.T) {
	t.Parallel()
	top, ws := ownTree(t)
	// The temporary directory may itself be reached through a link.
	realTop, err := filepath.EvalSymlinks(top)
	require.NoError(t, err)
	realWS := filepath.Join(realTop, "ws")
	cases := []struct{ in, want string }{
		{ws, realWS},
		{filepath.Join(ws, "dot"), realWS},
		{filepath.Join(ws, "sub/up"), realWS},
		{filepath.Join(ws, "sublink/up/g/hooks"), filepath.Join(realWS, ".git/hooks")},
		{filepath.Join(ws, "gnew/deeper"), filepath.Join(realWS, ".git/new/deeper")},
		{filepath.Join(ws, "parent/other"), filepath.Join(realTop, "other")},
		{filepath.Join(ws, "missing/../x"), filepath.Join(realWS, "x")},
		{filepath.Join(ws, "file/x"), filepath.Join(realWS, "file/x")},
		{"/", "/"},
	}
	for _, tc := range cases {
		got, err := realPath(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

// CreateBelow checks its directory again when it writes (a link swapped in
// since the start), and never writes a .git below it.
func TestCreateBelowOnlyInADirectoryOfItsOwn(t *testing.T) {
	t.Parallel()
	for _, confined := range []bool{true, false} {
		_, ws := ownTree(t)
		w := New(ws, confined)
		cases := []struct {
			dir, rel string
			want     error
		}{
			{"files", "report.md", nil},
			{"files", "a/.github/x.yml", nil},
			{"dot", "report.md", ErrWorkspaceDir},
			{"g", "report.md", ErrGitDir},
			{"files", ".git/hooks/pre-commit", ErrGitDir},
			{"files", "x/.GIT/config", ErrGitDir},
			{"files", "x/.git", ErrGitDir},
		}
		for _, tc := range cases {
			f, _, err := w.CreateBelow("a download", tc.dir, filepath.FromSlash(tc.rel))
			if tc.want == nil {
				require.NoError(t, err, "%s/%s", tc.dir, tc.rel)
				require.NoError(t, f.Close())
				continue
			}
			assert.ErrorIs(t, err, tc.want, "%s/%s", tc.dir, tc.rel)
		}
		assert.NoFileExists(t, filepath.Join(ws, "report.md"), "nothing in the workspace itself")
		entries, err := os.ReadDir(filepath.Join(ws, ".git"))
		require.NoError(t, err)
		assert.Len(t, entries, 1, "nothing in .git but its hooks directory")
		assert.NoDirExists(t, filepath.Join(ws, "files", "x"), "no directory made for a refused name")
	}
}
