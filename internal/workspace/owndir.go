package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// A directory of its own: where downloaded files may go (files_dir). It is
// never the workspace itself, nor a directory holding it, nor .git or a
// directory inside one, however the path is spelled.

// The reasons a directory is not one of its own; an *Error wraps one.
var (
	// ErrWorkspaceDir: the directory is the workspace itself.
	ErrWorkspaceDir = errors.New("it is the workspace itself")
	// ErrHoldsWorkspace: the directory holds the workspace.
	ErrHoldsWorkspace = errors.New("it holds the workspace")
	// ErrGitDir: the directory is a .git directory or inside one.
	ErrGitDir = errors.New("it is .git or inside it, where git keeps the repository (and its hooks)")
)

// maxLinks bounds the symbolic links followed in one path, as the system
// does (Linux's limit is 40).
const maxLinks = 40

// CheckOwnDir reports whether path names a directory of its own for files
// that come from elsewhere: it may not be the workspace itself, nor a
// directory that holds it, nor a directory named .git (in any case) or one
// inside it. It looks at the path as written, then with every symbolic
// link on its way followed as the system would (a missing part kept as
// written, a dangling link followed to where it points), and at the
// identity of what exists (the same directory reached by another name).
// On a terminal the workspace is the current directory. Creating nothing,
// it returns an *Error wrapping ErrWorkspaceDir, ErrHoldsWorkspace,
// ErrGitDir, ErrOutside (in CI, outside as written) or what the system
// said when the path could not be followed.
func (w *Workspace) CheckOwnDir(path string) error {
	t, err := w.resolve(path)
	if err != nil {
		return err
	}
	fail := func(how string, err error) error {
		return &Error{Path: t.given, Abs: t.abs, Err: fmt.Errorf("%w (%s)%s", err, w.dir, how)}
	}
	if why := w.ownDir(w.dir, t.abs); why != nil {
		return fail("", why)
	}
	real, err := realPath(t.abs)
	if err != nil {
		return &Error{Path: t.given, Abs: t.abs, Err: fmt.Errorf("following its symbolic links: %w", err)}
	}
	realWS, err := realPath(w.dir)
	if err != nil {
		realWS = w.dir
	}
	if why := w.ownDir(realWS, real); why != nil {
		return fail(" through a symbolic link (it leads to "+real+")", why)
	}
	if why := sameDirs(w.dir, real); why != nil {
		return fail(" (the same directory by another name: "+real+")", why)
	}
	return nil
}

// ownDir says why dir (absolute, clean, links resolved or not alike) is
// not a directory of its own in the workspace ws, or nil.
func (w *Workspace) ownDir(ws, dir string) error {
	rel, err := filepath.Rel(ws, dir)
	inside := err == nil && (rel == "." || filepath.IsLocal(rel))
	switch {
	case inside && rel == ".":
		return ErrWorkspaceDir
	case !inside:
		if r, err := filepath.Rel(dir, ws); err == nil && filepath.IsLocal(r) {
			return ErrHoldsWorkspace
		}
		// Outside the workspace (a terminal): a .git anywhere on the way.
		rel = dir
	}
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if strings.EqualFold(part, ".git") {
			return ErrGitDir
		}
	}
	return nil
}

// sameDirs compares, by identity, the directories that exist on dir's way
// (dir itself and up) with the workspace and its .git: the same directory
// reached by another name (a bind mount, a case-insensitive file system)
// is caught. Errors in looking are not reasons (the name checks have run).
func sameDirs(ws, dir string) error {
	wsInfo, err := os.Stat(ws)
	if err != nil {
		return nil
	}
	gitInfo, _ := os.Stat(filepath.Join(ws, ".git"))
	for d, first := dir, true; ; d, first = filepath.Dir(d), false {
		if fi, err := os.Stat(d); err == nil {
			if os.SameFile(fi, wsInfo) {
				if first {
					return ErrWorkspaceDir
				}
				return nil // inside the workspace, not in its .git (seen below)
			}
			if gitInfo != nil && os.SameFile(fi, gitInfo) {
				return ErrGitDir
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	// dir holds the workspace when it is one of the workspace's parents.
	dirInfo, err := os.Stat(dir)
	if err != nil {
		return nil
	}
	for d := filepath.Dir(ws); ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && os.SameFile(fi, dirInfo) {
			return ErrHoldsWorkspace
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// realPath is abs (absolute) with every symbolic link on its way replaced
// by what it points to, component by component as the system follows
// them: a relative link from its own directory, `..` after a link from
// where the link led. From the first part that does not exist the rest is
// kept as written; a dangling link is followed to where it points. A file
// where a directory is needed ends the walk there too (writing will fail
// on it).
func realPath(abs string) (string, error) {
	done := string(filepath.Separator)
	todo := strings.Split(abs, string(filepath.Separator))
	links, missing := 0, false
	for len(todo) > 0 {
		part := todo[0]
		todo = todo[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			done = filepath.Dir(done)
			continue
		}
		next := filepath.Join(done, part)
		if missing {
			done = next
			continue
		}
		fi, err := os.Lstat(next)
		switch {
		case errors.Is(err, fs.ErrNotExist), isNotDir(err):
			missing, done = true, next
			continue
		case err != nil:
			return "", err
		case fi.Mode()&fs.ModeSymlink == 0:
			done = next
			continue
		}
		if links++; links > maxLinks {
			return "", fmt.Errorf("more than %d symbolic links on the way", maxLinks)
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", err
		}
		if filepath.IsAbs(target) {
			done = string(filepath.Separator)
		}
		todo = append(strings.Split(target, string(filepath.Separator)), todo...)
	}
	return done, nil
}

// isNotDir reports a path whose directory is a file.
func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }
