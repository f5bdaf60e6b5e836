package workspace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tree makes a workspace and a directory outside it, with:
//
//	ws/p.md             "prompt"
//	ws/dir/             a directory
//	ws/file             a file where a directory might be wanted
//	ws/fifo             a FIFO
//	ws/in -> dir        a relative link that stays inside
//	ws/abs -> ws/dir    an absolute link that stays inside
//	ws/out -> outside   a link that leads out
//	ws/secret -> outside/secret
//	ws/p-link.md -> p.md
//	outside/secret      "secret"
func tree(t *testing.T) (ws, outside string) {
	t.Helper()
	ws, outside = t.TempDir(), t.TempDir()
	write := func(p, s string) { require.NoError(t, os.WriteFile(p, []byte(s), 0o644)) }
	write(filepath.Join(ws, "p.md"), "prompt")
	write(filepath.Join(ws, "file"), "x")
	write(filepath.Join(outside, "secret"), "secret")
	require.NoError(t, os.Mkdir(filepath.Join(ws, "dir"), 0o755))
	require.NoError(t, syscall.Mkfifo(filepath.Join(ws, "fifo"), 0o644))
	require.NoError(t, os.Symlink("dir", filepath.Join(ws, "in")))
	require.NoError(t, os.Symlink(filepath.Join(ws, "dir"), filepath.Join(ws, "abs")))
	require.NoError(t, os.Symlink(outside, filepath.Join(ws, "out")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(ws, "secret")))
	require.NoError(t, os.Symlink("p.md", filepath.Join(ws, "p-link.md")))
	return ws, outside
}

func TestAbs(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	cases := []struct {
		path     string
		confined bool
		want     string
		err      error
	}{
		{"out/r.json", true, filepath.Join(ws, "out/r.json"), nil},
		{"./out//r.json", true, filepath.Join(ws, "out/r.json"), nil},
		{filepath.Join(ws, "r.json"), true, filepath.Join(ws, "r.json"), nil},
		{"../r.json", true, filepath.Join(filepath.Dir(ws), "r.json"), ErrOutside},
		{"out/../../r.json", true, filepath.Join(filepath.Dir(ws), "r.json"), ErrOutside},
		{"/tmp/r.json", true, "/tmp/r.json", ErrOutside},
		{"/tmp/r.json", false, "/tmp/r.json", nil},
		{"../r.json", false, filepath.Join(filepath.Dir(ws), "r.json"), nil},
	}
	for _, tc := range cases {
		got, err := New(ws, tc.confined).Abs(tc.path)
		assert.Equal(t, tc.want, got, tc.path)
		if tc.err == nil {
			assert.NoError(t, err, tc.path)
			continue
		}
		require.ErrorIs(t, err, tc.err, tc.path)
		assert.Contains(t, err.Error(), "("+ws+")", "the error names the workspace's absolute path")
	}
}

func TestNewMakesTheDirectoryAbsolute(t *testing.T) {
	t.Parallel()
	cwd, err := os.Getwd()
	require.NoError(t, err)
	assert.Equal(t, cwd, New("", false).Dir())
	assert.Equal(t, cwd, New(".", true).Dir())
	assert.Equal(t, filepath.Join(cwd, "x"), New("x/", true).Dir())
	assert.True(t, New(".", true).Confined())
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	ws, outside := tree(t)
	dev := "/dev/null"
	cases := []struct {
		name     string
		path     string
		confined bool
		want     string
		err      error
		says     string
	}{
		{"relative", "p.md", true, "prompt", nil, ""},
		{"absolute inside", filepath.Join(ws, "p.md"), true, "prompt", nil, ""},
		{"relative link inside", "p-link.md", true, "prompt", nil, ""},
		{"link out", "secret", true, "", ErrOutside, "through a symbolic link"},
		{"directory link out", "out/secret", true, "", ErrOutside, "through a symbolic link"},
		{"dot dot", "../x", true, "", ErrOutside, ""},
		{"absolute outside", filepath.Join(outside, "secret"), true, "", ErrOutside, ""},
		{"fifo", "fifo", true, "", ErrNotRegular, "FIFO"},
		{"directory", "dir", true, "", ErrDirectory, ""},
		{"missing", "nope.md", true, "", fs.ErrNotExist, "no such file"},
		{"terminal: link out", "secret", false, "secret", nil, ""},
		{"terminal: absolute anywhere", filepath.Join(outside, "secret"), false, "secret", nil, ""},
		{"terminal: device", dev, false, "", ErrNotRegular, ""},
		{"terminal: fifo", filepath.Join(ws, "fifo"), false, "", ErrNotRegular, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := New(ws, tc.confined).ReadFile(tc.path, 1<<20)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				var we *Error
				require.ErrorAs(t, err, &we)
				assert.Equal(t, tc.path, we.Path)
				assert.Contains(t, err.Error(), tc.says)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}

func TestReadFileLimit(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(ws, "big"), make([]byte, 1<<20+1), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(ws, "max"), make([]byte, 1<<20), 0o644))
	w := New(ws, true)
	_, err := w.ReadFile("big", 1<<20)
	require.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), "larger than 1 MiB")
	var tl *TooLargeError
	require.ErrorAs(t, err, &tl)
	assert.Equal(t, int64(1<<20), tl.Limit)
	data, err := w.ReadFile("max", 1<<20)
	require.NoError(t, err)
	assert.Len(t, data, 1<<20)
}

