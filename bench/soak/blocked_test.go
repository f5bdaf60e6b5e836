package soak

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// TestDrawBlocked: batches draw on_blocked fail, wait and reply, each in
// some plans; with wait or reply some items stop BLOCKED, each item's
// conclusion is what on_blocked makes of it, a person unblocks runs only
// under wait, a reply's uncertain fault comes only with reply, and a
// batch with a run that waits for no one has a short timeout.
func TestDrawBlocked(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	for i := range 1000 {
		p := newPlan(i, rand.New(rand.NewPCG(5, uint64(i))))
		b := p.batch
		if b == nil {
			continue
		}
		seen["on_blocked "+or(b.onBlocked, "default")]++
		assert.False(t, p.blockedReply, p.String())
		assert.Equal(t, b.onBlocked, p.inputs["on_blocked"], p.String())
		var items []struct{ Key, Prompt string }
		require.NoError(t, json.Unmarshal([]byte(p.inputs["prompts"]), &items), p.String())
		require.Len(t, items, len(b.keys))
		require.Len(t, b.blocks, len(b.keys))
		waitsForNoOne := false
		for j, it := range items {
			blocks := strings.Contains(it.Prompt, "[fake:block]") || strings.Contains(it.Prompt, "[fake:blocked-reply]")
			assert.Equal(t, blocks, b.blocks[j], "%s: %s", it.Key, p.String())
			if !blocks {
				continue
			}
			seen["blocked items"]++
			want := "blocked"
			switch {
			case b.onBlocked == "wait" && b.unblock[it.Key] > 0:
				want = "succeeded"
				seen["unblocked by a person"]++
			case b.onBlocked == "wait":
				waitsForNoOne = true
			case b.onBlocked == "reply" && !b.replyBlocks:
				want = "succeeded"
			}
			assert.Equal(t, want, b.conclusions[j], "%s: %s", it.Key, p.String())
		}
		switch b.onBlocked {
		case "wait", "reply":
			assert.True(t, slices.Contains(b.blocks, true), "no item blocks: %s", p.String())
		}
		if b.onBlocked != "wait" {
			assert.Empty(t, b.unblock, p.String())
		}
		if b.onBlocked == "reply" {
			seen["reply"]++
			assert.NotEmpty(t, p.inputs["blocked_reply"], p.String())
			assert.Equal(t, b.replyBlocks, strings.Contains(p.inputs["blocked_reply"], "[fake:block]"), p.String())
		} else {
			assert.NotContains(t, p.inputs, "blocked_reply", p.String())
		}
		if b.uncertainNth > 0 {
			seen["uncertain reply"]++
			assert.Equal(t, "reply", b.onBlocked, p.String())
		}
		if waitsForNoOne {
			seen["waits for no one"]++
			d, err := time.ParseDuration(p.inputs["timeout"])
			require.NoError(t, err)
			assert.LessOrEqual(t, d, 6*time.Second, p.String())
		}
	}
	for _, k := range []string{"on_blocked default", "on_blocked fail", "on_blocked wait", "reply", "unblocked by a person", "waits for no one", "uncertain reply"} {
		assert.Positive(t, seen[k], "%s never drawn in 1000 plans", k)
	}
	t.Logf("in 1000 plans: %v", seen)
}

