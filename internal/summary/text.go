package summary

import (
	"fmt"
	"strings"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/textclean"
	"github.com/oz-run/oz-run-action/internal/weburl"
)

// The summary as plain text, for a terminal.

// Text writes the summary for r as plain text, for a terminal: the same
// outcome, table, status message, links and timeline as Render, from the
// same Result, with the same size cap (Options.MaxBytes), but without
// Markdown. Text from the API is cleaned as for Render (no control or
// bidi characters, valid UTF-8) and shown as it is, without escapes; a URL
// is shown only when it is an http(s) URL without user info, and with
// bytes that could confuse a terminal percent-encoded.
func Text(r outcome.Result, opts Options) string {
	var b strings.Builder
	b.Grow(2048)
	title := opts.title(plainText)
	icon, words := ending(r, func(s string) string { return plainInline(cut(s, maxWord)) })
	b.WriteString(icon + " " + title + words + "\n\n")
	writeTextTable(&b, r)
	writeVerdict(&b, r, opts, plainText, "step")
	writeTextStatus(&b, r.Run)
	writeTextProblems(&b, r)
	writeTextFindings(&b, r)
	writeTextLists(&b, r.Run)
	writeTextAnswer(&b, r.Work.Answer)
	writeTextWork(&b, r.Work)
	writeTextTimeline(&b, r)
	if id := runID(r); !isBlank(id) {
		if u, ok := plainURL(runURL(id)); ok {
			b.WriteString("The full run (conversation, logs, artifacts): " + u + "\n")
		}
	}
	return capSize(b.String(), opts.maxBytes(DefaultMaxBytes))
}

// plainText is the format of the plain-text summary: words as they are,
// and URLs after their text.
var plainText = format{
	lit:    func(s string) string { return s },
	strong: func(s string) string { return s },
	clip:   cut,
	show:   plainInline,
	code:   func(s string, limit int) string { return plainInline(cut(s, limit)) },
	detail: func(text, target string) string {
		if s := textLink(text, target); s != "" {
			return ": " + s
		}
		return ""
	},
	link:    textLink,
	session: plainURL,
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

func writeTextTable(b *strings.Builder, r outcome.Result) {
	for _, row := range tableRows(r, plainText) {
		fmt.Fprintf(b, "%-10s %s\n", row.name+":", row.value)
	}
	b.WriteString("\n")
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

func writeTextProblems(b *strings.Builder, r outcome.Result) {
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
		if !oz.IsUncancellable(r.CancelErr) { // its message says where to stop it
			b.WriteString("  Check it on its run page and cancel it there if needed.\n")
		}
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
		others.add("  - " + artifactItem(a, plainText))
	}
	writeTextList(b, &prs)
	writeTextList(b, &others)
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

// answerFrame starts each line of the agent's answer in the plain text:
// a bar that no line of oz-run's own text starts with, so that nothing in
// the answer can pass for oz-run's outcome, notes or sections.
const answerFrame = "  │ "

// writeTextAnswer writes the agent's answer as it wrote it, cleaned, each
// line in the frame.
func writeTextAnswer(b *strings.Builder, answer string) {
	if isBlank(answer) {
		return
	}
	b.WriteString("The agent's answer:\n")
	writeIndented(b, answer, answerFrame)
	b.WriteString("\n")
}

func writeTextTimeline(b *strings.Builder, r outcome.Result) {
	rows := timelineRows(r, plainText)
	if len(rows) == 0 {
		return
	}
	b.WriteString("Timeline (UTC):\n")
	for _, row := range rows {
		if row.more > 0 {
			fmt.Fprintf(b, "  …        %d more changes\n", row.more)
			continue
		}
		fmt.Fprintf(b, "  %-8s %s  %s\n", row.since, row.clock, row.state)
	}
	b.WriteString("\n")
}
