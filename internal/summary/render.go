// Package summary renders the job summary: the Markdown that GitHub shows on
// the workflow run's page and GitLab keeps as a file. It is pure (no I/O, no
// clock: the times come in the Result) and treats every text from the API as
// untrusted.
package summary

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// DefaultMaxBytes is the size cap when Options.MaxBytes is not set: just
// under GitHub's limit of 1 MiB per step summary.
const DefaultMaxBytes = 1<<20 - 1024

// Options shape the summary and the PR/MR comment.
type Options struct {
	// FailOn decides whether the conclusion fails the step; nil fails none.
	FailOn outcome.FailOn
	// MaxBytes caps the size in bytes; 0 or less means DefaultMaxBytes for
	// the summary (Render, Text), DefaultCommentMaxBytes for the comment.
	MaxBytes int
	// Title names the run in the heading; empty means "Oz run".
	Title string
	// Timeout is the timeout input, which a timed-out run's note names;
	// zero names only the input.
	Timeout time.Duration
	// JobURL is the page of the workflow run (GitHub) or job (GitLab) that
	// ran the step, linked from the comment when it is a safe https URL.
	JobURL string
	// FileBase is the web URL of the repository's files at the head commit
	// (ending in /), which a finding's path:line links to; empty links
	// none.
	FileBase string
}

// maxBytes is MaxBytes, or def when it is not set.
func (o Options) maxBytes(def int) int {
	if o.MaxBytes <= 0 {
		return def
	}
	return o.MaxBytes
}

// title names the run in the heading, as f shows it.
func (o Options) title(f format) string {
	if isBlank(o.Title) {
		return "Oz run"
	}
	return f.text(o.Title, maxTitle)
}

// Render writes the job summary for r.
func Render(r outcome.Result, opts Options) string {
	maxBytes := opts.maxBytes(DefaultMaxBytes)
	var b, tail strings.Builder
	b.Grow(4096)
	writeHeading(&b, r, opts)
	writeTable(&b, r)
	writeVerdict(&b, r, opts, markdown, "step")
	writeStatus(&b, r.Run, summaryLimits)
	writeProblems(&b, r, summaryLimits)
	writeFindings(&b, r, opts, summaryFindings)
	writePullRequests(&tail, r.Run, summaryLimits)
	writeArtifacts(&tail, r.Run, summaryLimits)
	writeFiles(&tail, r.Work.Files)
	writeWorkWarnings(&tail, r.Work)
	writeTimeline(&tail, r)
	writeFooter(&tail, r)
	// The answer gets what the rest leaves of the budget, so that every
	// other section stays whole.
	writeAnswer(&b, r.Work.Answer, maxBytes-b.Len()-tail.Len()-64)
	b.WriteString(tail.String())
	return capSize(b.String(), maxBytes)
}

// conclusions say each conclusion: the heading's icon, the words that
// follow the title, and the note under the verdict that explains it (if
// any). The empty conclusion is a run that reached none.
var conclusions = map[outcome.Conclusion]struct {
	icon, words string
	note        func(f format) string
}{
	outcome.Succeeded: {"✅", " succeeded", nil},
	outcome.Failed: {"❌", " failed", func(format) string {
		return "The run failed for a reason on the user's side (the environment, permissions, credits): the status message says which."
	}},
	outcome.Error: {"❌", " ended in an error", func(format) string {
		return "The run failed for a reason on Warp's side: running it again may help."
	}},
	outcome.Blocked: {"⏸️", " is blocked", func(format) string {
		return "The agent is waiting for a person's approval or input: open the session or the run page to answer."
	}},
	outcome.Cancelled: {"🚫", " was cancelled", nil},
	outcome.OverBudget: {"💸", " went over budget", func(f format) string {
		return "The run's reported cost reached " + f.lit("max_cost_usd") + ", so oz-run cancelled it. The API reports cost with a delay: the bill may be somewhat higher than the cost shown."
	}},
	outcome.TimedOut: {"⏱️", " timed out", nil}, // notes names the timeout
	outcome.Rejected: {"👎", " was rejected by the agent's verdict", func(f format) string {
		return "The run succeeded, but its answer does not pass " + f.lit("pass_if") + ": the agent said no (see why below)."
	}},
	outcome.InvalidOutput: {"⚠️", " gave no valid structured output", func(f format) string {
		return "The run succeeded, but its answer holds no value valid against " + f.lit("output_schema") + " (see why below)."
	}},
	outcome.Submitted: {"📨", " was submitted", func(f format) string {
		return "The step did not wait for the run to end (" + f.lit("wait: false") + "): follow it on the run page."
	}},
	outcome.Skipped: {"⏭️", " was skipped", func(f format) string {
		return "No Oz API key was given (" + f.lit("warp_api_key") + ", " + f.lit("WARP_API_KEY") + ") and " + f.lit("missing_key") + " is " + f.lit("skip") + ": nothing was sent to the Oz API. Pull requests from forks and Dependabot get no secrets."
	}},
	"": {"❔", " ended without a conclusion", nil},
}

