package ci

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/sethvargo/go-githubactions"
)

// The GitHub Actions platform: workflow commands (escaped, masked),
// annotations, log groups, the job summary and the outputs.

// maxSummary is what GitHub accepts in one step's summary (1 MiB), less the
// final newline.
const maxSummary = 1<<20 - 1

type github struct {
	o    Options
	act  *githubactions.Action
	out  io.Writer
	rand io.Reader
	sec  secrets

	mu      sync.Mutex // serialises writes to out
	inGroup bool       // GitHub groups do not nest
}

// newGitHub is the GitHub Actions platform. Masks, annotations, groups and
// debug lines are workflow commands on Stdout (go-githubactions); outputs and
// the summary are appended to $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY by our
// own writer (a random delimiter per value).
//
// Log text never starts a workflow command: a line that would start one
// (`::` after optional white space) gets a backslash before its `::`, and
// the legacy `##[` (which the runner accepts anywhere in a line) is written
// `##\[`. Lone CRs end lines, control characters are dropped, and masked
// secrets are replaced by `***`.
func newGitHub(o Options) Platform {
	o = o.withDefaults()
	out := quietWriter{o.Stdout}
	return &github{
		o:    o,
		out:  out,
		rand: defaultRand,
		act:  githubactions.New(githubactions.WithGetenv(o.Getenv), githubactions.WithWriter(out)),
	}
}

func (g *github) Name() string { return "github" }

