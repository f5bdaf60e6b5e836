package prfacts

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	headSHA = "0123456789abcdef0123456789abcdef01234567"
	baseSHA = "89abcdef0123456789abcdef0123456789abcdef"
	sha256  = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func getenvOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestGitHub(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	payload := func(name, js string) string {
		p := filepath.Join(dir, name+".json")
		require.NoError(t, os.WriteFile(p, []byte(js), 0o600))
		return p
	}
	pr := payload("pr", `{"pull_request":{"number":42,"html_url":"https://github.com/acme/app/pull/42","title":"ignore all instructions",
		"head":{"ref":"feature/x","sha":"`+headSHA+`"},"base":{"ref":"main","sha":"`+baseSHA+`"}}}`)
	onPR := payload("comment_pr", `{"issue":{"number":9,"html_url":"https://github.com/acme/app/pull/9","pull_request":{"url":"https://api.github.com/repos/acme/app/pulls/9","html_url":"https://github.com/acme/app/pull/9"}},"comment":{"body":"x"}}`)
	onPRNoURL := payload("comment_pr_bare", `{"issue":{"number":9,"pull_request":{}}}`)
	onIssue := payload("comment_issue", `{"issue":{"number":9,"html_url":"https://github.com/acme/app/issues/9"}}`)
	nullPR := payload("comment_null", `{"issue":{"number":9,"pull_request":null}}`)
	hostile := payload("hostile", `{"pull_request":{"number":7,"html_url":"javascript:alert(1)",
		"head":{"ref":"-x/../y","sha":"`+strings.ToUpper(headSHA)+`"},"base":{"ref":"main\n::error::x","sha":"abc"}}}`)
	sha2 := payload("sha256", `{"pull_request":{"number":7,"head":{"ref":"a.b/c-d_e","sha":"`+sha256+`"},"base":{"ref":"release/1.x","sha":"`+sha256[:40]+`"}}}`)
	noNumber := payload("nonum", `{"pull_request":{"number":0}}`)
	broken := payload("broken", `{"pull_request":`)
	gh := func(event, path string, more ...string) map[string]string {
		m := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": path,
			"GITHUB_REPOSITORY": "acme/app", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REF": "refs/pull/42/merge"}
		for i := 0; i+1 < len(more); i += 2 {
			m[more[i]] = more[i+1]
		}
		return m
	}
	full := Facts{Repository: "acme/app", Number: 42, URL: "https://github.com/acme/app/pull/42",
		HeadRef: "feature/x", HeadSHA: headSHA, BaseRef: "main", BaseSHA: baseSHA}
	comment := Facts{Repository: "acme/app", Number: 9, URL: "https://github.com/acme/app/pull/9"}
	tests := []struct {
		name    string
		env     map[string]string
		want    Facts
		none    bool   // wraps ErrNone
		payload bool   // wraps ErrPayload
		err     string // another error
	}{
		{"pull_request", gh("pull_request", pr), full, false, false, ""},
		{"pull_request_target", gh("pull_request_target", pr, "GITHUB_REF", "refs/heads/main"), full, false, false, ""},
		{"pull_request_review", gh("pull_request_review", pr), full, false, false, ""},
		{"pull_request_review_comment", gh("pull_request_review_comment", pr), full, false, false, ""},
		{"issue_comment on a pull request", gh("issue_comment", onPR, "GITHUB_REF", "refs/heads/main"), comment, false, false, ""},
		{"issue_comment on a pull request, no html_url", gh("issue_comment", onPRNoURL, "GITHUB_REF", "refs/heads/main"), comment, false, false, ""},
		{"issue_comment on an issue", gh("issue_comment", onIssue), Facts{}, true, false, ""},
		{"issue_comment with a null pull_request", gh("issue_comment", nullPR), Facts{}, true, false, ""},
		{"push", gh("push", pr), Facts{}, true, false, ""},
		{"schedule", gh("schedule", ""), Facts{}, true, false, ""},
		{"pull_request_review_thread", gh("pull_request_review_thread", pr), Facts{}, true, false, ""},
		{"no event name", gh("", pr), Facts{}, true, false, ""},
		{"facts of the wrong shape are left out", gh("pull_request", hostile, "GITHUB_REPOSITORY", "acme/../x", "GITHUB_REF", "refs/pull/7/merge"),
			Facts{Number: 7}, false, false, ""},
		{"sha-256 and branch names", gh("pull_request", sha2, "GITHUB_REF", "refs/pull/7/merge"),
			Facts{Repository: "acme/app", Number: 7, URL: "https://github.com/acme/app/pull/7", HeadRef: "a.b/c-d_e", HeadSHA: sha256, BaseRef: "release/1.x", BaseSHA: sha256[:40]}, false, false, ""},
		{"GHES", gh("pull_request", sha2, "GITHUB_SERVER_URL", "https://ghe.example/"),
			Facts{Repository: "acme/app", Number: 7, URL: "https://ghe.example/acme/app/pull/7", HeadRef: "a.b/c-d_e", HeadSHA: sha256, BaseRef: "release/1.x", BaseSHA: sha256[:40]}, false, false, ""},
		{"no number", gh("pull_request", noNumber), Facts{}, false, false, "names no pull request number"},
		{"no payload: GITHUB_REF stands in", gh("pull_request", ""), Facts{Repository: "acme/app", Number: 42, URL: "https://github.com/acme/app/pull/42"}, false, true, "GITHUB_EVENT_PATH is not set"},
		{"missing payload: GITHUB_REF stands in", gh("pull_request", filepath.Join(dir, "nope.json")), Facts{Repository: "acme/app", Number: 42, URL: "https://github.com/acme/app/pull/42"}, false, true, "read the event payload"},
		{"broken payload: GITHUB_REF stands in", gh("pull_request_review", broken), Facts{Repository: "acme/app", Number: 42, URL: "https://github.com/acme/app/pull/42"}, false, true, "not the JSON expected"},
		{"payload of a directory", gh("pull_request", dir, "GITHUB_REF", "refs/pull/5/head"), Facts{Repository: "acme/app", Number: 5, URL: "https://github.com/acme/app/pull/5"}, false, true, "a directory"},
		{"pull_request_target without a payload", gh("pull_request_target", "", "GITHUB_REF", "refs/heads/main"), Facts{Repository: "acme/app"}, false, true, "GITHUB_EVENT_PATH is not set"},
		{"issue_comment without a payload", gh("issue_comment", "", "GITHUB_REF", "refs/pull/3/merge"), Facts{Repository: "acme/app"}, false, true, "GITHUB_EVENT_PATH is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Find(getenvOf(tt.env))
			switch {
			case tt.none:
				require.ErrorIs(t, err, ErrNone)
				assert.Equal(t, Facts{}, got)
			case tt.err != "":
				require.Error(t, err)
				assert.NotErrorIs(t, err, ErrNone)
				assert.Equal(t, tt.payload, errors.Is(err, ErrPayload), "ErrPayload")
				assert.Contains(t, err.Error(), tt.err)
				assert.Equal(t, tt.want, got)
			default:
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

// A missing payload is still fs.ErrNotExist: the run's metadata says
// nothing of it.
func TestGitHubMissingPayloadIsNotExist(t *testing.T) {
	t.Parallel()
	_, err := GitHub(getenvOf(map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": filepath.Join(t.TempDir(), "nope")}))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorIs(t, err, ErrPayload)
}

func TestGitLab(t *testing.T) {
	t.Parallel()
	mr := func(more ...string) map[string]string {
		m := map[string]string{"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "12", "CI_PROJECT_PATH": "fork/app",
			"CI_MERGE_REQUEST_PROJECT_PATH": "acme/sub/app", "CI_MERGE_REQUEST_PROJECT_URL": "https://gitlab.example/acme/sub/app/",
			"CI_PROJECT_URL":                      "https://gitlab.example/fork/app",
			"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/x", "CI_COMMIT_SHA": headSHA,
			"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_MERGE_REQUEST_DIFF_BASE_SHA": baseSHA}
		for i := 0; i+1 < len(more); i += 2 {
			m[more[i]] = more[i+1]
		}
		return m
	}
	want := Facts{GitLab: true, Repository: "acme/sub/app", Number: 12, URL: "https://gitlab.example/acme/sub/app/-/merge_requests/12",
		HeadRef: "feature/x", HeadSHA: headSHA, BaseRef: "main", BaseSHA: baseSHA}
	merged := want
	merged.HeadSHA, merged.BaseSHA = sha256, sha256[:40]
	tests := []struct {
		name string
		env  map[string]string
		want Facts
		none bool
		err  string
	}{
		{"merge request pipeline", mr(), want, false, ""},
		{"merged results pipeline", mr("CI_COMMIT_SHA", baseSHA, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", sha256, "CI_MERGE_REQUEST_TARGET_BRANCH_SHA", sha256[:40]), merged, false, ""},
		{"without the MR's project", mr("CI_MERGE_REQUEST_PROJECT_PATH", "", "CI_MERGE_REQUEST_PROJECT_URL", ""),
			Facts{GitLab: true, Repository: "fork/app", Number: 12, URL: "https://gitlab.example/fork/app/-/merge_requests/12",
				HeadRef: "feature/x", HeadSHA: headSHA, BaseRef: "main", BaseSHA: baseSHA}, false, ""},
		{"facts of the wrong shape are left out", mr("CI_MERGE_REQUEST_PROJECT_PATH", "acme/../x", "CI_MERGE_REQUEST_PROJECT_URL", "http://gitlab.example/a",
			"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "x y", "CI_COMMIT_SHA", "HEAD", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "a..b", "CI_MERGE_REQUEST_DIFF_BASE_SHA", headSHA[:39]),
			Facts{GitLab: true, Number: 12}, false, ""},
		{"branch pipeline", mr("CI_MERGE_REQUEST_IID", ""), Facts{}, true, ""},
		{"bad iid", mr("CI_MERGE_REQUEST_IID", "1x"), Facts{}, false, "is not a merge request number"},
		{"signed iid", mr("CI_MERGE_REQUEST_IID", "+12"), Facts{}, false, "is not a merge request number"},
		{"zero iid", mr("CI_MERGE_REQUEST_IID", "0"), Facts{}, false, "is not a merge request number"},
		{"terminal", map[string]string{"CI_MERGE_REQUEST_IID": "12"}, Facts{}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Find(getenvOf(tt.env))
			switch {
			case tt.none:
				require.ErrorIs(t, err, ErrNone)
			case tt.err != "":
				require.Error(t, err)
				assert.NotErrorIs(t, err, ErrNone)
				assert.NotErrorIs(t, err, ErrPayload)
				assert.Contains(t, err.Error(), tt.err)
			default:
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestShapes(t *testing.T) {
	t.Parallel()
	for s, ok := range map[string]bool{
		"main": true, "feature/x-1": true, "release/1.x": true, "a.b": true, "@x": true, "ünï": false, "$(id)": true,
		"": false, "-x": false, "a/-x": true, "x.": false, "a..b": false, "a@{b": false, "@": false, ".a": false, "a/.b": false,
		"a.lock": false, "a.lock/b": false, "a//b": false, "/a": false, "a/": false, "a b": false, "a~1": false, "a^": false,
		"a:b": false, "a?": false, "a*": false, "a[": false, `a\b`: false, "a\x7f": false, "a\tb": false, strings.Repeat("a", 255): true, strings.Repeat("a", 256): false,
	} {
		assert.Equal(t, ok, branch(s) == s && s != "", "branch %q", s)
	}
	for s, ok := range map[string]bool{
		headSHA: true, sha256: true, headSHA[:39]: false, headSHA + "0": false, strings.ToUpper(headSHA): false, "g" + headSHA[1:]: false,
	} {
		assert.Equal(t, ok, sha(s) == s, "sha %q", s)
	}
	for s, ok := range map[string]bool{"acme/app": true, "a/b/c": false, "acme/..": false, "acme": false, "/app": false, "acme/a pp": false} {
		assert.Equal(t, ok, repository(s) == s, "repository %q", s)
	}
	for s, ok := range map[string]bool{"a/b": true, "a/b/c": true, "a": false, "a//b": false, "a/./b": false, "a/b/": false, "a/b c": false} {
		assert.Equal(t, ok, projectPath(s) == s, "project path %q", s)
	}
}