// format is how the parts shared by the Markdown and the plain-text
// summaries are written.
type format struct {
	// lit shows a trusted literal (an input name, a setting) as code.
	lit func(string) string
	// strong stresses trusted words.
	strong func(string) string
	// clip cuts untrusted text to at most limit bytes (the Markdown trims
	// it first); show makes clipped text one line of this format.
	clip func(s string, limit int) string
	show func(string) string
	// code shows an untrusted word (a state, a type), cut to limit bytes,
	// as code.
	code func(s string, limit int) string
	// detail is ": text", with target (a URL) as this format shows a link;
	// "" when there is nothing to show.
	detail func(text, target string) string
	// link is text linked to target (a URL), when that is safe.
	link func(text, target string) string
	// session is the session's link, false when there is none to show.
	session func(u string) (string, bool)
}

// text shows untrusted text on one line, cut to limit bytes.
func (f format) text(s string, limit int) string { return f.show(f.clip(s, limit)) }

// word shows an untrusted word (a state, a conclusion, an id) as code.
func (f format) word(s string) string { return f.code(s, maxID) }

// markdown is the format of the Markdown summary.
var markdown = format{
	lit:     func(s string) string { return "`" + s + "`" },
	strong:  func(s string) string { return "**" + s + "**" },
	clip:    func(s string, limit int) string { return cut(strings.TrimSpace(s), limit) },
	show:    inline,
	code:    func(s string, limit int) string { return code(cut(s, limit)) },
	detail:  detail,
	link:    link,
	session: sessionCell,
}

// ending is the heading's icon and the words that follow the title; show
// writes an unknown conclusion.
func ending(r outcome.Result, show func(string) string) (icon, words string) {
	switch {
	case r.Aborted:
		return "🛑", " was aborted"
	case r.Err != nil:
		return "⚠️", ": the Oz API could not be used"
	}
	if c, ok := conclusions[r.Conclusion]; ok {
		return c.icon, c.words
	}
	return "❔", " ended: " + show(string(r.Conclusion))
}

func writeHeading(b *strings.Builder, r outcome.Result, opts Options) {
	title := opts.title(markdown)
	icon, words := ending(r, func(s string) string { return inline(cut(s, maxWord)) })
	b.WriteString("## " + icon + " " + title + words + "\n\n")
}

// writeVerdict writes, under the table, whether the outcome fails the
// what (the step, or for the PR's readers the check) and the notes that
// explain the outcome, as one paragraph; nothing when there is nothing to
// say (a run that succeeded).
func writeVerdict(b *strings.Builder, r outcome.Result, opts Options, f format, what string) {
	var lines []string
	if v := verdict(r, opts, f, what); v != "" {
		lines = append(lines, v)
	}
	lines = append(lines, notes(r, opts, f)...)
	if len(lines) > 0 {
		b.WriteString(strings.Join(lines, "\n") + "\n\n")
	}
}

