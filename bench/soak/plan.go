package soak

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/oz-run/oz-run-action/internal/ozfake"
	"github.com/oz-run/oz-run-action/internal/ozfake/ozfaketest"
)

// Routes of the fake API.
const (
	routeCreate       = "POST /agent/runs"
	routeGet          = "GET /agent/runs/{id}"
	routeCancel       = "POST /agent/runs/{id}/cancel"
	routeConversation = "GET /agent/runs/{id}/conversation"
	routeFollowup     = "POST /agent/runs/{id}/followups"
	routeFile         = "GET /files/{uid}"
)

// plan is one invocation: what the run does, the inputs, the faults, and
// the outcome that must come of it.
type plan struct {
	index  int
	gitlab bool
	inputs map[string]string // INPUT_<NAME>
	env    map[string]string // more environment

	faults     []ozfaketest.Fault
	fakeOpts   []ozfake.Option
	deleteRun  bool     // the run vanishes after the first poll
	faultNames []string // what was injected, for the report

	wait         bool
	scenario     string // prompt tag; "" is the default run (succeeds)
	conclusion   string // the conclusion the run comes to when nothing breaks
	failOn       map[string]bool
	createFinal  bool // the create fails for good: exit 3
	pollFinal    bool // a poll fails for good: exit 3 (when waiting, or reading the run before a follow-up)
	lostCreate   bool // the create is ambiguous and cannot be looked up: exit 3, a run may exist
	recovers     bool // the create's answer is lost and the run found again
	leave        bool // on_timeout: leave
	cancelAbort  bool // cancel_on_abort
	cancelFaults bool // the cancel may fail

	signal      os.Signal
	signalAfter time.Duration // after the first request reaches the fake

	// hostile names the hostile answer every status read gets (a terminal
	// run: the key echoed, control characters, huge fields); "" for none.
	hostile string

	// The agent's work.
	followup   bool // an earlier run is followed up (run_id + followup) instead of a run created
	filesDir   bool // files_dir is set
	answerLost bool // the conversation cannot be read: no answer, but no other change

	// Issue 16's classes, drawn last (drawWork).
	keyAnswer     bool     // the answer holds the key transformed
	keyTokens     []string // the base64 tokens of the key in it, to be masked whole
	redirect      string   // every download redirects with the key in its Location: "home" (relative) or "away" (another host); "" none
	convHang      bool     // the conversation never answers and timeout is short: the work's budget ends the read
	signalRoute   string   // the signal goes once this route has been called (it hangs), not after the first request
	manyArtifacts bool     // the status reads list more FILE artifacts than are read
	notes         []string // more of what was drawn, for the report

	// Issue 21's inputs, drawn after those (drawSpend).
	blockedReply bool // on_blocked: reply answers the BLOCKED run once

	// Issue 20's batch, drawn after those (drawBatch); nil for one run.
	batch *batchPlan
}

// ozFilesDir is files_dir when set.
const ozFilesDir = "oz-files"

// scenarios pick the run's course and the conclusion it comes to.
var scenarios = []struct{ tag, conclusion string }{
	{"", "succeeded"}, {"", "succeeded"}, {"[fake:nopr]", "succeeded"}, {"[fake:nolink]", "succeeded"},
	{"[fake:fail]", "failed"}, {"[fake:nocredits]", "failed"}, {"[fake:error]", "error"},
	{"[fake:block]", "blocked"}, {"[fake:cancel]", "cancelled"}, {"[fake:capacity]", "succeeded"},
	{"[fake:slow]", "timed_out"}, {"[fake:slow]", "timed_out"}, {"[fake:slow] [fake:uncancellable]", "timed_out"},
	{"[fake:files]", "succeeded"}, {"[fake:files] [fake:error]", "error"}, {"[fake:noconversation]", "succeeded"},
}

var failOns = []string{"", "none", "failed", "failed,error,blocked,cancelled", "timed_out"}

// defaultFailOn is fail_on's default.
const defaultFailOn = "failed,error,blocked,cancelled,timed_out"

