package summary

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// The comment's link to what started the run is labelled as its forge
// names it: the workflow run on GitHub, the job on GitLab; any other safe
// URL is linked by its own text; an unsafe one is not shown.
func TestCommentJobRow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url string
		want      string // the table's row; empty: none
	}{
		{"github", "https://github.com/acme/app/actions/runs/42",
			"| Workflow run | [workflow run 42](https://github.com/acme/app/actions/runs/42) |"},
		{"github enterprise", "https://ghe.example.com/acme/app/actions/runs/9876543210",
			"| Workflow run | [workflow run 9876543210](https://ghe.example.com/acme/app/actions/runs/9876543210) |"},
		{"gitlab", "https://gitlab.com/group/project/-/jobs/88",
			"| Job | [job 88](https://gitlab.com/group/project/-/jobs/88) |"},
		{"self-managed gitlab, subgroups, trailing slash", "https://git.example.org:8443/a/b/c/-/jobs/456/",
			"| Job | [job 456](https://git.example.org:8443/a/b/c/-/jobs/456/) |"},
		{"spaces around", "  https://gitlab.com/g/p/-/jobs/7\n",
			"| Job | [job 7](https://gitlab.com/g/p/-/jobs/7) |"},
		{"an id that is no number", "https://github.com/acme/app/actions/runs/42x",
			"| CI | [https\\://github.com/acme/app/actions/runs/42x](https://github.com/acme/app/actions/runs/42x) |"},
		{"an id too long", "https://gitlab.com/g/p/-/jobs/" + strings.Repeat("9", 21),
			"| CI | [https\\://gitlab.com/g/p/-/jobs/" + strings.Repeat("9", 21) + "](https://gitlab.com/g/p/-/jobs/" + strings.Repeat("9", 21) + ") |"},
		{"the path in the query", "https://ci.example/x?next=/actions/runs/1&y=2",
			"| CI | [https\\://ci.example/x?next=/actions/runs/1&amp;y=2](https://ci.example/x?next=/actions/runs/1&amp;y=2) |"},
		{"an encoded slash", "https://ci.example/actions%2Fruns/5",
			"| CI | [https\\://ci.example/actions%2Fruns/5](https://ci.example/actions%2Fruns/5) |"},
		{"another CI", "https://buildkite.com/acme/app/builds/12",
			"| CI | [https\\://buildkite.com/acme/app/builds/12](https://buildkite.com/acme/app/builds/12) |"},
		{"http", "http://github.com/acme/app/actions/runs/42", ""},
		{"javascript", "javascript:alert(1)//actions/runs/42", ""},
		{"user info", "https://github.com@evil.example/actions/runs/42", ""},
		{"blank", " ", ""},
		{"none", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := outcome.Result{RunID: "r1", State: oz.StateQueued}
			got := Comment(r, Options{JobURL: tt.url})
			checkComment(t, got, DefaultCommentMaxBytes)
			row := ""
			for _, l := range strings.Split(got, "\n") {
				if strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| Run ") && !strings.HasPrefix(l, "| State ") &&
					!strings.HasPrefix(l, "| Session ") && !strings.HasPrefix(l, "| |") {
					row = l
				}
			}
			assert.Equal(t, tt.want, row)
		})
	}
}

// The footer names where the timeline is: GitHub's job summary page, or
// on GitLab, which has no such page, the job's log and summary file.
func TestCommentFooterNamesWhereTheTimelineIs(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, url, want string }{
		{"github", "https://github.com/acme/app/actions/runs/42",
			"the [job summary](https://github.com/acme/app/actions/runs/42) has the timeline."},
		{"gitlab", "https://gitlab.com/group/project/-/jobs/88",
			"the [job](https://gitlab.com/group/project/-/jobs/88)'s log and summary file have the timeline."},
		{"another CI", "https://buildkite.com/acme/app/builds/12",
			"the [job summary](https://buildkite.com/acme/app/builds/12) has the timeline."},
		{"none", "", "the job summary has the timeline."},
		{"unsafe", "javascript:alert(1)//-/jobs/1", "the job summary has the timeline."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := outcome.Result{RunID: "r1", State: oz.StateSucceeded, Conclusion: outcome.Succeeded}
			got := Comment(r, Options{JobURL: tt.url})
			checkComment(t, got, DefaultCommentMaxBytes)
			assert.True(t, strings.HasSuffix(got, tt.want+"\n"), "%s", got)
		})
	}
}
