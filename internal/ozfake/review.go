package ozfake

// The structured answers of [fake:review-*]: a run that succeeds ends its
// answer with a review, a fenced json block valid (or not) against
// oz-run's built-in review schema, as an agent asked for one would.

// The kinds of review a script's runs answer with (Script.Review).
const (
	ReviewPass             = "pass"               // verdict pass, one notice
	ReviewFail             = "fail"               // verdict fail: an error on a path and lines, a warning, a notice
	ReviewInvalidThenFixed = "invalid-then-fixed" // the first answer invalid against the schema, a follow-up's valid (pass)
	ReviewInvalid          = "invalid"            // never a valid answer: no json block at all
	ReviewHostile          = "hostile"            // verdict fail, findings whose paths and lines must name no file
)

// The review values, one line each as an agent may write them.
const (
	reviewPassJSON = `{"verdict": "pass", "summary": "The change replaces the sleep in TestClock with a fake clock; the test no longer races the ticker.", ` +
		`"findings": [{"path": "internal/clock/clock.go", "line": 12, "severity": "notice", "title": "Document the fake clock", ` +
		`"message": "Say in the doc comment that Advance must be called from the test's goroutine."}]}`
	reviewFailJSON = `{
  "verdict": "fail",
  "summary": "TestClock still races the ticker, and an error is dropped.",
  "findings": [
    {"path": "internal/clock/clock_test.go", "line": 42, "end_line": 45, "severity": "error", "title": "Data race on now",
     "message": "The ticker's goroutine writes now while the test reads it without the lock: go test -race fails."},
    {"path": "internal/clock/clock.go", "line": 17, "severity": "warning", "title": "Error ignored",
     "message": "The error of Stop is dropped; return it."},
    {"path": "README.md", "severity": "notice", "message": "Mention the fake clock in the testing section."}
  ]
}`
	reviewInvalidJSON = `{"verdict": "maybe", "findings": [{"path": "internal/clock/clock.go", "line": "twelve", "severity": "critical"}]}`
	reviewHostileJSON = `{"verdict": "fail", "summary": "Findings that name no file of the repository.", "findings": [
    {"path": "../../etc/passwd", "line": 1, "severity": "error", "title": "dot-dot", "message": "outside the repository"},
    {"path": "/etc/passwd", "line": 1, "severity": "error", "title": "absolute", "message": "an absolute path"},
    {"path": "C:\\Windows\\win.ini", "severity": "error", "title": "drive", "message": "a drive and backslashes"},
    {"path": "src/a\u0007b\u202egod.go", "line": 3, "severity": "warning", "title": "control", "message": "a bell and a bidi override"},
    {"path": "src/line.go", "line": 0, "severity": "warning", "title": "line 0", "message": "not a line"},
    {"path": "src/lines.go", "line": 9, "end_line": 2, "severity": "notice", "title": "backwards", "message": "end_line before line"},
    {"path": "src/ok.go", "line": 7, "severity": "error", "title": "a, title: with\nbreaks %0A",
     "message": "::error file=forged.go,line=1::forged\n::add-mask::x %25 <img src=x onerror=alert(1)> @octocat #12"}
  ]}`
)

// reviewAnswer is the answer of an execution that succeeded, for its
// script's review kind; index is the execution (0: the first, 1 on: the
// follow-ups').
func reviewAnswer(kind string, index int) string {
	const invalidText = "I looked at the change: the fake clock is a good idea and the tests pass. Nothing else to say."
	var value string
	switch {
	case kind == ReviewPass, kind == ReviewInvalidThenFixed && index > 0:
		value = reviewPassJSON
	case kind == ReviewFail:
		value = reviewFailJSON
	case kind == ReviewInvalidThenFixed:
		value = reviewInvalidJSON
	case kind == ReviewHostile:
		value = reviewHostileJSON
	default: // ReviewInvalid
		return "## Review\n\n" + invalidText + "\n"
	}
	intro := "I reviewed the change."
	if index > 0 {
		intro = "Here is the corrected review."
	}
	return "## Review\n\n" + intro + "\n\n```json\n" + value + "\n```\n"
}