// fault is one kind of misbehaviour the soak injects.
type fault struct {
	name  string
	apply func(r *rand.Rand, p *plan)
}

func get(f ozfaketest.Fault) ozfaketest.Fault    { f.Path = routeGet; return f }
func create(f ozfaketest.Fault) ozfaketest.Fault { f.Path = routeCreate; return f }
func cancel(f ozfaketest.Fault) ozfaketest.Fault { f.Path = routeCancel; return f }

const proxyHTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"

func hdr(k, v string) http.Header { h := http.Header{}; h.Set(k, v); return h }

// pollFaults are answers to the status read; every one but the final ones
// must change nothing.
var pollFaults = []fault{
	{"poll 5xx burst", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, get(ozfaketest.Fault{Nth: 1 + r.IntN(3), Times: 1 + r.IntN(3), Status: 500 + r.IntN(4)}))
	}},
	{"poll 429", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, get(ozfaketest.Fault{Nth: 1 + r.IntN(3), Status: 429}))
	}},
	{"poll 429 Retry-After", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, get(ozfaketest.Fault{Nth: 1 + r.IntN(3), Status: 429, Header: hdr("Retry-After", "1")}))
	}},
	{"poll empty body", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, get(ozfaketest.Fault{Nth: 1 + r.IntN(3), Status: 200, Header: hdr("Content-Type", "application/json")}))
	}},
	{"poll malformed JSON", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, get(ozfaketest.Fault{Nth: 1 + r.IntN(3), Status: 200, Body: `{"run_id": "fake-run-0000`}))
	}},
	{"poll HTML", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, get(ozfaketest.Fault{Nth: 1 + r.IntN(3), Times: 1 + r.IntN(2), Status: 502, Header: hdr("Content-Type", "text/html"), Body: proxyHTML}))
	}},
	{"poll connection reset", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, get(ozfaketest.Fault{Nth: 1 + r.IntN(3), Times: 1 + r.IntN(2), CloseConn: true}))
	}},
	{"poll hangs", func(r *rand.Rand, p *plan) {
		p.env["OZ_RUN_REQUEST_TIMEOUT"] = "200ms"
		p.faults = append(p.faults, get(ozfaketest.Fault{Nth: 1 + r.IntN(3), Hang: true}))
	}},
	{"poll slow answer", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, get(ozfaketest.Fault{Nth: 1 + r.IntN(3), Times: 3, Delay: time.Duration(10+r.IntN(90)) * time.Millisecond}))
	}},
	{"poll 401", func(_ *rand.Rand, p *plan) {
		p.pollFinal = true
		// The first read: a run may be terminal by then (a create answered
		// late, then found by its request id), and no second read comes.
		p.faults = append([]ozfaketest.Fault{get(ozfaketest.Fault{Nth: 1, Status: 401})}, p.faults...) // first: it wins
	}},
	{"poll 403", func(_ *rand.Rand, p *plan) {
		p.pollFinal = true
		// The first read: a run may be terminal by then (a create answered
		// late, then found by its request id), and no second read comes.
		p.faults = append([]ozfaketest.Fault{get(ozfaketest.Fault{Nth: 1, Status: 403})}, p.faults...) // first: it wins
	}},
	{"run vanishes", func(_ *rand.Rand, p *plan) {
		p.pollFinal = true
		if p.followup && p.inputs["wait"] == "false" {
			// The run's one read comes before the follow-up is sent: gone
			// by then, or the follow-up and the deletion would race.
			p.faults = append([]ozfaketest.Fault{get(ozfaketest.Fault{Nth: 1, Status: 404})}, p.faults...)
			return
		}
		p.deleteRun = true
	}},
}

