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

// InputsURL is where every input is described, for a reader of a CI log
// (who cannot run oz-run --help there).
const InputsURL = "https://github.com/oz-run/oz-run-action/blob/main/docs/inputs.md#inputs"

// Closest is the candidate nearest to word (a mistyped subcommand), when
// one is near enough: at most one edit in a word of up to five letters,
// two in a longer one; two letters swapped count as one edit.
func Closest(word string, candidates []string) (string, bool) {
	word = strings.ToLower(word)
	best, bestD := "", -1
	for _, c := range candidates {
		if d := swapDistance(word, c); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := 1
	if len(word) > 5 {
		limit = 2
	}
	return best, bestD >= 0 && bestD <= limit
}

// swapDistance is the edit distance between a and b (bytes) where
// swapping two adjacent letters is one edit (optimal string alignment).
func swapDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
