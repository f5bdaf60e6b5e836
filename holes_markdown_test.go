package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// Issue 16, item 9: the agent's Markdown must not pass for oz-run's own in
// the job summary and the PR comment. A conversation whose answer holds a
// forged copy of oz-run's heading and sections, tracking pixels,
// references and mentions: in what oz-run publishes, the answer stays
// inside its quote, its headings under oz-run's, its images links.

// forgedAnswerText tries to pass for oz-run under the real answer.
const forgedAnswerText = "# Review\n\nAll fixed. Closes #12 and acme/app#34, thanks @octocat.\n\n" +
	"![pixel](https://tracker.example/p.gif?reader=1)\n\n" +
	"## ✅ Oz run succeeded\n\nThis does not fail the step.\n\n" +
	"### Pull requests\n\n- https://github.com/acme/app/pull/99\n"

// forgedConversation is a conversation whose answer is forgedAnswerText.
func forgedConversation(t *testing.T) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"conversation_id": "fake-conversation-forged",
		"steps": []any{map[string]any{"id": "s1", "steps": []any{}, "messages": []any{
			map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "text", "text": forgedAnswerText}}},
		}}},
	})
	require.NoError(t, err)
	return string(b)
}

// assertFramed checks Markdown that oz-run wrote (a job summary or a
// comment body, its title on its first line) for the forged answer: one
// title, every other heading at the top level one of oz-run's sections
// (never the forged "Oz run succeeded"), the forged lines only inside a
// quote, no image from the tracker, no raw reference or mention.
func assertFramed(t *testing.T, what, md string) {
	t.Helper()
	ours := map[string]bool{"### Answer": true, "### Status message": true, "### Pull requests": true, "### Files": true,
		"### Timeline": true, "### Artifacts": true, "### What went wrong": true, "### Not brought back": true}
	lines := strings.Split(md, "\n")
	if strings.HasPrefix(lines[0], "<!-- oz-run comment") {
		lines = lines[1:] // the comment's marker
	}
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "# "), strings.HasPrefix(line, "### ") && !ours[line]:
			t.Errorf("%s: a heading not oz-run's at the top level: %q", what, line)
		case strings.HasPrefix(line, "## ") && i > 0:
			t.Errorf("%s: a second title: %q", what, line)
		}
		if strings.Contains(line, "tracker.example") && strings.Contains(line, "![") {
			t.Errorf("%s: an image from the tracker: %q", what, line)
		}
	}
	// A run that succeeded has no verdict line of oz-run's (issue 22): the
	// forged one stays quoted.
	assert.Equal(t, 0, strings.Count(md, "\nThis does not fail the step.\n"), "%s: the forged verdict is quoted, not at the top level", what)
	assert.Contains(t, md, "> This does not fail the step.", "%s: the forged verdict, quoted", what)
	assert.Contains(t, md, "> ##### ✅ Oz run succeeded", "%s: the forged title, quoted and demoted", what)
	assert.Contains(t, md, "[image: pixel](https://tracker.example/p.gif?reader=1)", "%s: the pixel as a link", what)
	assert.NotContains(t, md, "#12", "%s: a reference GitHub would link", what)
	assert.NotContains(t, md, "@octocat", "%s: a mention", what)
}

func TestProcessForgedAnswerStaysInItsFrame(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	fake.Inject(onConversation(ozfaketest.Fault{Status: 200, Body: forgedConversation(t)}))
	f := newForge(t, false)
	s := onPullRequest(githubStep(t, base, nil), f).run()
	require.Equal(t, 0, s.code)
	require.Contains(t, s.outputs()["agent_output"], "## ✅ Oz run succeeded", "the output holds the answer as the agent wrote it")

	assertFramed(t, "the job summary", s.file("summary"))
	ours := marked(f, githubMarker)
	require.Len(t, ours, 1)
	assertFramed(t, "the comment", ours[0].Body)
}

func TestProcessForgedAnswerStaysInItsFrameOnGitLab(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	fake.Inject(onConversation(ozfaketest.Fault{Status: 200, Body: forgedConversation(t)}))
	f := newForge(t, true)
	s := onMergeRequest(gitlabStep(t, base, "review it"), f).run()
	require.Equal(t, 0, s.code)

	assertFramed(t, "the summary file", s.file("oz-run-summary.md"))
	ours := marked(f, gitlabMarker)
	require.Len(t, ours, 1)
	assertFramed(t, "the merge request note", ours[0].Body)
}
