package main

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The JUnit report of a GitLab job, as its merge request reads it: a step
// skipped for want of a key (missing_key: skip) is a skipped test case
// that says why, not a passed one; with skipped in fail_on it is a
// failure; a run submitted and not waited for (wait: false) passes.
func TestProcessGapsJUnitSkipped(t *testing.T) {
	t.Parallel()
	type junitReport struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Skipped  int `xml:"skipped,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				Failure *struct {
					Type string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	tests := []struct {
		name    string
		noKey   bool
		inputs  map[string]string
		code    int
		skipped bool // the case is skipped
		failure string
		runs    int // runs the fake saw created
	}{
		{"skipped", true, map[string]string{"INPUT_MISSING_KEY": "skip"}, 0, true, "", 0},
		{"skipped in fail_on", true, map[string]string{"INPUT_MISSING_KEY": "skip", "INPUT_FAIL_ON": "failed,skipped"}, 1, false, "skipped", 0},
		{"submitted", false, map[string]string{"INPUT_WAIT": "false"}, 0, false, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := gitlabStep(t, base, "fix it")
			if tt.noKey {
				delete(s.env, "WARP_API_KEY")
			}
			for k, v := range tt.inputs {
				s.env[k] = v
			}
			s.run()
			assert.Equal(t, tt.code, s.code)
			assert.Len(t, fake.Runs(), tt.runs)

			var junit junitReport
			require.NoError(t, xml.Unmarshal([]byte(s.file("oz-run-junit.xml")), &junit))
			require.Len(t, junit.Suites, 1)
			suite := junit.Suites[0]
			require.Len(t, suite.Cases, 1)
			c := suite.Cases[0]
			assert.Equal(t, 1, suite.Tests)
			if tt.skipped {
				require.NotNil(t, c.Skipped, "a skipped step is a skipped test case")
				assert.Contains(t, c.Skipped.Message, "no Oz API key was given", "it says why")
				assert.Contains(t, c.Skipped.Message, "missing_key is skip")
				assert.Equal(t, 1, suite.Skipped)
			} else {
				assert.Nil(t, c.Skipped)
				assert.Equal(t, 0, suite.Skipped)
			}
			if tt.failure != "" {
				require.NotNil(t, c.Failure)
				assert.Equal(t, tt.failure, c.Failure.Type)
				assert.Equal(t, 1, suite.Failures)
			} else {
				assert.Nil(t, c.Failure)
				assert.Equal(t, 0, suite.Failures)
			}
			s.assertNoKey()
		})
	}
}

// The comment links what started the run by the name its forge gives it:
// the workflow run on GitHub, the job on GitLab, with its id; a job URL
// that is not a safe https URL gives no row.
func TestProcessGapsCommentJobRow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		gitlab bool
		jobURL string // CI_JOB_URL on GitLab
		want   string // the row; empty: none
	}{
		{"github", false, "", "| Workflow run | [workflow run 42](https://github.com/octo/repo/actions/runs/42) |"},
		{"gitlab", true, "https://gitlab.example/group/project/-/jobs/88", "| Job | [job 88](https://gitlab.example/group/project/-/jobs/88) |"},
		{"gitlab, an unsafe job URL", true, "javascript:alert(1)//-/jobs/88", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, base := newFake(t)
			f := newForge(t, tt.gitlab)
			var s *step
			if tt.gitlab {
				s = gitlabStep(t, base, "x")
				s.env["CI_JOB_URL"] = tt.jobURL
				onMergeRequest(s, f)
			} else {
				s = onPullRequest(githubStep(t, base, nil), f)
			}
			s.run()
			require.Equal(t, 0, s.code)
			cs := f.Comments()
			require.Len(t, cs, 1)
			body := cs[0].Body
			if tt.want == "" {
				for _, label := range []string{"| Workflow run |", "| Job |", "| CI |"} {
					assert.NotContains(t, body, label)
				}
				assert.NotContains(t, body, "javascript")
				return
			}
			assert.Contains(t, body, "\n"+tt.want+"\n")
			assert.Equal(t, 1, strings.Count(body, "| Workflow run |")+strings.Count(body, "| Job |"), "one row")
			assert.NotContains(t, body, "| CI |")
		})
	}
}

// A key shorter than Warp's (the fake's own default, wk-fake, say) is taken
// with a warning: the contract refuses only whitespace inside. Against a
// fake that takes it, the run succeeds; the warning never shows the key.
func TestProcessGapsShortKeyIsAWarning(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t, ozfake.WithAPIKey(ozfake.DefaultAPIKey))
	s := githubStep(t, base, map[string]string{"warp_api_key": ozfake.DefaultAPIKey})
	s.run()
	require.Equal(t, 0, s.code, s.stdout+s.stderr)
	assert.Contains(t, s.stdout, `::warning title=Check the input::input "warp_api_key" is 7 characters, shorter than an Oz API key`)
	assert.NotEmpty(t, fake.Requests())
	assert.Equal(t, "succeeded", s.outputs()["conclusion"])
}
