package comment

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/oz-run/oz-run-action/internal/ghevent"
)

// Which pull request or merge request the job is about, from the CI's
// environment and GitHub's event payload.

// target is the pull request or merge request to comment on.
type target struct {
	gitlab bool
	apiURL string // GITHUB_API_URL or CI_API_V4_URL (defaults applied)

	// GitHub
	owner, repo string
	number      int

	// GitLab
	project    string // the project id (numeric) or path
	iid        int64
	projectURL string // the MR's project page, for the note's web URL
}

// The events whose payload names a pull request.
var prEvents = map[string]bool{
	"pull_request": true, "pull_request_target": true,
	"pull_request_review": true, "pull_request_review_comment": true,
}

// isRepoName reports whether s is one of GitHub's names for owners and
// repositories, ^[A-Za-z0-9_.-]{1,100}$; checked with a loop: the regexp,
// compiled at init, cost a tenth of a millisecond of every start.
func isRepoName(s string) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// findTarget finds the PR/MR of this CI job. It returns an error wrapping
// ErrNoPullRequest when the job concerns none, and another error when the
// environment says there is one but not in a usable form.
func findTarget(getenv func(string) string) (target, error) {
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		return githubTarget(getenv)
	case getenv("GITLAB_CI") == "true":
		return gitlabTarget(getenv)
	}
	return target{}, fmt.Errorf("%w: not running in GitHub Actions or GitLab CI", ErrNoPullRequest)
}

// githubEvent is the part of the event payload read here.
func githubTarget(getenv func(string) string) (target, error) {
	event := getenv("GITHUB_EVENT_NAME")
	if !prEvents[event] && event != "issue_comment" {
		return target{}, fmt.Errorf("%w: the %q event concerns no pull request", ErrNoPullRequest, event)
	}
	path := getenv("GITHUB_EVENT_PATH")
	if path == "" {
		return target{}, fmt.Errorf("GITHUB_EVENT_PATH is not set: the pull request is unknown")
	}
	ev, err := ghevent.Read(path)
	if err != nil {
		return target{}, err
	}
	t := target{apiURL: getenv("GITHUB_API_URL")}
	if t.apiURL == "" {
		t.apiURL = "https://api.github.com"
	}
	switch {
	case prEvents[event] && ev.PullRequest != nil:
		t.number = ev.PullRequest.Number
	case event == "issue_comment" && ev.Issue != nil && ev.Issue.PullRequest != nil && string(*ev.Issue.PullRequest) != "null":
		t.number = ev.Issue.Number
	case event == "issue_comment":
		return target{}, fmt.Errorf("%w: the comment is on an issue, not a pull request", ErrNoPullRequest)
	}
	if t.number <= 0 {
		return target{}, fmt.Errorf("the %q event's payload names no pull request number", event)
	}
	owner, repo, ok := strings.Cut(getenv("GITHUB_REPOSITORY"), "/")
	if !ok || !isRepoName(owner) || !isRepoName(repo) || repo == "." || repo == ".." {
		return target{}, fmt.Errorf("GITHUB_REPOSITORY %q is not owner/repo", getenv("GITHUB_REPOSITORY"))
	}
	t.owner, t.repo = owner, repo
	return t, nil
}

func gitlabTarget(getenv func(string) string) (target, error) {
	raw := getenv("CI_MERGE_REQUEST_IID")
	if raw == "" {
		return target{}, fmt.Errorf("%w: this is not a merge request pipeline (CI_MERGE_REQUEST_IID is not set)", ErrNoPullRequest)
	}
	iid, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || iid <= 0 {
		return target{}, fmt.Errorf("CI_MERGE_REQUEST_IID %q is not a merge request number", raw)
	}
	// The MR lives in its target project: in a pipeline of a fork's merge
	// request that runs in the fork, CI_PROJECT_ID is the fork.
	project := getenv("CI_MERGE_REQUEST_PROJECT_ID")
	if project == "" {
		project = getenv("CI_PROJECT_ID")
	}
	if n, err := strconv.ParseInt(project, 10, 64); err != nil || n <= 0 {
		return target{}, fmt.Errorf("CI_MERGE_REQUEST_PROJECT_ID or CI_PROJECT_ID %q is not a project id", project)
	}
	t := target{gitlab: true, project: project, iid: iid, apiURL: getenv("CI_API_V4_URL")}
	if t.apiURL == "" {
		if server := getenv("CI_SERVER_URL"); server != "" {
			t.apiURL = strings.TrimSuffix(server, "/") + "/api/v4"
		} else {
			t.apiURL = "https://gitlab.com/api/v4"
		}
	}
	t.projectURL = getenv("CI_MERGE_REQUEST_PROJECT_URL")
	if t.projectURL == "" {
		t.projectURL = getenv("CI_PROJECT_URL")
	}
	return t, nil
}
