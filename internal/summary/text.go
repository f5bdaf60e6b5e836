package summary

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/runner"
	"github.com/oz-run/oz-run-action/internal/textclean"
	"github.com/oz-run/oz-run-action/internal/weburl"
)

// Text writes the summary for r as plain text, for a terminal: the same
// outcome, table, status message, links and timeline as Render, from the
// same Result, with the same size cap (Options.MaxBytes), but without
// Markdown. Text from the API is cleaned as for Render (no control or
// bidi characters, valid UTF-8) and shown as it is, without escapes; a URL
// is shown only when it is an http(s) URL without user info, and with
// bytes that could confuse a terminal percent-encoded.
func Text(r runner.Result, opts Options) string {
	var b strings.Builder
	b.Grow(2048)
	title := "Oz run"
	if !isBlank(opts.Title) {
		title = plainInline(cut(opts.Title, maxTitle))
	}
	icon, words := outcome(r, func(s string) string { return plainInline(cut(s, maxWord)) })
	b.WriteString(icon + " " + title + words + "\n")
	b.WriteString(verdict(r, opts, plainText) + "\n")
	for _, note := range notes(r, plainText) {
		b.WriteString(note + "\n")
	}
	b.WriteString("\n")
	writeTextTable(&b, r)
	writeTextStatus(&b, r.Run)
	writeTextProblems(&b, r)
	writeTextLists(&b, r.Run)
	writeTextAnswer(&b, r.Work.Answer)
	writeTextWork(&b, r.Work)
	writeTextTimeline(&b, r)
	if id := runID(r); !isBlank(id) {
		if u, ok := plainURL(runURL(id)); ok {
			b.WriteString("The full run (conversation, logs, artifacts): " + u + "\n")
		}
	}
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return capSize(b.String(), maxBytes)
}

// plainText is the format of the plain-text summary: words as they are.
var plainText = format{
	lit:    func(s string) string { return s },
	word:   func(s string) string { return plainInline(cut(s, maxID)) },
	strong: func(s string) string { return s },
}

// plainInline is s cleaned, on one line, trimmed.
func plainInline(s string) string {
	return strings.Join(strings.Fields(textclean.Lines(s)), " ")
}

// plainURL is target for a terminal, and false when it is not a URL that
// safeURL would link (weburl.ShellSafe, at most maxLinkURL bytes): its bytes
// are all inert, others percent-encoded.
func plainURL(target string) (string, bool) {
	u, ok := weburl.ShellSafe(target)
	if !ok || len(u) > maxLinkURL {
		return "", false
	}
	return u, true
}

// textLink is text followed by its URL when the URL is safe; a URL that
// stands for itself (text blank or the URL) is shown only when it is safe,
// since a terminal may make a link of it.
func textLink(text, target string) string {
	text = plainInline(cut(text, maxLinkText))
	u, ok := plainURL(target)
	switch {
	case text == "" || text == plainInline(cut(target, maxLinkText)):
		if !ok {
			if isBlank(target) {
				return ""
			}
			return "(a link that is not a plain http(s) URL, not shown)"
		}
		return u
	case !ok:
		return text
	}
	return text + " (" + u + ")"
}

// writeTextBlock writes s as lines indented by two spaces.
func writeTextBlock(b *strings.Builder, s string) { writeIndented(b, s, "  ") }

// writeIndented writes s, cleaned, as lines that start with indent.
func writeIndented(b *strings.Builder, s, indent string) {
	for _, line := range strings.Split(strings.Trim(textclean.Lines(s), "\n"), "\n") {
		b.WriteString(strings.TrimRight(indent+line, " ") + "\n")
	}
}

func writeTextTable(b *strings.Builder, r runner.Result) {
	row := func(name, value string) { fmt.Fprintf(b, "%-10s %s\n", name+":", value) }
	if id := runID(r); !isBlank(id) {
		row("Run", textLink(cut(id, maxID), runURL(id)))
	} else {
		row("Run", "— (no run was created)")
	}
	if s := state(r); s != "" {
		row("State", plainInline(cut(string(s), maxWord)))
	} else {
		row("State", "—")
	}
	row("Duration", plainDuration(r))
	credits := "—"
	if r.Run != nil {
		if c, ok := r.Run.RequestUsage.Credits(); ok {
			credits = fmt.Sprintf("%.2f", c)
		}
	}
	row("Credits", credits)
	if c := costUSD(r); c != "" {
		row("Cost", c)
	}
	if n := tokens(r); n != "" {
		row("Tokens", n)
	}
	if u, ok := plainURL(r.Run.SessionURL()); ok {
		row("Session", u)
	}
	if r.Run != nil && !isBlank(r.Run.Title) {
		row("Title", plainInline(cut(r.Run.Title, maxTitle)))
	}
	if r.AtCapacity {
		row("Capacity", "The team was at its concurrency limit: the run was queued until a slot was free.")
	}
	b.WriteString("\n")
}

// plainDuration is duration for text.
func plainDuration(r runner.Result) string {
	if r.Run != nil && !isBlank(r.Run.RunTime) {
		if d, ok := parseRunTime(r.Run.RunTime); ok {
			return human(d)
		}
		return plainInline(cut(r.Run.RunTime, maxRunTime))
	}
	if r.Started.IsZero() || r.Ended.IsZero() || r.Ended.Before(r.Started) {
		return "—"
	}
	return human(r.Ended.Sub(r.Started)) + " (waited)"
}

