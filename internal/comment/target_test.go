package comment

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/redact"
)

func TestFindTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	event := func(name, js string) string {
		p := filepath.Join(dir, name+".json")
		writeFile(t, p, js)
		return p
	}
	pr := event("pr", `{"pull_request":{"number":42}}`)
	onPR := event("comment_pr", `{"issue":{"number":9,"pull_request":{"url":"https://api.github.com/repos/a/b/pulls/9"}}}`)
	onIssue := event("comment_issue", `{"issue":{"number":9}}`)
	nullPR := event("comment_null", `{"issue":{"number":9,"pull_request":null}}`)
	broken := event("broken", `{"pull_request":`)
	gh := func(name, path string) map[string]string {
		return map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": path, "GITHUB_REPOSITORY": "acme/app"}
	}
	tests := []struct {
		name string
		env  map[string]string
		want target
		noPR bool
		err  string
	}{
		{"pull_request", gh("pull_request", pr), target{apiURL: "https://api.github.com", owner: "acme", repo: "app", number: 42}, false, ""},
		{"pull_request_target", gh("pull_request_target", pr), target{apiURL: "https://api.github.com", owner: "acme", repo: "app", number: 42}, false, ""},
		{"review", gh("pull_request_review", pr), target{apiURL: "https://api.github.com", owner: "acme", repo: "app", number: 42}, false, ""},
		{"review comment", gh("pull_request_review_comment", pr), target{apiURL: "https://api.github.com", owner: "acme", repo: "app", number: 42}, false, ""},
		{"comment on a PR", gh("issue_comment", onPR), target{apiURL: "https://api.github.com", owner: "acme", repo: "app", number: 9}, false, ""},
		{"comment on an issue", gh("issue_comment", onIssue), target{}, true, ""},
		{"comment with null PR", gh("issue_comment", nullPR), target{}, true, ""},
		{"push", gh("push", pr), target{}, true, ""},
		{"schedule", gh("schedule", ""), target{}, true, ""},
		{"no payload", gh("pull_request", ""), target{}, false, "GITHUB_EVENT_PATH is not set"},
		{"missing payload", gh("pull_request", filepath.Join(dir, "nope.json")), target{}, false, "read the event payload"},
		{"broken payload", gh("pull_request", broken), target{}, false, "not the JSON expected"},
		{"no number", gh("pull_request", event("nonum", `{"pull_request":{}}`)), target{}, false, "no pull request number"},
		{"bad repository", func() map[string]string {
			e := gh("pull_request", pr)
			e["GITHUB_REPOSITORY"] = "acme/../x"
			return e
		}(), target{}, false, "is not owner/repo"},
		{"ghes", func() map[string]string {
			e := gh("pull_request", pr)
			e["GITHUB_API_URL"] = "https://ghe.example/api/v3"
			return e
		}(), target{apiURL: "https://ghe.example/api/v3", owner: "acme", repo: "app", number: 42}, false, ""},
		{"gitlab mr", map[string]string{"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "12", "CI_PROJECT_ID": "3", "CI_MERGE_REQUEST_PROJECT_ID": "5", "CI_MERGE_REQUEST_PROJECT_URL": "https://gitlab.com/acme/app", "CI_API_V4_URL": "https://gitlab.com/api/v4"},
			target{gitlab: true, apiURL: "https://gitlab.com/api/v4", project: "5", iid: 12, projectURL: "https://gitlab.com/acme/app"}, false, ""},
		{"gitlab defaults", map[string]string{"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "12", "CI_PROJECT_ID": "3", "CI_SERVER_URL": "https://git.example", "CI_PROJECT_URL": "https://git.example/a/b"},
			target{gitlab: true, apiURL: "https://git.example/api/v4", project: "3", iid: 12, projectURL: "https://git.example/a/b"}, false, ""},
		{"gitlab branch pipeline", map[string]string{"GITLAB_CI": "true", "CI_PROJECT_ID": "3"}, target{}, true, ""},
		{"gitlab bad iid", map[string]string{"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "1x", "CI_PROJECT_ID": "3"}, target{}, false, "not a merge request number"},
		{"gitlab no project", map[string]string{"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "1"}, target{}, false, "not a project id"},
		{"terminal", map[string]string{}, target{}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := findTarget(getenvOf(tt.env))
			switch {
			case tt.noPR:
				assert.ErrorIs(t, err, ErrNoPullRequest)
			case tt.err != "":
				require.Error(t, err)
				assert.NotErrorIs(t, err, ErrNoPullRequest)
				assert.Contains(t, err.Error(), tt.err)
			default:
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	env := githubEnv(t, "https://api.github.com")
	tests := []struct {
		name  string
		env   map[string]string
		cfg   Config
		is    error
		wants string
	}{
		{"no PR", map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}, Config{GitHubToken: "t"}, ErrNoPullRequest, "push"},
		{"no token", env, Config{}, ErrNoToken, "pull-requests: write"},
		{"gitlab no token", gitlabEnv("https://gitlab.com/api/v4"), Config{GitHubToken: "x"}, ErrNoToken, "CI_JOB_TOKEN cannot write notes"},
		{"token with a newline", env, Config{GitHubToken: "abc\ndef"}, nil, "github_token contains whitespace"},
		{"token too short", env, Config{GitHubToken: "ghs_short"}, nil, "github_token is too short to be a token (9 characters"},
		{"gitlab token too short", gitlabEnv("https://gitlab.com/api/v4"), Config{GitLabToken: "glpat-x"}, nil, "gitlab_token is too short to be a token"},
		{"plain http", githubEnv(t, "http://ghe.example/api/v3"), Config{GitHubToken: "ghs_0123456789abcdef0123"}, nil, "plain http"},
		{"api url with credentials", gitlabEnv("https://u:p@gitlab.com/api/v4"), Config{GitLabToken: "glpat-0123456789abcdef"}, nil, "no user info"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.Getenv = getenvOf(tt.env)
			s, err := New(context.Background(), tt.cfg)
			require.Error(t, err)
			assert.Nil(t, s)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Contains(t, err.Error(), tt.wants)
			assert.NotContains(t, err.Error(), "u:p")
		})
	}
}

func TestMarker(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `<!-- oz-run comment key="CI/review/oz" -->`, marker("CI/review/oz"))
	m := marker("x\" --> <!-- evil\n--!> & 100% é")
	assert.Equal(t, `<!-- oz-run comment key="x%22%20--%3E%20%3C!--%20evil%0A--!%3E%20%26%20100%25%20%C3%A9" -->`, m)
	assert.Equal(t, 1, strings.Count(m, "-->"), "the key cannot end the comment")
	long := marker(strings.Repeat("k", 1000))
	assert.LessOrEqual(t, len(long), maxMarker)
	assert.Contains(t, long, `key="sha256:`)
	assert.NotEqual(t, long, marker(strings.Repeat("k", 1001)))

	assert.Equal(t, "CI/review/oz", defaultKey(getenvOf(map[string]string{"GITHUB_WORKFLOW": "CI", "GITHUB_JOB": "review", "GITHUB_ACTION": "oz", "GITHUB_RUN_ID": "5"}), false))
	assert.Equal(t, "gitlab/oz review", defaultKey(getenvOf(map[string]string{"CI_JOB_NAME": "oz review", "CI_JOB_ID": "77"}), true))

	mk := marker("k")
	for body, want := range map[string]bool{
		mk:                     true,
		mk + "\nbody":          true,
		mk + "\r\nbody":        true,
		mk + "x\nbody":         false,
		"> " + mk + "\nquoted": false,
		"text\n" + mk:          false,
		marker("k2") + "\n":    false,
	} {
		assert.Equal(t, want, hasMarker(body, mk), "%q", body)
	}
}

func TestCompose(t *testing.T) {
	t.Parallel()
	m := marker("k")
	assert.Equal(t, m+"\nbody", compose(m, "body", 1000))
	body := strings.Repeat("é line\n", 1000)
	for _, limit := range []int{10, len(m) + 5, 200, 1000, 5000} {
		got := compose(m, body, limit)
		assert.LessOrEqual(t, len(got), max(limit, len(m)), "limit %d", limit)
		assert.True(t, strings.HasPrefix(got, m), "limit %d", limit)
		assert.True(t, validUTF8(got), "limit %d", limit)
		if limit >= 200 {
			assert.Contains(t, got, "bytes over the limit")
		}
	}
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// A forge's message follows the one rule for untrusted text
// (textclean.Line): no control, bidi or zero-width character, valid UTF-8,
// without the secrets of the step's Redactor (the token in another case
// too), capped.
func TestMessageIsCleanAndRedacted(t *testing.T) {
	t.Parallel()
	const key = "wk-0123456789abcdefKEY"
	msg := message("GET https://x/?a=1: 500 "+testToken+" "+strings.ToUpper(testToken)+" "+key+"\n\x1b[31mred\u202e\u200b\u2066\ufeff\xff\x00"+strings.Repeat("x", 500), redact.New(testToken, key))
	for _, bad := range []string{testToken, strings.ToUpper(testToken), key, "\n", "\x1b", "\x00", "\u202e", "\u200b", "\u2066", "\ufeff"} {
		assert.NotContains(t, msg, bad)
	}
	assert.True(t, utf8.ValidString(msg))
	assert.LessOrEqual(t, len(msg), maxMessage)
	assert.True(t, strings.HasPrefix(msg, "GET https://x/?a=1: 500 *** *** *** [31mred\ufffd x"), msg)
}
