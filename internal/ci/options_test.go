package ci

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"GITHUB_ACTIONS": "true"}, "github"},
		{map[string]string{"GITHUB_ACTIONS": "true", "CI": "true"}, "github"},
		{map[string]string{"GITLAB_CI": "true", "CI": "true"}, "gitlab"},
		{map[string]string{"GITLAB_CI": "true", "GITHUB_ACTIONS": "true"}, "gitlab"},
		{map[string]string{"CI": "true"}, "other-ci"},
		{map[string]string{"CI": "1", "JENKINS_URL": "https://ci.example"}, "other-ci"},
		{map[string]string{"CI": "false"}, "local"},
		{map[string]string{"GITHUB_ACTIONS": "false"}, "local"},
		{nil, "local"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Detect(Options{Getenv: env(tt.env)}).Name(), "%v", tt.env)
		assert.Equal(t, tt.want != "local", InCI(env(tt.env)), "%v", tt.env)
	}
}