func TestReadFileNeverBlocksOnAFIFO(t *testing.T) {
	t.Parallel()
	ws, _ := tree(t)
	done := make(chan error, 2)
	go func() { _, err := New(ws, true).ReadFile("fifo", 10); done <- err }()
	go func() { _, err := New(ws, false).ReadFile("fifo", 10); done <- err }()
	for range 2 {
		select {
		case err := <-done:
			assert.ErrorIs(t, err, ErrNotRegular)
		case <-time.After(30 * time.Second): // a hang detector, with room for a busy machine
			t.Fatal("reading a FIFO blocked")
		}
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "1 MiB", Size(1<<20))
	assert.Equal(t, "64 KiB", Size(64<<10))
	assert.Equal(t, "1025 bytes", Size(1025))
}

func TestCheckWrite(t *testing.T) {
	t.Parallel()
	ws, outside := tree(t)
	cases := []struct {
		name     string
		path     string
		confined bool
		err      error
	}{
		{"new file", "r.json", true, nil},
		{"missing directories", "a/b/c/r.json", true, nil},
		{"existing file", "p.md", true, nil},
		{"through a link inside", "in/r.json", true, nil},
		{"the file is a link", "p-link.md", true, ErrSymlink},
		{"the file is a link out", "secret", true, ErrSymlink},
		{"a directory", "dir", true, ErrDirectory},
		{"the workspace", ".", true, ErrDirectory},
		{"a fifo", "fifo", true, ErrNotRegular},
		{"a file on the way", "file/r.json", true, ErrNotDirectory},
		{"a link out on the way", "out/r.json", true, ErrOutside},
		{"an absolute link on the way", "abs/r.json", true, ErrOutside},
		{"dot dot", "../r.json", true, ErrOutside},
		{"terminal: anywhere", filepath.Join(outside, "new", "r.json"), false, nil},
		{"terminal: a link on the way", "out/r.json", false, nil},
		{"terminal: the file is a link", "secret", false, ErrSymlink},
		{"terminal: a device", "/dev/null", false, ErrNotRegular},
	}
	for _, tc := range cases {
		err := New(ws, tc.confined).CheckWrite(tc.path)
		if tc.err == nil {
			assert.NoError(t, err, tc.name)
		} else {
			assert.ErrorIs(t, err, tc.err, tc.name)
		}
	}
	_, err := os.Stat(filepath.Join(ws, "a"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "checking creates nothing")
}

func TestCreate(t *testing.T) {
	t.Parallel()
	for _, confined := range []bool{true, false} {
		ws, outside := tree(t)
		w := New(ws, confined)

		require.NoError(t, w.WriteFile("the result file", "a/b/r.json", []byte("new")))
		assert.Equal(t, "new", read(t, ws, "a/b/r.json"), "missing directories are made")
		require.NoError(t, w.WriteFile("the result file", "a/b/r.json", []byte("x")))
		assert.Equal(t, "x", read(t, ws, "a/b/r.json"), "an existing file is truncated")
		require.NoError(t, w.WriteFile("the result file", "in/r.json", []byte("in")))
		assert.Equal(t, "in", read(t, ws, "dir/r.json"))

		err := w.WriteFile("the result file", "secret", []byte("pwned"))
		require.ErrorIs(t, err, ErrSymlink)
		assert.Contains(t, err.Error(), "writing the result file secret ("+filepath.Join(ws, "secret")+"): it is a symbolic link")
		assert.Equal(t, "secret", read(t, outside, "secret"), "nothing written through the link")

		err = w.WriteFile("the dotenv report", "dir", nil)
		assert.ErrorIs(t, err, ErrDirectory)
		err = w.WriteFile("the dotenv report", "file/x", nil)
		assert.ErrorIs(t, err, ErrNotDirectory)
		assert.Contains(t, err.Error(), filepath.Join(ws, "file"), "names the file on the way")

		done := make(chan error, 1)
		go func() { done <- w.WriteFile("the summary file", "fifo", []byte("x")) }()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, ErrNotRegular)
		case <-time.After(30 * time.Second): // a hang detector, with room for a busy machine
			t.Fatal("writing to a FIFO blocked")
		}

		err = w.WriteFile("the result file", "out/r.json", []byte("x"))
		if confined {
			require.ErrorIs(t, err, ErrOutside)
			assert.Contains(t, err.Error(), ws)
			assert.NoFileExists(t, filepath.Join(outside, "r.json"), "nothing written outside")
		} else {
			require.NoError(t, err, "a terminal follows the user's own links")
		}
	}
}

