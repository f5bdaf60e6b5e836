// Package prfacts answers one question for every part of oz-run that asks
// it: which pull request (GitHub) or merge request (GitLab) does this CI
// job concern, and what are its facts: number, web URL, head and base
// branch and commit. The run's metadata (ci) and the PR/MR comment
// (comment) both ask here, and so will the PR context of the prompt.
//
// On GitHub the event decides (GITHUB_EVENT_NAME): pull_request,
// pull_request_target, pull_request_review and pull_request_review_comment
// concern the pull request of their payload (GITHUB_EVENT_PATH, read by
// ghevent), issue_comment the pull request it was written on (a comment
// on an issue concerns none); GITHUB_REF's refs/pull/N/merge stands in for
// the number when the payload cannot be read. Any other event concerns
// none. On GitLab a merge request pipeline does (CI_MERGE_REQUEST_*).
//
// Every fact is checked for its shape, and left empty when it fails: a
// number (1 to 18 digits, not 0), a 40- or 64-hex commit SHA (lower case),
// a git branch name, an https URL (weburl.ShellSafe), owner/repo or a
// project path. Titles, bodies and comments, which anyone can write, are
// never read.
package prfacts

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/oz-run/oz-run-action/internal/ghevent"
	"github.com/oz-run/oz-run-action/internal/weburl"
)

// Facts are what is known of the job's pull request or merge request; a
// fact that is unknown, or not of its shape, is empty.
type Facts struct {
	// GitLab is set for a GitLab merge request, else it is a GitHub pull
	// request.
	GitLab bool
	// Repository is GitHub's owner/repo (GITHUB_REPOSITORY), or the path
	// of the merge request's project on GitLab (group/subgroup/project).
	Repository string
	// Number is the pull request's number or the merge request's iid: more
	// than 0 whenever the job concerns one.
	Number int
	// URL is the pull request's or merge request's web page (https).
	URL string
	// HeadRef and HeadSHA are the branch that is merged and its commit;
	// BaseRef and BaseSHA the branch it is merged into and its commit.
	HeadRef, HeadSHA string
	BaseRef, BaseSHA string
}

// ErrNone is wrapped by the error of a job that concerns no pull request
// or merge request (a push, a schedule, a comment on an issue, a branch
// pipeline, a terminal); the error's text says why.
var ErrNone = errors.New("the job concerns no pull request or merge request")

// ErrPayload is wrapped by the error of a GitHub event payload that could
// not be read (not set, missing, not a regular file, too large, not the
// JSON expected); the error's text says what failed. The Facts returned
// with it hold what GITHUB_REF says, if anything.
var ErrPayload = errors.New("the event payload was not read")

// noneError is a reason why the job concerns no PR/MR; it is ErrNone.
type noneError string

func (e noneError) Error() string        { return string(e) }
func (e noneError) Is(target error) bool { return target == ErrNone }

// payloadError is ghevent's error, which is ErrPayload too.
type payloadError struct{ err error }

func (e payloadError) Error() string   { return e.err.Error() }
func (e payloadError) Unwrap() []error { return []error{ErrPayload, e.err} }

// Find reads the facts of the job's pull request (GitHub Actions) or merge
// request (GitLab CI). The error wraps ErrNone when the job concerns none;
// another error says why what it concerns cannot be told (with ErrPayload,
// the Facts may hold GITHUB_REF's number).
func Find(getenv func(string) string) (Facts, error) {
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		return GitHub(getenv)
	case getenv("GITLAB_CI") == "true":
		return GitLab(getenv)
	}
	return Facts{}, noneError("not running in GitHub Actions or GitLab CI")
}

// prEvents are the events whose payload holds the pull request.
var prEvents = map[string]bool{
	"pull_request": true, "pull_request_target": true,
	"pull_request_review": true, "pull_request_review_comment": true,
}

// GitHub is Find in GitHub Actions.
func GitHub(getenv func(string) string) (Facts, error) {
	event := getenv("GITHUB_EVENT_NAME")
	if !prEvents[event] && event != "issue_comment" {
		return Facts{}, noneError(fmt.Sprintf("the %q event concerns no pull request", event))
	}
	f := Facts{Repository: repository(getenv("GITHUB_REPOSITORY"))}
	ev, err := ghevent.Read(getenv("GITHUB_EVENT_PATH"))
	if err != nil {
		// pull_request and the review events run on refs/pull/N/merge;
		// pull_request_target on the base branch, issue_comment on the
		// default branch: what GITHUB_REF says stands in for the number.
		if event != "issue_comment" {
			f.Number, _ = refNumber(getenv("GITHUB_REF"))
			f.URL = pullURL(getenv, f, "")
		}
		return f, payloadError{err}
	}
	switch {
	case event == "issue_comment":
		if ev.Issue == nil || ev.Issue.PullRequest == nil {
			return Facts{}, noneError("the comment is on an issue, not a pull request")
		}
		f.Number = ev.Issue.Number
		f.URL = pullURL(getenv, f, first(ev.Issue.PullRequest.HTMLURL, ev.Issue.HTMLURL))
	case ev.PullRequest != nil:
		pr := ev.PullRequest
		f.Number = pr.Number
		f.URL = pullURL(getenv, f, pr.HTMLURL)
		f.HeadRef, f.HeadSHA = branch(pr.Head.Ref), sha(pr.Head.SHA)
		f.BaseRef, f.BaseSHA = branch(pr.Base.Ref), sha(pr.Base.SHA)
	}
	if f.Number <= 0 {
		return Facts{}, fmt.Errorf("the %q event's payload names no pull request number", event)
	}
	return f, nil
}

