package summary

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/textclean"
	"github.com/oz-run/oz-run-action/internal/weburl"
)

// The PR/MR comment's body: the summary cut to what a reviewer needs, and
// the parts it shares with the summary (the answer, the files).

// DefaultCommentMaxBytes is the comment's size cap when Options.MaxBytes
// is not set: under GitHub's limit of 65,536
// characters for a comment, with room for the comment package's marker.
const DefaultCommentMaxBytes = 64000

// Answers longer than this many lines or bytes are collapsed.
const (
	answerOpenLines = 15
	answerOpenBytes = 1500
)

// maxCommentFiles is how many downloaded files the comment lists.
const maxCommentFiles = 30

// Comment renders the body of the comment that oz-run keeps on the pull
// request or merge request, from the same Result as the summary and escaped
// the same way. A Result whose Ended is zero and that has no conclusion, no
// error and no abort is a run still working: the comment then shows its
// state and its links. Otherwise it shows the outcome: the conclusion, the
// status message, the agent's answer, the pull requests, the files, the
// cost and the duration. The comment package adds its hidden marker.
func Comment(r outcome.Result, opts Options) string {
	maxBytes := opts.maxBytes(DefaultCommentMaxBytes)
	var b strings.Builder
	b.Grow(2048)
	if working(r) {
		writeWorking(&b, r, opts)
		return capSize(b.String(), maxBytes)
	}
	writeHeading(&b, r, opts)
	writeCommentTable(&b, r, opts)
	writeVerdict(&b, r, opts, markdown, "check")
	writeStatus(&b, r.Run, commentLimits)
	writeProblems(&b, r, commentLimits)
	writeFindings(&b, r, opts, commentFindings)
	var tail strings.Builder
	writePullRequests(&tail, r.Run, commentLimits)
	writeFiles(&tail, r.Work.Files)
	writeCommentFooter(&tail, r, opts)
	// The answer gets what the rest leaves of the budget.
	writeAnswer(&b, r.Work.Answer, maxBytes-b.Len()-tail.Len()-64)
	b.WriteString(tail.String())
	return capSize(b.String(), maxBytes)
}

// working reports whether r is a snapshot of a run still going.
func working(r outcome.Result) bool {
	return r.Ended.IsZero() && r.Conclusion == "" && r.Err == nil && !r.Aborted
}

func writeWorking(b *strings.Builder, r outcome.Result, opts Options) {
	title := opts.title(markdown)
	s := state(r)
	icon, words := "⏳", " is starting"
	switch s {
	case oz.StateQueued, oz.StatePending:
		words = " is queued"
	case oz.StateClaimed, oz.StateInProgress:
		icon, words = "🔄", " is working"
	case "":
	default:
		if s.IsTerminal() {
			words = " has ended: its outcome follows"
		}
	}
	b.WriteString("## " + icon + " " + title + words + "\n\n")
	writeCommentTable(b, r, opts)
	b.WriteString("This comment is updated as the run goes on; it will hold the outcome when the run ends.\n")
}

// writeCommentTable is the summary's table cut to what a reviewer needs:
// the run, the workflow run or job that started it, its state, the
// session, and once ended, duration and cost.
func writeCommentTable(b *strings.Builder, r outcome.Result, opts Options) {
	rows := []tableRow{{"Run", runCell(r, markdown)}}
	if row, ok := jobRow(opts.JobURL); ok {
		rows = append(rows, row)
	}
	if s := state(r); s != "" {
		rows = append(rows, tableRow{"State", markdown.code(string(s), maxWord)})
	}
	if s, ok := sessionCell(r.Run.SessionURL()); ok {
		rows = append(rows, tableRow{"Session", s})
	} else if working(r) {
		rows = append(rows, tableRow{"Session", "— (the link appears once the agent starts)"})
	}
	if !working(r) {
		rows = append(rows, tableRow{"Duration", duration(r, markdown)}, tableRow{"Cost", cost(r, markdown)})
	}
	if r.Run != nil && !isBlank(r.Run.Title) {
		rows = append(rows, tableRow{"Title", markdown.text(r.Run.Title, maxTitle)})
	}
	writeMarkdownTable(b, rows)
}