// createFaults are answers to the create; at most one per invocation.
var createFaults = []fault{
	{"create 5xx burst", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: 1, Times: 1 + r.IntN(2), Status: 500 + r.IntN(4)}))
	}},
	{"create 429", func(_ *rand.Rand, p *plan) {
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: 1, Status: 429}))
	}},
	{"create reset before creating", func(_ *rand.Rand, p *plan) {
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: 1, CloseConn: true}))
	}},
	{"create 500 after creating", func(_ *rand.Rand, p *plan) {
		p.recovers = true
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: 1, Status: 500, CreateThenFail: true}))
	}},
	{"create reset after creating", func(_ *rand.Rand, p *plan) {
		p.recovers = true
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: 1, CloseConn: true, CreateThenFail: true}))
	}},
	{"create hangs after creating", func(_ *rand.Rand, p *plan) {
		p.recovers = true
		p.env["OZ_RUN_REQUEST_TIMEOUT"] = "200ms"
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: 1, Hang: true, CreateThenFail: true}))
	}},
	{"create lost, no metadata filter", func(_ *rand.Rand, p *plan) {
		p.lostCreate = true
		p.fakeOpts = append(p.fakeOpts, ozfake.WithMetadataFilter(false))
		p.faults = append(p.faults, create(ozfaketest.Fault{Nth: 1, Status: 502, CreateThenFail: true}))
	}},
	{"create 401", func(_ *rand.Rand, p *plan) {
		p.createFinal = true
		p.faults = append(p.faults, create(ozfaketest.Fault{Status: 401}))
	}},
	{"create 403", func(_ *rand.Rand, p *plan) {
		p.createFinal = true
		p.faults = append(p.faults, create(ozfaketest.Fault{Status: 403}))
	}},
	{"create OUT_OF_CREDITS", func(_ *rand.Rand, p *plan) {
		p.createFinal = true
		p.faults = append(p.faults, create(ozfaketest.Fault{Status: 429, Header: hdr("X-Warp-Error-Code", "OUT_OF_CREDITS")}))
	}},
}

// cancelFaults are answers to the cancel after a timeout or an abort.
var cancelFaults = []fault{
	{"cancel 409", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, cancel(ozfaketest.Fault{Nth: 1, Times: 1 + r.IntN(2), Status: 409}))
	}},
	{"cancel 422", func(_ *rand.Rand, p *plan) {
		p.cancelFaults = true
		p.faults = append(p.faults, cancel(ozfaketest.Fault{Status: 422}))
	}},
	{"cancel 400", func(_ *rand.Rand, p *plan) {
		p.cancelFaults = true
		p.faults = append(p.faults, cancel(ozfaketest.Fault{Status: 400}))
	}},
	{"cancel 5xx burst", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, cancel(ozfaketest.Fault{Nth: 1, Times: 1 + r.IntN(2), Status: 503}))
	}},
}

// workFaults are answers to the reads of the agent's work; none changes
// the exit code or the conclusion.
var workFaults = []fault{
	{"conversation 5xx burst", func(r *rand.Rand, p *plan) {
		p.faults = append(p.faults, ozfaketest.Fault{Path: routeConversation, Nth: 1, Times: 1 + r.IntN(2), Status: 502})
	}},
	{"conversation unreadable", func(_ *rand.Rand, p *plan) {
		p.answerLost = true
		p.faults = append(p.faults, ozfaketest.Fault{Path: routeConversation, Status: 200, Header: hdr("Content-Type", "text/html"), Body: proxyHTML})
	}},
	{"download URL expired once", func(_ *rand.Rand, p *plan) {
		p.faults = append(p.faults, ozfaketest.Fault{Path: routeFile, Nth: 1, Status: 403})
	}},
	{"follow-up 429 once", func(_ *rand.Rand, p *plan) {
		p.faults = append(p.faults, ozfaketest.Fault{Path: routeFollowup, Nth: 1, Status: 429})
	}},
}

