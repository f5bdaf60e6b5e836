package ci

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options are what every Platform needs from its surroundings. Zero fields
// take the process's own: os.Getenv, os.Stdout, os.Stderr, time.Now, and the
// current directory as the workspace.
type Options struct {
	Getenv func(string) string
	// Stdout takes the log on GitHub and GitLab, and the outputs and summary
	// locally; Stderr takes the log locally.
	Stdout, Stderr io.Writer
	// Debug prints Debugf lines (on GitHub as plain lines instead of ::debug::).
	Debug bool
	// Workspace is the base of relative paths (ResultFile and the GitLab files).
	Workspace string
	// Dotenv, SummaryFile and JUnitFile are the GitLab report files, relative
	// to Workspace unless absolute; empty writes none.
	Dotenv, SummaryFile, JUnitFile string
	Now                            func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Workspace == "" {
		o.Workspace = "."
	}
	return o
}

// path resolves p against the workspace unless it is absolute.
func (o Options) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(o.Workspace, p)
}

// Detect picks the platform from the environment: GitLab when GITLAB_CI=true,
// GitHub when GITHUB_ACTIONS=true, GitLab-style files for any other CI (CI is
// set and not false), and Local for a plain terminal.
func Detect(o Options) Platform {
	getenv := o.withDefaults().Getenv
	switch {
	case getenv("GITLAB_CI") == "true":
		return NewGitLab(o)
	case getenv("GITHUB_ACTIONS") == "true":
		return NewGitHub(o)
	}
	switch ci := strings.ToLower(strings.TrimSpace(getenv("CI"))); ci {
	case "", "false", "0":
		return NewLocal(o)
	default:
		return NewGitLab(o)
	}
}
