package runner

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// on_blocked in a batch (prompts): a BLOCKED run follows the step's
// policy as one run does, while the others go on under the one list a
// poll.

const followupRoute = "POST /agent/runs/{id}/followups"

// withBlocked gives every item of bs the policy and the reply.
func withBlocked(bs *BatchSpec, policy OnBlocked, reply string) {
	for i := range bs.Items {
		bs.Items[i].Spec.OnBlocked, bs.Items[i].Spec.BlockedReply = policy, reply
	}
}

// runOf is the fake's run of the item key (nil before its create).
func runOf(fake *ozfake.Server, key string) *oz.Run {
	for _, r := range fake.Runs() {
		if r.Metadata[BatchItemKey] == key {
			return &r
		}
	}
	return nil
}

// followupsTo are the paths of the follow-ups the fake was sent.
func followupsTo(fake *ozfake.Server) []string {
	var out []string
	for _, r := range fake.Requests() {
		if r.Route == followupRoute {
			out = append(out, r.Path)
		}
	}
	return out
}

// cancelsOf counts the cancels sent to run id.
func cancelsOf(fake *ozfake.Server, id string) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Route == "POST /agent/runs/{id}/cancel" && strings.Contains(r.Path, "/"+id+"/") {
			n++
		}
	}
	return n
}

// until runs act once cond holds, checking every millisecond, in a
// goroutine of its own; the func it returns stops it (act not run if
// cond never held) and waits for it.
func until(cond func() bool, act func()) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !cond() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
		act()
	}()
	return func() {
		cancel()
		<-done
	}
}

// logged is a condition: the log says s.
func logged(rep *logReporter, s string) func() bool {
	return func() bool { return strings.Contains(rep.text(), s) }
}

func TestBatchOnBlockedWait(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	bs := batchSpec(3, "do it", "[fake:blocked-reply] x", "[fake:fail] x")
	withBlocked(&bs, OnBlockedWait, "")
	rep := &logReporter{}
	// A person answers from the session once the run waits (a follow-up
	// not sent by oz-run).
	stop := until(logged(rep, "Run blocked: waiting"), func() {
		_, err := client.SubmitFollowup(context.Background(), runOf(fake, "k2").RunID, oz.FollowupRequest{Message: "push to oz/fix"})
		assert.NoError(t, err)
	})
	res := RunBatch(t.Context(), bs, client, rep, fastOpts)
	stop()
	assert.Equal(t, "k1=succeeded k2=succeeded k3=failed", conclusions(res), rep.text())
	assert.Len(t, followupsTo(fake), 1, "the person's answer only: wait sends nothing")
	assert.Nil(t, res.Runs[1].Result.Followup)
	assert.NotContains(t, rep.text(), "warning")
	assert.LessOrEqual(t, fake.Count("GET /agent/runs"), res.Polls, "one list a poll")
	assert.Len(t, fake.Runs(), 3)
}

func TestBatchOnBlockedReply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		prompt string // k2's
		reply  string
		fault  *ozfaketest.Fault
		want   string
		log    string
	}{
		{name: "unblocked", prompt: "[fake:blocked-reply] x", reply: "push to oz/fix",
			want: "k1=succeeded k2=succeeded k3=failed", log: "sending blocked_reply"},
		{name: "blocked again", prompt: "[fake:blocked-reply] x", reply: "[fake:block] push to oz/fix",
			want: "k1=succeeded k2=blocked k3=failed", log: "warning Run blocked again: [k2]"},
		// The new execution blocks again between two polls, its working
		// states never seen: the conversation shows it picked the reply up.
		{name: "blocked again between two polls", prompt: "[fake:blocked-reply] x", reply: "[fake:quick] [fake:block] push to oz/fix",
			want: "k1=succeeded k2=blocked k3=failed", log: "its conversation holds the agent's reply"},
		// Delivered, but the answer is lost: never sent again, the run
		// ends with the error, the others as they would.
		{name: "uncertain", prompt: "[fake:blocked-reply] x", reply: "push to oz/fix",
			fault: &ozfaketest.Fault{Path: followupRoute, CreateThenFail: true, Status: 502},
			want:  "k1=succeeded k2= k3=failed", log: "warning Blocked reply failed: [k2]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, client := batchFake(t)
			if tc.fault != nil {
				fake.Inject(*tc.fault)
			}
			bs := batchSpec(3, "do it", tc.prompt, "[fake:fail] x")
			withBlocked(&bs, OnBlockedReply, tc.reply)
			rep := &logReporter{}
			res := RunBatch(t.Context(), bs, client, rep, fastOpts)
			log := rep.text()
			assert.Equal(t, tc.want, conclusions(res), log)
			assert.Contains(t, log, tc.log)
			// Exactly one follow-up, to that run, with the reply.
			k2 := res.Runs[1].Result
			require.NotEmpty(t, k2.RunID)
			assert.Equal(t, []string{"/api/v1/agent/runs/" + k2.RunID + "/followups"}, followupsTo(fake))
			for _, r := range fake.Requests() {
				if r.Route == followupRoute {
					assert.Contains(t, string(r.Body), tc.reply)
				}
			}
			assert.LessOrEqual(t, fake.Count("GET /agent/runs"), res.Polls, "one list a poll")
			assert.Len(t, fake.Runs(), 3)
			if tc.fault != nil {
				assert.Equal(t, outcome.Error, res.Runs[1].Conclusion())
				assert.ErrorIs(t, k2.Err, oz.ErrUncertainFollowup)
				assert.Contains(t, k2.Err.Error(), "may or may not have arrived")
				assert.Equal(t, outcome.ExitAPI, res.ExitCode(testFailOn))
				return
			}
			assert.NoError(t, k2.Err)
			require.NotNil(t, k2.Followup)
			assert.False(t, k2.FollowupPending)
		})
	}
}

