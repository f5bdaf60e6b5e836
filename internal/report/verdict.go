package report

import (
	"github.com/oz-run/oz-run-action/internal/ci"
	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/verdict"
)

// The agent's verdict in the report: structured_output, verdict and
// findings (Outputs), the structured file, a review's Code Quality report
// and annotations (addVerdict), and the words of the outcome's line.

// reviewCounts is the findings output: how many findings of each
// severity ("2 error, 1 warning"; "none"), for a review only.
func reviewCounts(v *verdict.Outcome) string {
	if !v.Review {
		return ""
	}
	return verdict.Counts(v.Findings)
}

// addVerdict puts the judged answer into r: the structured value for its
// file, and a review's usable findings as a Code Quality report and as
// annotations (at most verdict.MaxAnnotations a severity).
func addVerdict(r *ci.Report, res outcome.Result) {
	v := res.Verdict
	if v == nil || len(v.Structured) == 0 {
		return
	}
	r.Structured = v.Structured
	if !v.Review {
		return
	}
	r.CodeQuality = verdict.CodeQuality(v.Findings)
	for _, f := range verdict.Annotations(v.Findings) {
		r.Annotations = append(r.Annotations, ci.Annotation{Level: f.Severity, Path: f.Path, Line: f.Line, EndLine: f.EndLine, Title: f.Title, Message: f.Message})
	}
}

// verdictWords say, after "run X succeeded, ", why the step's conclusion
// is rejected or invalid_output.
func verdictWords(res outcome.Result) string {
	v := res.Verdict
	if res.Conclusion == outcome.Rejected {
		s := "but the agent's verdict rejected it (pass_if is false"
		if v.Verdict != "" {
			s += "; verdict " + v.Verdict
		}
		if v.Review {
			s += "; findings: " + verdict.Counts(v.Findings)
		}
		return s + ")"
	}
	return "but its answer is invalid_output: " + v.Reason
}
