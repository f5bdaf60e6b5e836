package config

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/weburl"
)

// The setters of the inputs that are plain values: text, booleans,
// durations and words from a list.

// one wraps a single error (or none) for a setter.
func one(e *InputError) []*InputError {
	if e == nil {
		return nil
	}
	return []*InputError{e}
}

// text sets a string input as given.
func text(field func(*Config) *string) setter {
	return func(_ *loader, c *Config, v string) []*InputError {
		*field(c) = v
		return nil
	}
}

// setSkill takes a skill spec: [owner/]repo:skill-name or
// [owner/]repo:path/to/SKILL.md, as Warp's CLI accepts it.
func setSkill(_ *loader, c *Config, v string) []*InputError {
	if v == "" {
		return nil
	}
	if !strings.ContainsAny(v, ":/") && !strings.ContainsFunc(v, unicode.IsSpace) {
		return one(&InputError{Value: v, Problem: "is a bare skill name: a cloud run needs the repository that holds the skill",
			Accepted: "use owner/repo:" + shorten(v) + " (or owner/repo:path/to/SKILL.md)"})
	}
	repo, skill, ok := strings.Cut(v, ":")
	owner, name, hasOwner := strings.Cut(repo, "/")
	if !ok || skill == "" || repo == "" || strings.ContainsFunc(v, unicode.IsSpace) ||
		(hasOwner && (owner == "" || name == "" || strings.Contains(name, "/"))) {
		return one(&InputError{Value: v, Problem: "is not a skill spec",
			Accepted: "use owner/repo:skill-name, owner/repo:path/to/SKILL.md, or repo:skill-name"})
	}
	c.Skill = v
	return nil
}

const boolAccepted = "use true or false"

func parseBool(v string) (bool, *InputError) {
	switch {
	case strings.EqualFold(v, "true"):
		return true, nil
	case strings.EqualFold(v, "false"):
		return false, nil
	}
	return false, &InputError{Value: v, Problem: "is not a boolean", Accepted: boolAccepted}
}

// boolean sets a true/false input.
func boolean(field func(*Config) *bool) setter {
	return func(_ *loader, c *Config, v string) []*InputError {
		b, err := parseBool(v)
		*field(c) = b
		return one(err)
	}
}

func setComputerUse(_ *loader, c *Config, v string) []*InputError {
	if v == "" {
		return nil
	}
	b, err := parseBool(v)
	if err != nil {
		err.Accepted = "use true or false, or leave it unset for the server's default"
		return one(err)
	}
	c.ComputerUse = &b
	return nil
}

// durationAccepted says what a duration input takes; a bare number counts
// unit (minutes or seconds).
func durationAccepted(unit time.Duration) string {
	if unit == time.Second {
		return "use Go syntax such as 500ms, 2s, 1m, or a whole number of seconds"
	}
	return "use Go syntax such as 90s, 30m, 1h30m, or a whole number of minutes"
}

// parseDuration reads a Go duration or a whole number of units; it must be
// more than zero.
func parseDuration(v string, unit time.Duration) (time.Duration, *InputError) {
	bad := func(problem string) (time.Duration, *InputError) {
		return 0, &InputError{Value: v, Problem: problem, Accepted: durationAccepted(unit)}
	}
	var d time.Duration
	if v != "" && strings.Trim(v, "0123456789") == "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > math.MaxInt64/int64(unit) {
			return bad("is too long")
		}
		d = time.Duration(n) * unit
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return bad("is not a duration")
		}
	}
	if d <= 0 {
		return bad("is not more than zero")
	}
	return d, nil
}

// duration sets a duration input whose bare numbers count unit.
func duration(unit time.Duration, field func(*Config) *time.Duration) setter {
	return func(_ *loader, c *Config, v string) []*InputError {
		d, err := parseDuration(v, unit)
		*field(c) = d
		return one(err)
	}
}

func setAgentMode(_ *loader, c *Config, v string) []*InputError {
	switch mode := strings.ToLower(v); mode {
	case "normal", "plan", "orchestrate":
		c.AgentMode = mode
		return nil
	}
	return one(&InputError{Value: v, Problem: "is not an agent mode", Accepted: "use normal, plan or orchestrate"})
}

func setOnTimeout(_ *loader, c *Config, v string) []*InputError {
	switch o := OnTimeout(strings.ToLower(v)); o {
	case OnTimeoutCancel, OnTimeoutLeave:
		c.OnTimeout = o
		return nil
	}
	return one(&InputError{Value: v, Problem: "is not a timeout policy", Accepted: "use cancel (cancel the remote run) or leave (leave it running)"})
}