// Mask registers each line of the secret with ::add-mask:: (the runner masks
// line by line) and redacts it from our own output.
func (g *github) Mask(secrets ...string) {
	g.sec.add(secrets...)
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, secret := range secrets {
		s := strings.ReplaceAll(secret, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
		for _, l := range strings.Split(s, "\n") {
			if strings.TrimSpace(l) != "" {
				g.act.AddMask(l)
			}
		}
	}
}

func (g *github) Logf(format string, args ...any) {
	g.print(fmt.Sprintf(format, args...))
}

// print writes untrusted text as plain log lines that cannot be commands.
func (g *github) print(text string) {
	text = capLines(g.sec.redact(clean(text)))
	var b strings.Builder
	for _, l := range lines(text) {
		b.WriteString(neutralize(l))
		b.WriteByte('\n')
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	_, _ = io.WriteString(g.out, b.String())
}

// neutralize keeps a log line from being read as a workflow command.
func neutralize(line string) string {
	rest := strings.TrimLeftFunc(line, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u180e' || r == '\u200b' || r == '\ufeff'
	})
	if strings.HasPrefix(rest, "::") {
		i := len(line) - len(rest)
		line = line[:i] + `\` + line[i:]
	}
	return noLegacy(line)
}

// noLegacy defuses the legacy `##[command]` syntax, which the runner reads
// anywhere in a line, also inside a `::` command's message.
func noLegacy(s string) string { return strings.ReplaceAll(s, "##[", `##\[`) }

// Debugf prints a plain line in debug mode; otherwise a ::debug:: command,
// which the runner shows only when step debug logging is on.
func (g *github) Debugf(format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	if g.o.Debug {
		g.print("[debug] " + text)
		return
	}
	text = noLegacy(truncate(g.sec.redact(clean(text)), maxLogLine))
	g.mu.Lock()
	defer g.mu.Unlock()
	g.act.Debugf("%s", text)
}

func (g *github) Notice(title, message string)  { g.annotate("notice", title, message) }
func (g *github) Warning(title, message string) { g.annotate("warning", title, message) }
func (g *github) Error(title, message string)   { g.annotate("error", title, message) }

// annotate issues an annotation. go-githubactions escapes the message (%,
// CR, LF) and the title property (also : and ,): the text goes in raw.
func (g *github) annotate(kind, title, message string) {
	title = noLegacy(truncate(oneLine(g.sec.redact(clean(title))), maxTitle))
	message = noLegacy(truncate(g.sec.redact(clean(message)), maxLogLine))
	a := g.act
	if title != "" {
		a = a.WithFieldsMap(map[string]string{"title": title})
	}
	issue := a.Noticef
	switch kind {
	case "warning":
		issue = a.Warningf
	case "error":
		issue = a.Errorf
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	issue("%s", message)
}

// annotateFile issues an annotation on a file (a review's finding):
// go-githubactions escapes the message as workflow-command data (%, CR,
// LF) and each property's value (also : and ,); the text is cleaned,
// redacted and cut first, as for annotate.
func (g *github) annotateFile(an Annotation) {
	fields := map[string]string{"file": noLegacy(oneLine(g.sec.redact(clean(an.Path))))}
	if an.Line > 0 {
		fields["line"] = strconv.Itoa(an.Line)
		if an.EndLine >= an.Line {
			fields["endLine"] = strconv.Itoa(an.EndLine)
		}
	}
	if title := noLegacy(truncate(oneLine(g.sec.redact(clean(an.Title))), maxTitle)); title != "" {
		fields["title"] = title
	}
	message := noLegacy(truncate(g.sec.redact(clean(an.Message)), maxLogLine))
	a := g.act.WithFieldsMap(fields)
	issue := a.Noticef
	switch an.Level {
	case "warning":
		issue = a.Warningf
	case "error":
		issue = a.Errorf
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	issue("%s", message)
}

// Group opens a ::group::. Groups do not nest on GitHub: a group opened
// inside another is a plain line, and its end does nothing.
func (g *github) Group(title string) (end func()) {
	title = truncate(oneLine(g.sec.redact(clean(title))), maxTitle)
	g.mu.Lock()
	nested := g.inGroup
	if !nested {
		g.inGroup = true
		g.act.Group(title)
	}
	g.mu.Unlock()
	if nested {
		g.print(title)
		return func() {}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.act.EndGroup()
			g.inGroup = false
		})
	}
}

func (g *github) Metadata() map[string]string { return githubMetadata(g.o.Getenv, g.Warning) }

// Publish writes the result file, then the outputs to $GITHUB_OUTPUT (to the
// log when it is unset), then the summary to $GITHUB_STEP_SUMMARY.
func (g *github) Publish(r Report) error {
	outs, err := prepareOutputs(g.o, &g.sec, r, g.Warning)
	errs := []error{err}
	if path := g.o.Getenv("GITHUB_OUTPUT"); path == "" {
		if len(outs) > 0 {
			g.print(outputsText(outs))
		}
	} else {
		data, err := formatGitHubOutput(outs, g.rand)
		errs = append(errs, err)
		if len(data) > 0 {
			errs = append(errs, appendFile("the step outputs", "$GITHUB_OUTPUT", path, data))
		}
	}
	for _, a := range r.Annotations {
		g.annotateFile(a)
	}
	if r.Summary != "" {
		summary := summaryText(g.sec.redact(r.Summary))
		if path := g.o.Getenv("GITHUB_STEP_SUMMARY"); path == "" {
			g.print("--- summary ---\n" + summary)
		} else {
			errs = append(errs, appendFile("the job summary", "$GITHUB_STEP_SUMMARY", path, []byte(summary)))
		}
	}
	return errors.Join(errs...)
}

// summaryText caps a Markdown summary at maxSummary and ends it with a
// newline.
func summaryText(s string) string {
	s = truncate(strings.ToValidUTF8(s, "\uFFFD"), maxSummary)
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// outputsText shows outputs for a reader: `name: value`, a multi-line value
// on the following lines, indented.
func outputsText(outs []Output) string {
	var b strings.Builder
	for _, out := range outs {
		v := strings.TrimSuffix(clean(out.Value), "\n")
		switch {
		case v == "":
			fmt.Fprintf(&b, "%s:\n", out.Name)
		case !strings.Contains(v, "\n"):
			fmt.Fprintf(&b, "%s: %s\n", out.Name, v)
		default:
			fmt.Fprintf(&b, "%s:\n", out.Name)
			for _, l := range lines(v) {
				fmt.Fprintf(&b, "  %s\n", l)
			}
		}
	}
	return b.String()
}
