package ozfake

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// Scenario is a canned run picked by a tag in the prompt, such as
// "[fake:fail]".
type Scenario struct {
	Tag         string
	Description string
}

// scenario is a Scenario with what it does to the script. An outcome
// replaces the run's course; a modifier adjusts whatever course was chosen.
type scenario struct {
	Scenario
	modifier bool
	apply    func(*Script)
}

var scenarios = []scenario{
	{Scenario{"[fake:fail]", "fails while its environment is set up: FAILED, error_code environment_setup_failed"}, false, func(sc *Script) {
		sc.Steps = []Step{{oz.StateQueued, 500 * time.Millisecond}, {oz.StatePending, 500 * time.Millisecond}, {oz.StateClaimed, 1500 * time.Millisecond}}
		sc.Final, sc.Artifacts, sc.StatusMessage = oz.StateFailed, false, defaultMessage(oz.StateFailed, false)
		sc.Usage = usage(0, 0.08, 0.05)
	}},
	{Scenario{"[fake:error]", "stops on Warp's side while working: ERROR, error_code internal_error (retryable)"}, false, func(sc *Script) {
		sc.Steps = workingSteps(2 * time.Second)
		sc.Final, sc.Artifacts, sc.StatusMessage = oz.StateError, false, defaultMessage(oz.StateError, false)
		sc.Usage = usage(0.61, 0.14, 0.05)
	}},
	{Scenario{"[fake:block]", "stops to wait for a person's approval: BLOCKED, with a message saying what it waits for"}, false, func(sc *Script) {
		sc.Steps = workingSteps(2 * time.Second)
		sc.Final, sc.Artifacts, sc.StatusMessage = oz.StateBlocked, false, defaultMessage(oz.StateBlocked, false)
		sc.Usage = usage(0.47, 0.11, 0.05)
	}},
	{Scenario{"[fake:cancel]", "is cancelled by a teammate while working: CANCELLED"}, false, func(sc *Script) {
		sc.Steps = workingSteps(2 * time.Second)
		sc.Final, sc.Artifacts = oz.StateCancelled, false
		sc.StatusMessage = &oz.StatusMessage{Message: "Cancelled by a teammate from the Oz web app."}
		sc.Usage = usage(0.52, 0.12, 0.05)
	}},
	{Scenario{"[fake:nocredits]", "fails before it starts because the team is out of credits: FAILED, error_code insufficient_credits"}, false, func(sc *Script) {
		no := false
		sc.Steps = []Step{{oz.StateQueued, 500 * time.Millisecond}, {oz.StatePending, 500 * time.Millisecond}}
		sc.Final, sc.Artifacts = oz.StateFailed, false
		sc.StatusMessage = &oz.StatusMessage{Message: "Your team has run out of credits. Add credits to keep running agents.", ErrorCode: "insufficient_credits", Retryable: &no}
		sc.Usage = usage(0, 0, 0)
	}},
	{Scenario{"[fake:slow]", "never ends: stays INPROGRESS (for timeout and cancellation tests)"}, false, func(sc *Script) {
		sc.Steps = workingSteps(0)
		sc.Final, sc.Artifacts = oz.StateInProgress, false
	}},
	{Scenario{"[fake:capacity]", "the team is at its concurrency limit: at_capacity is true and the run stays QUEUED 10s longer"}, true, func(sc *Script) {
		sc.AtCapacity = true
		sc.Steps = append([]Step{{oz.StateQueued, 10 * time.Second}}, sc.Steps...)
	}},
	{Scenario{"[fake:uncancellable]", "the run cannot be cancelled through the API: cancel answers 422, as for runs started from GitHub Actions"}, true, func(sc *Script) {
		sc.Uncancellable = true
	}},
	{Scenario{"[fake:nolink]", "the run shows session_id but no session_link (clients build the link)"}, true, func(sc *Script) {
		sc.NoSessionLink = true
	}},
	{Scenario{"[fake:nopr]", "a success without a pull request: no artifacts"}, true, func(sc *Script) {
		sc.Artifacts = false
		if sc.Final == oz.StateSucceeded {
			sc.StatusMessage = defaultMessage(oz.StateSucceeded, false)
		}
	}},
	{Scenario{"[fake:files]", "once ended, the run has two FILE artifacts: reports/oz-report.md (with VERDICT: PASS) and changes.patch"}, true, func(sc *Script) {
		sc.Files = append(sc.Files, reportFile, patchFile)
	}},
	{Scenario{"[fake:hostilefiles]", "FILE artifacts with hostile names: ../, absolute, NUL, 300 bytes, duplicates, backslashes, control characters, none"}, true, func(sc *Script) {
		sc.Files = append(sc.Files, hostileFiles...)
	}},
	{Scenario{"[fake:bigfile]", "a FILE artifact of exactly 100 MiB (big.bin), generated as it is sent"}, true, func(sc *Script) {
		sc.Files = append(sc.Files, bigFile)
	}},
	{Scenario{"[fake:longanswer]", "the agent's answer is longer than 64 KiB"}, true, func(sc *Script) {
		sc.LongAnswer = true
	}},
	{Scenario{"[fake:noconversation]", "the conversation answers 404, as on servers older than the endpoint"}, true, func(sc *Script) {
		sc.NoConversation = true
	}},
	{Scenario{"[fake:touch]", "in a follow-up: accepting it writes the run, so updated_at moves at once while the old terminal state is still served"}, true, func(sc *Script) {
		sc.AcceptWrites = true
	}},
	{Scenario{"[fake:quick]", "the working states pass in an instant: the run (or a follow-up's new execution) starts and ends between two polls"}, true, func(sc *Script) {
		for i := range sc.Steps {
			sc.Steps[i].For = 0
		}
	}},
	{Scenario{"[fake:costly]", "the run's cost grows by $0.25 a second of work, shown in request_usage while it works (max_cost_usd tests)"}, true, func(sc *Script) {
		sc.CostGrowth, sc.CostEvery = 0.25, time.Second
	}},
	{Scenario{"[fake:blocked-reply]", "stops to ask a question: BLOCKED until a follow-up answers it; the follow-up's new execution succeeds (with [fake:block] in the follow-up, it blocks again)"}, false, func(sc *Script) {
		sc.Steps = workingSteps(2 * time.Second)
		sc.Final, sc.Artifacts = oz.StateBlocked, false
		sc.StatusMessage = &oz.StatusMessage{Message: "Which branch should I push the fix to? Reply with its name."}
		sc.Usage = usage(0.35, 0.08, 0.05)
	}},
	{Scenario{"[fake:review-pass]", "on success, the answer ends with a review valid against output_schema: review: verdict pass, one notice"}, true, func(sc *Script) {
		sc.Review = ReviewPass
	}},
	{Scenario{"[fake:review-fail]", "on success, the answer ends with a review: verdict fail, an error on internal/clock/clock_test.go lines 42-45, a warning, a notice"}, true, func(sc *Script) {
		sc.Review = ReviewFail
	}},
	{Scenario{"[fake:review-invalid-then-fixed]", "on success, the answer ends with a review invalid against the schema; the answer to a follow-up is valid (verdict pass)"}, true, func(sc *Script) {
		sc.Review = ReviewInvalidThenFixed
	}},
	{Scenario{"[fake:review-invalid]", "on success, the answer holds no json block, after every follow-up too"}, true, func(sc *Script) {
		sc.Review = ReviewInvalid
	}},
	{Scenario{"[fake:review-hostile]", "on success, a failing review whose findings name no file: ../, absolute, a drive, control characters, line 0, end_line before line; one good finding whose title and message hold workflow commands"}, true, func(sc *Script) {
		sc.Review = ReviewHostile
	}},
}