// isBlank reports whether r is whitespace or a control character: neither
// belongs in a key, an id or a header.
func isBlank(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

// isUnseen reports whether r is whitespace or not a visible character
// (control, or format such as a zero-width space): none is part of a key or
// a team uid, both sent as headers.
func isUnseen(r rune) bool { return unicode.IsSpace(r) || !unicode.IsGraphic(r) }

// MinAPIKeyLen is the length under which a key gets a warning. Warp's keys
// are much longer (wk-1. and 64 hex digits): a shorter one is a stand-in
// (as for the fake API) or a secret cut short, which the API will refuse.
// It is not refused here: the contract refuses only whitespace inside, and
// the redactor masks a key of any length as it is (its encoded and
// transformed forms from 8 and 16 characters, so that a short key does
// not mask ordinary words).
const MinAPIKeyLen = 16

func setAPIKey(l *loader, c *Config, v string) []*InputError {
	// Never show the value: it is the key.
	switch {
	case strings.ContainsFunc(v, isUnseen):
		return one(&InputError{Problem: keyProblem, Accepted: keyAccepted})
	case v != "" && len(v) < MinAPIKeyLen:
		l.warnings = append(l.warnings, fmt.Sprintf(keyShortWarning, len(v)))
	}
	c.APIKey = v
	return nil
}

// The API key's own errors, apart so that tests can tell them from a leak.
const (
	keyProblem      = "contains whitespace or control characters"
	keyAccepted     = "give the key alone, on one line (check the secret for a pasted space or line break)"
	keyShortWarning = `input "warp_api_key" is %d characters, shorter than an Oz API key (wk-1. and 64 more): the API will refuse it unless it is a stand-in for a fake API; check that the secret holds the whole key`
)

func setTeamUID(_ *loader, c *Config, v string) []*InputError {
	if strings.ContainsFunc(v, isUnseen) {
		return one(&InputError{Value: v, Problem: "contains whitespace or control characters", Accepted: "give the team's uid alone (it is sent as a header)"})
	}
	c.TeamUID = v
	return nil
}

// setRunID accepts what the client accepts as a run id from the API
// (oz.CheckRunID: one rule for the input and the answers), worded as for
// any id input.
func setRunID(_ *loader, c *Config, v string) []*InputError {
	if v == "" || oz.CheckRunID(v) == nil {
		c.RunID = v
		return nil
	}
	problem := idProblem(v)
	switch {
	case problem != "":
	case strings.ContainsFunc(v, func(r rune) bool { return unicode.Is(unicode.Cf, r) }):
		problem = "contains invisible format characters (such as bidi controls)"
	default:
		problem = `is "." or ".."`
	}
	return one(&InputError{Value: v, Problem: problem, Accepted: "give a run id as Oz shows it (the run_id output of an earlier step)"})
}

func setAPIURL(_ *loader, c *Config, v string) []*InputError {
	const accepted = "give an absolute https URL such as https://app.warp.dev/api/v1"
	// The value may hold the key (pasted into the wrong input, or as the
	// URL's user name, password, query or fragment): it is shown only as
	// scheme://host/path, and not at all when it is not an http(s) URL.
	u, err := url.Parse(v)
	if err != nil {
		return one(&InputError{Problem: "is not a valid URL (not shown: it may hold a secret)", Accepted: accepted})
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return one(&InputError{Problem: "is not an absolute http(s) URL (not shown: it may hold a secret)", Accepted: accepted})
	}
	shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	if u.User != nil {
		return one(&InputError{Value: shown, Problem: "holds a user name or password (not shown)",
			Accepted: accepted + ", without user info (the key goes in warp_api_key)"})
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.RawFragment != "" {
		return one(&InputError{Value: shown, Problem: "has a query or fragment (not shown)", Accepted: accepted + ", without ? or #"})
	}
	if strings.EqualFold(u.Scheme, "http") && !weburl.IsLoopbackHost(u.Hostname()) {
		return one(&InputError{Value: shown, Problem: "is plain http to a host that is not loopback: the key would cross the network unencrypted",
			Accepted: "use https (http is accepted only for a loopback host: 127.0.0.1, ::1 or localhost, as for oz-run fake-server on this machine)"})
	}
	c.APIURL = strings.TrimRight(v, "/")
	return nil
}

// isWarpHost reports whether the API URL is Warp's own service (warp.dev
// or a host under it), however its host is spelled: any case, with a port,
// with a final dot.
func isWarpHost(apiURL string) bool {
	u, err := url.Parse(apiURL)
	if err != nil {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	return host == "warp.dev" || strings.HasSuffix(host, ".warp.dev")
}

func setPromptFile(l *loader, c *Config, v string) []*InputError {
	if v == "" {
		return nil
	}
	c.PromptFile = v
	if l.values["prompt"] != "" {
		return one(&InputError{Value: v, Problem: "is given together with prompt", Accepted: "give either prompt or prompt_file"})
	}
	data, err := l.read(v)
	if err != nil {
		return one(err)
	}
	prompt := strings.TrimSpace(string(data))
	switch {
	case prompt == "":
		return one(&InputError{Value: v, Problem: "names an empty file", Accepted: "give a file holding the prompt"})
	case !utf8.ValidString(prompt):
		return one(&InputError{Value: v, Problem: "names a file that is not UTF-8 text", Accepted: "give a text file holding the prompt"})
	}
	c.Prompt = prompt
	return nil
}
