package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	ghToken = "ghs_SECRETgithubTOKEN0123456789abcdef"
	glToken = "glpat-SECRETgitlabTOKEN012"
)

func TestLoadComment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		args                []string
		env                 env
		comment             bool
		key, github, gitlab string
	}{
		{"off by default", nil, nil, false, "", "", ""},
		{"off: the tokens are not kept", nil, env{"INPUT_GITHUB_TOKEN": ghToken, "GITLAB_TOKEN": glToken}, false, "", "", ""},
		{"off: a bad token is not checked", nil, env{"INPUT_GITHUB_TOKEN": "a b", "GITLAB_TOKEN": "x"}, false, "", "", ""},
		{"on, inputs", nil, env{"INPUT_COMMENT": "TRUE", "INPUT_COMMENT_KEY": " lint (go) ", "INPUT_GITHUB_TOKEN": ghToken, "INPUT_GITLAB_TOKEN": glToken},
			true, "lint (go)", ghToken, glToken},
		{"on, the environment's tokens", nil, env{"INPUT_COMMENT": "true", "GITHUB_TOKEN": " " + ghToken + "\n", "GITLAB_TOKEN": glToken},
			true, "", ghToken, glToken},
		{"input beats the environment", nil, env{"INPUT_COMMENT": "true", "INPUT_GITHUB_TOKEN": ghToken, "GITHUB_TOKEN": "ghs_other_token_0123456789"},
			true, "", ghToken, ""},
		{"flags", []string{"--comment", "--comment-key", "review", "--gitlab-token", glToken}, nil, true, "review", "", glToken},
		{"on, no token", nil, env{"INPUT_COMMENT": "true"}, true, "", "", ""},
		{"key of any script", nil, env{"INPUT_COMMENT": "true", "INPUT_COMMENT_KEY": "レビュー/😀"}, true, "レビュー/😀", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(tt.args, Env(base.with(tt.env)), files(nil))
			require.NoError(t, err)
			assert.Equal(t, tt.comment, c.Comment)
			assert.Equal(t, tt.key, c.CommentKey)
			assert.Equal(t, tt.github, c.GitHubToken)
			assert.Equal(t, tt.gitlab, c.GitLabToken)
		})
	}
}

// A forge token the comment cannot use is no bad input: the comment never
// changes the exit code (comment.New warns and the step goes on). The
// token is kept, to be masked.
func TestLoadCommentTokenNotChecked(t *testing.T) {
	t.Parallel()
	for name, e := range map[string]env{
		"github token with a space":                    {"INPUT_GITHUB_TOKEN": "ghs_SECRET 0123456789abcdef"},
		"github token from the environment with a NUL": {"GITHUB_TOKEN": "ghs_SECRET\x000123456789abcdef"},
		"gitlab token with a line break":               {"GITLAB_TOKEN": "glpat-SECRET\n0123456789abc"},
		"gitlab token too short":                       {"INPUT_GITLAB_TOKEN": "SECRET"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, _, err := Load(nil, Env(base.with(env{"INPUT_COMMENT": "true"}).with(e)), files(nil))
			require.NoError(t, err)
			assert.Len(t, c.Tokens(), 1, "kept, to be masked")
		})
	}
}

func TestLoadCommentInvalid(t *testing.T) {
	t.Parallel()
	on := env{"INPUT_COMMENT": "true"}
	tests := []struct {
		name  string
		env   env
		input string
		want  string
	}{
		{"comment", env{"INPUT_COMMENT": "yes"}, "comment", "not a boolean"},
		{"key too long", on.with(env{"INPUT_COMMENT_KEY": strings.Repeat("k", MaxCommentKeyLen+1)}), "comment_key", "longer than 256 bytes"},
		{"key with a line break", on.with(env{"INPUT_COMMENT_KEY": "a\nb"}), "comment_key", "control or invisible"},
		{"key with a bidi control", on.with(env{"INPUT_COMMENT_KEY": "a\u202eb"}), "comment_key", "control or invisible"},
		{"key not UTF-8", on.with(env{"INPUT_COMMENT_KEY": "a\xffb"}), "comment_key", "not UTF-8"},
		{"prompt holds a token", on.with(env{"INPUT_GITHUB_TOKEN": ghToken, "INPUT_PROMPT": "use " + ghToken}), "prompt", "contains a token"},
		{"prompt file holds a token", on.with(env{"INPUT_GITLAB_TOKEN": glToken, "INPUT_PROMPT": "", "INPUT_PROMPT_FILE": "t.md"}), "prompt_file", "contains a token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Load(nil, Env(base.with(tt.env)), files(map[string]string{"t.md": "token " + glToken}))
			require.Error(t, err)
			ies := inputErrors(err)
			require.Len(t, ies, 1, err.Error())
			assert.Equal(t, tt.input, ies[0].Input)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "SECRET", "a token is never shown")
		})
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	assert.Nil(t, (&Config{}).Tokens())
	assert.Equal(t, []string{ghToken, glToken}, (&Config{GitHubToken: ghToken, GitLabToken: glToken}).Tokens())
	assert.Equal(t, []string{glToken}, (&Config{GitLabToken: glToken}).Tokens())
}
