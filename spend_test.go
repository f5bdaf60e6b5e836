package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// Spend, blocked runs and re-runs (issue 21), as a step on GitHub and
// GitLab sees them.

func TestSpendCostCapCancelsTheRun(t *testing.T) {
	t.Parallel()
	const prompt = "[fake:costly] [fake:slow] refactor everything"
	t.Run("github", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": prompt, "max_cost_usd": "0.50"}).run()
		assert.Equal(t, 1, s.code, "over_budget is in the default fail_on")
		out := s.outputs()
		assert.Equal(t, "over_budget", out["conclusion"])
		runs := fake.Runs()
		require.Len(t, runs, 1)
		assert.Equal(t, oz.StateCancelled, runs[0].State, "the run was cancelled")
		assert.Contains(t, s.stdout, "Cost limit reached")
		summary := s.file("summary")
		assert.Contains(t, summary, "went over budget")
		assert.Contains(t, summary, "of $0.50 (`max_cost_usd`)")
		s.assertNoKey()
	})
	t.Run("gitlab", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := gitlabStep(t, base, prompt)
		s.env["INPUT_MAX_COST_USD"] = "0.5"
		s.run()
		assert.Equal(t, 1, s.code)
		vars, err := ci.ParseDotenv([]byte(s.file("oz-run.env")))
		require.NoError(t, err)
		assert.Equal(t, "over_budget", vars["OZ_CONCLUSION"])
		assert.Equal(t, oz.StateCancelled, fake.Runs()[0].State)
		assert.Contains(t, s.file("oz-run-summary.md"), "of $0.50 (`max_cost_usd`)")
	})
	t.Run("report only", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": prompt, "max_cost_usd": "0.5", "fail_on": "failed,error"}).run()
		assert.Equal(t, 0, s.code)
		assert.Equal(t, "over_budget", s.outputs()["conclusion"])
	})
	t.Run("under the cap", func(t *testing.T) {
		t.Parallel()
		_, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": "[fake:costly] cheap", "max_cost_usd": "100"}).run()
		assert.Equal(t, 0, s.code)
		assert.Equal(t, "succeeded", s.outputs()["conclusion"])
		assert.Contains(t, s.file("summary"), "of $100.00 (`max_cost_usd`)")
	})
}

func TestSpendBadCostCapSendsNothing(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"0", "-1", "$5", "five", "1e9"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			fake, base := newFake(t)
			s := githubStep(t, base, map[string]string{"max_cost_usd": v}).run()
			assert.Equal(t, 2, s.code)
			assert.Contains(t, s.stdout+s.stderr, "max_cost_usd")
			assert.Zero(t, fake.CreatedCount())
		})
	}
}