// verdict is the sentence that says whether the outcome fails the step
// (what: "step" or "check"); empty for an outcome that passes as
// expected (succeeded, skipped), where there is nothing to explain.
func verdict(r outcome.Result, opts Options, f format, what string) string {
	fails := f.strong("This fails the " + what)
	c := r.Conclusion
	switch {
	case r.Aborted && c != "": // the run ended, or was cancelled, all the same: the error below says when the signal came
		return fails + ": the step was stopped (SIGINT or SIGTERM: the job was cancelled or reached its time limit); the run's conclusion is " + f.word(string(c)) + "."
	case r.Aborted:
		return fails + ": the step was stopped (SIGINT or SIGTERM: the job was cancelled or reached its time limit) before the run ended."
	case r.Err != nil:
		return fails + ": see what went wrong below."
	case c == "":
		return fails + ": the run reached no conclusion."
	case opts.FailOn.Fails(c):
		return fails + ": " + f.word(string(c)) + " is in " + f.lit("fail_on") + "."
	case c == outcome.Succeeded || c == outcome.Skipped:
		return ""
	}
	return "This does not fail the " + what + ": " + f.word(string(c)) + " is not in " + f.lit("fail_on") + "."
}

// notes are the sentences under the verdict that explain the outcome.
func notes(r outcome.Result, opts Options, f format) []string {
	var n []string
	explained := r.Err == nil && !r.Aborted && !(r.Attached && r.NoWait && r.Conclusion == outcome.Submitted) && !r.FollowupPending
	if c := conclusions[r.Conclusion]; explained && c.note != nil {
		n = append(n, c.note(f))
	}
	if explained && r.Conclusion == outcome.TimedOut {
		within := f.lit("timeout")
		if opts.Timeout > 0 {
			within = outcome.FormatDuration(opts.Timeout) + " (" + f.lit("timeout") + ")"
		}
		n = append(n, "The run did not end within "+within+".")
	}
	attachedNoWait := f.lit("run_id") + " with " + f.lit("wait: false")
	switch {
	case r.Followup != nil && r.NoWait:
		n = append(n, "The step sent a follow-up to the existing run ("+f.lit("followup")+") and did not wait for its answer ("+f.lit("wait: false")+"): follow it on the run page.")
	case r.Followup != nil && r.FollowupPending:
		n = append(n, "The step sent a follow-up to the existing run ("+f.lit("followup")+"), but the run did not pick it up before the step ended: its state is still the one from before the follow-up.")
	case r.Followup != nil:
		n = append(n, "The step sent a follow-up to the existing run ("+f.lit("followup")+", outcome "+f.word(r.Followup.Outcome)+") and waited for it to end again.")
	case r.Reattached != nil:
		n = append(n, reattachedNote(r, f))
	case r.Attached && r.NoWait && r.Err == nil && r.Conclusion == outcome.Submitted:
		n = append(n, "The step read the existing run once ("+attachedNoWait+") and created none: it was still working, so it is reported as submitted. Follow it on the run page.")
	case r.Attached && r.NoWait && r.Err == nil && r.Conclusion != "":
		n = append(n, "The step read the existing run once ("+attachedNoWait+") and created none: it had already ended, so this is its outcome.")
	case r.Attached:
		n = append(n, "The step followed an existing run ("+f.lit("run_id")+") and created none.")
	}
	switch {
	case r.Cancelled:
		n = append(n, "This step cancelled the remote run.")
	case r.CancelErr == nil && r.Conclusion != outcome.Submitted && state(r).IsWorking():
		note := "The remote run was still " + f.word(string(state(r))) + " when the step ended and was not cancelled: it may still be going."
		if id := runID(r); !isBlank(id) && !r.Aborted {
			note += " To wait for it again, run the step with " + f.lit("run_id") + ": " + f.word(strings.TrimSpace(id)) + "."
		}
		n = append(n, note)
	}
	return n
}

// runID is the run's id as far as it is known.
func runID(r outcome.Result) string {
	if r.RunID == "" && r.Run != nil {
		return r.Run.RunID
	}
	return r.RunID
}

// state is the last state seen.
func state(r outcome.Result) oz.State {
	if r.State == "" && r.Run != nil {
		return r.Run.State
	}
	return r.State
}

func writeTable(b *strings.Builder, r outcome.Result) {
	writeMarkdownTable(b, tableRows(r, markdown))
}

// tableRow is one row of a table of facts.
type tableRow struct{ name, value string }

