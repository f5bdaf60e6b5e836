package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Writing files: checked, created or truncated, their directories made,
// what is made given the workspace's owner.

// CheckWrite reports, creating nothing, whether a file could be written at
// path now: it is not a symbolic link, a directory or another special
// file; each of its existing directories is a directory and, in CI, inside
// the workspace (links resolved). Missing directories are fine: writing
// creates them. Errors are *Error.
func (w *Workspace) CheckWrite(path string) error {
	t, fsys, name, done, err := w.reach(path)
	if err != nil {
		return err
	}
	defer done()
	if err := w.dirs(fsys, t, name, false); err != nil {
		return err
	}
	fi, err := fsys.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return w.fail(t, err)
	}
	if err := writable(fi); err != nil {
		return w.fail(t, err)
	}
	return nil
}

// Create opens the file at path for writing, truncated: an existing regular
// file, or a new one (mode 0644) after creating its missing directories
// (0755). It never writes through a symbolic link, refuses a directory, a
// FIFO or a device without blocking, and gives what it creates inside the
// workspace the workspace's owner. what names the file in errors ("the
// result file"). Errors are *Error.
func (w *Workspace) Create(what, path string) (*os.File, error) {
	f, err := w.createFile(path)
	return f, named(err, what)
}

// WriteFile writes data to the file at path as Create opens it.
func (w *Workspace) WriteFile(what, path string, data []byte) (err error) {
	f, err := w.Create(what, path)
	if err != nil {
		return err
	}
	failed := func(op string, err error) error {
		abs, _ := w.Abs(path)
		return &Error{Op: op, What: what, Path: path, Abs: abs, Err: err}
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return failed("writing", err)
	}
	if err := f.Close(); err != nil {
		return failed("closing", err)
	}
	return nil
}

// named says, in err (an *Error), that what was being written.
func named(err error, what string) error {
	var we *Error
	if errors.As(err, &we) {
		we.Op, we.What = "writing", what
	}
	return err
}

func (w *Workspace) createFile(path string) (*os.File, error) {
	t, fsys, name, done, err := w.reach(path)
	if err != nil {
		return nil, err
	}
	defer done()
	if err := w.dirs(fsys, t, name, true); err != nil {
		return nil, err
	}
	// Twice at most: a file that appears between the look and the
	// exclusive create is looked at again.
	for range 2 {
		fi, err := fsys.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) {
			f, err := w.createNew(fsys, t, name)
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			return f, err
		}
		if err != nil {
			return nil, w.fail(t, err)
		}
		if err := writable(fi); err != nil {
			return nil, w.fail(t, err)
		}
		// Opened without truncating until it is known to be the file
		// looked at: a link or a FIFO swapped in meanwhile is left alone.
		f, err := fsys.OpenFile(name, os.O_WRONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		if errors.Is(err, syscall.ELOOP) {
			return nil, w.fail(t, ErrSymlink)
		}
		if err != nil {
			return nil, w.fail(t, err)
		}
		if st, err := f.Stat(); err != nil || !os.SameFile(fi, st) || !st.Mode().IsRegular() {
			_ = f.Close()
			return nil, w.fail(t, ErrChanged)
		}
		if err := f.Truncate(0); err != nil {
			_ = f.Close()
			return nil, w.fail(t, err)
		}
		return f, nil
	}
	return nil, w.fail(t, ErrChanged)
}

// createNew creates the file name in fsys (t is where it leads), which must
// not exist yet (the error then matches fs.ErrExist), without following a
// link, and gives it the workspace's owner.
func (w *Workspace) createNew(fsys fsys, t target, name string) (*os.File, error) {
	f, err := fsys.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, w.fail(t, err)
	}
	if err := w.chown(t.abs, f.Chown); err != nil {
		_ = f.Close()
		_ = fsys.Remove(name)
		return nil, w.fail(t, err)
	}
	return f, nil
}

// writable refuses to write over what is not a regular file.
func writable(fi fs.FileInfo) error {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return ErrSymlink
	}
	return regular(fi)
}

// dirs checks each directory of name in fsys, outermost first: it must be
// a directory (in CI reached without leaving the workspace). With create,
// a missing one is made, with the workspace's owner when inside it;
// without, the first missing one ends the check (the rest would be made).
func (w *Workspace) dirs(fsys fsys, t target, name string, create bool) error {
	for _, d := range inDirs(name) {
		abs := d
		if w.confined {
			abs = filepath.Join(w.dir, d)
		}
		fi, err := fsys.Stat(d)
		if errors.Is(err, fs.ErrNotExist) {
			if !create {
				return nil
			}
			made, merr := w.mkdir(fsys, t, d, abs)
			if merr != nil {
				return merr
			}
			if made {
				continue
			}
			fi, err = fsys.Stat(d) // made meanwhile, or a dangling link
		}
		if err != nil {
			return w.fail(t, err)
		}
		if !fi.IsDir() {
			return w.fail(t, fmt.Errorf("%w (%s)", ErrNotDirectory, abs))
		}
	}
	return nil
}

// mkdir makes the directory name in fsys (abs is where it leads) with the
// workspace's owner; made is false when something is there already.
func (w *Workspace) mkdir(fsys fsys, t target, name, abs string) (made bool, err error) {
	err = fsys.Mkdir(name, 0o755)
	switch {
	case errors.Is(err, fs.ErrExist):
		return false, nil
	case err != nil:
		return false, w.fail(t, fmt.Errorf("creating the directory %s: %w", abs, err))
	}
	if err := w.chown(abs, func(uid, gid int) error { return fsys.Lchown(name, uid, gid) }); err != nil {
		return false, w.fail(t, fmt.Errorf("giving the directory %s its owner: %w", abs, err))
	}
	return true, nil
}

// chown gives what was created at abs the workspace's owner, when oz-run
// runs as root and abs is inside the workspace.
func (w *Workspace) chown(abs string, chown func(uid, gid int) error) error {
	if w.uid < 0 {
		return nil
	}
	if rel, err := filepath.Rel(w.dir, abs); err != nil || !filepath.IsLocal(rel) {
		return nil
	}
	return chown(w.uid, w.gid)
}