func TestEscapeErrorIsRecognised(t *testing.T) {
	t.Parallel()
	root, err := os.OpenRoot(t.TempDir())
	require.NoError(t, err)
	defer root.Close()
	_, err = root.Stat("../x")
	var pe *fs.PathError
	require.ErrorAs(t, err, &pe)
	assert.True(t, isEscape(pe), "os.Root's escape error changed its text: %v", err)
}

// TestOwnership is real: as root, what oz-run creates inside a workspace
// owned by 1001:1001 belongs to 1001:1001; files it only rewrites, and
// files outside the workspace, keep their owner.
func TestOwnership(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (as in a GitHub docker action)")
	}
	t.Parallel()
	ws, outside := t.TempDir(), t.TempDir()
	require.NoError(t, os.Chown(ws, 1001, 1001))
	require.NoError(t, os.WriteFile(filepath.Join(ws, "mine"), nil, 0o644))
	for _, confined := range []bool{true, false} {
		w := New(ws, confined)
		require.NoError(t, w.WriteFile("a file", "a/b/r.json", []byte("x")))
		require.NoError(t, w.WriteFile("a file", "mine", []byte("x")))
		for _, p := range []string{"a", "a/b", "a/b/r.json"} {
			assert.Equal(t, [2]int{1001, 1001}, owner(t, filepath.Join(ws, p)), p)
		}
		assert.Equal(t, [2]int{0, 0}, owner(t, filepath.Join(ws, "mine")), "a file rewritten keeps its owner")
		require.NoError(t, os.RemoveAll(filepath.Join(ws, "a")))
	}
	require.NoError(t, New(ws, false).WriteFile("a file", filepath.Join(outside, "o", "r.json"), nil))
	assert.Equal(t, [2]int{0, 0}, owner(t, filepath.Join(outside, "o")), "outside the workspace: root's")
	assert.Equal(t, [2]int{0, 0}, owner(t, filepath.Join(outside, "o", "r.json")))

	require.NoError(t, os.Chown(ws, 0, 0))
	require.NoError(t, New(ws, true).WriteFile("a file", "c/r.json", nil))
	assert.Equal(t, [2]int{0, 0}, owner(t, filepath.Join(ws, "c/r.json")), "a root-owned workspace: nothing to change")
}

func TestNoOwnerChangeWhenNotRoot(t *testing.T) {
	t.Parallel()
	w := New(t.TempDir(), true)
	if os.Geteuid() != 0 {
		assert.Equal(t, -1, w.uid, "not root: nothing to give")
	}
	assert.NoError(t, w.chown(filepath.Join(w.dir, "x"), func(int, int) error {
		if w.uid < 0 {
			return errors.New("called")
		}
		return nil
	}))
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return string(b)
}

func owner(t *testing.T, path string) [2]int {
	t.Helper()
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	st := fi.Sys().(*syscall.Stat_t)
	return [2]int{int(st.Uid), int(st.Gid)}
}
