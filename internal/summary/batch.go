package summary

import (
	"fmt"
	"strings"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// A batch (prompts): one table, a row a run (key, conclusion, verdict,
// duration, cost, links), then each answer collapsed under its key.

// batchAnswerMax is the most one run's answer takes in the summary.
const batchAnswerMax = 16 << 10

// batchReserve is what the table leaves for its last row and the last line.
const batchReserve = 512

// RenderBatch writes the job summary of a batch.
func RenderBatch(b outcome.Batch, opts Options) string {
	return renderBatch(b, opts, opts.maxBytes(DefaultMaxBytes))
}

// CommentBatch writes the PR/MR comment of a batch: the same, in the
// comment's size.
func CommentBatch(b outcome.Batch, opts Options) string {
	return renderBatch(b, opts, opts.maxBytes(DefaultCommentMaxBytes))
}

func renderBatch(b outcome.Batch, opts Options, maxBytes int) string {
	res := b.Result()
	var out strings.Builder
	title := batchTitle(opts)
	verdict := "passed"
	if res.ExitCode(opts.FailOn) != outcome.ExitOK {
		verdict = "failed"
	}
	fmt.Fprintf(&out, "## %s: %s (%s)\n\n", title, markdown.word(string(res.Conclusion)), verdict)
	fmt.Fprintf(&out, "%d runs: %s.\n\n", len(b.Runs), BatchCounts(b))
	if res.Err != nil && !res.Aborted {
		out.WriteString("> " + inline(cut(res.Err.Error(), maxErrText)) + "\n\n")
	}
	writeBatchTable(&out, b, maxBytes, func(r outcome.BatchRun) string { return markdown.word(runConclusion(r)) })
	// Each answer collapsed, in what is left.
	left := maxBytes - out.Len() - 256
	for i, r := range b.Runs {
		if isBlank(r.Result.Work.Answer) {
			continue
		}
		share := min(batchAnswerMax, left/max(len(b.Runs)-i, 1))
		md := answerMarkdown(r.Result.Work.Answer, share-128)
		if md == "" {
			continue
		}
		var one strings.Builder
		fmt.Fprintf(&one, "<details>\n<summary>%s: the agent's answer</summary>\n\n%s\n</details>\n\n", inline(r.Key), md)
		if one.Len() > left {
			break
		}
		left -= one.Len()
		out.WriteString(one.String())
	}
	// The last line, as a single run's summary has one.
	fmt.Fprintf(&out, "oz-run · %d runs of one step; each run's page is linked in the table.\n", len(b.Runs))
	return out.String()
}

// writeBatchTable writes the batch's table, a row a run; cell writes a
// run's conclusion column.
func writeBatchTable(out *strings.Builder, b outcome.Batch, maxBytes int, cell func(outcome.BatchRun) string) {
	out.WriteString("| run | conclusion | verdict | duration | cost | links |\n|---|---|---|---|---|---|\n")
	for i, r := range b.Runs {
		row := fmt.Sprintf("| %s | %s | %s | %s | %s | %s |\n",
			markdown.word(r.Key), cell(r), batchVerdict(r.Result), batchDuration(r), orDash(costUSD(r.Result)), batchLinks(r.Result))
		if out.Len()+len(row) > maxBytes-batchReserve {
			// The comment holds 64,000 bytes: the rows that do not fit are
			// counted (the job summary has them all).
			fmt.Fprintf(out, "| … | %d more runs | | | | |\n", len(b.Runs)-i)
			break
		}
		out.WriteString(row)
	}
	out.WriteString("\n")
}

// CommentBatchProgress writes the PR/MR comment of a batch whose runs are
// still going (a snapshot: a run not created yet is NotStarted, one still
// working has no conclusion, no error and Ended zero): a first line that
// says how many runs have ended, then the final comment's table, its
// conclusion column showing each working run's state so far.
func CommentBatchProgress(b outcome.Batch, opts Options) string {
	maxBytes := opts.maxBytes(DefaultCommentMaxBytes)
	var out strings.Builder
	fmt.Fprintf(&out, "## 🔄 %s: %d of %d runs ended\n\n", batchTitle(opts), BatchEnded(b), len(b.Runs))
	writeBatchTable(&out, b, maxBytes, func(r outcome.BatchRun) string {
		switch {
		case batchRunEnded(r):
			return markdown.word(runConclusion(r))
		case r.NotStarted:
			return "not started yet"
		case r.Result.State == "":
			return "starting"
		}
		return markdown.word(string(r.Result.State))
	})
	out.WriteString("This comment is updated as the runs go on; it will hold the batch's outcome when every run has ended.\n")
	return capSize(out.String(), maxBytes)
}

// BatchEnded counts the runs of a batch's snapshot that have ended.
func BatchEnded(b outcome.Batch) int {
	n := 0
	for _, r := range b.Runs {
		if batchRunEnded(r) {
			n++
		}
	}
	return n
}

// batchRunEnded reports whether a run of a batch's snapshot has ended.
func batchRunEnded(r outcome.BatchRun) bool {
	if r.NotStarted {
		return r.Result.Conclusion != ""
	}
	return !working(r.Result)
}

// batchTitle is the batch's name in its heading.
func batchTitle(opts Options) string {
	if !isBlank(opts.Title) {
		return markdown.text(opts.Title, maxTitle)
	}
	return "Oz batch"
}

// runConclusion is a run's conclusion in the table.
func runConclusion(r outcome.BatchRun) string {
	c := string(r.Conclusion())
	switch {
	case r.NotStarted && c != "":
		return c + " (not started)"
	case r.NotStarted:
		return "not started"
	case c == "" && r.Result.Aborted:
		return "aborted"
	}
	return c
}

// BatchCounts counts the runs by conclusion, in the contract's order of
// the worst first: `3 succeeded, 1 failed`.
func BatchCounts(b outcome.Batch) string {
	n := map[string]int{}
	var order []string
	for _, r := range b.Runs {
		c := runConclusion(r)
		if n[c] == 0 {
			order = append(order, c)
		}
		n[c]++
	}
	parts := make([]string, 0, len(order))
	for _, c := range order {
		parts = append(parts, fmt.Sprintf("%d %s", n[c], c))
	}
	return strings.Join(parts, ", ")
}

func batchDuration(r outcome.BatchRun) string {
	res := r.Result
	if len(res.Timeline) > 0 && (res.Run == nil || isBlank(res.Run.RunTime)) {
		res.Started = res.Timeline[0].At // the run's own start, not the batch's
	}
	if r.NotStarted {
		return "—"
	}
	return duration(res, markdown)
}

func batchLinks(res outcome.Result) string {
	var links []string
	if res.RunID != "" {
		links = append(links, link("run", oz.RunURL(res.RunID)))
	}
	if res.Run != nil {
		if s := res.Run.SessionURL(); s != "" {
			links = append(links, link("session", s))
		}
		for i, u := range res.Run.PullRequestURLs() {
			if i == 5 {
				break
			}
			links = append(links, link(fmt.Sprintf("PR %d", i+1), u))
		}
	}
	if len(links) == 0 {
		return "—"
	}
	return strings.Join(links, " · ")
}

// batchVerdict is a run's verdict in the table: the answer's verdict
// member, else whether its answer was valid against output_schema.
func batchVerdict(res outcome.Result) string {
	v := res.Verdict
	switch {
	case v == nil:
		return "—"
	case v.Verdict != "":
		return markdown.word(v.Verdict)
	case len(v.Structured) > 0:
		return "valid"
	}
	return "invalid"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
