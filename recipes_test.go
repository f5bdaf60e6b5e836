package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// The README's recipes for the agent's work, their oz-run steps run as
// processes against the fake API with the recipes' inputs; what their
// shell steps check is checked here.

// createBody is the create request the fake received for the nth run (1-based).
func createBody(t *testing.T, fake *ozfake.Server, n int) map[string]any {
	t.Helper()
	var bodies []map[string]any
	for _, r := range fake.Requests() {
		if r.Route == routeCreate {
			var m map[string]any
			require.NoError(t, json.Unmarshal(r.Body, &m))
			bodies = append(bodies, m)
		}
	}
	require.GreaterOrEqual(t, len(bodies), n)
	return bodies[n-1]
}

func TestRecipeUseTheAnswer(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	s := githubStep(t, base, map[string]string{"environment": "env-1", "prompt": "Summarize the risk of this change in three bullet points."})
	s.run()
	require.Equal(t, 0, s.code)
	answer := s.outputs()["agent_output"]
	assert.Contains(t, answer, "fake-run-000001 succeeded", "the answer is there for `env: ANSWER`")
	assert.Contains(t, s.file("summary"), "### Answer")
	s.assertNoKey()
}

func TestRecipeFailOnTheReport(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	s := githubStep(t, base, map[string]string{"environment": "env-1", "files_dir": "oz-files",
		"prompt": "[fake:files] Review the migrations in db/migrations. Attach your verdict as reports/oz-report.md."})
	s.run()
	require.Equal(t, 0, s.code)
	out := s.outputs()
	assert.Equal(t, "oz-files/reports/oz-report.md\noz-files/changes.patch", out["files"])
	report := s.file("oz-files/reports/oz-report.md")
	assert.Regexp(t, `(?m)^VERDICT: PASS$`, report, "grep -q '^VERDICT: PASS' passes")
	summary := s.file("summary")
	assert.Contains(t, summary, "### Files\n\n- `reports/oz-report.md`", "by the name the agent gave it, not the runner's path")
	for _, r := range fake.Requests() {
		if r.Route == "GET /files/{uid}" {
			assert.Empty(t, r.Header.Get("Authorization"), "the key goes to no host but the API")
		}
	}
	assert.Equal(t, 1, fake.Count("GET /agent/runs/{id}/conversation"), "one conversation request")
	s.assertNoKey()
}