func TestSpendOnBlocked(t *testing.T) {
	t.Parallel()
	const prompt = "[fake:blocked-reply] push the fix"
	t.Run("github: reply unblocks the run", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": prompt, "on_blocked": "reply", "blocked_reply": "push to oz/fix"}).run()
		assert.Equal(t, 0, s.code)
		assert.Equal(t, "succeeded", s.outputs()["conclusion"])
		runs := fake.Runs()
		require.Len(t, runs, 1)
		fus := fake.Followups(runs[0].RunID)
		require.Len(t, fus, 1, "the reply is sent once")
		assert.Equal(t, "push to oz/fix", fus[0].Message)
		assert.Contains(t, s.stdout, "sending blocked_reply")
		s.assertNoKey()
	})
	t.Run("github: blocked again after the reply", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": prompt, "on_blocked": "reply", "blocked_reply": "[fake:block] push to oz/fix"}).run()
		assert.Equal(t, 1, s.code)
		assert.Equal(t, "blocked", s.outputs()["conclusion"])
		assert.Len(t, fake.Followups(fake.Runs()[0].RunID), 1, "never a second reply")
		assert.Contains(t, s.stdout, "BLOCKED again")
	})
	t.Run("github: wait, nobody answers", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": prompt, "on_blocked": "wait", "timeout": "1s"}).run()
		assert.Equal(t, 1, s.code)
		out := s.outputs()
		assert.Equal(t, "blocked", out["conclusion"])
		assert.Contains(t, out["status_message"], "Which branch")
		assert.Contains(t, s.stdout, "on_blocked: wait")
		assert.Contains(t, s.stdout, out["session_link"], "the notice links the session")
		assert.Empty(t, fake.Followups(fake.Runs()[0].RunID))
		summary := s.file("summary")
		assert.Contains(t, summary, "Which branch")
		assert.Contains(t, summary, "Open the session")
	})
	t.Run("gitlab: wait, a person answers from the session", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := gitlabStep(t, base, prompt)
		s.env["INPUT_ON_BLOCKED"] = "wait"
		s.env["INPUT_TIMEOUT"] = "1m"
		answered := make(chan error, 1)
		go func() { answered <- answerWhenBlocked(t.Context(), fake, base) }()
		s.run()
		require.NoError(t, <-answered)
		assert.Equal(t, 0, s.code)
		vars, err := ci.ParseDotenv([]byte(s.file("oz-run.env")))
		require.NoError(t, err)
		assert.Equal(t, "succeeded", vars["OZ_CONCLUSION"])
	})
	t.Run("gitlab: reply", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := gitlabStep(t, base, prompt)
		s.env["INPUT_ON_BLOCKED"] = "reply"
		s.env["INPUT_BLOCKED_REPLY"] = "push to oz/fix"
		s.run()
		assert.Equal(t, 0, s.code)
		assert.Len(t, fake.Followups(fake.Runs()[0].RunID), 1)
	})
	t.Run("reply without blocked_reply sends nothing", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		s := githubStep(t, base, map[string]string{"prompt": prompt, "on_blocked": "reply"}).run()
		assert.Equal(t, 2, s.code)
		assert.Contains(t, s.stdout+s.stderr, "blocked_reply")
		assert.Zero(t, fake.CreatedCount())
	})
}

