package config

import (
	"strconv"
	"strings"

	"github.com/oz-run/oz-run-action/internal/prfacts"
	"github.com/oz-run/oz-run-action/internal/verdict"
)

// The agent's verdict (the contract's "The agent's verdict"): pr_context,
// output_schema, pass_if and output_retries, each compiled and checked
// before anything is sent; and the prompt as it is sent.

// MaxOutputRetries is the most output_retries allows.
const MaxOutputRetries = 3

const outputSchemaAccepted = "give review (the built-in review schema), a JSON Schema as inline JSON (starting with {), or the path of a .json file holding one, relative to the workspace"

// setOutputSchema compiles output_schema.
func setOutputSchema(l *loader, c *Config, v string) []*InputError {
	s, err := l.outputSchema(v)
	if err != nil {
		return one(err)
	}
	c.Judge.Schema = s
	return nil
}

// outputSchema compiles an output_schema value (the input's, or a prompts
// item's): review, inline JSON, or a workspace .json file; "" is none.
// The error leaves Input empty.
func (l *loader) outputSchema(v string) (*verdict.Schema, *InputError) {
	switch {
	case v == "":
		return nil, nil
	case v == verdict.ReviewName:
		return verdict.Review(), nil
	case strings.HasPrefix(v, "{"):
		s, err := verdict.NewSchema([]byte(v), "inline")
		if err != nil {
			// An inline schema is shown in the error as little as the
			// library's message needs: the value itself is left out.
			return nil, &InputError{Problem: "is not a usable JSON Schema: " + err.Error(), Accepted: outputSchemaAccepted}
		}
		return s, nil
	case !strings.HasSuffix(strings.ToLower(v), ".json"):
		return nil, &InputError{Value: v, Problem: "is neither review, inline JSON nor the path of a .json file", Accepted: outputSchemaAccepted}
	}
	data, ierr := l.read(v)
	if ierr != nil {
		return nil, ierr
	}
	s, err := verdict.NewSchema(data, v)
	if err != nil {
		return nil, &InputError{Value: v, Problem: "names a file that is not a usable JSON Schema: " + err.Error(), Accepted: outputSchemaAccepted}
	}
	return s, nil
}

// checkedLater is the setter of an input that a check across inputs
// reads (pass_if: checkVerdict).
func checkedLater(*loader, *Config, string) []*InputError { return nil }

// showOutputSchema shows output_schema in the settings: an inline schema
// by its size only.
func showOutputSchema(_ *Config, v string) string {
	if strings.HasPrefix(v, "{") {
		return "inline JSON Schema (" + strconv.Itoa(len(v)) + " bytes)"
	}
	return v
}

// setOutputRetries reads output_retries, 0 to MaxOutputRetries.
func setOutputRetries(_ *loader, c *Config, v string) []*InputError {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > MaxOutputRetries {
		return one(&InputError{Value: v, Problem: "is not a number from 0 to 3", Accepted: "give 0 (never ask the agent to correct its answer) to 3"})
	}
	c.OutputRetries = n
	return nil
}

// checkVerdict is the validation of pass_if, which needs output_schema,
// compiled and type-checked against its answers; the review schema's
// default gate; and the PR/MR facts for the prompt (pr_context).
func (l *loader) checkVerdict(c *Config, env Env) []*InputError {
	var errs []*InputError
	src := l.values["pass_if"]
	switch {
	case src == "" && c.Judge.Schema.IsReview():
		src = verdict.DefaultReviewGate
	case src != "" && l.values["output_schema"] == "":
		errs = append(errs, &InputError{Input: "pass_if", Value: src, Problem: "needs output_schema",
			Accepted: "set output_schema to review or to a JSON Schema, whose valid answer pass_if is evaluated on"})
		src = ""
	}
	if src != "" && c.Judge.Schema != nil {
		g, err := verdict.NewGate(src, c.Judge.Schema)
		if err != nil {
			errs = append(errs, &InputError{Input: "pass_if", Problem: err.Error(),
				Accepted: `an expression over output that is true or false, such as output.verdict == "pass" or len(output.findings) == 0`})
		} else {
			c.Judge.Gate = g
		}
	}
	// The facts are read whatever pr_context says: the findings link to
	// the head commit; only the prompt depends on it.
	if f, err := prfacts.Find(env.Get); err == nil || f.Number > 0 {
		c.PR = &f
	}
	return errs
}

// SentPrompt is the prompt as it is sent: the prompt input, then the
// PR/MR facts (pr_context, on a PR/MR event) and the schema block
// (output_schema). A run with no prompt (a skill alone, a conversation
// continued) gets the blocks only when there is a schema to ask for.
func (c *Config) SentPrompt() string {
	if c.Prompt == "" && c.Skill == "" && c.Judge.Schema == nil {
		return ""
	}
	pr := c.PR
	if !c.PRContext {
		pr = nil
	}
	return verdict.Prompt(c.Prompt, pr, c.Judge.Schema)
}