// The follow-up recipe: a pull_request run tagged with the PR's number,
// found by the API's metadata filter as the recipe's curl does, then
// followed up from an issue_comment workflow.
func TestRecipeAnswerAReviewCommentWithAFollowup(t *testing.T) {
	t.Parallel()
	// A follow-up's stale window of 2 s (the default is 150 ms at this
	// time scale): room for a poll to see the run's state from before the
	// follow-up on a busy machine.
	fake, base := newFake(t, ozfake.WithFollowupPickup(2*time.Second))
	pr := githubStep(t, base, map[string]string{"prompt": "Review this pull request"})
	event := filepath.Join(pr.dir, "event.json")
	require.NoError(t, os.WriteFile(event, []byte(`{"pull_request": {"number": 42, "head": {"sha": "abc"}}}`), 0o644))
	pr.env["GITHUB_EVENT_NAME"], pr.env["GITHUB_EVENT_PATH"] = "pull_request", event
	pr.run()
	require.Equal(t, 0, pr.code)

	// The recipe's "find" step.
	q := url.Values{"metadata[github_repository]": {"octo/repo"}, "metadata[github_pr]": {"42"}, "sort_by": {"created_at"}, "limit": {"1"}}
	req, err := http.NewRequest(http.MethodGet, base+"/agent/runs?"+q.Encode(), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var list struct {
		Runs []struct {
			RunID string `json:"run_id"`
		} `json:"runs"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	require.Len(t, list.Runs, 1)
	runID := list.Runs[0].RunID
	require.Equal(t, pr.outputs()["run_id"], runID)

	comment := githubStep(t, base, map[string]string{"prompt": "", "run_id": runID,
		"followup": "please also update the docs [fake:nopr]", "timeout": "30m"}) // the recipe's msg step took "/oz " off
	comment.env["GITHUB_EVENT_NAME"] = "issue_comment"
	comment.run()
	require.Equal(t, 0, comment.code)
	out := comment.outputs()
	assert.Equal(t, "succeeded", out["conclusion"])
	assert.NotEmpty(t, out["agent_output"])
	fus := fake.Followups(runID)
	require.Len(t, fus, 1, "one follow-up")
	assert.Equal(t, "please also update the docs [fake:nopr]", fus[0].Message, "the agent gets the request, not the /oz command")
	assert.Contains(t, comment.file("summary"), "(since the follow-up)", "the duration counts from the follow-up")
	assert.Equal(t, oz.OutcomeHandoffExecution, fus[0].Outcome)
	assert.Contains(t, comment.stderr+comment.stdout, "still shows its state from before the follow-up", "the stale state was seen, and not taken")
	// Whether a working state of the new execution is seen is up to the
	// pace (it lasts 225 ms at this time scale, and may pass between two
	// polls on a busy machine, the conversation then proving it): the
	// stale state seen and not taken is what this recipe needs.
	assert.Contains(t, comment.file("summary"), "sent a follow-up to the existing run")
	assert.Equal(t, 1, fake.CreatedCount(), "a follow-up creates no run")
	comment.assertNoKey()
}

func TestRecipeContinueAConversation(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	plan := githubStep(t, base, map[string]string{"environment": "env-1", "agent_mode": "plan",
		"prompt": "Plan the move from the v1 to the v2 payments API. Change nothing yet."})
	plan.run()
	require.Equal(t, 0, plan.code)
	conv := plan.outputs()["conversation_id"]
	require.NotEmpty(t, conv)

	implement := githubStep(t, base, map[string]string{"environment": "env-1", "conversation_id": conv,
		"prompt": "Carry out the plan and open a pull request."})
	implement.run()
	require.Equal(t, 0, implement.code)
	assert.Equal(t, conv, createBody(t, fake, 2)["conversation_id"])
	assert.Equal(t, conv, implement.outputs()["conversation_id"], "the new run continues the conversation")

	// The prompt may be empty.
	bare := githubStep(t, base, map[string]string{"prompt": "", "conversation_id": conv})
	bare.run()
	assert.Equal(t, 0, bare.code)
}

func TestRecipeShareTheSession(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	s := githubStep(t, base, map[string]string{"environment": "env-1", "prompt": "Review", "share": "viewer", "idle_timeout": "5m", "comment": "true"})
	s.run()
	require.Equal(t, 0, s.code)
	conf, _ := createBody(t, fake, 1)["config"].(map[string]any)
	assert.Equal(t, map[string]any{"public_access": "VIEWER"}, conf["session_sharing"])
	assert.Equal(t, float64(5), conf["idle_timeout_minutes"])
	assert.NotEmpty(t, s.outputs()["session_link"])

	dry := githubStep(t, base, map[string]string{"prompt": "Review", "share": "Editor", "idle_timeout": "1h", "dry_run": "true"})
	dry.run()
	assert.Contains(t, dry.stdout, `"public_access": "EDITOR"`)
	assert.Contains(t, dry.stdout, `"idle_timeout_minutes": 60`)
}

// The GitLab recipes: the verdict job (files, the answer file, the dotenv
// report) and the job that continues its conversation.
func TestRecipeGitLabVerdictAndFix(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	verdict := gitlabStep(t, base, "[fake:files] Review the migrations; attach reports/oz-report.md")
	verdict.env["INPUT_FILES_DIR"] = "oz-files"
	verdict.run()
	require.Equal(t, 0, verdict.code)
	assert.Regexp(t, `(?m)^VERDICT: PASS$`, verdict.file("oz-files/reports/oz-report.md"))
	assert.Contains(t, verdict.file("oz-run-output.md"), "fake-run-000001 succeeded")
	vars, err := ci.ParseDotenv([]byte(verdict.file("oz-run.env")))
	require.NoError(t, err)
	assert.Equal(t, "fake-conversation-000001", vars["OZ_CONVERSATION_ID"])
	assert.NotEmpty(t, vars["OZ_COST_USD"])
	assert.NotEmpty(t, vars["OZ_TOKENS"])
	verdict.assertNoKey()

	fix := gitlabStep(t, base, "Fix what your review found and open a merge request")
	fix.env["INPUT_CONVERSATION_ID"] = vars["OZ_CONVERSATION_ID"]
	fix.run()
	require.Equal(t, 0, fix.code)
	assert.Equal(t, "fake-conversation-000001", createBody(t, fake, 2)["conversation_id"])

	// No answer (an older server): no answer file.
	old := gitlabStep(t, base, "[fake:noconversation] x")
	old.run()
	require.Equal(t, 0, old.code)
	assert.NoFileExists(t, filepath.Join(old.dir, "oz-run-output.md"))
	assert.NotContains(t, old.stdout, "WARNING", "a missing conversation is no warning")
}

// On a terminal the answer and files print, and no answer file is written
// unless asked for.
func TestProcessTerminalShowsTheWork(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	s := terminalStep(t, base, map[string]string{"INPUT_PROMPT": "[fake:files] x", "INPUT_FILES_DIR": "out/files"})
	s.run()
	require.Equal(t, 0, s.code)
	for _, want := range []string{"agent_output:", "files:\n  out/files/reports/oz-report.md", "The agent's answer:", "Files:\n  - out/files/reports/oz-report.md", "cost_usd: ", "tokens: "} {
		assert.Contains(t, s.stdout, want)
	}
	assert.NoFileExists(t, filepath.Join(s.dir, "oz-run-output.md"))
	assert.FileExists(t, filepath.Join(s.dir, "out", "files", "changes.patch"))

	s = terminalStep(t, base, map[string]string{"INPUT_PROMPT": "x", "INPUT_OUTPUT_FILE": "answer.md"})
	s.run()
	require.Equal(t, 0, s.code)
	assert.True(t, strings.HasPrefix(s.file("answer.md"), "## Done"))
}