// tableRows are the rows of the summary's table, as f shows them: the
// run, its state and duration, what it cost, its session, its title, and
// whether it waited for a slot.
func tableRows(r outcome.Result, f format) []tableRow {
	rows := []tableRow{{"Run", runCell(r, f)}, {"State", "—"}, {"Duration", duration(r, f)}, {"Cost", cost(r, f)}}
	if s := state(r); s != "" {
		rows[1].value = f.code(string(s), maxWord)
	}
	add := func(name, value string) {
		if value != "" {
			rows = append(rows, tableRow{name, value})
		}
	}
	add("Tokens", tokens(r))
	if s, ok := f.session(r.Run.SessionURL()); ok {
		add("Session", s)
	}
	if r.Run != nil && !isBlank(r.Run.Title) {
		add("Title", f.text(r.Run.Title, maxTitle))
	}
	if r.AtCapacity {
		add("Capacity", "The team was at its concurrency limit: the run was queued until a slot was free.")
	}
	return rows
}

// writeMarkdownTable writes rows as a table of two columns under an empty
// header: a table of facts has no column names, and its first row (the
// run) is a fact like the others, not a heading.
func writeMarkdownTable(b *strings.Builder, rows []tableRow) {
	b.WriteString("| | |\n|---|---|\n")
	for _, row := range rows {
		b.WriteString("| " + row.name + " | " + row.value + " |\n")
	}
	b.WriteString("\n")
}

// runCell is the run's id, linked to its run page as f links.
func runCell(r outcome.Result, f format) string {
	id := runID(r)
	if isBlank(id) {
		return "— (no run was created)"
	}
	return f.link(cut(id, maxID), runURL(id))
}

// cost is what the run cost in one unit: US dollars when known (with the
// max_cost_usd limit when there is one), else credits, else a dash.
func cost(r outcome.Result, f format) string {
	if usd := costCell(r, f); usd != "" {
		return usd
	}
	if c, ok := credits(r); ok {
		return c + " credits"
	}
	return "—"
}

// credits is what the run cost in credits, when known.
func credits(r outcome.Result) (string, bool) {
	if r.Run == nil {
		return "", false
	}
	c, ok := r.Run.RequestUsage.Credits()
	return fmt.Sprintf("%.2f", c), ok
}

// sessionCell is the session link in the Markdown: false when the run has
// none.
func sessionCell(u string) (string, bool) {
	switch _, ok := safeURL(u); {
	case isBlank(u):
		return "", false
	case ok:
		return link("Open the session", u), true
	}
	return "— (the API gave a link that is not a well-formed https URL: not shown)", true
}

// runURL is the run's page, its id escaped as one path segment.
func runURL(id string) string { return oz.RunURL(url.PathEscape(id)) }

// duration is the run's run_time if it has one, else the time the step
// waited for it. After a follow-up it is the time since the follow-up
// (the step's start): the run's run_time counts its earlier work too.
func duration(r outcome.Result, f format) string {
	if r.Followup != nil && !r.Started.IsZero() && !r.Ended.Before(r.Started) {
		return human(r.Ended.Sub(r.Started)) + " (since the follow-up)"
	}
	if r.Run != nil && !isBlank(r.Run.RunTime) {
		if d, ok := parseRunTime(r.Run.RunTime); ok {
			return human(d)
		}
		return f.text(r.Run.RunTime, maxRunTime)
	}
	if r.Started.IsZero() || r.Ended.IsZero() || r.Ended.Before(r.Started) || r.Conclusion == outcome.Skipped {
		return "—"
	}
	return human(r.Ended.Sub(r.Started)) + " (waited)"
}

