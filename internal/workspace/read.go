package workspace

import (
	"io"
	"os"
	"syscall"
)

// ReadFile reads the regular file at path, of at most limit bytes. It
// follows symbolic links (in CI only those that stay inside the workspace)
// and refuses a FIFO, a device or a directory before opening it, so that
// it never blocks; it opens without blocking and checks the file again, so
// that one swapped in meanwhile is refused too. Errors are *Error.
func (w *Workspace) ReadFile(path string, limit int64) ([]byte, error) {
	t, fsys, name, done, err := w.reach(path)
	if err != nil {
		return nil, err
	}
	defer done()

	fi, err := fsys.Stat(name)
	if err != nil {
		return nil, w.fail(t, err)
	}
	if err := regular(fi); err != nil {
		return nil, w.fail(t, err)
	}
	if fi.Size() > limit {
		return nil, w.fail(t, &TooLargeError{Size: fi.Size(), Limit: limit})
	}
	f, err := fsys.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, w.fail(t, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, w.fail(t, err)
	} else if !os.SameFile(fi, st) || !st.Mode().IsRegular() {
		return nil, w.fail(t, ErrChanged)
	}
	// The size read above may be stale: the reader stops past the limit.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, w.fail(t, err)
	}
	if int64(len(data)) > limit {
		return nil, w.fail(t, &TooLargeError{Size: int64(len(data)), Limit: limit})
	}
	return data, nil
}

// regular refuses what is not a regular file.
func regular(fi os.FileInfo) error {
	switch {
	case fi.IsDir():
		return ErrDirectory
	case !fi.Mode().IsRegular():
		return ErrNotRegular
	}
	return nil
}
