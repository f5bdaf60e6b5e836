package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// A run found BLOCKED by the lookup after its create's answer was lost
// (the soak's "batch: create 500 after creating" with [fake:block]) follows
// on_blocked as a run seen BLOCKED by a poll does, and as one run does:
// it was concluded blocked at once, with no reply sent and no wait.
func TestBatchOnBlockedRunFoundBlockedByItsCreate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		policy    OnBlocked
		reply     string
		want      string
		followups int
	}{
		{OnBlockedFail, "", "k1=succeeded k2=blocked", 0},
		{OnBlockedReply, "push to oz/fix", "k1=succeeded k2=succeeded", 1},
		{OnBlockedReply, "[fake:block] push to oz/fix", "k1=succeeded k2=blocked", 1},
	} {
		t.Run(string(tc.policy)+" "+tc.reply, func(t *testing.T) {
			t.Parallel()
			fake, client := batchFake(t)
			// k2's create: the run is made (BLOCKED at once), its answer lost.
			fake.Inject(ozfaketest.Fault{Path: "POST /agent/runs", Nth: 2, Status: 500, CreateThenFail: true})
			bs := batchSpec(1, "do it", "[fake:block] [fake:quick] x")
			withBlocked(&bs, tc.policy, tc.reply)
			rep := &logReporter{}
			res := RunBatch(t.Context(), bs, client, rep, fastOpts)
			assert.Equal(t, tc.want, conclusions(res), rep.text())
			assert.Len(t, followupsTo(fake), tc.followups, rep.text())
			assert.Contains(t, rep.text(), "found the run it created", "the lookup found k2's run")
			assert.Len(t, fake.Runs(), 2)
		})
	}
}

// At the batch's timeout a run that waits BLOCKED (on_blocked: wait) ends
// blocked and is not cancelled (it has stopped), and the timeout's warning
// counts it apart from the runs still working that are cancelled (it
// counted it among them).
func TestBatchTimeoutWithARunWaitingBlocked(t *testing.T) {
	t.Parallel()
	fake, client := batchFake(t)
	bs := batchSpec(2, "[fake:block] [fake:quick] x", "[fake:slow] x")
	withBlocked(&bs, OnBlockedWait, "")
	bs.Timeout = 1500 * time.Millisecond // the timeout is the path under test; the run is BLOCKED within a few polls
	rep := &logReporter{}
	res := RunBatch(t.Context(), bs, client, rep, fastOpts)
	if !strings.Contains(rep.text(), "Run blocked: waiting") {
		t.Skipf("k1 was not read BLOCKED before the timeout (a loaded machine):\n%s", rep.text())
	}
	assert.Equal(t, "k1=blocked k2=timed_out", conclusions(res), rep.text())
	assert.Contains(t, rep.text(), "1 runs still working are cancelled, 1 BLOCKED end blocked (nothing to cancel), 0 not started.", rep.text())
	assert.Zero(t, cancelsOf(fake, runOf(fake, "k1").RunID), "k1 has stopped: nothing to cancel")
	assert.Positive(t, cancelsOf(fake, runOf(fake, "k2").RunID))
}