// newPlan draws invocation i from r.
func newPlan(i int, r *rand.Rand) *plan {
	p := &plan{index: i, inputs: map[string]string{}, env: map[string]string{}, wait: true, cancelAbort: true}
	sc := scenarios[r.IntN(len(scenarios))]
	p.scenario, p.conclusion = sc.tag, sc.conclusion
	p.inputs["prompt"] = strings.TrimSpace(sc.tag + " soak invocation " + fmt.Sprint(i))
	p.inputs["poll_interval"] = "10ms"
	p.inputs["poll_max_interval"] = "50ms"
	p.gitlab = r.IntN(4) == 0

	fo := failOns[r.IntN(len(failOns))]
	if fo != "" {
		p.inputs["fail_on"] = fo
	} else {
		fo = defaultFailOn
	}
	p.failOn = map[string]bool{}
	for _, c := range strings.Split(fo, ",") {
		p.failOn[c] = true
	}

	if r.IntN(4) == 0 {
		p.leave = true
		p.inputs["on_timeout"] = "leave"
	}
	if r.IntN(4) == 0 {
		p.cancelAbort = false
		p.inputs["cancel_on_abort"] = "false"
	}
	if r.IntN(10) == 0 {
		p.wait = false
		p.inputs["wait"] = "false"
	}
	if r.IntN(5) == 0 {
		p.inputs["result_file"] = "oz-result.json"
	}
	if r.IntN(3) == 0 {
		p.filesDir = true
		p.inputs["files_dir"] = ozFilesDir
	}
	if r.IntN(6) == 0 {
		// Follow up an earlier run (made before the program starts): the
		// scenario's tags are in the follow-up and pick what the run's new
		// execution does.
		p.followup = true
		delete(p.inputs, "prompt")
		p.inputs["run_id"] = "fake-run-000001"
		p.inputs["followup"] = strings.TrimSpace(sc.tag + " soak follow-up " + fmt.Sprint(i))
		if strings.Contains(sc.tag, "uncancellable") {
			p.cancelFaults = true // the run's own script decides; a follow-up's tag does not
		}
	}

	add := func(f fault) {
		f.apply(r, p)
		p.faultNames = append(p.faultNames, f.name)
	}
	if r.IntN(3) > 0 {
		add(pollFaults[r.IntN(len(pollFaults))])
	}
	if r.IntN(3) == 0 {
		add(pollFaults[r.IntN(len(pollFaults))])
	}
	timeout := 800 + r.IntN(1200) // ms, when the run never ends
	if r.IntN(3) == 0 && !p.followup {
		add(createFaults[r.IntN(len(createFaults))])
		timeout += 2500 // room for the create's retries: the timeout covers the create too
	}
	if r.IntN(4) == 0 {
		add(workFaults[r.IntN(len(workFaults))])
	}
	if p.followup {
		timeout += 1000 // the follow-up's pickup window comes first
	}
	if p.pollFinal {
		timeout += 5000 // room for transient poll faults' retries before the final one shows
	}
	if p.conclusion == "timed_out" {
		p.inputs["timeout"] = fmt.Sprintf("%dms", timeout)
	} else {
		p.inputs["timeout"] = "30s"
	}
	if r.IntN(3) == 0 {
		add(cancelFaults[r.IntN(len(cancelFaults))])
	}
	if strings.Contains(p.scenario, "uncancellable") {
		p.cancelFaults = true
	}
	if r.IntN(6) == 0 {
		p.signal = []os.Signal{syscall.SIGINT, syscall.SIGTERM}[r.IntN(2)]
		p.signalAfter = time.Duration(r.IntN(500)) * time.Millisecond
	}
	// Drawn last, so that the plans above stay what they were for a seed.
	if r.IntN(5) == 0 && !p.pollFinal {
		h := hostileAnswers[r.IntN(len(hostileAnswers))]
		// A 16 MiB answer needs more than 200 ms on a loaded machine; a
		// follow-up waits for the run to move, which a fixed answer never
		// does.
		if (!h.huge || p.env["OZ_RUN_REQUEST_TIMEOUT"] == "") && !p.followup {
			p.hostile = h.name
			p.conclusion = h.conclusion
			p.inputs["timeout"] = "30s" // the run ends with the answer
			p.answerEveryRead(h.body(r))
			p.faultNames = append(p.faultNames, h.name)
		}
	}
	// Drawn after the rest too: the follow-up's acceptance writes the run
	// at once while its old state is still served ([fake:touch]), and the
	// new execution starts and ends between two polls ([fake:quick]; only
	// its reply in the conversation shows it then, so not when the
	// conversation cannot be read). The conclusion is still the new
	// execution's.
	if p.followup {
		var tags []string
		if r.IntN(2) == 0 {
			tags = append(tags, "[fake:touch]")
		}
		if r.IntN(3) == 0 && !p.answerLost {
			tags = append(tags, "[fake:quick]")
		}
		if len(tags) > 0 {
			p.inputs["followup"] = strings.Join(tags, " ") + " " + p.inputs["followup"]
		}
	}
	p.drawWork(r)  // issue 16's classes of the agent's work
	p.drawSpend(r) // issue 21's inputs
	p.drawBatch(r) // last of all: issue 20's batches
	return p
}

