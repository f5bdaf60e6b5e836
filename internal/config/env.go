package config

import (
	"slices"
	"strings"
)

// The environment as Load reads it, and the INPUT_ variables that name no
// input (with the closest name).

// Env is the environment as Load reads it: each variable's value by name.
// A variable that is set but empty is in the map with "": for a few inputs
// (the report files) an empty value given on purpose turns the file off,
// while an unset one takes the default. main passes NewEnv(os.Environ()).
type Env map[string]string

// NewEnv reads "NAME=value" entries as os.Environ lists them; a later entry
// for the same name wins, and an entry without "=" is skipped.
func NewEnv(environ []string) Env {
	e := make(Env, len(environ))
	for _, kv := range environ {
		if name, value, ok := strings.Cut(kv, "="); ok && name != "" {
			e[name] = value
		}
	}
	return e
}

// Get is the variable's value, "" when it is unset.
func (e Env) Get(name string) string { return e[name] }

// lookup is the variable's value and whether it is set.
func (e Env) lookup(name string) (string, bool) {
	v, ok := e[name]
	return v, ok
}

// envPrefix starts every variable that carries an input.
const envPrefix = "INPUT_"

// unknownInputs warns, one line each in name order, about the INPUT_
// variables that name no input (typos such as INPUT_ENVIROMENT), suggesting
// the closest input. The inputs table is the only list: an input added to
// it is known here at once.
func unknownInputs(e Env) []string {
	var names []string
	for name := range e {
		if rest, ok := strings.CutPrefix(name, envPrefix); ok && lookupEnvName(name) == nil {
			names = append(names, rest)
		}
	}
	slices.Sort(names)
	var warnings []string
	for _, rest := range names {
		msg := envPrefix + shownName(rest) + ": no such input; "
		if best, ok := closestInput(rest); ok {
			msg += "did you mean " + best + "?"
		} else {
			// Read in a CI log mostly, where oz-run --help cannot be run.
			msg += "the inputs are listed at " + InputsURL
		}
		warnings = append(warnings, msg)
	}
	return warnings
}

// lookupEnvName finds the input an environment variable carries, exactly
// as envName spells it.
func lookupEnvName(name string) *input {
	for i := range inputs {
		if envName(inputs[i].name) == name {
			return &inputs[i]
		}
	}
	return nil
}

// maxShownName is the longest variable or flag name a message shows.
const maxShownName = 40

// shownName is a variable's or flag's name for a message: as it is when it
// reads like a name, else a stand-in. (A name is not a secret, but a key
// pasted in the wrong place could be read as one.)
func shownName(name string) string {
	if looksLikeName(name) {
		return name
	}
	return "<a name that is not a word>"
}

// looksLikeName reports whether s is a short word of letters, digits, '_'
// and '-', starting with a letter, and not shaped like an API key.
func looksLikeName(s string) bool {
	if s == "" || len(s) > maxShownName || !isLetter(s[0]) || strings.HasPrefix(strings.ToLower(s), "wk-") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !('0' <= c && c <= '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// closestInput is the input name nearest to name (any case, hyphens read as
// underscores), when it is near enough to be the one meant: a few edits
// away, or one name holding the other (environment_id, api_key).
func closestInput(name string) (string, bool) {
	if len(name) > maxShownName {
		return "", false
	}
	name = strings.ReplaceAll(strings.ToLower(name), "-", "_")
	best, bestD := "", -1
	for _, in := range inputs {
		d := distance(name, in.name)
		if bestD < 0 || d < bestD {
			best, bestD = in.name, d
		}
	}
	if bestD >= 0 && bestD <= max(1, min(3, len(name)/3)) {
		return best, true
	}
	// One name inside the other: the longest input that fits wins.
	best = ""
	for _, in := range inputs {
		short, long := in.name, name
		if len(short) > len(long) {
			short, long = long, short
		}
		if len(short) >= 4 && strings.Contains(long, short) && len(in.name) > len(best) {
			best = in.name
		}
	}
	return best, best != ""
}

// distance is the Levenshtein distance between a and b, in bytes (input
// names are ASCII).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
