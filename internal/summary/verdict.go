package summary

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/oz-run/oz-run-action/internal/outcome"
	judge "github.com/oz-run/oz-run-action/internal/verdict"
)

// The agent's verdict in the summary and the comment: why the answer was
// rejected or is invalid, and a review's findings as a table, each
// path:line linked to the file at the head commit when it is known. A
// finding is the agent's text: everything in it is escaped, and a path
// that names no file of the repository is shown, never linked.

// The most findings a table shows; one more line says how many are left
// out.
const (
	summaryFindings = 200 // the review schema's maxItems: all of them
	commentFindings = 50
	maxFindingText  = 500
)

// writeFindings writes the verdict's section: the reason for rejected or
// invalid_output, then a review's findings (at most limit).
func writeFindings(b *strings.Builder, r outcome.Result, opts Options, limit int) {
	v := r.Verdict
	if v == nil {
		return
	}
	if (r.Conclusion == outcome.Rejected || r.Conclusion == outcome.InvalidOutput) && v.Reason != "" {
		b.WriteString("### Why\n\n")
		quote(b, cut(v.Reason, maxErrText))
		b.WriteString("\n")
	}
	if !v.Review {
		return
	}
	fmt.Fprintf(b, "### Findings: %s\n\n", inline(judge.Counts(v.Findings)))
	if len(v.Findings) == 0 {
		return
	}
	b.WriteString("| Severity | Where | Finding |\n|---|---|---|\n")
	for i, f := range v.Findings {
		if i == limit {
			fmt.Fprintf(b, "\n… and %d more\n", len(v.Findings)-limit)
			break
		}
		what := inline(cut(f.Message, maxFindingText))
		if !isBlank(f.Title) {
			what = "**" + inline(cut(f.Title, maxTitle)) + "**: " + what
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", code(f.Severity), findingWhere(f, opts.FileBase), what)
	}
	b.WriteString("\n")
}

// findingWhere is the finding's path:line, linked to the file at the head
// commit when base is known and the finding names a file of the
// repository.
func findingWhere(f judge.Finding, base string) string {
	text := cut(f.Path, judge.MaxPathBytes)
	if f.Line > 0 {
		text += ":" + strconv.Itoa(f.Line)
	}
	if base == "" || !f.Usable() {
		return inline(text)
	}
	segs := strings.Split(f.Path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	target := base + strings.Join(segs, "/")
	if f.Line > 0 {
		target += "#L" + strconv.Itoa(f.Line)
	}
	return link(text, target)
}

// writeTextFindings is writeFindings on a terminal.
func writeTextFindings(b *strings.Builder, r outcome.Result) {
	v := r.Verdict
	if v == nil {
		return
	}
	if (r.Conclusion == outcome.Rejected || r.Conclusion == outcome.InvalidOutput) && v.Reason != "" {
		b.WriteString("Why:\n")
		writeTextBlock(b, cut(v.Reason, maxErrText))
	}
	if !v.Review {
		return
	}
	b.WriteString("Findings: " + judge.Counts(v.Findings) + "\n")
	for i, f := range v.Findings {
		if i == summaryFindings {
			fmt.Fprintf(b, "  … and %d more\n", len(v.Findings)-i)
			break
		}
		where := f.Path
		if f.Line > 0 {
			where += ":" + strconv.Itoa(f.Line)
		}
		what := f.Message
		if !isBlank(f.Title) {
			what = f.Title + ": " + what
		}
		b.WriteString("  " + plainInline(cut(f.Severity, maxWord)) + " " + plainInline(cut(where, judge.MaxPathBytes)) + " " + plainInline(cut(what, maxFindingText)) + "\n")
	}
	b.WriteString("\n")
}
