package report

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/summary"
)

// A batch (prompts) mapped to the contract: the step's outputs made of its
// runs' (conclusion the worst, cost, credits and tokens sums, pr_urls the
// union, runs the detail; the single run's fields empty), one summary
// table, and a JUnit test case a run.

// The runs output's caps: the whole value stays under GitHub's 1 MB for a
// job's outputs; each run's status message and answer are cut first.
const (
	MaxRunsOutput     = 900_000
	maxRunsStatus     = 1 << 10
	maxRunsAnswer     = 4 << 10
	maxRunsStructured = 4 << 10
)

// BuildBatch is what the platform publishes for a batch.
func BuildBatch(b outcome.Batch, opts Options) ci.Report {
	res := b.Result()
	runs := RunsJSON(b)
	r := ci.Report{
		Outputs:  BatchOutputs(b, runs),
		Failed:   res.ExitCode(opts.FailOn) != outcome.ExitOK,
		Title:    batchTitle(opts),
		Message:  batchMessage(b, res),
		Duration: b.Ended.Sub(b.Started),
		RunsJSON: runs,
	}
	for _, run := range b.Runs {
		rr := run.Result
		c := ci.RunCase{Name: run.Key, Conclusion: string(run.Conclusion()), Failed: failsBatch(run, opts.FailOn)}
		if len(rr.Timeline) > 0 && !rr.Ended.IsZero() {
			c.Duration = rr.Ended.Sub(rr.Timeline[0].At)
		}
		if c.Failed {
			c.Message = runMessage(run, opts)
		}
		r.Cases = append(r.Cases, c)
	}
	if opts.ResultFile != "" {
		r.ResultFile = opts.ResultFile
		r.ResultJSON = BatchResultJSON(b)
	}
	if opts.Summary {
		so := summary.Options{FailOn: opts.FailOn, Title: opts.Title}
		r.Summary = summary.RenderBatch(b, so)
		if opts.Text {
			r.SummaryText = r.Summary
		}
	}
	return r
}

// failsBatch reports whether the run fails the step on its own.
func failsBatch(run outcome.BatchRun, failOn outcome.FailOn) bool {
	one := run.Result
	one.Conclusion = run.Conclusion()
	if one.Conclusion == outcome.Error {
		one.Err = nil
	}
	return one.ExitCode(failOn) != outcome.ExitOK
}

// runMessage is a failed run's one line for its test case.
func runMessage(run outcome.BatchRun, opts Options) string {
	switch {
	case run.NotStarted:
		return "not started: the batch ended before this run was created (" + string(run.Conclusion()) + ")"
	case run.Result.Err != nil:
		return run.Result.Err.Error()
	}
	return Ending(run.Result, opts)
}

func batchTitle(opts Options) string {
	if opts.Title != "" {
		return opts.Title
	}
	return "Oz batch"
}

// batchMessage is the batch's outcome in one line.
func batchMessage(b outcome.Batch, res outcome.Result) string {
	msg := strconv.Itoa(len(b.Runs)) + " runs: " + summary.BatchCounts(b)
	switch {
	case b.Aborted && res.Err != nil:
		msg = res.Err.Error() + "; " + msg
	case b.TimedOut:
		msg = "timed out; " + msg
	case b.FailedFast:
		msg = "stopped by fail_fast; " + msg
	}
	return msg
}

// BatchOutputs are the contract's outputs for a batch, runs (the value of
// RunsJSON) last.
func BatchOutputs(b outcome.Batch, runs []byte) []ci.Output {
	res := b.Result()
	var (
		credits, usd      float64
		tokens            int64
		haveC, haveU, hvT bool
		prs, files        []string
	)
	for _, r := range b.Runs {
		for _, f := range r.Result.Work.Files {
			files = append(files, f.Path)
		}
		run := r.Result.Run
		if run == nil {
			continue
		}
		if c, ok := run.RequestUsage.Credits(); ok {
			credits, haveC = credits+c, true
		}
		if c, ok := run.RequestUsage.CostUSD(); ok {
			usd, haveU = usd+c, true
		}
		if n, ok := run.RequestUsage.Tokens(); ok {
			tokens, hvT = tokens+n, true
		}
		for _, u := range run.PullRequestURLs() {
			if !slices.Contains(prs, u) {
				prs = append(prs, u)
			}
		}
	}
	num := func(ok bool, v float64) string {
		if !ok {
			return ""
		}
		return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
	}
	tok := ""
	if hvT {
		tok = strconv.FormatInt(tokens, 10)
	}
	msg := ""
	if res.Err != nil {
		msg = res.Err.Error()
	}
	return []ci.Output{
		{Name: "run_id"},
		{Name: "run_url"},
		{Name: "state"},
		{Name: "conclusion", Value: string(res.Conclusion)},
		{Name: "status_message", Value: msg},
		{Name: "error_code"},
		{Name: "session_link"},
		{Name: "pr_urls", Value: strings.Join(prs, "\n")},
		{Name: "artifacts", Value: "[]"},
		{Name: "credits", Value: num(haveC, credits)},
		{Name: "run_time"},
		{Name: "result_file"},
		{Name: "agent_output"},
		{Name: "conversation_id"},
		{Name: "files", Value: strings.Join(files, "\n")},
		{Name: "cost_usd", Value: num(haveU, usd)},
		{Name: "tokens", Value: tok},
		{Name: "comment_url"},
		{Name: "structured_output"},
		{Name: "verdict"},
		{Name: "findings"},
		{Name: "runs", Value: string(runs)},
	}
}

