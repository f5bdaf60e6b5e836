package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/runner"
)

// Many runs in one step (prompts, issue 20), as a process.

// batchStep is a GitHub step with prompts instead of prompt.
func batchStep(t *testing.T, base, prompts string, inputs map[string]string) *step {
	t.Helper()
	s := githubStep(t, base, inputs)
	if _, ok := inputs["prompt"]; !ok {
		delete(s.env, "INPUT_PROMPT")
	}
	s.env["INPUT_PROMPTS"] = prompts
	return s
}

// promptList is a YAML list of n prompts, keyed r1, r2, ...; the ones
// whose number is in special get that prompt.
func promptList(n int, prompt string, special map[int]string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		p := prompt
		if s, ok := special[i]; ok {
			p = s
		}
		fmt.Fprintf(&b, "- key: r%d\n  prompt: %q\n", i, p)
	}
	return b.String()
}

// batchRuns reads the runs output.
func batchRuns(t *testing.T, v string) []map[string]any {
	t.Helper()
	var runs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(v), &runs), "runs is a JSON array")
	return runs
}

// mostWorking is the most runs the fake had at once between their
// creation and their last write.
func mostWorking(t *testing.T, fake *ozfake.Server) int {
	t.Helper()
	type edge struct {
		at time.Time
		d  int
	}
	var edges []edge
	for _, r := range fake.Runs() {
		c, err1 := time.Parse(time.RFC3339Nano, r.CreatedAt)
		u, err2 := time.Parse(time.RFC3339Nano, r.UpdatedAt)
		require.NoError(t, err1)
		require.NoError(t, err2)
		edges = append(edges, edge{c, 1}, edge{u, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.d - b.d
	})
	n, most := 0, 0
	for _, e := range edges {
		n += e.d
		most = max(most, n)
	}
	return most
}

func TestBatchProcessPasses(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	s := batchStep(t, base, promptList(6, "fix it", nil), map[string]string{"max_parallel": "2", "result_file": "oz/result.json"}).run()
	assert.Equal(t, 0, s.code)
	outs := s.outputs()
	assert.Equal(t, "oz/result.json", outs["result_file"])
	var result []struct {
		Key string         `json:"key"`
		Run map[string]any `json:"run"`
	}
	require.NoError(t, json.Unmarshal([]byte(s.file("oz/result.json")), &result))
	require.Len(t, result, 6)
	assert.Equal(t, "r1", result[0].Key)
	assert.Equal(t, "SUCCEEDED", result[0].Run["state"])
	assert.Equal(t, "succeeded", outs["conclusion"])
	for _, empty := range []string{"run_id", "state", "session_link", "agent_output"} {
		assert.Empty(t, outs[empty], empty)
	}
	runs := batchRuns(t, outs["runs"])
	require.Len(t, runs, 6)
	for i, r := range runs {
		assert.Equal(t, fmt.Sprintf("r%d", i+1), r["key"])
		assert.Equal(t, "succeeded", r["conclusion"])
		assert.NotEmpty(t, r["run_id"])
	}
	assert.NotEmpty(t, outs["cost_usd"])
	assert.Len(t, strings.Split(outs["pr_urls"], "\n"), 6)
	require.Len(t, fake.Runs(), 6)
	for _, r := range fake.Runs() {
		assert.NotEmpty(t, r.Metadata[runner.BatchIDKey])
		assert.Equal(t, fake.Runs()[0].Metadata[runner.BatchIDKey], r.Metadata[runner.BatchIDKey])
	}
	assert.LessOrEqual(t, mostWorking(t, fake), 2, "max_parallel")
	assert.Zero(t, fake.Count(routeGet), "one list a poll, no run read on its own")
	assert.Positive(t, fake.Count(routeList))
	summary := s.file("summary")
	assert.Contains(t, summary, "| run | conclusion | verdict | duration | cost | links |")
	assert.Contains(t, summary, "| `r6` | `succeeded` |")
	s.assertNoKey()
}

func TestBatchProcessFails(t *testing.T) {
	t.Parallel()
	prompts := promptList(3, "fix it", map[int]string{2: "[fake:fail] fix it"})
	t.Run("github", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		s := batchStep(t, base, prompts, nil).run()
		assert.Equal(t, 1, s.code)
		outs := s.outputs()
		assert.Equal(t, "failed", outs["conclusion"])
		runs := batchRuns(t, outs["runs"])
		require.Len(t, runs, 3)
		assert.Equal(t, []any{"succeeded", "failed", "succeeded"}, []any{runs[0]["conclusion"], runs[1]["conclusion"], runs[2]["conclusion"]})
		assert.NotEmpty(t, runs[1]["status_message"])
		assert.Contains(t, s.file("summary"), "| `r2` | `failed` |")
		s.assertNoKey()
	})
	t.Run("gitlab", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		s := gitlabStep(t, base, "")
		delete(s.env, "INPUT_PROMPT")
		s.env["INPUT_PROMPTS"] = prompts
		s.run()
		assert.Equal(t, 1, s.code)
		var junit struct {
			Suites []struct {
				Tests    int `xml:"tests,attr"`
				Failures int `xml:"failures,attr"`
				Cases    []struct {
					Name    string `xml:"name,attr"`
					Failure *struct {
						Type string `xml:"type,attr"`
					} `xml:"failure"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		require.NoError(t, xml.Unmarshal([]byte(s.file("oz-run-junit.xml")), &junit))
		require.Len(t, junit.Suites, 1)
		require.Len(t, junit.Suites[0].Cases, 3)
		assert.Equal(t, 1, junit.Suites[0].Failures)
		for i, c := range junit.Suites[0].Cases {
			assert.Equal(t, fmt.Sprintf("r%d", i+1), c.Name)
			assert.Equal(t, i == 1, c.Failure != nil, c.Name)
		}
		assert.Equal(t, "failed", junit.Suites[0].Cases[1].Failure.Type)
		runs := batchRuns(t, s.file("oz-run-runs.json"))
		require.Len(t, runs, 3)
		assert.Equal(t, "failed", runs[1]["conclusion"])
		assert.Contains(t, s.file("oz-run.env"), "OZ_CONCLUSION=failed")
		assert.Contains(t, s.file("oz-run-summary.md"), "| `r2` | `failed` |")
		s.assertNoKey()
	})
}

func TestBatchProcessListRefused(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t, ozfake.WithMetadataFilter(false))
	s := batchStep(t, base, promptList(4, "fix it", nil), map[string]string{"max_parallel": "4"}).run()
	assert.Equal(t, 0, s.code)
	assert.Equal(t, "succeeded", s.outputs()["conclusion"])
	assert.Equal(t, 1, strings.Count(s.stdout, "::warning title=Batch list refused::"), "one warning")
	assert.Equal(t, 1, fake.Count(routeList), "the list is asked once")
	assert.Positive(t, fake.Count(routeGet), "then each run is read")
}

func TestBatchProcessAbort(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	s := batchStep(t, base, promptList(5, "[fake:slow] x", nil), map[string]string{"max_parallel": "3"})
	cmd := s.command()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool {
		runs := fake.Runs()
		if len(runs) < 3 || fake.Count(routeList) == 0 {
			return false
		}
		for _, r := range runs {
			if !r.State.IsWorking() {
				return false
			}
		}
		return true
	}, hangLimit, 10*time.Millisecond)
	signalled := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err := cmd.Wait()
	exited := time.Now()
	s.finish(cmd, err, &out, &errb, start)
	assert.Equal(t, 5, s.code)
	require.Len(t, fake.Runs(), 3, "no run is started after the signal")
	for _, r := range fake.Runs() {
		assert.Equal(t, "CANCELLED", string(r.State), r.RunID)
	}
	cancels := 0
	for _, r := range fake.Requests() {
		if r.Route == routeCancel {
			cancels++
			assert.True(t, r.At.After(signalled) && r.At.Before(exited), "each cancel after the signal, before the exit")
		}
	}
	// At least one a run: a cancel of a PENDING run is answered 409 and
	// tried again, as often as the machine's pace makes it meet one.
	assert.GreaterOrEqual(t, cancels, 3)
	checkFilesWhole(t, s)
	runs := batchRuns(t, s.outputs()["runs"])
	assert.Len(t, runs, 5)
	s.assertNoKey()
}

func TestBatchProcessExclusiveInputs(t *testing.T) {
	t.Parallel()
	for name, extra := range map[string]map[string]string{
		"prompt":        {"prompt": "x"},
		"prompt_file":   {"prompt_file": "p.md"},
		"skill":         {"skill": "o/r:s"},
		"run_id":        {"run_id": "run-1"},
		"followup":      {"followup": "more"},
		"wait false":    {"wait": "false"},
		"duplicate key": {"prompts": "- key: a\n  prompt: x\n- key: a\n  prompt: y"},
		"unknown field": {"prompts": "- promt: x"},
		"max_parallel":  {"max_parallel": "101"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := batchStep(t, base, "- a\n- b", extra)
			if p, ok := extra["prompts"]; ok {
				s.env["INPUT_PROMPTS"] = p
			}
			s.run()
			assert.Equal(t, 2, s.code)
			assert.Empty(t, fake.Requests(), "nothing was sent")
			assert.Contains(t, s.stdout, "Invalid input")
		})
	}
}

func TestBatchProcessHundred(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	s := batchStep(t, base, promptList(100, "fix it", map[int]string{50: "[fake:fail] x"}), map[string]string{"max_parallel": "100"}).run()
	assert.Equal(t, 1, s.code)
	outs := s.outputs()
	assert.Equal(t, "failed", outs["conclusion"])
	runs := batchRuns(t, outs["runs"])
	require.Len(t, runs, 100)
	assert.Len(t, fake.Runs(), 100)
	assert.Zero(t, fake.Count(routeGet))
	// The log stays readable: a line a change, keyed.
	assert.Contains(t, s.stdout, "[r50] ")
	assert.Less(t, strings.Count(s.stdout, "\n"), 100*12)
}

func TestBatchProcessDemo(t *testing.T) {
	t.Parallel()
	s := (&step{t: t, dir: t.TempDir(), env: map[string]string{"PATH": "/usr/bin:/bin"}}).run("demo", "--prompts", "--poll_interval", "20ms", "--poll_max_interval", "50ms")
	assert.Equal(t, 0, s.code)
	assert.Contains(t, s.stdout, "| `deps` | `succeeded` |")
	assert.Contains(t, s.stdout, "4 runs: 4 succeeded.")
	assert.Contains(t, s.stderr+s.stdout, "[api] ")
}

func TestBatchProcessDryRun(t *testing.T) {
	t.Parallel()
	fake, base := newFake(t)
	s := batchStep(t, base, "- fix a\n- key: b\n  prompt: fix b\n  model: m2", map[string]string{"dry_run": "true", "model": "m1"}).run()
	assert.Equal(t, 0, s.code)
	assert.Empty(t, fake.Requests(), "nothing was sent")
	start := strings.Index(s.stdout, "\n[")
	require.GreaterOrEqual(t, start, 0, "a JSON array on stdout")
	var reqs []struct {
		Prompt string `json:"prompt"`
		Body   struct {
			Config struct {
				ModelID string `json:"model_id"`
			} `json:"config"`
			Metadata map[string]string `json:"metadata"`
		} `json:"body"`
	}
	require.NoError(t, json.NewDecoder(strings.NewReader(s.stdout[start:])).Decode(&reqs))
	require.Len(t, reqs, 2)
	assert.Equal(t, "fix a", reqs[0].Prompt)
	assert.Equal(t, "m1", reqs[0].Body.Config.ModelID)
	assert.Equal(t, "m2", reqs[1].Body.Config.ModelID)
	assert.Equal(t, "b", reqs[1].Body.Metadata[runner.BatchItemKey])
	s.assertNoKey()
}

func TestBatchProcessVerdicts(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	prompts := `- key: pass
  prompt: "[fake:review-pass] review"
- key: fail
  prompt: "[fake:review-fail] review"
- key: own
  prompt: "[fake:review-fail] review, gated on errors only"
  pass_if: none(output.findings, .severity == "error") || true
`
	s := batchStep(t, base, prompts, map[string]string{"output_schema": "review", "output_retries": "0"}).run()
	assert.Equal(t, 1, s.code)
	outs := s.outputs()
	assert.Equal(t, "rejected", outs["conclusion"])
	runs := batchRuns(t, outs["runs"])
	require.Len(t, runs, 3)
	assert.Equal(t, []any{"succeeded", "rejected", "succeeded"}, []any{runs[0]["conclusion"], runs[1]["conclusion"], runs[2]["conclusion"]})
	assert.Equal(t, "pass", runs[0]["verdict"])
	assert.Equal(t, "fail", runs[1]["verdict"])
	assert.NotNil(t, runs[1]["structured_output"])
	assert.Contains(t, s.file("summary"), "| `fail` | `rejected` | `fail` |")
	s.assertNoKey()
}

func TestBatchProcessComment(t *testing.T) {
	t.Parallel()
	_, base := newFake(t)
	f := newForge(t, false)
	s := onPullRequest(batchStep(t, base, promptList(3, "fix it", map[int]string{2: "[fake:fail] x"}), nil), f).run()
	assert.Equal(t, 1, s.code)
	ours := marked(f, githubMarker)
	require.Len(t, ours, 1, "one comment for the batch")
	body := ours[0].Body
	assert.Contains(t, body, "| run | conclusion | verdict | duration | cost | links |")
	assert.Contains(t, body, "| `r2` | `failed` |")
	assert.Contains(t, body, "3 runs: 2 succeeded, 1 failed.")
	assert.Equal(t, "https://github.com/acme/app/pull/7#issuecomment-"+fmt.Sprint(ours[0].ID), s.outputs()["comment_url"])
	s.assertNoToken(f)
}
