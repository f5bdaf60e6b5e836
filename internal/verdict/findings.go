package verdict

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

// The severities of a review's findings, most severe first.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityNotice  = "notice"
)

// severities are the review's severities, most severe first.
var severities = [...]string{SeverityError, SeverityWarning, SeverityNotice}

// rank orders severities, most severe first; an unknown one comes last.
func rank(severity string) int {
	for i, s := range severities {
		if s == severity {
			return i
		}
	}
	return len(severities)
}

// Finding is one finding of a review, as the agent gave it. The text is
// the agent's: whoever shows it escapes it.
type Finding struct {
	Path string
	// Line and EndLine are the lines concerned; 0 when not given (a value
	// beyond int's range is clamped to it).
	Line     int
	EndLine  int
	Severity string
	Title    string
	Message  string
	// Dropped says why the finding makes no annotation and no Code
	// Quality entry ("" when it does): its path or lines are not what a
	// finding on a file of the repository holds.
	Dropped string
}

// Usable reports whether the finding may make an annotation and a Code
// Quality entry.
func (f Finding) Usable() bool { return f.Dropped == "" }

// MaxPathBytes is the longest path a usable finding may name.
const MaxPathBytes = 1024

// maxLine is the largest line a usable finding may name.
const maxLine = math.MaxInt32

// findingOf reads one finding of a review answer (an object); whatever
// it holds, the result is a Finding, dropped when its path or lines are
// not of a repository file.
func findingOf(v any) Finding {
	m, _ := v.(map[string]any)
	f := Finding{Path: str(m["path"]), Severity: str(m["severity"]), Title: str(m["title"]), Message: str(m["message"])}
	line, hasLine := m["line"]
	end, hasEnd := m["end_line"]
	var lineOK, endOK bool
	f.Line, lineOK = integer(line)
	f.EndLine, endOK = integer(end)
	badPath := pathProblem(f.Path)
	switch {
	case m == nil:
		f.Dropped = "it is not an object"
	case badPath != "":
		f.Dropped = badPath
	case hasLine && (!lineOK || f.Line < 1 || f.Line > maxLine):
		f.Dropped = "its line is not a positive integer"
	case hasEnd && (!endOK || f.EndLine < 1 || f.EndLine > maxLine):
		f.Dropped = "its end_line is not a positive integer"
	case hasEnd && !hasLine:
		f.Dropped = "it has an end_line but no line"
	case hasEnd && f.EndLine < f.Line:
		f.Dropped = "its end_line is before its line"
	case rank(f.Severity) == len(severities):
		f.Dropped = "its severity is not error, warning or notice"
	}
	return f
}

// pathProblem says why path is not a file of the repository relative to
// its root ("" when it may be).
func pathProblem(path string) string {
	switch {
	case path == "":
		return "its path is empty"
	case len(path) > MaxPathBytes:
		return fmt.Sprintf("its path is longer than %d bytes", MaxPathBytes)
	case strings.HasPrefix(path, "/"), len(path) >= 2 && path[1] == ':' && isLetter(path[0]):
		return "its path is absolute"
	case strings.Contains(path, ".."):
		return "its path holds .."
	case strings.Contains(path, `\`):
		return "its path holds a backslash"
	case !utf8.ValidString(path):
		return "its path is not valid UTF-8"
	case strings.IndexFunc(path, func(r rune) bool {
		return unicode.IsControl(r) || textclean.Invisible(r) || r == '\u2028' || r == '\u2029'
	}) >= 0:
		return "its path holds control or invisible characters"
	}
	return ""
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// Findings are the findings of a review answer, most severe first (in
// the agent's order within a severity), each one read by findingOf. A
// value that is not a review answer has none.
func Findings(value any) []Finding {
	m, _ := value.(map[string]any)
	items, _ := m["findings"].([]any)
	out := make([]Finding, 0, len(items))
	for _, it := range items {
		out = append(out, findingOf(it))
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Severity) < rank(out[j].Severity) })
	return out
}

// MaxAnnotations is how many annotations of each severity a GitHub step
// shows; the rest would be dropped.
const MaxAnnotations = 10

// Annotations are the findings that become GitHub annotations: the usable
// ones, at most MaxAnnotations of each severity, in the order given (most
// severe first, from Findings).
func Annotations(findings []Finding) []Finding {
	var out []Finding
	count := map[string]int{}
	for _, f := range findings {
		if f.Usable() && count[f.Severity] < MaxAnnotations {
			count[f.Severity]++
			out = append(out, f)
		}
	}
	return out
}

// Counts says how many findings there are of each severity, most severe
// first, those with none left out: "2 error, 1 warning"; "none" when
// there are none.
func Counts(findings []Finding) string {
	if len(findings) == 0 {
		return "none"
	}
	var n [len(severities) + 1]int
	for _, f := range findings {
		n[rank(f.Severity)]++
	}
	var parts []string
	for i, s := range severities {
		if n[i] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[i], s))
		}
	}
	if n[len(severities)] > 0 {
		parts = append(parts, fmt.Sprintf("%d other", n[len(severities)]))
	}
	return strings.Join(parts, ", ")
}

// DroppedWarning is the one warning about the findings that make no
// annotation and no report entry; "" when there are none.
func DroppedWarning(findings []Finding) string {
	n := 0
	for _, f := range findings {
		if !f.Usable() {
			n++
		}
	}
	switch n {
	case 0:
		return ""
	case 1:
		return "1 finding of the review makes no annotation and no Code Quality entry: its path is not a file of the repository (absolute, holding .. or control characters) or its line is not a positive integer; the summary lists it"
	}
	return fmt.Sprintf("%d findings of the review make no annotation and no Code Quality entry: their path is not a file of the repository (absolute, holding .. or control characters) or their line is not a positive integer; the summary lists them", n)
}
