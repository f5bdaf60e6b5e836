package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
)

// The inputs that name files: files read (prompt_file, mcp) and files
// the step writes, checked before anything is sent.

// Files is the file system as config sees it: main passes the workspace
// (internal/workspace), tests a fake. config words what goes wrong; Files
// does the looking.
type Files interface {
	// Dir is the workspace's absolute path: relative paths start there.
	Dir() string
	// Confined reports whether paths must stay inside the workspace (in
	// CI); on a terminal they may lead anywhere.
	Confined() bool
	// Abs is a path made absolute and clean, or an error when, confined,
	// it leads out of the workspace as written.
	Abs(path string) (string, error)
	// ReadFile reads the regular file at path, of at most limit bytes.
	ReadFile(path string, limit int64) ([]byte, error)
	// CheckWrite reports whether a file could be written at path now
	// (missing directories are fine: they are made).
	CheckWrite(path string) error
	// CheckOwnDir reports whether path, however spelled (links followed),
	// is a directory of its own: not the workspace (on a terminal the
	// current directory), not one holding it, not .git or inside one.
	CheckOwnDir(path string) error
}

// MaxInputFile is the most a file named by an input (prompt_file, an mcp
// file) may hold.
const MaxInputFile = 1 << 20

// maxInputFileWords is MaxInputFile for messages.
const maxInputFileWords = "1 MiB"

// reason is the part of a Files error that says why, without the path
// (workspace.Error has it); other errors say it whole.
func reason(err error) string {
	var r interface{ Reason() string }
	if errors.As(err, &r) {
		return r.Reason()
	}
	return err.Error()
}

// startsAt says where relative paths start, for messages.
func startsAt(files Files) string {
	if files.Confined() {
		return "the workspace (" + files.Dir() + ")"
	}
	return "the current directory (" + files.Dir() + ")"
}

// read reads a file named by an input. In CI a path leading out of the
// workspace is refused: inputs may come from a pull request's workflow,
// and the file's content is sent to the API.
func (l *loader) read(p string) ([]byte, *InputError) {
	full, err := l.files.Abs(p)
	if err != nil {
		return nil, &InputError{
			Value:    p,
			Problem:  "is outside the workspace (" + l.files.Dir() + ")",
			Accepted: "give the path of a file inside the workspace, relative to it",
		}
	}
	data, err := l.files.ReadFile(p, MaxInputFile)
	if err != nil {
		return nil, &InputError{
			Value:    p,
			Problem:  fmt.Sprintf("cannot be read (%s: %s)", full, reason(err)),
			Accepted: fmt.Sprintf("give the path of a readable regular file of at most %s, relative to %s", maxInputFileWords, startsAt(l.files)),
		}
	}
	return data, nil
}

// localPath sets the path of a file oz-run writes. In CI it must stay
// inside the workspace, where later steps read it; on a terminal it may be
// anywhere.
func localPath(field func(*Config) *string) setter {
	return func(l *loader, c *Config, v string) []*InputError {
		if v == "" {
			return nil
		}
		if _, err := l.files.Abs(v); err != nil || filepath.Clean(v) == "." || strings.ContainsFunc(v, unicode.IsControl) {
			return one(notAFilePath(l.files, v))
		}
		*field(c) = v
		return nil
	}
}

// notAFilePath is the error of a path where no file may be written.
func notAFilePath(files Files, v string) *InputError {
	problem := "is not a file path"
	if files.Confined() {
		problem += " inside the workspace (" + files.Dir() + ")"
	}
	return &InputError{Value: v, Problem: problem, Accepted: pathAccepted(files)}
}

func pathAccepted(files Files) string {
	if files.Confined() {
		return "give a relative path such as out/oz-run.json, without .. leading out of the workspace (later steps read it relative to the workspace)"
	}
	return "give a file path such as out/oz-run.json (relative to the current directory) or an absolute one"
}

// OutputFile is a file the step will write, by the input that names it;
// with Dir, a directory the step writes files into.
type OutputFile struct {
	Input string
	Path  string
	Dir   bool
}

// CheckOutputFiles refuses, before anything is sent, what would make the
// files the step writes at its end fail or overwrite one another: a path
// that cannot be written (a directory, a symbolic link, a FIFO, a file
// where a directory is needed, a link out of the workspace in CI), and two
// inputs naming the same file, or a file inside a directory input. Entries
// with an empty path are skipped; for an entry with Dir set, the directory
// must be able to hold a file (each existing part of the way a directory).
func CheckOutputFiles(files Files, outs []OutputFile) error {
	type placed struct {
		OutputFile
		abs string
	}
	var seen []placed
	var errs []error
	for _, o := range outs {
		if o.Path == "" {
			continue
		}
		abs, err := files.Abs(o.Path)
		if err != nil {
			e := notAFilePath(files, o.Path)
			e.Input = o.Input
			errs = append(errs, e)
			continue
		}
		clash := false
		for _, s := range seen {
			if problem := collision(s.OutputFile, s.abs, o, abs); problem != "" {
				errs = append(errs, &InputError{Input: o.Input, Value: o.Path, Problem: problem,
					Accepted: "give each file its own path"})
				clash = true
				break
			}
		}
		seen = append(seen, placed{o, abs})
		if clash {
			continue
		}
		if o.Dir {
			// A file in it must be possible: each part of the way that
			// exists is a directory (in CI, inside the workspace).
			if err := files.CheckWrite(filepath.Join(o.Path, dirProbe)); err != nil {
				errs = append(errs, &InputError{Input: o.Input, Value: o.Path,
					Problem:  fmt.Sprintf("cannot hold files (%s: %s)", abs, reason(err)),
					Accepted: "give a directory for the files, relative to " + startsAt(files) + ", such as oz-files; missing directories are made"})
			}
			continue
		}
		if err := files.CheckWrite(o.Path); err != nil {
			errs = append(errs, &InputError{Input: o.Input, Value: o.Path,
				Problem:  fmt.Sprintf("cannot be written (%s: %s)", abs, reason(err)),
				Accepted: "give the path of a file to write, relative to " + startsAt(files) + ", such as out/oz-run.json; missing directories are made"})
		}
	}
	return errors.Join(errs...)
}

// dirProbe is the name of a file that CheckOutputFiles checks could be
// written in a directory input: never written.
const dirProbe = ".oz-run-probe"

// collision says how two output files clash, or "".
func collision(a OutputFile, aAbs string, b OutputFile, bAbs string) string {
	within := func(dir, path string) bool {
		rel, err := filepath.Rel(dir, path)
		return err == nil && filepath.IsLocal(rel)
	}
	switch {
	case aAbs == bAbs:
		return fmt.Sprintf("names the same path as %s (%s)", a.Input, aAbs)
	case a.Dir && within(aAbs, bAbs):
		return fmt.Sprintf("is inside %s (%s), where files are written", a.Input, aAbs)
	case b.Dir && within(bAbs, aAbs):
		return fmt.Sprintf("is a directory that holds %s (%s)", a.Input, aAbs)
	}
	return ""
}
