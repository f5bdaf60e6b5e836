package config

import (
	"slices"
	"strings"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// The inputs about who runs the agent and what happens without a key:
// harness and missing_key.

// MissingKey is what a step does when no API key is given at all.
type MissingKey string

// The missing_key words.
const (
	// MissingKeyFail stops the step as invalid input (exit 2).
	MissingKeyFail MissingKey = "fail"
	// MissingKeySkip ends it with conclusion skipped, exit 0: fork and
	// Dependabot pull requests get no secrets.
	MissingKeySkip MissingKey = "skip"
)

func setMissingKey(_ *loader, c *Config, v string) []*InputError {
	switch m := MissingKey(strings.ToLower(v)); m {
	case MissingKeyFail, MissingKeySkip:
		c.MissingKey = m
		return nil
	}
	return one(&InputError{Value: v, Problem: "is not a missing-key policy",
		Accepted: "use fail (no key is an error) or skip (no key ends the step as skipped, exit 0: for fork and Dependabot pull requests, which get no secrets)"})
}

// Skipped reports whether the step is to be skipped: no key at all, and
// missing_key: skip.
func (c *Config) Skipped() bool { return c.APIKey == "" && c.MissingKey == MissingKeySkip }

func setHarness(_ *loader, c *Config, v string) []*InputError {
	if v == "" {
		return nil
	}
	h := strings.ToLower(v)
	if !slices.Contains(oz.Harnesses, h) {
		return one(&InputError{Value: v, Problem: "is not a harness",
			Accepted: "use " + strings.Join(oz.Harnesses[:len(oz.Harnesses)-1], ", ") + " or " + oz.Harnesses[len(oz.Harnesses)-1] + ", or leave it unset for the server's default"})
	}
	c.Harness = h
	return nil
}
