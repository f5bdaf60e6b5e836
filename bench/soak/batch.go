package soak

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// Issue 20's batches (prompts), drawn after everything else so that every
// other plan stays what it was for a seed: one plan in five that is not a
// follow-up, a hostile answer or a signal while the work is read becomes a
// batch of 2-8 items mixing the scenarios, with max_parallel 1-4,
// sometimes fail_fast, on_blocked fail, wait or reply (drawBlocked; the
// single run's reply gives way), under a fault of the batch's own (the
// plan's other faults but the cancel's give way: a batch's polls are
// lists, not GETs), the plan's signal and its cancel faults kept.

// routeList is the batch's poll.
const routeList = "GET /agent/runs"

// itemKey is the metadata key that names a batch's item (runner.BatchItemKey).
const itemKey = "oz_run_item"

// batchPlan is what a batch plan adds.
type batchPlan struct {
	keys        []string
	conclusions []string // each item's conclusion when nothing cuts the batch short
	maxParallel int
	failFast    bool
	createFinal bool // every create is refused for good: exit 3, no run
	lostCreate  bool // one create is lost and cannot be looked up: exit 3, a run may exist for it
	lostNth     int  // the lost create's number
	listRefused bool // the list is refused (403 feature_not_available): per-run GETs, one warning

	// on_blocked with prompts (drawBlocked): "" (the default, fail),
	// "fail", "wait" or "reply"; which items block, and what comes of it.
	onBlocked    string
	blocks       []bool                   // the item's run stops BLOCKED
	unblock      map[string]time.Duration // wait: a person unblocks the item's run this long after it is BLOCKED
	replyBlocks  bool                     // reply: blocked_reply has [fake:block]: each new execution blocks again
	uncertainNth int                      // reply: the Nth follow-up POST's fate is unknown (0: none)
}

// batchFaults are a batch's faults: at most one an invocation.
var batchFaults = []struct {
	name  string
	apply func(r *rand.Rand, p *plan, n int)
}{
	{"batch: create 5xx burst", func(r *rand.Rand, p *plan, n int) {
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: 1 + r.IntN(n), Times: 1 + r.IntN(2), Status: 500 + r.IntN(4)}))
	}},
	{"batch: create 500 after creating", func(r *rand.Rand, p *plan, n int) {
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: 1 + r.IntN(n), Status: 500, CreateThenFail: true}))
	}},
	{"batch: create reset after creating", func(r *rand.Rand, p *plan, n int) {
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: 1 + r.IntN(n), CloseConn: true, CreateThenFail: true}))
	}},
	{"batch: create hangs after creating", func(r *rand.Rand, p *plan, n int) {
		p.env["OZ_RUN_REQUEST_TIMEOUT"] = "200ms"
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: 1 + r.IntN(n), Hang: true, CreateThenFail: true}))
	}},
	{"batch: create lost, no metadata filter", func(r *rand.Rand, p *plan, n int) {
		p.batch.lostCreate, p.batch.listRefused = true, true
		p.fakeOpts = append(p.fakeOpts, ozfake.WithMetadataFilter(false))
		p.batch.lostNth = 1 + r.IntN(n)
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: p.batch.lostNth, Status: 502, CreateThenFail: true}))
	}},
	{"batch: list refused (feature_not_available)", func(_ *rand.Rand, p *plan, _ int) {
		p.batch.listRefused = true
		p.fakeOpts = append(p.fakeOpts, ozfake.WithMetadataFilter(false))
	}},
	{"batch: list refused, then GET faults", func(r *rand.Rand, p *plan, _ int) {
		p.batch.listRefused = true
		p.fakeOpts = append(p.fakeOpts, ozfake.WithMetadataFilter(false))
		p.faults = append(p.faults, get(ozfaketest.Fault{Nth: 1 + r.IntN(3), Times: 1 + r.IntN(3), Status: 500 + r.IntN(4)}),
			get(ozfaketest.Fault{Nth: 4 + r.IntN(3), CloseConn: true}))
	}},
	{"batch: list 5xx burst", func(r *rand.Rand, p *plan, _ int) {
		p.faults = append(p.faults, ozfaketest.Fault{Path: routeList, Nth: 1 + r.IntN(3), Times: 1 + r.IntN(3), Status: 500 + r.IntN(4)})
	}},
	{"batch: list 429 Retry-After", func(r *rand.Rand, p *plan, _ int) {
		p.faults = append(p.faults, ozfaketest.Fault{Path: routeList, Nth: 1 + r.IntN(3), Status: 429, Header: hdr("Retry-After", "1")})
	}},
	{"batch: list connection reset", func(r *rand.Rand, p *plan, _ int) {
		p.faults = append(p.faults, ozfaketest.Fault{Path: routeList, Nth: 1 + r.IntN(3), CloseConn: true})
	}},
	{"batch: create 401", func(_ *rand.Rand, p *plan, _ int) {
		p.batch.createFinal = true
		p.faults = append(p.faults, create(ozfaketest.Fault{Status: 401}))
	}},
}

