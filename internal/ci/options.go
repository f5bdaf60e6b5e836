package ci

import (
	"io"
	"os"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/workspace"
)

// How the platform is chosen and set up: Options, Detect, and where the
// CI's workspace is.

// Options are what every Platform needs from its surroundings. Zero fields
// take the process's own: os.Getenv, os.Stdout, os.Stderr, time.Now, and the
// current directory as the workspace (confined, as in CI).
type Options struct {
	Getenv func(string) string
	// Stdout takes the log on GitHub and GitLab, and the outputs and summary
	// locally; Stderr takes the log locally.
	Stdout, Stderr io.Writer
	// Debug prints Debugf lines (on GitHub as plain lines instead of ::debug::).
	Debug bool
	// Workspace is where ResultFile and the report files are written (they
	// are relative to it unless absolute).
	Workspace *workspace.Workspace
	// Dotenv, SummaryFile and JUnitFile are the GitLab report files; empty
	// writes none.
	Dotenv, SummaryFile, JUnitFile string
	// OutputFile is where the agent's answer goes (GitLab and other CIs),
	// when there is one; empty writes none.
	OutputFile string
	// StructuredFile receives the structured_output value and
	// CodeQualityFile a review's GitLab Code Quality report (GitLab and
	// other CIs), when there is one; empty writes none.
	StructuredFile, CodeQualityFile string
	Now                             func() time.Time
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
	if o.Workspace == nil {
		o.Workspace = workspace.New(".", true)
	}
	return o
}

// Detect picks the platform from the environment: GitLab when GITLAB_CI=true,
// GitHub when GITHUB_ACTIONS=true, GitLab's files with plain lines for any
// other CI (CI is set and not false), and Local for a plain terminal.
func Detect(o Options) Platform {
	switch detect(o.withDefaults().Getenv) {
	case "github":
		return newGitHub(o)
	case "gitlab":
		return newGitLab(o)
	case "other-ci":
		return newOtherCI(o)
	}
	return newLocal(o)
}

// detect is the name of the platform the environment asks for.
func detect(getenv func(string) string) string {
	switch {
	case getenv("GITLAB_CI") == "true":
		return "gitlab"
	case getenv("GITHUB_ACTIONS") == "true":
		return "github"
	}
	switch ci := strings.ToLower(strings.TrimSpace(getenv("CI"))); ci {
	case "", "false", "0":
		return "local"
	}
	return "other-ci"
}

// InCI reports whether the environment is a CI's rather than a terminal's:
// then paths must stay inside the workspace.
func InCI(getenv func(string) string) bool { return detect(getenv) != "local" }

// WorkspaceDir is the CI's workspace, the base of relative paths:
// GITHUB_WORKSPACE, else CI_PROJECT_DIR, else the current directory (".").
func WorkspaceDir(getenv func(string) string) string {
	for _, name := range []string{"GITHUB_WORKSPACE", "CI_PROJECT_DIR"} {
		if dir := strings.TrimSpace(getenv(name)); dir != "" {
			return dir
		}
	}
	return "."
}
