package ci

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"

	"github.com/oz-run/oz-run-action/internal/prfacts"
)

// The CI context attached to a created run as its metadata (GitHub's and
// GitLab's variables, the pull request or merge request from prfacts).

// Oz metadata limits: keys 1-64 bytes of [a-zA-Z0-9._-], values at most
// 256 bytes without NUL; a platform sends at most 10 keys.
const (
	maxMetadataKeys  = 10
	maxMetadataValue = 256
)

// metadata builds Oz run metadata from key/value pairs in order, skipping
// empty values and invalid keys, cutting values to the limit.
func metadata(pairs ...[2]string) map[string]string {
	m := map[string]string{}
	for _, p := range pairs {
		key, value := p[0], oneLine(p[1])
		if value == "" || !isMetadataKey(key) || len(m) == maxMetadataKeys {
			continue
		}
		m[key] = truncateQuiet(value, maxMetadataValue)
	}
	return m
}

func githubMetadata(getenv func(string) string, warn func(title, message string)) map[string]string {
	// The pull request is what prfacts says, as for the PR comment: an
	// issue_comment on a pull request concerns it too. A payload that
	// cannot be read adds nothing (GITHUB_REF may still give the number):
	// the metadata is a convenience. One that is there but is no regular
	// file (a FIFO is refused, never waited on), too large or not JSON is
	// worth a warning.
	sha, pr := getenv("GITHUB_SHA"), ""
	facts, err := prfacts.GitHub(getenv)
	if path := getenv("GITHUB_EVENT_PATH"); errors.Is(err, prfacts.ErrPayload) && path != "" && !errors.Is(err, fs.ErrNotExist) {
		warn("Event payload", "GITHUB_EVENT_PATH was not read: "+err.Error()+"; the run's metadata goes without it.")
	}
	if facts.Number > 0 {
		pr = strconv.Itoa(facts.Number)
	}
	if facts.HeadSHA != "" {
		sha = facts.HeadSHA
	}
	runURL := ""
	if server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID"); server != "" && repo != "" && id != "" {
		runURL = strings.TrimSuffix(server, "/") + "/" + repo + "/actions/runs/" + id
	}
	return metadata(
		[2]string{"github_repository", getenv("GITHUB_REPOSITORY")},
		[2]string{"github_run_id", getenv("GITHUB_RUN_ID")},
		[2]string{"github_run_attempt", getenv("GITHUB_RUN_ATTEMPT")},
		[2]string{"github_sha", sha},
		[2]string{"github_ref", getenv("GITHUB_REF")},
		[2]string{"github_pr", pr},
		[2]string{"github_workflow", getenv("GITHUB_WORKFLOW")},
		[2]string{"github_job", getenv("GITHUB_JOB")},
		[2]string{"github_run_url", runURL},
	)
}

func gitlabMetadata(getenv func(string) string) map[string]string {
	mr := ""
	if facts, err := prfacts.GitLab(getenv); err == nil {
		mr = strconv.Itoa(facts.Number)
	}
	return metadata(
		[2]string{"gitlab_project", getenv("CI_PROJECT_PATH")},
		[2]string{"gitlab_pipeline_id", getenv("CI_PIPELINE_ID")},
		[2]string{"gitlab_pipeline_url", getenv("CI_PIPELINE_URL")},
		[2]string{"gitlab_job_id", getenv("CI_JOB_ID")},
		[2]string{"gitlab_job_url", getenv("CI_JOB_URL")},
		[2]string{"gitlab_mr_iid", mr},
		[2]string{"gitlab_sha", getenv("CI_COMMIT_SHA")},
		[2]string{"gitlab_ref", getenv("CI_COMMIT_REF_NAME")},
	)
}