// GitLab is Find in GitLab CI.
func GitLab(getenv func(string) string) (Facts, error) {
	raw := getenv("CI_MERGE_REQUEST_IID")
	if raw == "" {
		return Facts{}, noneError("this is not a merge request pipeline (CI_MERGE_REQUEST_IID is not set)")
	}
	n, ok := number(raw)
	if !ok {
		return Facts{}, fmt.Errorf("CI_MERGE_REQUEST_IID %q is not a merge request number", raw)
	}
	f := Facts{
		GitLab:     true,
		Repository: projectPath(first(getenv("CI_MERGE_REQUEST_PROJECT_PATH"), getenv("CI_PROJECT_PATH"))),
		Number:     n,
		HeadRef:    branch(getenv("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")),
		// The source branch's commit is set in merged results pipelines,
		// whose CI_COMMIT_SHA is the merge; otherwise CI_COMMIT_SHA is it.
		HeadSHA: sha(first(getenv("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"), getenv("CI_COMMIT_SHA"))),
		BaseRef: branch(getenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")),
		// The target branch's commit (merged results pipelines), else the
		// commit the merge request's diff starts from.
		BaseSHA: sha(first(getenv("CI_MERGE_REQUEST_TARGET_BRANCH_SHA"), getenv("CI_MERGE_REQUEST_DIFF_BASE_SHA"))),
	}
	if project := strings.TrimSuffix(first(getenv("CI_MERGE_REQUEST_PROJECT_URL"), getenv("CI_PROJECT_URL")), "/"); project != "" {
		f.URL = webURL(project + "/-/merge_requests/" + strconv.Itoa(n))
	}
	return f, nil
}

// pullURL is the pull request's page: the payload's html_url, else made
// from GITHUB_SERVER_URL, the repository and the number.
func pullURL(getenv func(string) string, f Facts, fromPayload string) string {
	if u := webURL(fromPayload); u != "" {
		return u
	}
	server := strings.TrimSuffix(getenv("GITHUB_SERVER_URL"), "/")
	if server == "" || f.Repository == "" || f.Number <= 0 {
		return ""
	}
	return webURL(server + "/" + f.Repository + "/pull/" + strconv.Itoa(f.Number))
}

func webURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, _ := weburl.ShellSafe(raw)
	return u
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// refNumber is N of a GITHUB_REF refs/pull/N/merge or refs/pull/N/head.
func refNumber(ref string) (int, bool) {
	rest, ok := strings.CutPrefix(ref, "refs/pull/")
	if !ok {
		return 0, false
	}
	n, kind, ok := strings.Cut(rest, "/")
	if !ok || (kind != "merge" && kind != "head") {
		return 0, false
	}
	return number(n)
}

// number reads a PR/MR number: 1 to 18 digits, more than 0.
func number(s string) (int, bool) {
	if len(s) == 0 || len(s) > 18 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// sha is s when it is a commit's SHA-1 or SHA-256 in lower-case hex.
func sha(s string) string {
	if (len(s) == 40 || len(s) == 64) && strings.Trim(s, "0123456789abcdef") == "" {
		return s
	}
	return ""
}

// maxRef is the longest branch name taken, in bytes.
const maxRef = 255

// branch is s when it is a branch name git takes (git check-ref-format
// --branch), in printable ASCII: no control character, space, `~ ^ : ? *
// [ \`, no `..` or `@{`, not `@`, no part that starts with `.` or ends with
// `.lock`, no empty part, not starting with `-`, not ending with `.`.
func branch(s string) string {
	if s == "" || len(s) > maxRef || s == "@" || s[0] == '-' || strings.HasSuffix(s, ".") ||
		strings.Contains(s, "..") || strings.Contains(s, "@{") {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("~^:?*[\\", c) >= 0 {
			return ""
		}
	}
	for _, part := range strings.Split(s, "/") {
		if part == "" || part[0] == '.' || strings.HasSuffix(part, ".lock") {
			return ""
		}
	}
	return s
}

// repository is s when it is GitHub's owner/repo: two names of 1 to 100
// of `A-Z a-z 0-9 _ . -`, the repository not `.` or `..`.
func repository(s string) string {
	owner, repo, ok := strings.Cut(s, "/")
	if !ok || !isName(owner) || !isName(repo) || repo == "." || repo == ".." {
		return ""
	}
	return s
}

// projectPath is s when it is a GitLab project's path: 2 to 20 names of
// `A-Z a-z 0-9 _ . -` (not `.` or `..`) joined by `/`.
func projectPath(s string) string {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 20 {
		return ""
	}
	for _, p := range parts {
		if !isName(p) || p == "." || p == ".." {
			return ""
		}
	}
	return s
}

// isName reports whether s is one of GitHub's names for owners and
// repositories, ^[A-Za-z0-9_.-]{1,100}$ (GitLab's namespaces and projects
// fit it too); checked with a loop: a regexp compiled at init costs every
// start.
func isName(s string) bool {
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
