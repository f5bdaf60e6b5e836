package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CreateBelow creates the new file rel below the directory dir, for a file
// whose name came from elsewhere (a downloaded artifact's): rel is a clean
// relative path (filepath.IsLocal, as work cleans a name). dir and its missing parents are made
// as Create makes a file's directories (in CI dir must stay inside the
// workspace, links resolved). Below dir nothing is reached through a
// symbolic link: a link among rel's directories is refused (ErrSymlink),
// as is a file where a directory is needed (ErrNotDirectory); rel's own
// name is opened without following a link, and an existing file or link
// there is an error matching fs.ErrExist (the caller tries another name).
// What is made gets the workspace's owner. dir must be a directory of its
// own (CheckOwnDir), and no part of rel may be named .git (ErrGitDir).
// It returns the file and its path (dir joined with rel). Errors are
// *Error.
func (w *Workspace) CreateBelow(what, dir, rel string) (*os.File, string, error) {
	path := filepath.Join(dir, rel)
	f, err := w.createBelow(dir, rel, path)
	return f, path, named(err, what)
}

func (w *Workspace) createBelow(dir, rel, path string) (*os.File, error) {
	clean := filepath.Clean(rel)
	if rel == "" || clean != rel || !filepath.IsLocal(rel) {
		return nil, &Error{Path: path, Err: fmt.Errorf("%q is not a clean relative name", rel)}
	}
	// dir was checked before the run; a link swapped in since is caught
	// here, and so is a .git in rel (a repository's hooks and config, or a
	// .git file pointing git elsewhere, planted below dir).
	if err := w.CheckOwnDir(dir); err != nil {
		return nil, err
	}
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if strings.EqualFold(part, ".git") {
			return nil, &Error{Path: path, Err: ErrGitDir}
		}
	}
	t, fsys, name, done, err := w.reach(path)
	if err != nil {
		return nil, err
	}
	defer done()
	td, err := w.resolve(dir)
	if err != nil {
		return nil, err
	}
	base := td.abs // the directory's name in fsys
	if w.confined {
		base = td.rel
	}
	// dir itself, and its parents, as for any file written.
	if err := w.dirs(fsys, t, filepath.Join(base, "x"), true); err != nil {
		return nil, err
	}
	// Below dir: each directory looked at without following a link.
	relCur := ""
	for _, p := range strings.Split(filepath.Dir(rel), string(filepath.Separator)) {
		if p == "." {
			break // rel is a bare name
		}
		relCur = filepath.Join(relCur, p)
		cur, abs := filepath.Join(base, relCur), filepath.Join(td.abs, relCur)
		fi, err := fsys.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			made, merr := w.mkdir(fsys, t, cur, abs)
			if merr != nil {
				return nil, merr
			}
			if made {
				continue
			}
			fi, err = fsys.Lstat(cur) // made meanwhile
		}
		switch {
		case err != nil:
			return nil, w.fail(t, err)
		case fi.Mode()&fs.ModeSymlink != 0:
			return nil, w.fail(t, fmt.Errorf("%w (%s)", ErrSymlink, abs))
		case !fi.IsDir():
			return nil, w.fail(t, fmt.Errorf("%w (%s)", ErrNotDirectory, abs))
		}
	}
	return w.createNew(fsys, t, name)
}

// Remove removes the file at path (a file oz-run wrote and gives up on,
// such as a partial download); a symbolic link there is removed itself,
// never what it points to. Errors are *Error.
func (w *Workspace) Remove(path string) error {
	t, fsys, name, done, err := w.reach(path)
	if err != nil {
		return err
	}
	defer done()
	if err := fsys.Remove(name); err != nil {
		return w.fail(t, err)
	}
	return nil
}
