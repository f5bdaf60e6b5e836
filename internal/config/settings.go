package config

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/oz-run/oz-run-action/internal/outcome"
)

// The effective settings as the log shows them, secrets never among them.

// Setting is one input's effective value, as the log shows it.
type Setting struct {
	Name  string
	Value string // "" when the input is unset
	// OffGitHub marks a file that only GitLab and other CIs (and a
	// terminal, when asked) write: the dotenv, summary, JUnit and answer
	// files. A GitHub step writes none of them.
	OffGitHub bool
}

// isSecret reports whether an input's value is never shown: the key, and
// any input named *_key or *_token (so that a token input added later is
// hidden without a second thought).
func isSecret(in *input) bool {
	return in.secret || strings.HasSuffix(in.name, "_key") || strings.HasSuffix(in.name, "_token")
}

// Settings lists every input with its effective value, in the table's
// order, for the log in debug mode. Secrets show only whether they are
// set; the MCP servers only their names (their settings often hold
// tokens); a long value its start and length. Values are on one line.
func (c *Config) Settings() []Setting {
	out := make([]Setting, 0, len(inputs))
	for i := range inputs {
		in := &inputs[i]
		v := c.values[in.name]
		switch {
		case v == "":
		case isSecret(in):
			v = "(set, not shown)"
		case in.show != nil:
			v = in.show(c, v)
		case in.unit != 0:
			if d, err := parseDuration(v, in.unit); err == nil {
				v = outcome.FormatDuration(d)
			}
		default:
			v = shortLine(v)
		}
		out = append(out, Setting{Name: in.name, Value: v, OffGitHub: in.gitlab})
	}
	return out
}

// Brief is the settings that shape a run, on one line, for the log of
// every run: what is run where, with which model and mode, how long it is
// waited for, what fails the step, how often the run is read, and the API
// host. No secret and no MCP setting is in it.
func (c *Config) Brief() string {
	var parts []string
	or := func(v, unset string) string {
		if v == "" {
			return unset
		}
		return shortLine(v)
	}
	switch {
	case c.RunID != "" && c.Followup != "":
		parts = append(parts, "send a follow-up to run "+shortLine(c.RunID))
	case c.RunID != "":
		parts = append(parts, "attach to run "+shortLine(c.RunID))
	default:
		if c.ConversationID != "" {
			parts = append(parts, "continue conversation "+shortLine(c.ConversationID))
		}
		parts = append(parts,
			"environment "+or(c.Environment, "(none)"),
			"model "+or(c.Model, "(server default)"),
			"agent_mode "+c.AgentMode)
	}
	wait := "wait: false"
	if c.Wait {
		wait = "timeout " + outcome.FormatDuration(c.Timeout) + " (then " + string(c.OnTimeout) + ")"
	}
	failOn := make([]string, 0, len(c.FailOn))
	for _, k := range outcome.Conclusions {
		if c.FailOn.Fails(k) {
			failOn = append(failOn, string(k))
		}
	}
	if len(failOn) == 0 {
		failOn = append(failOn, failOnNone)
	}
	if c.FilesDir != "" {
		parts = append(parts, "files into "+shortLine(c.FilesDir))
	}
	parts = append(parts, wait,
		"fail_on "+strings.Join(failOn, ","),
		"polls every "+outcome.FormatDuration(c.PollInterval)+" growing to "+outcome.FormatDuration(c.PollMaxInterval),
		"API "+apiHost(c.APIURL))
	return strings.Join(parts, ", ")
}

// apiHost is the API URL's host, and its path when it is not Warp's usual
// one.
func apiHost(apiURL string) string {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		return shortLine(apiURL)
	}
	if u.Path == "/api/v1" || u.Path == "" {
		return u.Host
	}
	return shortLine(u.Host + u.Path)
}

// showPrompt shows a prompt's first line, cut, and its length.
func showPrompt(c *Config, v string) string { return showText(c.Prompt) }

// showText shows a text's first line, cut, and its length when that is
// not all of it.
func showText(text string) string {
	first, _, more := strings.Cut(text, "\n")
	if s := shortLine(first); more || s != first {
		return fmt.Sprintf("%s (%d characters)", s, len([]rune(text)))
	}
	return first
}

// showMCP shows the MCP servers' names only.
func showMCP(c *Config, v string) string {
	names := slices.Sorted(maps.Keys(c.MCP))
	for i, n := range names {
		names[i] = shortLine(n)
	}
	return fmt.Sprintf("%d server(s): %s (settings not shown)", len(names), strings.Join(names, ", "))
}

// shortLine is v on one line without control characters, cut to
// maxShown bytes.
func shortLine(v string) string {
	v = strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }), " ")
	v = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, v)
	return shorten(v)
}
