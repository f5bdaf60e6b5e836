package config

import (
	"fmt"
	"strings"
)

// Command-line flags: --name value and --name=value, by input name.

// parseArgs reads command-line flags into values by input name. A flag is
// --name value or --name=value (one dash works too; hyphens in the name read
// as underscores). A boolean input's value may be left out (--debug means
// --debug=true) unless the next argument is true or false, or a word
// meant as one (yes, no, on, off: refused like INPUT_<NAME>=yes). A later flag wins
// over an earlier one; a flag given an empty value is in the map with "".
// -h or --help gives ErrHelp.
//
// Errors name the flag as it was written (-p stays -p) and never show a
// flag's value. A stray argument is named by its position, and shown only
// where it cannot be the API key: when it follows the value of a flag that
// is not secret (`--prompt fix the tests`: the value needed quotes).
func parseArgs(args []string) (map[string]string, error) {
	values := map[string]string{}
	// afterValue is the input whose value the previous argument was, when
	// that value stood apart (--prompt fix): a stray word after it is most
	// likely the rest of that value.
	var afterValue *input
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			if i+1 < len(args) {
				return nil, fmt.Errorf("unexpected argument %d after --: inputs are given as --name value; see oz-run --help", i+2)
			}
			break
		}
		rest, ok := strings.CutPrefix(arg, "-")
		if !ok || rest == "" {
			return nil, strayArgument(i+1, arg, afterValue)
		}
		afterValue = nil
		dashes := "-"
		if r, ok := strings.CutPrefix(rest, "-"); ok {
			rest, dashes = r, "--"
		}
		name, value, hasValue := strings.Cut(rest, "=")
		if name == "h" || name == "help" {
			return nil, ErrHelp
		}
		in := lookup(name)
		if in == nil {
			return nil, unknownFlag(dashes, name)
		}
		if !hasValue {
			next := ""
			if i+1 < len(args) {
				next = strings.TrimSpace(args[i+1])
			}
			switch {
			case in.arg == boolArg && !boolish(next):
				value = "true"
			case i+1 < len(args):
				i++
				value = args[i]
				if !isSecret(in) {
					afterValue = in
				}
			default:
				return nil, fmt.Errorf("flag %q needs a value (%s): see oz-run --help", dashes+name, in.arg)
			}
		}
		values[in.name] = value
	}
	return values, nil
}

// boolish reports whether the argument after a boolean flag is meant as
// its value: true or false, or a word that reads as one (yes, no, on,
// off, 1, 0), which is then refused as INPUT_<NAME> would be.
func boolish(next string) bool {
	switch strings.ToLower(next) {
	case "true", "false", "yes", "no", "y", "n", "on", "off", "1", "0", "t", "f":
		return true
	}
	return false
}

// unknownFlag is the error of a flag that names no input, with the closest
// input when there is one near enough.
func unknownFlag(dashes, name string) error {
	if !looksLikeName(name) {
		return fmt.Errorf("unknown flag (a name that is not a word): see oz-run --help for the inputs")
	}
	if best, ok := closestInput(name); ok {
		return fmt.Errorf("unknown flag %q: did you mean --%s? see oz-run --help for the inputs", dashes+name, best)
	}
	return fmt.Errorf("unknown flag %q: see oz-run --help for the inputs", dashes+name)
}

// maxShownArg is the longest stray argument an error shows.
const maxShownArg = 40

// strayArgument is the error of an argument that is neither a flag nor a
// flag's value, at 1-based position n. It shows the argument only after a
// value that stood apart from a flag that is not secret, and only when it
// is short and not shaped like a key: anywhere else (after a flag that
// takes no value, first, after --) it might be the key put in the wrong
// place.
func strayArgument(n int, arg string, afterValue *input) error {
	shown := afterValue != nil && arg != "" && len(arg) <= maxShownArg &&
		!strings.Contains(strings.ToLower(arg), "wk-") && !strings.ContainsFunc(arg, isUnseen)
	if !shown {
		return fmt.Errorf("unexpected argument %d: it is not a flag or a flag's value; inputs are given as --name value (see oz-run --help)", n)
	}
	return fmt.Errorf("unexpected argument %d (%q) after the value of --%s: a value with spaces needs quotes (--%s \"...\"); see oz-run --help",
		n, arg, afterValue.name, afterValue.name)
}
