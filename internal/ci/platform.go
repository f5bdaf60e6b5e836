// Package ci is where oz-run meets the CI system it runs in: GitHub Actions,
// GitLab CI, or a plain terminal. It knows GitHub and GitLab, nothing about Oz.
// Text passed in may be untrusted (it comes from an API): every Platform
// escapes it where it is written.
package ci

import "time"

// Output is one step output, by its contract name (`run_id`, `state`, ...).
type Output struct {
	Name  string
	Value string
}

// Report is everything a step publishes when it ends.
type Report struct {
	// Outputs in the contract's order, by contract name. GitLab maps them to
	// OZ_* dotenv keys.
	Outputs []Output
	// Summary is the Markdown job summary; empty writes none.
	Summary string
	// SummaryText is the summary as plain text, which a terminal prints
	// instead of the Markdown (the summary file, if any, stays Markdown).
	SummaryText string
	// Failed says the step fails (the JUnit test case fails with Message).
	Failed bool
	// Title names the run in reports (the JUnit test case name).
	Title string
	// Message is a one-line outcome (the JUnit failure message).
	Message  string
	Duration time.Duration
	// ResultFile, when set, is a path relative to the workspace where
	// ResultJSON is written; the `result_file` output is set once it is.
	ResultFile string
	ResultJSON []byte
	// Answer is the agent's answer (Markdown, as it wrote it): off GitHub
	// it goes to Options.OutputFile, when it is not blank.
	Answer string
	// Cases, for a batch (prompts), are its runs: the JUnit report has a
	// test case for each instead of one for the step.
	Cases []RunCase
	// RunsJSON, for a batch, is the runs output's value: off GitHub it
	// goes to RunsFile too.
	RunsJSON []byte
	// Structured is the structured_output value (compact JSON): off
	// GitHub it goes to Options.StructuredFile too; nil writes none.
	Structured []byte
	// CodeQuality is a review's GitLab Code Quality report (a JSON array):
	// off GitHub it goes to Options.CodeQualityFile; nil writes none.
	CodeQuality []byte
	// Annotations are a review's findings that GitHub shows on the
	// changed files (at most 10 a severity, most severe first); the text
	// is the agent's and is escaped where it is written.
	Annotations []Annotation
}

// Annotation is one finding on a file: GitHub's ::error file=...,line=...::
// workflow command.
type Annotation struct {
	// Level is "error", "warning" or "notice".
	Level string
	// Path is relative to the repository root; Line and EndLine are 0 when
	// not known.
	Path          string
	Line, EndLine int
	Title         string
	Message       string
}

// Platform is the CI system, as the runner and main see it.
type Platform interface {
	// Name is "github", "gitlab", "other-ci" (any other CI) or "local" (a
	// terminal). Every platform but GitHub's writes the report files.
	Name() string
	// Mask hides secrets in the logs from now on, where the CI can (give
	// them at once: each call rebuilds what finds them).
	Mask(secrets ...string)
	// Logf prints one informational line (or several).
	Logf(format string, args ...any)
	// Debugf prints only in debug mode (on GitHub also as ::debug::).
	Debugf(format string, args ...any)
	// Notice, Warning and Error are annotations on GitHub, marked lines elsewhere.
	Notice(title, message string)
	Warning(title, message string)
	Error(title, message string)
	// Group starts a collapsible log section; call the returned func to end it.
	Group(title string) (end func())
	// Metadata is the CI context to attach to the run (at most 10 keys, valid
	// Oz metadata keys and values).
	Metadata() map[string]string
	// Publish writes outputs, summary, reports and the result file. It
	// writes all it can and returns every failure joined.
	Publish(Report) error
}
