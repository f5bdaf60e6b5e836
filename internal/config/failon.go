package config

import (
	"slices"
	"strings"
	"unicode"

	"github.com/oz-run/oz-run-action/internal/outcome"
)

// The fail_on input: the conclusions that fail the step.

// failOnNone is the fail_on word for the empty set.
const failOnNone = "none"

// conclusionList is the conclusions joined for messages.
func conclusionList() string {
	words := make([]string, len(outcome.Conclusions))
	for i, c := range outcome.Conclusions {
		words[i] = string(c)
	}
	return strings.Join(words, ", ")
}

// parseFailOn reads conclusions separated by commas, spaces or newlines, in
// any case, or the word none for the empty set.
func parseFailOn(v string) (outcome.FailOn, []*InputError) {
	accepted := "list conclusions from " + conclusionList() + ", separated by commas or spaces, or none to fail on nothing"
	words := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(words) == 0 {
		return nil, one(&InputError{Value: v, Problem: "lists no conclusion", Accepted: accepted})
	}
	set := outcome.FailOn{}
	none := false
	var errs []*InputError
	for _, w := range words {
		c := outcome.Conclusion(strings.ToLower(w))
		switch {
		case c == failOnNone:
			none = true
		case slices.Contains(outcome.Conclusions, c):
			set[c] = true
		default:
			errs = append(errs, &InputError{Value: w, Problem: "is not a conclusion", Accepted: accepted})
		}
	}
	if none && len(words) > 1 {
		errs = append(errs, &InputError{Value: v, Problem: "combines none with conclusions", Accepted: "give none alone, or only conclusions"})
	}
	if errs != nil {
		return nil, errs
	}
	return set, nil
}

func setFailOn(_ *loader, c *Config, v string) []*InputError {
	set, errs := parseFailOn(v)
	c.FailOn = set
	return errs
}