func writeStatus(b *strings.Builder, run *oz.Run, lim limits) {
	if run == nil || run.StatusMessage == nil {
		return
	}
	sm := run.StatusMessage
	hasCode := !isBlank(sm.ErrorCode)
	if isBlank(sm.Message) && !hasCode {
		return
	}
	b.WriteString("### Status message\n\n")
	if !isBlank(sm.Message) {
		msg, note := cutNoting(sm.Message, lim.status, "; the status_message output holds more")
		quote(b, msg)
		b.WriteString("\n")
		if note != "" {
			b.WriteString(note + "\n\n")
		}
	}
	var lines []string
	if hasCode {
		ec := cut(strings.TrimSpace(sm.ErrorCode), maxWord)
		line := "**Error code:** " + code(ec)
		if hint, ok := hints[ec]; ok {
			line += ": " + hint
		}
		lines = append(lines, line)
	}
	if sm.Retryable != nil {
		if *sm.Retryable {
			lines = append(lines, "A new run may succeed.")
		} else {
			lines = append(lines, "A new run as it is would not succeed.")
		}
	}
	for _, line := range lines {
		b.WriteString(line + "\n\n")
	}
}

func writeProblems(b *strings.Builder, r outcome.Result, lim limits) {
	if r.Err == nil && r.CancelErr == nil {
		return
	}
	b.WriteString("### What went wrong\n\n")
	if r.Err != nil {
		quote(b, cut(errText(r.Err), lim.err))
		b.WriteString("\n")
	}
	if r.CancelErr != nil {
		b.WriteString("**The remote run may still be going**: cancelling it failed:\n\n")
		quote(b, cut(errText(r.CancelErr), lim.err))
		if !oz.IsUncancellable(r.CancelErr) { // its message says where to stop it
			b.WriteString("\nCheck it on its run page and cancel it there if needed.")
		}
		b.WriteString("\n\n")
	}
}

// errText is the error's message, cut, never blank.
func errText(err error) string {
	if s := err.Error(); !isBlank(s) {
		return cut(s, maxErrText)
	}
	return "(no message)"
}

func writePullRequests(b *strings.Builder, run *oz.Run, lim limits) {
	if run == nil {
		return
	}
	l := list{heading: "Pull requests", lim: lim}
	for _, a := range run.Artifacts {
		u, branch, ok := a.PullRequest()
		if !ok || !l.room() {
			l.more += btoi(ok)
			continue
		}
		item := "- " + urlLink(u)
		if !isBlank(branch) {
			item += " (branch " + code(cut(strings.TrimSpace(branch), maxName)) + ")"
		}
		l.add(item)
	}
	l.write(b)
}

// artifactData holds the fields of the documented artifact types that are
// worth showing.
type artifactData struct {
	Title         string `json:"title"`
	URL           string `json:"url"`
	Filename      string `json:"filename"`
	Description   string `json:"description"`
	ReferenceType string `json:"reference_type"`
}

func writeArtifacts(b *strings.Builder, run *oz.Run, lim limits) {
	if run == nil {
		return
	}
	l := list{heading: "Artifacts", lim: lim}
	for _, a := range run.Artifacts {
		if _, _, ok := a.PullRequest(); ok {
			continue
		}
		if !l.room() {
			l.more++
			continue
		}
		l.add("- " + artifactItem(a, markdown))
	}
	l.write(b)
}

// artifactItem is how an artifact that is not a pull request is listed:
// its kind, and what names it as far as its data reads.
func artifactItem(a oz.Artifact, f format) string {
	var d artifactData
	_ = json.Unmarshal(a.Data, &d) // shown as far as it reads
	switch a.Type {
	case oz.ArtifactPullRequest:
		return "Pull request (no URL)"
	case oz.ArtifactPlan:
		return "Plan" + f.detail(d.Title, d.URL)
	case oz.ArtifactScreenshot:
		return "Screenshot" + f.detail(f.clip(d.Description, maxName), "")
	case oz.ArtifactFile:
		name := d.Filename
		if isBlank(name) {
			name = d.Title
		}
		return "File" + f.detail(f.clip(name, maxName), "")
	case oz.ArtifactExternalReference:
		item := "Reference"
		if !isBlank(d.ReferenceType) {
			item += " (" + f.text(d.ReferenceType, maxWord) + ")"
		}
		return item + f.detail(d.Title, d.URL)
	case "":
		return "Artifact of no type"
	}
	return f.code(a.Type, maxWord)
}

