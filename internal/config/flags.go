package config

import (
	"fmt"
	"strings"
)

// parseArgs reads command-line flags into values by input name. A flag is
// --name value or --name=value (one dash works too; hyphens in the name read
// as underscores). A boolean input's value may be left out (--debug means
// --debug=true) unless the next argument is true or false. A later flag wins
// over an earlier one. -h or --help gives ErrHelp.
//
// Errors name the flag but never show a value or a stray argument: either
// may be the API key.
func parseArgs(args []string) (map[string]string, error) {
	values := map[string]string{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			if i+1 < len(args) {
				return nil, fmt.Errorf("unexpected argument %d after --: inputs are given as --name value; see oz-run --help", i+2)
			}
			break
		}
		name, ok := strings.CutPrefix(arg, "-")
		if !ok || name == "" {
			return nil, fmt.Errorf("unexpected argument %d: inputs are given as --name value; see oz-run --help", i+1)
		}
		name = strings.TrimPrefix(name, "-")
		name, value, hasValue := strings.Cut(name, "=")
		if name == "h" || name == "help" {
			return nil, ErrHelp
		}
		in := lookup(name)
		if in == nil {
			return nil, fmt.Errorf("unknown flag %q: see oz-run --help for the inputs", "--"+name)
		}
		if !hasValue {
			next := ""
			if i+1 < len(args) {
				next = strings.TrimSpace(args[i+1])
			}
			switch {
			case in.arg == boolArg && !strings.EqualFold(next, "true") && !strings.EqualFold(next, "false"):
				value = "true"
			case i+1 < len(args):
				i++
				value = args[i]
			default:
				return nil, fmt.Errorf("flag %q needs a value (%s): see oz-run --help", "--"+name, in.arg)
			}
		}
		values[in.name] = value
	}
	return values, nil
}
