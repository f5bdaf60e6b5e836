package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/oz"
)

// The inputs of the agent's work: continuing a conversation, following
// up on a run, downloading its files, sharing its session, and how long
// its sandbox stays up.

// setConversationID takes a conversation id as the API gives it (the
// conversation_id output of an earlier step).
func setConversationID(_ *loader, c *Config, v string) []*InputError {
	if v == "" {
		return nil
	}
	if problem := idProblem(v); problem != "" {
		return one(&InputError{Value: v, Problem: problem, Accepted: "give a conversation id as Oz shows it (the conversation_id output of an earlier step)"})
	}
	c.ConversationID = v
	return nil
}

// showFollowup shows a follow-up's first line, cut, and its length.
func showFollowup(c *Config, v string) string {
	return showText(c.Followup)
}

// setFilesDir takes the directory downloads go into. In CI it stays inside
// the workspace; it may not be the workspace itself, where the agent's
// files would mix with the checkout, nor .git or a directory inside it,
// where a file would be git's own (a hook runs), however the path is
// spelled: absolute, with .., through a symbolic link. On a terminal the
// current directory stands for the workspace.
func setFilesDir(l *loader, c *Config, v string) []*InputError {
	if v == "" {
		return nil
	}
	accepted := "give a directory of its own for the files, such as oz-files"
	if l.files.Confined() {
		accepted += " (relative to the workspace, without .. leading out of it; not the workspace itself, nor .git or a directory inside it)"
	} else {
		accepted += " (relative to the current directory, or absolute; not the current directory itself or one holding it, nor .git or a directory inside it)"
	}
	abs, err := l.files.Abs(v)
	if err != nil || filepath.Clean(v) == "." || strings.ContainsFunc(v, unicode.IsControl) {
		problem := "is not a directory path"
		if l.files.Confined() {
			problem += " inside the workspace (" + l.files.Dir() + ")"
		}
		return one(&InputError{Value: v, Problem: problem, Accepted: accepted})
	}
	if err := l.files.CheckOwnDir(v); err != nil {
		return one(&InputError{Value: v, Problem: fmt.Sprintf("is not a directory of its own (%s: %s)", abs, reason(err)), Accepted: accepted})
	}
	c.FilesDir = v
	return nil
}

// setShare takes viewer or editor, in any case.
func setShare(_ *loader, c *Config, v string) []*InputError {
	switch strings.ToLower(v) {
	case "":
	case "viewer":
		c.Share = "VIEWER"
	case "editor":
		c.Share = "EDITOR"
	default:
		return one(&InputError{Value: v, Problem: "is not a sharing level",
			Accepted: "use viewer (anyone with the session link may watch) or editor (may also act), or leave it unset (the team only)"})
	}
	return nil
}

// The bounds of idle_timeout (config.idle_timeout_minutes).
const (
	MinIdleTimeout = time.Minute
	MaxIdleTimeout = 60 * time.Minute
)

// setIdleTimeout takes a duration of whole minutes from 1m to 60m; a bare
// number is minutes.
func setIdleTimeout(_ *loader, c *Config, v string) []*InputError {
	if v == "" {
		return nil
	}
	const accepted = "give whole minutes from 1 to 60, such as 15 or 15m (or 1h)"
	d, err := parseDuration(v, time.Minute)
	switch {
	case err != nil:
		err.Accepted = accepted
		return one(err)
	case d < MinIdleTimeout || d > MaxIdleTimeout:
		return one(&InputError{Value: v, Problem: "is not between 1m and 60m", Accepted: accepted})
	case d%time.Minute != 0:
		return one(&InputError{Value: v, Problem: "is not a whole number of minutes", Accepted: accepted})
	}
	c.IdleTimeout = d
	return nil
}

// checkWork is the validation of the work inputs that spans inputs.
func (l *loader) checkWork(c *Config) []*InputError {
	var errs []*InputError
	if c.ConversationID != "" && c.RunID != "" {
		errs = append(errs, &InputError{Input: "conversation_id", Value: c.ConversationID,
			Problem:  "is given together with run_id",
			Accepted: "give conversation_id to start a new run that continues a conversation, or run_id to attach to an existing run (and followup to send it a message), not both"})
	}
	if l.values["followup"] != "" && l.values["run_id"] == "" {
		errs = append(errs, &InputError{Input: "followup", Value: shortLine(c.Followup),
			Problem:  "needs run_id",
			Accepted: "give run_id, the run to send the follow-up to (the run_id output of an earlier step); to start a new run in an earlier run's conversation, give conversation_id and prompt"})
	}
	if c.APIKey != "" && strings.Contains(c.Followup, c.APIKey) {
		errs = append(errs, &InputError{Input: "followup",
			Problem:  "contains the API key",
			Accepted: "a message without the key: oz-run never sends the key to the agent"})
	}
	return errs
}

// idProblem says what is wrong with an id given as an input (it goes into
// a URL path or a request), or "".
func idProblem(v string) string {
	switch {
	case len(v) > oz.MaxRunIDLen:
		return fmt.Sprintf("is longer than %d bytes", oz.MaxRunIDLen)
	case strings.ContainsFunc(v, isBlank):
		return "contains whitespace or control characters"
	case strings.Contains(v, "/"):
		return `contains "/"`
	case !utf8.ValidString(v):
		return "is not UTF-8 text"
	}
	return ""
}