// detail is ": text", linked to target when that is a safe URL; the URL
// itself stands for a blank text. The text is cut.
func detail(text, target string) string {
	text = strings.TrimSpace(text)
	if isBlank(text) {
		text = strings.TrimSpace(target)
	}
	text = cut(text, maxLinkText)
	if isBlank(text) {
		return ""
	}
	if isBlank(target) {
		return ": " + inline(text)
	}
	return ": " + link(text, target)
}

// list is a section of list items: at most lim.listItems of them and
// about lim.listBytes, then a line that counts the rest.
type list struct {
	heading string
	lim     limits
	items   strings.Builder
	n       int
	more    int // items left out
}

// room reports whether another item is shown.
func (l *list) room() bool { return l.n < l.lim.listItems && l.items.Len() < l.lim.listBytes }

func (l *list) add(item string) {
	l.items.WriteString(item + "\n")
	l.n++
}

func (l *list) write(b *strings.Builder) {
	if l.n == 0 && l.more == 0 {
		return
	}
	b.WriteString("### " + l.heading + "\n\n" + l.items.String())
	if l.more > 0 {
		fmt.Fprintf(b, "- … and %d more\n", l.more)
	}
	b.WriteString("\n")
}

// writeList writes a section of items already capped.
func writeList(b *strings.Builder, heading string, items []string) {
	if len(items) == 0 {
		return
	}
	b.WriteString("### " + heading + "\n\n" + strings.Join(items, "\n") + "\n\n")
}

func btoi(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

func writeTimeline(b *strings.Builder, r outcome.Result) {
	rows := timelineRows(r, markdown)
	if len(rows) == 0 {
		return
	}
	b.WriteString("### Timeline\n\n| Elapsed | Time (UTC) | State |\n|---|---|---|\n")
	for _, row := range rows {
		if row.more > 0 {
			fmt.Fprintf(b, "| … | | %d more changes |\n", row.more)
			continue
		}
		b.WriteString("| " + row.since + " | " + row.clock + " | " + row.state + " |\n")
	}
	b.WriteString("\n")
}

// timelineRow is a state change as the timeline shows it: the time since
// the step started, the time of day (UTC) and the state; or, with more,
// the changes left out between the first ones and the last ones.
type timelineRow struct {
	since, clock, state string
	more                int
}

// timelineRows are the rows of the timeline: the first changes and the last
// ones, at most maxTimeline in all, and a row counting those in between.
func timelineRows(r outcome.Result, f format) []timelineRow {
	var rows []timelineRow
	for i, t := range r.Timeline {
		if skipped := len(r.Timeline) - maxTimeline; skipped > 0 && i >= maxTimeline-timelineTail && i < len(r.Timeline)-timelineTail {
			if i == maxTimeline-timelineTail {
				rows = append(rows, timelineRow{more: skipped})
			}
			continue
		}
		row := timelineRow{since: "—", clock: "—", state: "—"}
		if !t.At.IsZero() {
			row.clock = t.At.UTC().Round(time.Second).Format(time.TimeOnly)
			if !r.Started.IsZero() {
				row.since = elapsed(t.At.Sub(r.Started))
			}
		}
		if t.State != "" {
			row.state = f.code(string(t.State), maxWord)
		}
		rows = append(rows, row)
	}
	return rows
}

func writeFooter(b *strings.Builder, r outcome.Result) {
	writeRunFooter(b, r, "no run was created, so there is no run page", "")
}

// writeRunFooter writes the line under a rule that links the run's page
// (then more follows the link), or says noRun.
func writeRunFooter(b *strings.Builder, r outcome.Result, noRun, more string) {
	id := runID(r)
	b.WriteString("---\n\n")
	if isBlank(id) {
		b.WriteString("oz-run · " + noRun + ".\n")
		return
	}
	u := runURL(id)
	b.WriteString("oz-run · the full run (conversation, logs, artifacts) is at " + link(u, u) + more + ".\n")
}

// InputError is the summary of a step that stopped on invalid input, before
// anything was sent.
func InputError(err error) string {
	var b strings.Builder
	b.WriteString("## ⚠️ oz-run stopped: invalid input\n\n**This fails the step.** Nothing was sent to the Oz API.\n\n")
	if msg := err.Error(); !isBlank(msg) {
		quote(&b, cut(msg, maxErrText))
	}
	return b.String()
}
