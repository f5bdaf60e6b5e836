package comment

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/oz-run/oz-run-action/internal/prfacts"
)

// Which pull request or merge request to write on: the one prfacts finds,
// and where its forge's API is.

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

// findTarget finds the PR/MR of this CI job: the one prfacts says the job
// concerns (the run's metadata names the same one). It returns an error
// wrapping ErrNoPullRequest when the job concerns none, and another error
// when the environment says there is one but not in a usable form.
func findTarget(getenv func(string) string) (target, error) {
	pr, err := prfacts.Find(getenv)
	switch {
	case errors.Is(err, prfacts.ErrNone):
		return target{}, fmt.Errorf("%w: %w", ErrNoPullRequest, err)
	case err != nil:
		return target{}, err
	case pr.GitLab:
		return gitlabTarget(getenv, pr)
	}
	return githubTarget(getenv, pr)
}

func githubTarget(getenv func(string) string, pr prfacts.Facts) (target, error) {
	owner, repo, ok := strings.Cut(pr.Repository, "/")
	if !ok {
		return target{}, fmt.Errorf("GITHUB_REPOSITORY %q is not owner/repo", getenv("GITHUB_REPOSITORY"))
	}
	t := target{apiURL: getenv("GITHUB_API_URL"), owner: owner, repo: repo, number: pr.Number}
	if t.apiURL == "" {
		t.apiURL = "https://api.github.com"
	}
	return t, nil
}

func gitlabTarget(getenv func(string) string, pr prfacts.Facts) (target, error) {
	// The MR lives in its target project: in a pipeline of a fork's merge
	// request that runs in the fork, CI_PROJECT_ID is the fork.
	project := getenv("CI_MERGE_REQUEST_PROJECT_ID")
	if project == "" {
		project = getenv("CI_PROJECT_ID")
	}
	if n, err := strconv.ParseInt(project, 10, 64); err != nil || n <= 0 {
		return target{}, fmt.Errorf("CI_MERGE_REQUEST_PROJECT_ID or CI_PROJECT_ID %q is not a project id", project)
	}
	t := target{gitlab: true, project: project, iid: int64(pr.Number), apiURL: getenv("CI_API_V4_URL")}
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