func TestBatchAbortWhileBlocked(t *testing.T) {
	t.Parallel()
	for _, policy := range []OnBlocked{OnBlockedWait, OnBlockedReply} {
		t.Run(string(policy), func(t *testing.T) {
			t.Parallel()
			// The reply's new execution is picked up a while after it is
			// accepted, so that the abort comes before.
			fake, client := batchFake(t, ozfake.WithFollowupPickup(100*time.Millisecond))
			bs := batchSpec(2, "[fake:slow] x", "[fake:blocked-reply] x")
			cue := "Run blocked: waiting"
			if policy == OnBlockedReply {
				withBlocked(&bs, policy, "push to oz/fix")
				cue = "The follow-up was accepted"
			} else {
				withBlocked(&bs, policy, "")
			}
			ctx, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			rep := &logReporter{}
			stop := until(logged(rep, cue), func() { cancel(errors.New("received terminated")) })
			opts := fastOpts
			opts.CancelBudget = 10 * time.Second
			res := RunBatch(ctx, bs, client, rep, opts)
			stop()
			log := rep.text()
			assert.True(t, res.Aborted, log)
			assert.Equal(t, 1, strings.Count(log, "warning Aborted"), log)
			for _, it := range res.Runs {
				assert.True(t, it.Result.Aborted, it.Key)
			}
			k1, k2 := runOf(fake, "k1"), runOf(fake, "k2")
			require.NotNil(t, k1)
			require.NotNil(t, k2)
			assert.Equal(t, oz.StateCancelled, k1.State, "the other run is cancelled")
			assert.Positive(t, cancelsOf(fake, k1.RunID))
			if policy == OnBlockedReply {
				// The reply started it again: it is cancelled once it
				// has picked the reply up.
				assert.Equal(t, oz.StateCancelled, k2.State)
				assert.True(t, res.Runs[1].Result.Cancelled)
				assert.Len(t, followupsTo(fake), 1)
			} else {
				// A BLOCKED run has ended: there is nothing to cancel.
				assert.Equal(t, oz.StateBlocked, k2.State)
				assert.Zero(t, cancelsOf(fake, k2.RunID))
				assert.Empty(t, followupsTo(fake))
			}
		})
	}
}

func TestBatchFailFastWhileBlocked(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	bs := batchSpec(2, "[fake:blocked-reply] x", "[fake:slow] x")
	bs.FailFast = true
	withBlocked(&bs, OnBlockedWait, "")
	rep := &logReporter{}
	// The other run fails once the first waits.
	stop := until(logged(rep, "Run blocked: waiting"), func() {
		assert.NoError(t, fake.Finish(runOf(fake, "k2").RunID, oz.StateFailed))
	})
	res := RunBatch(t.Context(), bs, client, rep, fastOpts)
	stop()
	assert.True(t, res.FailedFast)
	// The waiting run is no longer waited on: it ends as it is, blocked,
	// with no cancel (it has ended).
	assert.Equal(t, "k1=blocked k2=failed", conclusions(res), rep.text())
	assert.Zero(t, cancelsOf(fake, res.Runs[0].Result.RunID))
}

func TestBatchTimeoutWhileBlocked(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	bs := batchSpec(2, "do it", "[fake:blocked-reply] x")
	bs.Timeout = time.Second
	withBlocked(&bs, OnBlockedWait, "")
	rep := &logReporter{}
	res := RunBatch(t.Context(), bs, client, rep, fastOpts)
	assert.True(t, res.TimedOut)
	assert.Equal(t, "k1=succeeded k2=blocked", conclusions(res), rep.text())
	assert.Empty(t, followupsTo(fake))
	assert.LessOrEqual(t, fake.Count("GET /agent/runs"), res.Polls, "one list a poll")
}