// drawBatch makes p a batch, one plan in five that can be one.
func (p *plan) drawBatch(r *rand.Rand) {
	if r.IntN(5) != 0 || p.followup || p.hostile != "" || p.signalRoute != "" {
		return
	}
	n := 2 + r.IntN(7)
	b := &batchPlan{maxParallel: 1 + r.IntN(4), failFast: r.IntN(4) == 0}
	p.batch = b
	type item struct {
		Key    string `json:"key"`
		Prompt string `json:"prompt"`
	}
	items := make([]item, n)
	slow := false
	for i := range items {
		sc := scenarios[r.IntN(len(scenarios))]
		key := fmt.Sprintf("item-%d", i+1)
		items[i] = item{key, strings.TrimSpace(sc.tag + " soak batch " + fmt.Sprint(p.index) + " item " + key)}
		b.keys, b.conclusions = append(b.keys, key), append(b.conclusions, sc.conclusion)
		b.blocks = append(b.blocks, sc.conclusion == "blocked")
	}
	p.inputs["max_parallel"] = fmt.Sprint(b.maxParallel)
	if b.failFast {
		p.inputs["fail_fast"] = "true"
	}
	// wait: false is a bad input with prompts; the single run's answer
	// classes (the key in it, redirects, hanging reads, many artifacts)
	// and faults give way to the batch's.
	p.wait = true
	delete(p.inputs, "wait")
	delete(p.inputs, "debug")
	delete(p.env, "OZ_RUN_REQUEST_TIMEOUT")
	p.keyAnswer, p.keyTokens, p.redirect, p.convHang, p.manyArtifacts, p.answerLost = false, nil, "", false, false, false
	p.recovers, p.lostCreate, p.createFinal, p.pollFinal, p.deleteRun = false, false, false, false, false
	p.fakeOpts = nil
	var kept []ozfaketest.Fault
	for _, f := range p.faults {
		if f.Path == routeCancel {
			kept = append(kept, f)
		}
	}
	p.faults = kept
	var names []string
	for _, name := range p.faultNames {
		if strings.HasPrefix(name, "cancel ") {
			names = append(names, name)
		}
	}
	p.faultNames = names
	// The single run's on_blocked reply gives way to the batch's own.
	p.blockedReply = false
	delete(p.inputs, "on_blocked")
	delete(p.inputs, "blocked_reply")
	for i, s := range p.drawBlocked(r, b) {
		if s != "" {
			items[i].Prompt = s + " soak batch " + fmt.Sprint(p.index) + " item " + items[i].Key
		}
	}
	for i, c := range b.conclusions {
		// A run that waits BLOCKED for no one holds the batch until its
		// timeout, as a run that never ends does.
		slow = slow || c == "timed_out" || b.blocks[i] && b.onBlocked == "wait" && b.unblock[b.keys[i]] == 0
	}
	data, _ := json.Marshal(items)
	delete(p.inputs, "prompt")
	p.inputs["prompts"] = string(data)

	timeout := 30 * time.Second
	if slow {
		timeout = time.Duration(1500+r.IntN(1500)) * time.Millisecond
	}
	if r.IntN(3) > 0 {
		f := batchFaults[r.IntN(len(batchFaults))]
		f.apply(r, p, n)
		p.faultNames = append(p.faultNames, f.name)
		if slow && strings.Contains(f.name, "create") {
			timeout += 2500 * time.Millisecond // room for the create's retries
		}
	}
	p.inputs["timeout"] = fmt.Sprintf("%dms", timeout.Milliseconds())
	p.notes = append(p.notes, fmt.Sprintf("batch of %d, max_parallel %d, fail_fast %v", n, b.maxParallel, b.failFast))
	if b.onBlocked != "" {
		note := "on_blocked " + b.onBlocked
		switch b.onBlocked {
		case "wait":
			note += fmt.Sprintf(", unblocked by a person: %v", b.unblock)
		case "reply":
			note += fmt.Sprintf(", blocked_reply %q", p.inputs["blocked_reply"])
		}
		p.notes = append(p.notes, note)
	}
}