// workingSteps is the usual start of a run, then INPROGRESS for d (zero:
// the last step is left for Final).
func workingSteps(d time.Duration) []Step {
	steps := []Step{{oz.StateQueued, 500 * time.Millisecond}, {oz.StatePending, 500 * time.Millisecond}, {oz.StateClaimed, 500 * time.Millisecond}}
	if d > 0 {
		steps = append(steps, Step{oz.StateInProgress, d})
	}
	return steps
}

// Scenarios lists the prompt tags the fake understands.
func Scenarios() []Scenario {
	out := make([]Scenario, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.Scenario
	}
	return out
}

// tagPattern finds the scenario tags in a prompt; compiled on first use
// (the fake is linked into every oz-run, and its init must cost nothing).
var tagPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)\[fake:[^\]\s]{0,40}\]`) })

// scriptFor applies the scenario tags found in prompt to base: outcomes
// first (the last one wins), then modifiers. An unknown tag is an error.
func scriptFor(prompt string, base Script) (Script, error) {
	tags := tagPattern().FindAllString(prompt, -1)
	if len(tags) == 0 {
		return base, nil
	}
	var outcomes, modifiers []scenario
	for _, tag := range tags {
		s, ok := lookupScenario(tag)
		if !ok {
			return Script{}, fmt.Errorf("unknown fake scenario %s in the prompt; known: %s", tag, knownTags())
		}
		if s.modifier {
			modifiers = append(modifiers, s)
		} else {
			outcomes = append(outcomes, s)
		}
	}
	sc := base.scaled(1) // a deep copy
	for _, s := range append(outcomes, modifiers...) {
		s.apply(&sc)
	}
	return sc, nil
}

func lookupScenario(tag string) (scenario, bool) {
	for _, s := range scenarios {
		if strings.EqualFold(s.Tag, tag) {
			return s, true
		}
	}
	return scenario{}, false
}

func knownTags() string {
	tags := make([]string, len(scenarios))
	for i, s := range scenarios {
		tags[i] = s.Tag
	}
	return strings.Join(tags, " ")
}
