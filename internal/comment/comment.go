// Package comment keeps one comment on the pull request (GitHub) or merge
// request (GitLab) of a CI job up to date with an Oz run: created once the
// run id is known, edited as the run goes on (at most once every 10 s), and
// edited a last time with the outcome. A later run of the same step finds
// and edits the same comment by a hidden marker holding its key. It talks
// to GitHub through go-github and to GitLab through client-go, and knows
// nothing of how a run is polled or rendered: bodies come in as Markdown.
//
// Nothing here can fail the step: a missing token or PR, a refused write, a
// rate limit, a network failure or a hang is one warning (through Warner)
// and the run goes on; no call blocks the caller for long.
package comment

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/oz-run/oz-run-action/internal/redact"
)

// Defaults of a Sticky.
const (
	// DefaultInterval is the least time between two writes while the run
	// works (the final write does not wait for it).
	DefaultInterval = 10 * time.Second
	// DefaultCallTimeout bounds each call to the forge.
	DefaultCallTimeout = 5 * time.Second
	// DefaultFinishBudget bounds how long Finish delays the end of the step.
	DefaultFinishBudget = 10 * time.Second
	// DefaultUserAgent is sent when Config.UserAgent is empty.
	DefaultUserAgent = "oz-run"
	// maxPages bounds the search for an earlier comment: 10 pages of 100.
	maxPages = 10
)

// ErrNoPullRequest is wrapped by New's error when the job concerns no pull
// request or merge request (a push, a schedule, a branch pipeline, a
// terminal): the caller prints one notice and goes on.
var ErrNoPullRequest = errors.New("no pull request or merge request to comment on")

// ErrNoToken is wrapped by New's error when there is a PR/MR but no token
// to write on it: the caller prints one warning and goes on.
var ErrNoToken = errors.New("no token to write the comment with")

// Warner receives the warnings: one per kind of failure, with no token in
// them. ci.Platform is one.
type Warner interface {
	Warning(title, message string)
}

// Progress is what Sticky.Observe hears (the comment's runner.Sink passes
// on what the runner tells it), passed to Config.Render.
type Progress struct {
	RunID       string
	State       string
	SessionLink string
}

// Config sets up a Sticky.
type Config struct {
	// Getenv reads the CI's environment; nil reads the process's.
	Getenv func(string) string
	// GitHubToken and GitLabToken are the tokens to write with (the inputs
	// github_token and gitlab_token, defaults already applied).
	GitHubToken string
	GitLabToken string
	// Key tells apart several comments of oz-run on one PR/MR (the input
	// comment_key); empty derives it from the workflow, job and step.
	Key string
	// Render turns what Observe hears into a comment body (Markdown,
	// without the marker); nil makes Observe do nothing.
	Render func(Progress) string
	// Warner receives the warnings; nil drops them.
	Warner Warner
	// Debugf receives a line per call to the forge (what, how it ended);
	// nil drops them. Tokens are never in them.
	Debugf func(format string, args ...any)
	// UserAgent is sent to the forge; empty sends DefaultUserAgent.
	UserAgent string
	// Redactor hides secrets in every warning and debug line: the step's
	// one, so that the key and the other token are hidden too. The token
	// written with is added to it. nil hides that token alone.
	Redactor *redact.Redactor

	// Interval is the least time between two writes while the run works;
	// zero is DefaultInterval. Tests shorten or lengthen it.
	Interval time.Duration

	// Set by tests; zero values are the defaults above and real time.
	clock        clock
	callTimeout  time.Duration
	finishBudget time.Duration
}

// MinTokenLen is the shortest forge token used: GitHub's tokens have 40
// characters or more, GitLab's 26 or more; a shorter value is a
// placeholder or a secret cut short.
const MinTokenLen = 16

// New finds the PR/MR of this job and returns a Sticky that will write its
// comment. The error wraps ErrNoPullRequest (print a notice), or says why
// no comment can be written (print it as a warning): it is never a reason
// to fail the step. The Sticky's background work ends with ctx, Finish or
// Close; call Close (or Finish) in every case.
func New(ctx context.Context, cfg Config) (*Sticky, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	t, err := findTarget(getenv)
	if err != nil {
		return nil, err
	}
	token, input := cfg.GitHubToken, "github_token"
	hint := "set github_token (the action's default is the workflow's token) and give the job `permissions: pull-requests: write`"
	if t.gitlab {
		token, input = cfg.GitLabToken, "gitlab_token"
		hint = "set gitlab_token (or GITLAB_TOKEN) to a project or personal access token with the api scope, in a masked variable; CI_JOB_TOKEN cannot write notes"
	}
	if token == "" {
		return nil, fmt.Errorf("%w: %s", ErrNoToken, hint)
	}
	if strings.IndexFunc(token, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsGraphic(r) }) >= 0 {
		return nil, fmt.Errorf("%s contains whitespace or control characters: copy the token again without them", input)
	}
	if len(token) < MinTokenLen {
		return nil, fmt.Errorf("%s is too short to be a token (%d characters; GitHub's have 40 or more, GitLab's 26 or more): copy the whole token", input, len(token))
	}
	ua := cfg.UserAgent
	if ua == "" || strings.IndexFunc(ua, unicode.IsControl) >= 0 {
		ua = DefaultUserAgent
	}
	key := cfg.Key
	if strings.TrimSpace(key) == "" {
		key = defaultKey(getenv, t.gitlab)
	}
	c := cfg.clock
	if c == nil {
		c = realClock{}
	}
	if cfg.Redactor == nil {
		cfg.Redactor = redact.New()
	}
	cfg.Redactor.Add(token)
	hc, tr := newHTTPClient()
	var f forge
	if t.gitlab {
		f, err = newGitLab(t, token, ua, hc, c.Now, cfg.Redactor)
	} else {
		f, err = newGitHub(t, token, ua, hc, c.Now, cfg.Redactor)
	}
	if err != nil {
		return nil, err
	}
	return start(ctx, f, cfg, c, marker(key), tr.CloseIdleConnections), nil
}

// clock is the time the Sticky waits by; tests bring their own.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