// blockedScenarios are the items' scenarios that stop BLOCKED.
var blockedScenarios = []string{"[fake:block]", "[fake:blocked-reply]"}

// Names of the batch's on_blocked faults, for the report.
const (
	faultReplyUncertain        = "batch: blocked_reply 502"
	faultReplyUncertainReset   = "batch: blocked_reply connection reset"
	faultReplyUncertainArrived = "batch: blocked_reply 502 after it arrived"
)

// drawBlocked draws the batch's on_blocked (issue 22: wait and reply with
// prompts): with wait or reply about a third of the items (at least one)
// stop BLOCKED; it returns each item's new scenario tag, "" for one kept,
// and sets the items' conclusions. wait: a person unblocks some of the
// runs from the session (the soak moves the run on in the fake: working,
// then SUCCEEDED), the others stay BLOCKED until the batch's timeout and
// end blocked. reply: each blocked run is sent blocked_reply once; its new
// execution succeeds, or blocks again ([fake:block] in the reply: the run
// ends blocked); sometimes one reply's fate is unknown (a 502 or a reset,
// before or after it arrived): that run ends error, never sent it again.
func (p *plan) drawBlocked(r *rand.Rand, b *batchPlan) []string {
	tags := make([]string, len(b.keys))
	b.onBlocked = []string{"", "fail", "wait", "wait", "reply", "reply", "reply"}[r.IntN(7)]
	if b.onBlocked != "" {
		p.inputs["on_blocked"] = b.onBlocked
	}
	if b.onBlocked == "" || b.onBlocked == "fail" {
		return tags
	}
	some := false
	for i := range b.keys {
		if r.IntN(3) == 0 {
			tags[i] = blockedScenarios[r.IntN(len(blockedScenarios))]
			b.conclusions[i], b.blocks[i] = "blocked", true
		}
		some = some || b.blocks[i]
	}
	if !some {
		i := r.IntN(len(b.keys))
		tags[i] = blockedScenarios[r.IntN(len(blockedScenarios))]
		b.conclusions[i], b.blocks[i] = "blocked", true
	}
	nBlocked := 0
	for _, bl := range b.blocks {
		if bl {
			nBlocked++
		}
	}
	switch b.onBlocked {
	case "wait":
		b.unblock = map[string]time.Duration{}
		for i, k := range b.keys {
			if b.blocks[i] && r.IntN(3) > 0 {
				// Longer than the longest poll (50 ms): the program
				// mostly reads the run BLOCKED before it moves on.
				b.unblock[k] = time.Duration(60+r.IntN(140)) * time.Millisecond
				b.conclusions[i] = "succeeded"
			}
		}
	case "reply":
		p.inputs["blocked_reply"] = "soak reply"
		if r.IntN(3) == 0 {
			b.replyBlocks = true
			p.inputs["blocked_reply"] = "[fake:block] soak reply"
		}
		for i := range b.keys {
			if b.blocks[i] && !b.replyBlocks {
				b.conclusions[i] = "succeeded"
			}
		}
		if r.IntN(3) == 0 {
			b.uncertainNth = 1 + r.IntN(nBlocked)
			f := ozfaketest.Fault{Path: routeFollowup, Nth: b.uncertainNth, Status: 502}
			name := faultReplyUncertain
			switch r.IntN(3) {
			case 1:
				f.Status, f.CloseConn, name = 0, true, faultReplyUncertainReset
			case 2:
				f.CreateThenFail, name = true, faultReplyUncertainArrived
			}
			p.faults = append(p.faults, f)
			p.faultNames = append(p.faultNames, name)
		}
	}
	return tags
}