// jobRow is the table's link to the workflow run (GitHub) or the job
// (GitLab) that started the run, labelled as its forge names it, which
// the URL's path tells: prcomment.JobURL builds GitHub's as
// .../actions/runs/<id>, and GitLab's CI_JOB_URL is .../-/jobs/<id>.
// Another safe https URL is linked by its own text, labelled CI; an
// unsafe or blank one gives no row.
func jobRow(jobURL string) (tableRow, bool) {
	if _, ok := safeURL(jobURL); !ok || isBlank(jobURL) {
		return tableRow{}, false
	}
	switch kind, id := jobKind(jobURL); kind {
	case githubRun:
		return tableRow{"Workflow run", link("workflow run "+id, jobURL)}, true
	case gitlabJob:
		return tableRow{"Job", link("job "+id, jobURL)}, true
	}
	return tableRow{"CI", urlLink(jobURL)}, true
}

// The kinds of job URL that jobKind tells apart.
const (
	otherJob = iota
	githubRun
	gitlabJob
)

// jobKind says whose job URL a safe jobURL is, by its path, and its id.
func jobKind(jobURL string) (kind int, id string) {
	u, _ := weburl.ShellSafe(jobURL) // safe: the caller checked it
	p, err := url.Parse(u)
	if err != nil {
		return otherJob, ""
	}
	dir, id := path.Split(strings.TrimSuffix(p.EscapedPath(), "/"))
	switch {
	case !digits(id):
		return otherJob, ""
	case strings.HasSuffix(dir, "/actions/runs/"):
		return githubRun, id
	case strings.HasSuffix(dir, "/-/jobs/"):
		return gitlabJob, id
	}
	return otherJob, ""
}

// digits reports whether s is an id of 1 to 20 ASCII digits.
func digits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// writeAnswer writes the agent's answer in at most maxBytes bytes: shown
// when short, collapsed in <details> when long.
func writeAnswer(b *strings.Builder, answer string, maxBytes int) {
	const (
		heading = "### Answer\n\n"
		open    = "<details>\n<summary>The agent's answer (%d lines)</summary>\n\n"
		closing = "\n</details>\n\n"
	)
	if isBlank(answer) || maxBytes < len(heading)+len(open)+len(closing)+64 {
		return
	}
	lines := strings.Count(strings.TrimSpace(textclean.Lines(answer)), "\n") + 1
	long := lines > answerOpenLines || len(answer) > answerOpenBytes
	budget := maxBytes - len(heading)
	if long {
		budget -= len(open) + 8 + len(closing)
	}
	md := answerMarkdown(answer, budget)
	if md == "" {
		return
	}
	b.WriteString(heading)
	if !long {
		b.WriteString(md + "\n")
		return
	}
	fmt.Fprintf(b, open, lines)
	b.WriteString(md + closing)
}

func writeFiles(b *strings.Builder, files []outcome.File) {
	var items []string
	for i, f := range files {
		if i == maxCommentFiles {
			items = append(items, fmt.Sprintf("- … and %d more (see the `files` output)", len(files)-i))
			break
		}
		// The name the agent gave it: the runner's paths mean nothing
		// to a reader of the comment or the job summary.
		shown := f.Name
		if isBlank(shown) {
			shown = f.Path
		}
		name := code(shown)
		if isBlank(shown) {
			name = "(no name)"
		}
		items = append(items, "- "+name+" ("+size(f.Size)+")")
	}
	writeList(b, "Files", items)
}

// size writes n bytes as `512 B`, `1.2 KiB`, `3.4 MiB`.
func size(n int64) string {
	switch {
	case n < 0:
		return "size unknown"
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

func writeCommentFooter(b *strings.Builder, r outcome.Result, opts Options) {
	more := "; the job summary has the timeline"
	if u, ok := safeURL(opts.JobURL); ok && !isBlank(opts.JobURL) {
		more = "; the " + link("job summary", u) + " has the timeline"
		if kind, _ := jobKind(opts.JobURL); kind == gitlabJob { // GitLab has no job summary page
			more = "; the " + link("job", u) + "'s log and summary file have the timeline"
		}
	}
	writeRunFooter(b, r, "no run was created", more)
}
