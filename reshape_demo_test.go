package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ci"
)

// oz-run demo honours the report-file flags, as a terminal run does, and
// --comment prints each state of the PR/MR comment as it would be edited,
// the outcome last (the contract's "On a terminal"). Without them it
// writes no file.
func TestProcessDemoWritesTheReportFilesAndPrintsTheComment(t *testing.T) {
	t.Parallel()
	s := &step{t: t, dir: t.TempDir(), env: map[string]string{"PATH": "/usr/bin:/bin"}}
	s.run("demo", "--comment", "--dotenv", "d.env", "--summary_file", "s.md", "--junit_file", "j.xml", "--output_file", "o.md", "--result_file", "r.json")
	require.Equal(t, 0, s.code)
	vars, err := ci.ParseDotenv([]byte(s.file("d.env")))
	require.NoError(t, err)
	assert.Equal(t, "succeeded", vars["OZ_CONCLUSION"])
	assert.Contains(t, s.file("s.md"), "## ✅ Oz run succeeded")
	assert.Contains(t, s.file("j.xml"), "<testsuite")
	assert.Contains(t, s.file("o.md"), "TestClock no longer sleeps")
	assert.Contains(t, s.file("r.json"), `"run_id": "fake-run-000001"`)

	var states []string
	for _, l := range strings.Split(s.stdout, "\n") {
		if rest, ok := strings.CutPrefix(l, "--- the PR/MR comment, version "); ok {
			_, what, _ := strings.Cut(rest, "(")
			what, _, _ = strings.Cut(what, ";")
			states = append(states, what)
		}
	}
	require.NotEmpty(t, states)
	assert.Equal(t, "QUEUED", states[0], "the comment is made once the run id is known")
	assert.Contains(t, states, "INPROGRESS")
	assert.Equal(t, "the outcome", states[len(states)-1], "the final edit last")
	assert.Equal(t, 1, strings.Count(s.stdout, "(the outcome;"))
	outcomeAt := strings.Index(s.stdout, "(the outcome;")
	assert.Contains(t, s.stdout[outcomeAt:], "## ✅ oz-run demo succeeded")
	assert.Less(t, outcomeAt, strings.Index(s.stdout, "conclusion: succeeded"), "the comment's final edit before the outputs")

	plain := &step{t: t, dir: t.TempDir(), env: map[string]string{"PATH": "/usr/bin:/bin"}}
	plain.run("demo")
	require.Equal(t, 0, plain.code)
	entries, err := os.ReadDir(plain.dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no file unless asked for")
	assert.NotContains(t, plain.stdout, "PR/MR comment", "no comment unless asked for")
}
