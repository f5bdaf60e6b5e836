package verdict

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

// Problem is one reason why an answer holds no valid structured value:
// where in the value (a JSON pointer; "" for the value as a whole, or
// when there is none) and what is wrong.
type Problem struct {
	Pointer string
	Message string
}

// maxProblemText is the most one problem's message takes, in bytes: the
// messages quote the agent's text (a string that fails a pattern, say).
const maxProblemText = 300

// String is the problem as one line: "/findings/0/line: got string,
// want integer".
func (p Problem) String() string {
	msg := oneLine(p.Message, maxProblemText)
	if p.Pointer == "" {
		return msg
	}
	return oneLine(p.Pointer, maxProblemText) + ": " + msg
}

// pointer is the JSON pointer (RFC 6901) of a path of member names and
// array indexes.
func pointer(path []string) string {
	var b strings.Builder
	for _, tok := range path {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(tok))
	}
	return b.String()
}

// quote is s in double quotes, Go-escaped, cut to a readable length.
func quote(s string) string {
	return strconv.Quote(textclean.Cut(s, 100))
}

// oneLine is s on one line (textclean.Line), at most limit bytes.
func oneLine(s string, limit int) string {
	return textclean.Cut(textclean.Line(textclean.Cut(s, 4*limit)), limit)
}

// listProblems writes problems as "- " lines, at most limit bytes of
// them in all; those left out are counted on a last line.
func listProblems(problems []Problem, limit int) string {
	var b strings.Builder
	for i, p := range problems {
		line := "- " + p.String() + "\n"
		if b.Len()+len(line) > limit {
			fmt.Fprintf(&b, "- … and %d more\n", len(problems)-i)
			break
		}
		b.WriteString(line)
	}
	return b.String()
}