// runEntry is one element of the runs output.
type runEntry struct {
	Key              string          `json:"key"`
	RunID            string          `json:"run_id"`
	State            string          `json:"state"`
	Conclusion       string          `json:"conclusion"`
	SessionLink      string          `json:"session_link"`
	StatusMessage    string          `json:"status_message"`
	AgentOutput      string          `json:"agent_output"`
	StructuredOutput json.RawMessage `json:"structured_output"`
	Verdict          string          `json:"verdict"`
	CostUSD          string          `json:"cost_usd"`
	PRURLs           []string        `json:"pr_urls"`
}

// RunsJSON is the runs output: a JSON array, a run an element in list
// order, at most MaxRunsOutput bytes: each status message at most 1 KiB
// and each answer at most 4 KiB, then shorter answers while the whole is
// over (4 KiB, 1 KiB, 256 bytes, none), then whole runs left out from
// the end.
func RunsJSON(b outcome.Batch) []byte {
	entries := make([]runEntry, 0, len(b.Runs))
	for _, r := range b.Runs {
		e := runEntry{Key: r.Key, RunID: r.Result.RunID, State: string(r.Result.State), Conclusion: string(r.Conclusion()),
			AgentOutput: r.Result.Work.Answer, StructuredOutput: json.RawMessage("null"), PRURLs: []string{}}
		if run := r.Result.Run; run != nil {
			e.SessionLink = run.SessionURL()
			if run.StatusMessage != nil {
				e.StatusMessage = cutText(run.StatusMessage.Message, maxRunsStatus)
			}
			if usd, ok := run.RequestUsage.CostUSD(); ok {
				e.CostUSD = strconv.FormatFloat(math.Round(usd*1e6)/1e6, 'f', -1, 64)
			}
			if prs := run.PullRequestURLs(); len(prs) > 0 {
				e.PRURLs = prs
			}
		} else if r.Result.Err != nil {
			e.StatusMessage = cutText(r.Result.Err.Error(), maxRunsStatus)
		}
		if v := r.Result.Verdict; v != nil {
			e.Verdict = cutText(v.Verdict, maxRunsStatus)
			if len(v.Structured) > 0 && len(v.Structured) <= maxRunsStructured && json.Valid(v.Structured) {
				e.StructuredOutput = v.Structured
			}
		}
		entries = append(entries, e)
	}
	for _, answer := range []int{maxRunsAnswer, 1 << 10, 256, 0} {
		for i := range entries {
			entries[i].AgentOutput = cutText(b.Runs[i].Result.Work.Answer, answer)
		}
		if out := encodeRuns(entries); len(out) <= MaxRunsOutput {
			return out
		}
	}
	for n := len(entries) - 1; n > 0; n-- {
		if out := encodeRuns(entries[:n]); len(out) <= MaxRunsOutput {
			return out
		}
	}
	return []byte("[]")
}

func encodeRuns(entries []runEntry) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(entries) != nil {
		return []byte("[]")
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// cutText cuts s to at most limit bytes at a character boundary, ending
// with "…" when cut (within the limit).
func cutText(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	if limit < len("…") {
		return ""
	}
	n := limit - len("…")
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// batchResultEntry is one run in a batch's result file.
type batchResultEntry struct {
	Key string  `json:"key"`
	Run *oz.Run `json:"run"` // null for a run never created
}

// BatchResultJSON is a batch's result file: a JSON array in list order of
// {key, run}, each run the last object read (null when none was), indented;
// each run's artifacts only as many as its share of the file holds.
func BatchResultJSON(b outcome.Batch) []byte {
	share := ci.MaxResultFile / max(len(b.Runs), 1)
	entries := make([]batchResultEntry, 0, len(b.Runs))
	for _, r := range b.Runs {
		e := batchResultEntry{Key: r.Key}
		if run := r.Result.Run; run != nil {
			c := *run
			c.Artifacts = upTo(run.Artifacts, share)
			e.Run = &c
		} else if r.Result.RunID != "" {
			e.Run = &oz.Run{RunID: r.Result.RunID, State: r.Result.State}
		}
		entries = append(entries, e)
	}
	var compact, out bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if enc.Encode(entries) != nil || json.Indent(&out, compact.Bytes(), "", "  ") != nil {
		return []byte("[]\n")
	}
	return out.Bytes()
}
