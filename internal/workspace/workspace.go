// Package workspace is the one home of the files oz-run reads because an
// input names them (prompt_file, an mcp file) and of every file it writes
// into the workspace (result_file, the report files, the downloaded files):
// where a path leads, whether it may be read or written, the directories
// it needs and who owns them, and how a file is opened.
//
// The rules, in one place:
//   - In CI the workspace confines every path: a path outside it, or one
//     that leads out of it through a symbolic link, is refused. On a
//     terminal a path may lead anywhere.
//   - A file is never written through a symbolic link, and only regular
//     files are read or written: a FIFO, a device or a directory is refused
//     at once, without blocking.
//   - Missing parent directories are created. When oz-run runs as root (a
//     GitHub docker action), every file and directory it creates inside the
//     workspace gets the workspace directory's owner, so that later steps,
//     running as the runner's user, can change and delete them.
//   - A file read is at most a given size.
//
// In CI the files are reached through an os.Root opened on the workspace,
// so that a link swapped in while oz-run works cannot lead it out either.
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

// Workspace is the directory that relative paths start from: the CI's
// workspace, or the current directory on a terminal.
type Workspace struct {
	dir      string // absolute and clean
	confined bool   // paths must stay inside dir
	uid, gid int    // the owner given to what is created inside; -1: none
}

// geteuid is os.Geteuid; tests replace it.
var geteuid = os.Geteuid

// New is the workspace at dir (relative to the current directory when not
// absolute). confined says paths must stay inside it: true in CI. When the
// process runs as root, what it creates inside the workspace will get the
// owner of dir as it is now (root keeps it when dir is root's, or cannot be
// read).
func New(dir string, confined bool) *Workspace {
	if dir == "" {
		dir = "."
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	w := &Workspace{dir: filepath.Clean(dir), confined: confined, uid: -1, gid: -1}
	if geteuid() == 0 {
		if st, err := os.Stat(w.dir); err == nil {
			if sys, ok := st.Sys().(*syscall.Stat_t); ok && (sys.Uid != 0 || sys.Gid != 0) {
				w.uid, w.gid = int(sys.Uid), int(sys.Gid)
			}
		}
	}
	return w
}

// Dir is the workspace's absolute path.
func (w *Workspace) Dir() string { return w.dir }

// Confined reports whether paths must stay inside the workspace (in CI).
func (w *Workspace) Confined() bool { return w.confined }

// Abs is path made absolute (relative paths start at the workspace) and
// clean. In a confined workspace a path that is outside it, as written,
// is an *Error wrapping ErrOutside; links are not looked at here.
func (w *Workspace) Abs(path string) (string, error) {
	t, err := w.resolve(path)
	return t.abs, err
}

// The reasons a path is refused; an *Error wraps one of them or what the
// system said.
var (
	// ErrOutside: the path is outside the workspace, as written or through
	// a symbolic link (in CI).
	ErrOutside = errors.New("it is outside the workspace")
	// ErrSymlink: the file to write is a symbolic link.
	ErrSymlink = errors.New("it is a symbolic link, which oz-run does not write through")
	// ErrDirectory: the path names a directory where a file is wanted.
	ErrDirectory = errors.New("it is a directory")
	// ErrNotRegular: the path names a FIFO, a device or a socket.
	ErrNotRegular = errors.New("it is not a regular file (a FIFO, a device or a socket)")
	// ErrNotDirectory: a directory on the way is a file.
	ErrNotDirectory = errors.New("a part of its directory is a file, not a directory")
	// ErrChanged: the file was replaced while oz-run opened it.
	ErrChanged = errors.New("it was replaced while oz-run opened it")
	// ErrTooLarge: the file is larger than the limit (see *TooLargeError).
	ErrTooLarge = errors.New("it is too large")
)

// TooLargeError is a file over the read limit; it matches ErrTooLarge.
type TooLargeError struct {
	Size  int64 // bytes found (at least Limit+1)
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("it is larger than %s (at least %d bytes)", Size(e.Limit), e.Size)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// Size says a limit in words: 1 MiB, 64 KiB, 100 bytes.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Error is a path that cannot be read or written, and why.
type Error struct {
	// Op and What, when set, say what was being done: "writing" "the
	// result file".
	Op, What string
	// Path is the path as given; Abs where it leads (absolute, clean).
	Path, Abs string
	// Err is why: one of the Err values above, or what the system said.
	Err error
}

// Error reads like
//
//	writing the result file out/r.json (/ws/out/r.json): it is a directory
func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op + " ")
	}
	if e.What != "" {
		b.WriteString(e.What + " ")
	}
	b.WriteString(e.Path)
	if e.Abs != "" && e.Abs != e.Path {
		b.WriteString(" (" + e.Abs + ")")
	}
	return b.String() + ": " + e.Reason()
}