// answerWhenBlocked is the person who answers a BLOCKED run from its
// session: once the fake's only run is BLOCKED, a follow-up.
func answerWhenBlocked(ctx context.Context, fake *ozfake.Server, base string) error {
	c, err := oz.NewClient(base, oz.WithAPIKey(testKey))
	if err != nil {
		return err
	}
	for {
		if runs := fake.Runs(); len(runs) == 1 && runs[0].State == oz.StateBlocked {
			_, err := c.SubmitFollowup(ctx, runs[0].RunID, oz.FollowupRequest{Message: "push to oz/fix"})
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestSpendRerun(t *testing.T) {
	t.Parallel()
	attempt := func(t *testing.T, base string, n string, inputs map[string]string) *step {
		s := githubStep(t, base, inputs)
		s.env["GITHUB_RUN_ATTEMPT"] = n
		s.env["GITHUB_WORKFLOW"], s.env["GITHUB_JOB"], s.env["GITHUB_ACTION"] = "CI", "review", "oz"
		return s
	}
	t.Run("github: attach to the earlier attempt's run still working", func(t *testing.T) {
		t.Parallel()
		clk := newHeldClock()
		fake, base := newFake(t, ozfake.WithClock(clk.now))
		first := attempt(t, base, "1", map[string]string{"wait": "false"}).run()
		require.Equal(t, 0, first.code)
		runID := first.outputs()["run_id"]
		defer clk.releaseAfter(t, fake, 1)()
		second := attempt(t, base, "2", nil).run()
		assert.Equal(t, 0, second.code)
		out := second.outputs()
		assert.Equal(t, runID, out["run_id"])
		assert.Equal(t, "succeeded", out["conclusion"])
		assert.Equal(t, 1, fake.CreatedCount(), "no second paid run")
		assert.Contains(t, second.stdout, "Re-attached to run "+runID+" from attempt 1")
		assert.Contains(t, second.file("summary"), "Re-attached to run `"+runID+"` from attempt 1")
		md := fake.Runs()[0].Metadata
		assert.Equal(t, "github/octo/repo/42", md["oz_run_workflow_run"])
		assert.Equal(t, "CI/review/oz", md["oz_run_step"])
		assert.Equal(t, "1", md["oz_run_attempt"])
	})
	t.Run("github: reuse the earlier attempt's success", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		first := attempt(t, base, "1", nil).run()
		require.Equal(t, 0, first.code)
		second := attempt(t, base, "2", map[string]string{"rerun": "reuse"}).run()
		assert.Equal(t, 0, second.code)
		out := second.outputs()
		assert.Equal(t, first.outputs()["run_id"], out["run_id"])
		assert.Equal(t, "succeeded", out["conclusion"])
		assert.NotEmpty(t, out["agent_output"], "the answer is read again")
		assert.Equal(t, first.outputs()["agent_output"], out["agent_output"])
		assert.Equal(t, 1, fake.CreatedCount())
	})
	t.Run("github: attach leaves an ended run, and new always starts one", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		require.Equal(t, 0, attempt(t, base, "1", nil).run().code)
		require.Equal(t, 0, attempt(t, base, "2", nil).run().code)
		assert.Equal(t, 2, fake.CreatedCount(), "the first run had ended: attach starts a new one")
		slow := map[string]string{"prompt": "[fake:slow] x", "wait": "false"}
		require.Equal(t, 0, attempt(t, base, "3", slow).run().code)
		require.Equal(t, 0, attempt(t, base, "4", map[string]string{"rerun": "new", "wait": "false"}).run().code)
		assert.Equal(t, 4, fake.CreatedCount(), "rerun: new starts a run whatever is working")
	})
	t.Run("github: another step's run is not taken", func(t *testing.T) {
		t.Parallel()
		fake, base := newFake(t)
		require.Equal(t, 0, attempt(t, base, "1", map[string]string{"wait": "false", "comment_key": "lint"}).run().code)
		require.Equal(t, 0, attempt(t, base, "2", nil).run().code)
		assert.Equal(t, 2, fake.CreatedCount())
	})
	t.Run("gitlab: a retried job attaches", func(t *testing.T) {
		t.Parallel()
		clk := newHeldClock()
		fake, base := newFake(t, ozfake.WithClock(clk.now))
		job := func(id string, wait string) *step {
			s := gitlabStep(t, base, "fix it")
			s.env["CI_JOB_NAME"], s.env["CI_JOB_ID"], s.env["INPUT_WAIT"] = "oz review", id, wait
			return s.run()
		}
		first := job("88", "false")
		require.Equal(t, 0, first.code)
		defer clk.releaseAfter(t, fake, 2)() // GitLab looks on every job, the first too
		second := job("89", "true")
		assert.Equal(t, 0, second.code)
		assert.Equal(t, 1, fake.CreatedCount())
		assert.Contains(t, second.stdout+second.stderr, "from job 88")
		vars, err := ci.ParseDotenv([]byte(second.file("oz-run.env")))
		require.NoError(t, err)
		assert.Equal(t, "succeeded", vars["OZ_CONCLUSION"])
		assert.Contains(t, second.file("oz-run-summary.md"), "Re-attached")
	})
}

// heldClock is a fake API's clock that stands still until released, then
// runs on from where it stood: a run created while it is held stays in its
// first (working) state for as long as the test needs, however slow the
// machine, instead of for a scripted while.
type heldClock struct {
	mu     sync.Mutex
	at     time.Time
	offset time.Duration
	held   bool
}

func newHeldClock() *heldClock { return &heldClock{at: time.Now(), held: true} }

func (c *heldClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held {
		return c.at
	}
	return time.Now().Add(-c.offset)
}

// releaseAfter lets the clock run once the fake has been asked for the
// list of runs n times (the re-run's lookup has seen the run working);
// the returned func waits for the watcher to end.
func (c *heldClock) releaseAfter(t *testing.T, fake *ozfake.Server, n int) func() {
	t.Helper()
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		defer func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.held {
				c.offset, c.held = time.Since(c.at), false
			}
		}()
		for fake.Count(routeList) < n {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); <-ended }
}