// TestCheckBlocked: the checker tells a batch's on_blocked outcome that
// keeps the rules from one that breaks them.
func TestCheckBlocked(t *testing.T) {
	t.Parallel()
	mk := func(onBlocked string, uncertain int, faults ...string) *plan {
		return &plan{faultNames: faults, batch: &batchPlan{
			keys: []string{"item-1", "item-2"}, blocks: []bool{true, false},
			conclusions: []string{"succeeded", "succeeded"}, onBlocked: onBlocked, uncertainNth: uncertain,
		}}
	}
	fake := []oz.Run{{RunID: "r1", State: oz.StateSucceeded}, {RunID: "r2", State: oz.StateSucceeded}}
	blockedFake := []oz.Run{{RunID: "r1", State: oz.StateBlocked, UpdatedAt: "2026-01-01T00:00:00Z"}, {RunID: "r2", State: oz.StateSucceeded}}
	byItem := map[string][]string{"item-1": {"r1"}, "item-2": {"r2"}}
	entries := func(c1 string) []batchEntry {
		return []batchEntry{{"item-1", "r1", c1}, {"item-2", "r2", "succeeded"}}
	}
	lists := make([]time.Time, 5)
	for i := range lists {
		lists[i] = time.Date(2026, 1, 1, 0, 0, i+1, 0, time.UTC)
	}
	cases := []struct {
		name        string
		p           *plan
		r           result
		runs        []batchEntry
		timedOut    bool
		problems    []string // each a problem's substring; none: no problem
		replyErrors int
	}{
		{"reply, sent once", mk("reply", 0), result{batchRuns: fake, batchPosts: map[string]int{"r1": 1}, batchTaken: map[string]int{"r1": 1}}, entries("succeeded"), false, nil, 0},
		{"reply, sent twice", mk("reply", 0), result{batchRuns: fake, batchPosts: map[string]int{"r1": 2}, batchTaken: map[string]int{"r1": 1}}, entries("succeeded"),
			false, []string{"never two", "want exactly 1"}, 0},
		{"reply, never sent", mk("reply", 0), result{batchRuns: fake}, entries("succeeded"), false, []string{"0 follow-ups sent, 0 taken, want exactly 1"}, 0},
		{"reply to a run that never blocked", mk("reply", 0), result{batchRuns: fake, batchPosts: map[string]int{"r1": 1, "r2": 1}, batchTaken: map[string]int{"r1": 1, "r2": 1}}, entries("succeeded"),
			false, []string{"item-2: a follow-up was sent to run r2, which never stopped BLOCKED"}, 0},
		{"wait, a follow-up sent", mk("wait", 0), result{batchRuns: fake, batchPosts: map[string]int{"r1": 1}}, entries("succeeded"), false, []string{`on_blocked is "wait", but 1 follow-ups`}, 0},
		{"an uncertain reply ends its run error", mk("reply", 1, faultReplyUncertain),
			result{batchRuns: fake, batchPosts: map[string]int{"r1": 1}, stdout: "Blocked reply failed: [item-1] ... may or may not have arrived"}, entries("error"), false, nil, 1},
		{"an uncertain reply sent again", mk("reply", 1, faultReplyUncertain),
			result{batchRuns: fake, batchPosts: map[string]int{"r1": 2}, stdout: "[item-1] failed"}, entries("error"), false, []string{"want exactly 1 (never sent again)"}, 1},
		{"an uncertain reply that ended nothing", mk("reply", 1, faultReplyUncertain),
			result{batchRuns: fake, batchPosts: map[string]int{"r1": 1}, batchTaken: map[string]int{"r1": 1}}, entries("succeeded"), false, []string{"0 runs ended error after their reply, want 1"}, 0},
		{"an error without a fault", mk("reply", 0), result{batchRuns: fake, batchPosts: map[string]int{"r1": 1}, stdout: "[item-1] x"}, entries("error"), false, []string{"with no fault of the reply"}, 1},
		{"blocked, cancelled", mk("", 0), result{batchRuns: blockedFake, batchCancels: map[string]int{"r1": 1}}, entries("blocked"), false, []string{"nothing to cancel"}, 0},
		{"blocked, but the run succeeded", mk("", 0), result{batchRuns: fake}, entries("blocked"), false, []string{"conclusion blocked, but run r1 is SUCCEEDED"}, 0},
		{"wait, blocked at the timeout", mk("wait", 0), result{batchRuns: blockedFake, lists: lists}, entries("blocked"), true, nil, 0},
		{"wait, read BLOCKED, then timed out", mk("wait", 0), result{batchRuns: blockedFake, lists: lists}, entries("timed_out"), true, []string{`ended "timed_out" at the timeout, want blocked`}, 0},
		{"wait, BLOCKED too late to be read", mk("wait", 0), result{batchRuns: blockedFake, lists: lists[:3]}, entries("timed_out"), true, nil, 0},
	}
	for _, tc := range cases {
		r := tc.r
		var got []string
		bad := func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }
		errs := checkBlocked(tc.p, &r, tc.runs, false, tc.timedOut, false, byItem, bad)
		assert.Len(t, errs, tc.replyErrors, tc.name)
		if len(tc.problems) == 0 {
			assert.Empty(t, got, tc.name)
		}
		for _, want := range tc.problems {
			assert.True(t, slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, want) }), "%s: want a problem with %q in %q", tc.name, want, got)
		}
	}
}
