package ci

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// The files a platform writes besides the report files: one the runner
// names by a variable ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) and the result
// file.

// appendFile appends data to a file the runner gave by its variable (given,
// such as $GITHUB_OUTPUT), at path outside the workspace: it creates the
// file (mode 0644) but no directory.
func appendFile(what, given, path string, data []byte) (err error) {
	failed := func(verb string, err error) error {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("ci: %s %s %s (%s): %w; check the file's permissions (on GitHub the image must run as root)", verb, what, given, path, err)
		}
		return fmt.Errorf("ci: %s %s %s (%s): %w", verb, what, given, path, err)
	}
	// O_NONBLOCK: a FIFO that nobody reads fails the open at once (ENXIO)
	// instead of blocking it out of reach of a signal; one being read (a
	// shell's process substitution) is written as before. O_NOCTTY: a
	// terminal never becomes ours.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0o644)
	if err != nil {
		return failed("appending to", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = failed("closing", cerr)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return failed("appending to", err)
	}
	return nil
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
	err := o.Workspace.WriteFile("the result file", r.ResultFile, s.redactBytes(r.ResultJSON))
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
