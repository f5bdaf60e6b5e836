// Package verdict judges what the agent concluded, between the run's
// outcome and the report (the contract's "The agent's verdict"): the
// prompt as sent (the PR/MR facts and the output_schema appended:
// Prompt), the structured answer taken from the agent's last message
// (its last fenced json block, or the whole of it when it is JSON),
// validated against the schema (JSON Schema 2020-12), the follow-up that
// asks the agent to repair an invalid one (Outcome.Repair), the pass_if
// gate over it (an expression of package passif), and a review's findings as
// annotations and a GitLab Code Quality report. It is pure: no I/O, no
// clock; the runner sends the follow-up it asks for.
//
// Everything in an answer is hostile: the value is bounded (64 KiB
// compact, nesting, numbers), and a finding's path and lines are checked
// before they name a file in an annotation or a report.
package verdict

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Conclusion is what the verdict makes of a run that succeeded.
type Conclusion string

const (
	// Passed: the answer is valid and the gate, if any, is true.
	Passed Conclusion = ""
	// Rejected: the answer is valid and pass_if is false: the agent said
	// no.
	Rejected Conclusion = "rejected"
	// InvalidOutput: the answer holds no value valid against the schema,
	// or pass_if could not be evaluated on it.
	InvalidOutput Conclusion = "invalid_output"
)

// Spec is what an answer is judged against: output_schema and pass_if,
// both compiled before anything is sent.
type Spec struct {
	// Schema is the output_schema; nil: the answer is not judged.
	Schema *Schema
	// Gate is pass_if; nil: a valid answer passes.
	Gate *Gate
}

// Outcome is the verdict on one answer.
type Outcome struct {
	Conclusion Conclusion
	// Reason says why the answer was rejected or is invalid, on one line.
	Reason string
	// Structured is the answer's JSON value, compact, once valid.
	Structured json.RawMessage
	// Verdict is the value's top-level verdict member when it is a string.
	Verdict string
	// Findings are a review's findings, most severe first (nil with
	// another schema).
	Findings []Finding
	// Problems say why the answer holds no valid value, each where in the
	// value (at most maxProblems); nil when it does. Only these can be
	// repaired by a follow-up.
	Problems []Problem
	// Review is set when the answer is a valid review (output_schema:
	// review): Findings are its findings, none or more.
	Review bool
}

// maxProblems is how many problems an Outcome keeps.
const maxProblems = 50

// MaxRepairProblems is how many bytes of problems a repair follow-up
// names.
const MaxRepairProblems = 2 << 10

// Judge judges the agent's answer (the text of its last message, whole).
// With no schema there is nothing to judge: the zero Outcome.
func (s Spec) Judge(answer string) Outcome {
	if s.Schema == nil {
		return Outcome{}
	}
	ex, p := extract(answer)
	if p != nil {
		return invalid([]Problem{*p})
	}
	if problems := s.Schema.validate(ex.value, maxProblems); problems != nil {
		return invalid(problems)
	}
	out := Outcome{Structured: json.RawMessage(ex.compact)}
	if m, ok := ex.value.(map[string]any); ok {
		out.Verdict, _ = m["verdict"].(string)
	}
	if s.Schema.review {
		out.Review = true
		out.Findings = Findings(ex.value)
	}
	if s.Gate == nil {
		return out
	}
	pass, err := s.Gate.eval(ex.value)
	switch {
	case err != nil:
		out.Conclusion = InvalidOutput
		out.Reason = fmt.Sprintf("pass_if %s could not be evaluated on the answer: %s", quote(s.Gate.Source()), oneLine(err.Error(), 500))
	case !pass:
		out.Conclusion = Rejected
		out.Reason = fmt.Sprintf("pass_if %s is false", quote(s.Gate.Source()))
		if out.Verdict != "" {
			out.Reason += fmt.Sprintf(" (the agent's verdict: %s)", quote(out.Verdict))
		}
	}
	return out
}

// invalid is the Outcome of an answer with these problems.
func invalid(problems []Problem) Outcome {
	reason := "the answer holds no JSON value valid against output_schema: " + problems[0].String()
	if len(problems) > 1 {
		reason += fmt.Sprintf(" (and %d more)", len(problems)-1)
	}
	return Outcome{Conclusion: InvalidOutput, Reason: oneLine(reason, 1000), Problems: problems}
}

// Repair is the follow-up that asks the agent to correct an invalid
// answer, naming the problems (at most MaxRepairProblems bytes of them);
// "" when there is nothing a follow-up can repair.
func (o Outcome) Repair() string {
	if len(o.Problems) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("oz-run could not take the structured answer from your last message:\n\n")
	b.WriteString(listProblems(o.Problems, MaxRepairProblems))
	b.WriteString("\nPlease correct it: end your reply with exactly one fenced code block in the language json (a line ```json, the value, a line ```), " +
		"holding the whole corrected value, valid against the JSON Schema given with the task. Nothing after the block.")
	return b.String()
}