// batchWorst is the contract's order of a batch's conclusions, the worst
// first.
var batchWorst = []string{"error", "failed", "invalid_output", "rejected", "over_budget", "blocked", "timed_out", "cancelled", "succeeded"}

func worstOf(cs []string) string {
	best := len(batchWorst)
	for _, c := range cs {
		if i := slices.Index(batchWorst, c); i >= 0 && i < best {
			best = i
		}
	}
	if best == len(batchWorst) {
		return ""
	}
	return batchWorst[best]
}

// batchStepFiles are the names a batch step may leave at the top of its
// directory: stepFiles and the runs file.
func batchStepFile(name string) bool { return stepFiles[name] || name == "oz-run-runs.json" }

// checkBatch returns the invariants a batch invocation broke.
func checkBatch(p *plan, r *result) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	b := p.batch

	if r.hung {
		bad("the program did not end within %s", invocationLimit)
	}
	for _, sign := range []string{"goroutines outlived the run", "WARNING: DATA RACE", "panic:", "fatal error:"} {
		if strings.Contains(r.stderr, sign) {
			bad("the program printed %q", sign)
		}
	}
	if r.outputsErr != nil {
		bad("the outputs do not parse: %v", r.outputsErr)
	}
	stdout := strings.ReplaceAll(r.stdout, "::add-mask::"+key+"\n", "")
	if leaks(stdout) || leaks(r.stderr) {
		bad("the key is in the log (in some form)")
	}
	for name, text := range r.files {
		if leaks(text) {
			bad("the key is in the file %s (in some form)", name)
		}
	}
	checkKeyForms(p, r, bad)
	for _, name := range r.entries {
		if !batchStepFile(name) {
			bad("the step wrote %s, which is neither a report nor files_dir", name)
		}
	}

	// Never a run twice: the fake's runs by item.
	byItem := map[string][]string{}
	for _, run := range r.batchRuns {
		k := run.Metadata[itemKey]
		if !slices.Contains(b.keys, k) {
			bad("the run %s has item %q in its metadata, which is no item of the batch", run.RunID, k)
		}
		byItem[k] = append(byItem[k], run.RunID)
	}
	if r.created != len(r.batchRuns) {
		bad("the fake created %d runs, but shows %d", r.created, len(r.batchRuns))
	}
	for _, k := range b.keys {
		if len(byItem[k]) > 1 {
			bad("item %s has %d runs: %v", k, len(byItem[k]), byItem[k])
		}
	}

	// The runs output (GitLab: the runs file): valid JSON, an entry an
	// item in order.
	runsText, where := r.outputs["runs"], "the runs output"
	if p.gitlab {
		runsText, where = r.files["oz-run-runs.json"], "oz-run-runs.json"
	}
	var runs []batchEntry
	if r.hung {
		return probs
	}
	if err := json.Unmarshal([]byte(runsText), &runs); err != nil {
		bad("%s is not a JSON array of runs: %v (%d bytes)", where, err, len(runsText))
		return probs
	}
	if len(runs) != len(b.keys) {
		bad("%s has %d entries, want %d (one an item)", where, len(runs), len(b.keys))
		return probs
	}
	aborted := p.signal != nil && r.code == 5
	conclusions := make([]string, len(runs))
	timedOut := strings.Contains(r.stdout+r.stderr, "The batch did not end within")
	cutShort := aborted || timedOut || r.outputs["conclusion"] == "timed_out"
	for i, run := range runs {
		conclusions[i] = run.Conclusion
		if run.Key != b.keys[i] {
			bad("%s entry %d is %q, want %q (list order)", where, i, run.Key, b.keys[i])
		}
		if run.RunID != "" && !slices.Equal(byItem[run.Key], []string{run.RunID}) {
			bad("item %s: run_id %q, but the fake has %v for it", run.Key, run.RunID, byItem[run.Key])
		}
		// The batch's timeout: the worst conclusion may be another's.
		cutShort = cutShort || run.Conclusion == "timed_out"
		if run.Conclusion != "" && p.failOn[run.Conclusion] && run.Conclusion != "timed_out" && run.Conclusion != "cancelled" {
			cutShort = cutShort || b.failFast
		}
	}
	want := worstOf(conclusions)
	if got := r.outputs["conclusion"]; got != want {
		bad("conclusion %q, but the worst of the runs' is %q (%v)", got, want, conclusions)
	}
	for _, o := range []string{"run_id", "state", "session_link", "agent_output"} {
		if r.outputs[o] != "" {
			bad("the output %s is %q with prompts, want empty", o, r.outputs[o])
		}
	}

	failedFast := cutShort && !aborted && !timedOut
	replyErrors := checkBlocked(p, r, runs, aborted, timedOut, failedFast, byItem, bad)
	r.replyErrors = len(replyErrors)

	// Each item's conclusion, when nothing cut the batch short.
	if !cutShort && !b.createFinal && !b.lostCreate {
		for i, run := range runs {
			if replyErrors[run.Key] {
				continue // its blocked_reply's fate is unknown: checkBlocked
			}
			if run.Conclusion != b.conclusions[i] {
				bad("item %s: conclusion %q, want its scenario's %q", run.Key, run.Conclusion, b.conclusions[i])
			}
			if len(byItem[run.Key]) != 1 {
				bad("item %s: %d runs created, want exactly 1 (no create failed for good)", run.Key, len(byItem[run.Key]))
			}
		}
	}
	if b.createFinal && r.created > 0 {
		bad("every create was refused, but %d runs were created", r.created)
	}

	// The exit code by the contract: 3 once a create failed for good
	// (the faulted create was made: fail_fast or the timeout may end the
	// batch before it), else by the worst conclusion and fail_on.
	failed := b.createFinal && r.creates > 0 || b.lostCreate && r.creates >= b.lostNth
	code := 0
	switch c := want; {
	case failed, len(replyErrors) > 0:
		code = 3
	case c == "timed_out" && p.failOn["timed_out"]:
		code = 4
	case c == "timed_out":
	case p.failOn[c]:
		code = 1
	}
	if !aborted && r.code != code {
		bad("exit %d with conclusion %q, want exit %d", r.code, r.outputs["conclusion"], code)
	}
	if b.listRefused && r.gets > 0 {
		if n := strings.Count(r.stdout+r.stderr, "Listing the batch's runs was refused"); n != 1 {
			bad("the list was refused: %d warnings of it, want 1", n)
		}
	}
	if aborted && !p.cancelAbort && r.cancels > 0 {
		bad("cancel_on_abort is false, but %d cancels were sent", r.cancels)
	}
	return probs
}