// Reason is why, without the path: what the system said is made readable,
// and a refused permission says what to check.
func (e *Error) Reason() string {
	err := e.Err
	if pe, ok := err.(*fs.PathError); ok {
		err = pe.Err // the path is said already
	}
	if errors.Is(err, fs.ErrPermission) {
		return err.Error() + "; check the permissions (on GitHub the image must run as root)"
	}
	return err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// target is a path resolved against the workspace.
type target struct {
	given  string
	abs    string // absolute and clean
	rel    string // relative to the workspace when inside it, else ""
	inside bool
}

// resolve makes path absolute and finds where it stands to the workspace.
func (w *Workspace) resolve(path string) (target, error) {
	t := target{given: path}
	if path == "" {
		return t, &Error{Path: path, Err: errors.New("the path is empty")}
	}
	t.abs = path
	if !filepath.IsAbs(path) {
		t.abs = filepath.Join(w.dir, path)
	}
	t.abs = filepath.Clean(t.abs)
	if rel, err := filepath.Rel(w.dir, t.abs); err == nil && (rel == "." || filepath.IsLocal(rel)) {
		t.rel, t.inside = rel, true
	}
	if w.confined && !t.inside {
		return t, w.outside(t, "")
	}
	return t, nil
}

// outside is the error of a path that leads out of the workspace; how says
// how (empty: as written).
func (w *Workspace) outside(t target, how string) error {
	return &Error{Path: t.given, Abs: t.abs, Err: fmt.Errorf("%w (%s)%s", ErrOutside, w.dir, how)}
}

// throughLink is how a path leads out through a link.
const throughLink = " through a symbolic link (oz-run follows only relative links that stay inside it)"

// fsys is what reading and writing need of a file system: an *os.Root on
// the workspace in CI, the host's file system on a terminal.
type fsys interface {
	Stat(name string) (fs.FileInfo, error)
	Lstat(name string) (fs.FileInfo, error)
	Mkdir(name string, perm fs.FileMode) error
	Lchown(name string, uid, gid int) error
	OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error)
	Remove(name string) error
}

// host is the host's file system, for absolute names.
type host struct{}

func (host) Stat(name string) (fs.FileInfo, error)     { return os.Stat(name) }
func (host) Lstat(name string) (fs.FileInfo, error)    { return os.Lstat(name) }
func (host) Mkdir(name string, perm fs.FileMode) error { return os.Mkdir(name, perm) }
func (host) Lchown(name string, uid, gid int) error    { return os.Lchown(name, uid, gid) }
func (host) Remove(name string) error                  { return os.Remove(name) }
func (host) OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}

// reach resolves path and gives the file system to reach it by and its
// name there; call done when finished with them.
func (w *Workspace) reach(path string) (t target, fsys fsys, name string, done func(), err error) {
	if t, err = w.resolve(path); err != nil {
		return t, nil, "", nil, err
	}
	if !w.confined {
		return t, host{}, t.abs, func() {}, nil
	}
	root, err := os.OpenRoot(w.dir)
	if err != nil {
		return t, nil, "", nil, &Error{Path: t.given, Abs: t.abs, Err: fmt.Errorf("opening the workspace: %w", err)}
	}
	return t, root, t.rel, func() { _ = root.Close() }, nil
}

// isEscape reports whether an os.Root refused a path because it leads out
// of the root (a `..` or a link, absolute or leading outside). The os
// package does not export that error; its text has been stable since
// os.Root came (Go 1.24), and a test holds it.
func isEscape(pe *fs.PathError) bool { return pe.Err.Error() == "path escapes from parent" }

// fail wraps err for t: an escape from the root becomes ErrOutside.
func (w *Workspace) fail(t target, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && isEscape(pe) {
		return w.outside(t, throughLink)
	}
	var we *Error
	if errors.As(err, &we) {
		return err
	}
	return &Error{Path: t.given, Abs: t.abs, Err: err}
}

// inDirs are the names of name's directories in fs, outermost first: for
// a root, the workspace's subdirectories; for the host, from / down.
func inDirs(name string) []string {
	var dirs []string
	for d := filepath.Dir(name); d != "." && d != string(filepath.Separator); d = filepath.Dir(d) {
		dirs = append(dirs, d)
	}
	for i, j := 0, len(dirs)-1; i < j; i, j = i+1, j-1 {
		dirs[i], dirs[j] = dirs[j], dirs[i]
	}
	return dirs
}