// hostileAnswers are terminal runs full of what a hostile server sends.
var hostileAnswers = []struct {
	name, conclusion string
	huge             bool
	body             func(r *rand.Rand) string
}{
	{"hostile: the key echoed", "succeeded", false, func(r *rand.Rand) string {
		forms := ozfaketest.KeyForms(key)
		names := slices.Sorted(maps.Keys(forms))
		return ozfaketest.HostileRun("fake-run-000001", "SUCCEEDED", forms[names[r.IntN(len(names))]])
	}},
	{"hostile: control and bidi characters", "failed", false, func(*rand.Rand) string {
		return ozfaketest.HostileRun("fake-run-000001", "FAILED", ozfaketest.ControlText)
	}},
	{"hostile: a 16 MiB status message", "failed", true, func(*rand.Rand) string {
		return `{"run_id":"fake-run-000001","state":"FAILED","status_message":{"message":"` +
			strings.Repeat("status & <b> \\u202e ", (ozfaketest.MaxClientBody-4096)/21) + `"}}`
	}},
	{"hostile: the largest run", "succeeded", true, func(*rand.Rand) string { return ozfaketest.LargestRun("fake-run-000001", "SUCCEEDED") }},
}

// natural is the exit code and conclusion the invocation must end with
// when no signal cuts it short.
func (p *plan) natural() (code int, conclusion string) {
	switch {
	case p.createFinal || p.lostCreate:
		return 3, ""
	case p.followup && p.pollFinal:
		// The run is read before the follow-up is sent, waiting or not.
		return 3, ""
	case !p.wait:
		return 0, "submitted"
	case p.pollFinal:
		return 3, ""
	case p.conclusion == "timed_out" && p.failOn["timed_out"]:
		return 4, "timed_out"
	case p.conclusion == "timed_out":
		return 0, "timed_out"
	case p.failOn[p.conclusion]:
		return 1, p.conclusion
	}
	return 0, p.conclusion
}

// String describes the plan in one line, for the report.
func (p *plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d", p.index)
	if p.gitlab {
		b.WriteString(" gitlab")
	}
	if p.followup {
		fmt.Fprintf(&b, " run_id=%s followup=%q", p.inputs["run_id"], p.inputs["followup"])
	} else if p.batch != nil {
		fmt.Fprintf(&b, " prompts=%s", p.inputs["prompts"])
	} else {
		fmt.Fprintf(&b, " prompt=%q", p.inputs["prompt"])
	}
	for _, k := range []string{"fail_on", "timeout", "on_timeout", "cancel_on_abort", "wait", "files_dir", "debug"} {
		if v, ok := p.inputs[k]; ok {
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	if len(p.faultNames) > 0 {
		fmt.Fprintf(&b, " faults=[%s]", strings.Join(p.faultNames, "; "))
	}
	if p.signal != nil {
		fmt.Fprintf(&b, " signal=%v@%s", p.signal, p.signalAfter)
		if p.signalRoute != "" {
			fmt.Fprintf(&b, " after %s", p.signalRoute)
		}
	}
	if len(p.notes) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(p.notes, "; "))
	}
	return b.String()
}