// batchEntry is an entry of a batch's runs output.
type batchEntry struct {
	Key        string `json:"key"`
	RunID      string `json:"run_id"`
	Conclusion string `json:"conclusion"`
}

// checkBlocked checks what on_blocked makes of a batch's runs, each run as
// one run would be (issue 22): follow-ups only with reply, only to a run
// that stopped BLOCKED, never two to a run (and exactly one when nothing
// cut the batch short); a reply whose fate is unknown ends that run error,
// sent once, the others going on; a run that ends blocked is BLOCKED in
// the fake and never cancelled but by an abort (it has stopped); with
// wait, a run read BLOCKED before the timeout waits and ends blocked, not
// timed_out. It returns the items whose blocked_reply failed (their
// conclusion error, exit 3).
func checkBlocked(p *plan, r *result, runs []batchEntry, aborted, timedOut, failedFast bool, byItem map[string][]string, bad func(string, ...any)) map[string]bool {
	b := p.batch
	cutShort := aborted || timedOut || failedFast
	replyErrors := map[string]bool{}
	fakeRun := map[string]oz.Run{}
	for _, run := range r.batchRuns {
		fakeRun[run.RunID] = run
	}
	posts := 0
	for _, n := range r.batchPosts {
		posts += n
	}
	if b.onBlocked != "reply" && posts > 0 {
		bad("on_blocked is %q, but %d follow-ups were sent (%v)", or(b.onBlocked, "fail (the default)"), posts, r.batchPosts)
	}
	for i, e := range runs {
		if i >= len(b.keys) {
			break
		}
		// Every run of the item counts (byItem), not only the one the
		// output names.
		for _, id := range byItem[e.Key] {
			if n := r.batchPosts[id]; n > 1 || r.batchTaken[id] > 1 {
				bad("item %s: %d follow-ups sent to run %s, %d taken: never two", e.Key, n, id, r.batchTaken[id])
			}
			if r.batchPosts[id] > 0 && !b.blocks[i] {
				bad("item %s: a follow-up was sent to run %s, which never stopped BLOCKED", e.Key, id)
			}
		}
		if e.RunID == "" {
			continue
		}
		id, run := e.RunID, fakeRun[e.RunID]
		if b.onBlocked == "reply" && b.blocks[i] && e.Conclusion == "error" {
			replyErrors[e.Key] = true
			switch {
			case b.uncertainNth == 0 && !cutShort:
				bad("item %s: conclusion error after its blocked_reply, with no fault of the reply", e.Key)
			case r.batchPosts[id] != 1:
				bad("item %s: its blocked_reply failed after %d follow-up requests, want exactly 1 (never sent again)", e.Key, r.batchPosts[id])
			}
			if !cutShort && !strings.Contains(r.stdout+r.stderr, "["+e.Key+"] ") {
				bad("item %s: no line names it with its failed blocked_reply", e.Key)
			}
			arrived := slices.Contains(p.faultNames, faultReplyUncertainArrived)
			if !cutShort && (r.batchTaken[id] == 1) != arrived {
				bad("item %s: the fake took %d follow-ups, but the fault (%v) says it %s", e.Key, r.batchTaken[id], p.faultNames,
					map[bool]string{true: "arrived", false: "did not arrive"}[arrived])
			}
			continue
		}
		if b.onBlocked == "reply" && b.blocks[i] && !cutShort && (r.batchPosts[id] != 1 || r.batchTaken[id] != 1) {
			bad("item %s: run %s stopped BLOCKED under on_blocked reply: %d follow-ups sent, %d taken, want exactly 1",
				e.Key, id, r.batchPosts[id], r.batchTaken[id])
		}
		switch {
		case e.Conclusion == "blocked" && !aborted:
			if !r.unblocked[e.Key] && run.State != oz.StateBlocked {
				bad("item %s: conclusion blocked, but run %s is %s", e.Key, id, run.State)
			}
			if n := r.batchCancels[id]; n > 0 {
				bad("item %s: run %s ended blocked but got %d cancels (it has stopped: nothing to cancel)", e.Key, id, n)
			}
		case e.Conclusion == "succeeded" && run.State != oz.StateSucceeded:
			bad("item %s: conclusion succeeded, but run %s is %s", e.Key, id, run.State)
		}
		// wait: a run the lists showed BLOCKED before the timeout (four
		// lists after it stopped: a burst of failing ones is at most
		// three) waits for no one and ends blocked, not cancelled.
		if b.onBlocked == "wait" && timedOut && !aborted && !failedFast && b.blocks[i] && !r.unblocked[e.Key] && run.State == oz.StateBlocked {
			since, err := time.Parse(time.RFC3339Nano, run.UpdatedAt)
			if err == nil && countAfter(r.lists, since.Add(20*time.Millisecond)) >= 4 && e.Conclusion != "blocked" {
				bad("item %s: run %s was BLOCKED from %s, lists read it after, but it ended %q at the timeout, want blocked (on_blocked wait)",
					e.Key, id, run.UpdatedAt, e.Conclusion)
			}
		}
	}
	if b.uncertainNth > 0 && !cutShort {
		if want := map[bool]int{true: 1, false: 0}[posts >= b.uncertainNth]; len(replyErrors) != want {
			bad("%d follow-up requests with the %d. one's fate unknown: %d runs ended error after their reply, want %d",
				posts, b.uncertainNth, len(replyErrors), want)
		}
	}
	return replyErrors
}

// countAfter counts the instants after t.
func countAfter(ts []time.Time, t time.Time) int {
	n := 0
	for _, u := range ts {
		if u.After(t) {
			n++
		}
	}
	return n
}

// or is s, or alt when s is empty.
func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
