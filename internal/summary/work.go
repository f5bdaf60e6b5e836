package summary

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/oz-run/oz-run-action/internal/outcome"
)

// The agent's work in the summaries: its answer (writeAnswer, shared with
// the comment), the files downloaded (writeFiles), what could not be
// brought back, and what the run cost in dollars and tokens.

// maxWorkWarnings is how many warnings about the work the summaries list.
const maxWorkWarnings = 20

// workWarnings are the warnings about the work to list, the last one
// saying how many more there were.
func workWarnings(w outcome.Work) []string {
	var out []string
	for i, s := range w.Warnings {
		if i == maxWorkWarnings {
			out = append(out, fmt.Sprintf("… and %d more (see the log)", len(w.Warnings)-i))
			break
		}
		out = append(out, s)
	}
	return out
}

// writeWorkWarnings lists what of the agent's work could not be brought
// back.
func writeWorkWarnings(b *strings.Builder, w outcome.Work) {
	var items []string
	for _, s := range workWarnings(w) {
		items = append(items, "- "+inline(cut(s, maxErrText)))
	}
	writeList(b, "Not brought back", items)
}

// costUSD is the run's cost in US dollars, or "" when unknown: cents, or
// four decimals for less than a cent.
func costUSD(r outcome.Result) string {
	if r.Run == nil {
		return ""
	}
	usd, ok := r.Run.RequestUsage.CostUSD()
	switch {
	case !ok:
		return ""
	case usd > 0 && usd < 0.01:
		return fmt.Sprintf("$%.4f", usd)
	}
	return fmt.Sprintf("$%.2f", usd)
}

// tokens is the run's token count with thousands separated (1,234,567), or
// "" when unknown.
func tokens(r outcome.Result) string {
	if r.Run == nil {
		return ""
	}
	n, ok := r.Run.RequestUsage.Tokens()
	if !ok {
		return ""
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// writeTextWork writes the files downloaded and what was not brought back,
// as plain text.
func writeTextWork(b *strings.Builder, w outcome.Work) {
	files := list{heading: "Files", lim: summaryLimits}
	for _, f := range w.Files {
		if !files.room() {
			files.more++
			continue
		}
		name := plainInline(cut(f.Path, maxName))
		if name == "" {
			name = "(no name)"
		}
		files.add("  - " + name + " (" + size(f.Size) + ")")
	}
	writeTextList(b, &files)
	warnings := list{heading: "Not brought back", lim: summaryLimits}
	for _, s := range workWarnings(w) {
		warnings.add("  - " + plainInline(cut(s, maxErrText)))
	}
	writeTextList(b, &warnings)
}
