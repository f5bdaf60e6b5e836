package ci

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeFile creates or truncates the file at path (mode 0644) and writes
// data. It creates no directory. what names the file for the error
// ("the result file"), given is the path as the user wrote it.
func writeFile(what, given, path string, data []byte) error {
	err := os.WriteFile(path, data, 0o644)
	if err == nil {
		return nil
	}
	return fileError("writing", what, given, path, err)
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
	err := writeFile("the result file", r.ResultFile, o.path(r.ResultFile), s.redactBytes(r.ResultJSON))
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