func writeTextStatus(b *strings.Builder, run *oz.Run) {
	if run == nil || run.StatusMessage == nil {
		return
	}
	sm := run.StatusMessage
	if isBlank(sm.Message) && isBlank(sm.ErrorCode) {
		return
	}
	b.WriteString("Status message:\n")
	if !isBlank(sm.Message) {
		msg, note := cutNoting(sm.Message, summaryLimits.status, "; the status_message output holds more")
		writeTextBlock(b, msg)
		if note != "" {
			b.WriteString("  " + strings.Trim(note, "*") + "\n")
		}
	}
	if !isBlank(sm.ErrorCode) {
		ec := plainInline(cut(sm.ErrorCode, maxWord))
		line := "Error code: " + ec
		if hint, ok := hints[strings.TrimSpace(sm.ErrorCode)]; ok {
			// The hints are our own text; their code spans are input names.
			line += ": " + strings.ReplaceAll(hint, "`", "")
		}
		b.WriteString("  " + line + "\n")
	}
	if sm.Retryable != nil {
		if *sm.Retryable {
			b.WriteString("  A new run may succeed.\n")
		} else {
			b.WriteString("  A new run as it is would not succeed.\n")
		}
	}
	b.WriteString("\n")
}

func writeTextProblems(b *strings.Builder, r runner.Result) {
	if r.Err == nil && r.CancelErr == nil {
		return
	}
	b.WriteString("What went wrong:\n")
	if r.Err != nil {
		writeTextBlock(b, errText(r.Err))
	}
	if r.CancelErr != nil {
		b.WriteString("  The remote run may still be going: cancelling it failed:\n")
		writeIndented(b, errText(r.CancelErr), "    ")
		b.WriteString("  Check it on its run page and cancel it there if needed.\n")
	}
	b.WriteString("\n")
}

// writeTextLists writes the pull requests and the other artifacts.
func writeTextLists(b *strings.Builder, run *oz.Run) {
	if run == nil {
		return
	}
	prs, others := list{heading: "Pull requests", lim: summaryLimits}, list{heading: "Artifacts", lim: summaryLimits}
	for _, a := range run.Artifacts {
		if u, branch, ok := a.PullRequest(); ok {
			if !prs.room() {
				prs.more++
				continue
			}
			item := textLink(u, u)
			if !isBlank(branch) {
				item += " (branch " + plainInline(cut(branch, maxName)) + ")"
			}
			prs.add("  - " + item)
			continue
		}
		if !others.room() {
			others.more++
			continue
		}
		others.add("  - " + textArtifact(a))
	}
	writeTextList(b, &prs)
	writeTextList(b, &others)
}

// textArtifact is one artifact that is not a pull request, as
// writeArtifacts words it.
func textArtifact(a oz.Artifact) string {
	var d artifactData
	_ = json.Unmarshal(a.Data, &d) // shown as far as it reads
	detail := func(text, target string) string {
		if s := textLink(text, target); s != "" {
			return ": " + s
		}
		return ""
	}
	switch a.Type {
	case oz.ArtifactPullRequest:
		return "Pull request (no URL)"
	case oz.ArtifactPlan:
		return "Plan" + detail(d.Title, d.URL)
	case oz.ArtifactScreenshot:
		return "Screenshot" + detail(cut(d.Description, maxName), "")
	case oz.ArtifactFile:
		name := d.Filename
		if isBlank(name) {
			name = d.Title
		}
		return "File" + detail(cut(name, maxName), "")
	case oz.ArtifactExternalReference:
		item := "Reference"
		if !isBlank(d.ReferenceType) {
			item += " (" + plainInline(cut(d.ReferenceType, maxWord)) + ")"
		}
		return item + detail(d.Title, d.URL)
	case "":
		return "Artifact of no type"
	}
	return plainInline(cut(a.Type, maxWord))
}

// writeTextList writes l's items under its heading, and how many more
// there are.
func writeTextList(b *strings.Builder, l *list) {
	if l.n == 0 && l.more == 0 {
		return
	}
	b.WriteString(l.heading + ":\n" + l.items.String())
	if l.more > 0 {
		fmt.Fprintf(b, "  - … and %d more\n", l.more)
	}
	b.WriteString("\n")
}

// writeTextAnswer writes the agent's answer as it wrote it, cleaned.
func writeTextAnswer(b *strings.Builder, answer string) {
	if isBlank(answer) {
		return
	}
	b.WriteString("The agent's answer:\n")
	writeTextBlock(b, answer)
	b.WriteString("\n")
}

func writeTextTimeline(b *strings.Builder, r runner.Result) {
	if len(r.Timeline) == 0 {
		return
	}
	b.WriteString("Timeline (UTC):\n")
	for i, t := range r.Timeline {
		if skipped := len(r.Timeline) - maxTimeline; skipped > 0 && i >= maxTimeline-timelineTail && i < len(r.Timeline)-timelineTail {
			if i == maxTimeline-timelineTail {
				fmt.Fprintf(b, "  …        %d more changes\n", skipped)
			}
			continue
		}
		since, clock := "—", "—"
		if !t.At.IsZero() {
			clock = t.At.UTC().Round(time.Second).Format(time.TimeOnly)
			if !r.Started.IsZero() {
				since = elapsed(t.At.Sub(r.Started))
			}
		}
		s := "—"
		if t.State != "" {
			s = plainInline(cut(string(t.State), maxWord))
		}
		fmt.Fprintf(b, "  %-8s %s  %s\n", since, clock, s)
	}
	b.WriteString("\n")
}
