package ci

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// writeFile creates or truncates the file given (a path relative to the
// workspace, as the user wrote it; what names it for errors, such as "the
// result file") with mode 0644, and writes data. It creates no directory,
// and it writes nothing through a symbolic link, neither the file itself nor
// a directory leading out of the workspace: the image runs as root, and a
// pull request could add such a link to make it write anywhere.
func (o Options) writeFile(what, given string, data []byte) (err error) {
	path := o.path(given)
	if err := o.insideWorkspace(path); err != nil {
		return fileError("writing", what, given, path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			err = errors.New("it is a symbolic link, which oz-run does not write through")
		}
		return fileError("writing", what, given, path, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fileError("closing", what, given, path, cerr)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fileError("writing", what, given, path, err)
	}
	return nil
}

// insideWorkspace checks that path's directory, symbolic links resolved,
// is the workspace or below it. A missing directory passes here: opening
// the file then fails with a clear error.
func (o Options) insideWorkspace(path string) error {
	ws, err := filepath.EvalSymlinks(o.Workspace)
	if err != nil {
		return nil
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return nil
	}
	if rel, err := filepath.Rel(ws, dir); err != nil || !filepath.IsLocal(rel) && rel != "." {
		return fmt.Errorf("its directory leads to %s, outside the workspace %s (a symbolic link?)", dir, ws)
	}
	return nil
}

// appendFile appends data to the file at path, creating it (mode 0644) but
// no directory.
func appendFile(what, given, path string, data []byte) (err error) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fileError("appending to", what, given, path, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fileError("closing", what, given, path, cerr)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fileError("appending to", what, given, path, err)
	}
	return nil
}

func fileError(verb, what, given, path string, err error) error {
	where := given
	if given != path {
		where = fmt.Sprintf("%s (%s)", given, path)
	}
	dir := filepath.Dir(path)
	if _, serr := os.Stat(dir); errors.Is(serr, fs.ErrNotExist) {
		return fmt.Errorf("ci: %s %s %s: the directory %s does not exist; create it in an earlier step or choose a path in an existing directory", verb, what, where, dir)
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("ci: %s %s %s: %w; check the file's permissions (on GitHub the image must run as root)", verb, what, where, err)
	}
	return fmt.Errorf("ci: %s %s %s: %w", verb, what, where, err)
}

// withResultFile writes r.ResultJSON to r.ResultFile (when set) and returns
// the outputs to publish: a copy of r.Outputs in which `result_file` is the
// path once the file is written, and empty if writing failed.
func withResultFile(o Options, s *secrets, r Report) ([]Output, error) {
	outs := make([]Output, 0, len(r.Outputs)+1)
	for _, out := range r.Outputs {
		outs = append(outs, Output{Name: out.Name, Value: s.redact(out.Value)})
	}
	if r.ResultFile == "" {
		return outs, nil
	}
	err := o.writeFile("the result file", r.ResultFile, s.redactBytes(r.ResultJSON))
	value := r.ResultFile
	if err != nil {
		value = ""
	}
	for i := range outs {
		if outs[i].Name == "result_file" {
			outs[i].Value = value
			return outs, err
		}
	}
	if err == nil {
		outs = append(outs, Output{Name: "result_file", Value: value})
	}
	return outs, err
}
