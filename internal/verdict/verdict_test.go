package verdict

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func reviewSpec(t *testing.T, gate string) Spec {
	t.Helper()
	g, err := NewGate(gate, Review())
	require.NoError(t, err)
	return Spec{Schema: Review(), Gate: g}
}

func fenced(doc string) string { return "Here is my review.\n\n```json\n" + doc + "\n```\n" }

func TestJudge(t *testing.T) {
	t.Parallel()
	custom, err := NewSchema([]byte(`{"type":"object","required":["score"],"properties":{"score":{"type":"integer"},"verdict":{}}}`), "scores.json")
	require.NoError(t, err)
	scoreGate, err := NewGate(`output.score >= 7`, custom)
	require.NoError(t, err)
	pass := `{"verdict":"pass","summary":"fine","findings":[{"path":"a.go","line":1,"severity":"notice","message":"nit"}]}`
	fail := `{"verdict":"fail","summary":"bugs","findings":[{"path":"b.go","severity":"warning","message":"w"},{"path":"a.go","line":3,"severity":"error","message":"e"},{"path":"/abs","severity":"error","message":"x"}]}`
	tests := []struct {
		name       string
		spec       Spec
		answer     string
		conclusion Conclusion
		reason     string
		structured string
		verdict    string
		counts     string // Counts of the findings; "" for none
		problems   int
		repair     bool
	}{
		{"no schema: nothing to judge", Spec{}, "anything", Passed, "", "", "", "", 0, false},
		{"review, pass", reviewSpec(t, DefaultReviewGate), fenced(pass), Passed, "", pass, "pass", "1 notice", 0, false},
		{"review, fail: rejected", reviewSpec(t, DefaultReviewGate), fenced(fail), Rejected,
			`pass_if "output.verdict == \"pass\"" is false (the agent's verdict: "fail")`, fail, "fail", "2 error, 1 warning", 0, false},
		{"review, no gate", Spec{Schema: Review()}, fenced(fail), Passed, "", fail, "fail", "2 error, 1 warning", 0, false},
		{"review, another gate passes a fail", reviewSpec(t, `none(output.findings, .severity == "error" && .path == "c.go")`), fenced(fail), Passed, "", fail, "fail", "2 error, 1 warning", 0, false},
		{"review, gate error", reviewSpec(t, `output.findings[9].line > 0`), fenced(pass), InvalidOutput,
			`pass_if "output.findings[9].line > 0" could not be evaluated on the answer: index 9 is out of range (the list has 1 element) (line 1, column 16)`, pass, "pass", "1 notice", 0, false},
		{"review, invalid", reviewSpec(t, DefaultReviewGate), fenced(`{"verdict":"maybe","summary":"s","findings":[]}`), InvalidOutput,
			"the answer holds no JSON value valid against output_schema: /verdict: value must be one of 'pass', 'fail'", "", "", "", 1, true},
		{"review, several problems", reviewSpec(t, DefaultReviewGate), fenced(`{"verdict":"maybe"}`), InvalidOutput,
			"the answer holds no JSON value valid against output_schema: missing properties 'summary', 'findings' (and 1 more)", "", "", "", 2, true},
		{"no JSON", reviewSpec(t, DefaultReviewGate), "LGTM", InvalidOutput,
			"the answer holds no JSON value valid against output_schema: the answer has no fenced ```json block (and is not JSON as a whole)", "", "", "", 1, true},
		{"empty answer", reviewSpec(t, DefaultReviewGate), "", InvalidOutput,
			"the answer holds no JSON value valid against output_schema: the answer is empty: it must end with a fenced ```json block", "", "", "", 1, true},
		{"the whole answer", reviewSpec(t, DefaultReviewGate), "\n" + pass + "\n", Passed, "", pass, "pass", "1 notice", 0, false},
		{"custom, pass", Spec{Schema: custom, Gate: scoreGate}, fenced(`{"score": 9, "verdict": 3}`), Passed, "", `{"score":9,"verdict":3}`, "", "", 0, false},
		{"custom, rejected without a verdict", Spec{Schema: custom, Gate: scoreGate}, fenced(`{"score": 2, "verdict": "meh"}`), Rejected,
			`pass_if "output.score >= 7" is false (the agent's verdict: "meh")`, `{"score":2,"verdict":"meh"}`, "meh", "", 0, false},
		{"custom, invalid", Spec{Schema: custom, Gate: scoreGate}, fenced(`{"score": "9"}`), InvalidOutput,
			"the answer holds no JSON value valid against output_schema: /score: got string, want integer", "", "", "", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := tt.spec.Judge(tt.answer)
			assert.Equal(t, tt.conclusion, o.Conclusion)
			assert.Equal(t, tt.reason, o.Reason)
			assert.Equal(t, tt.structured, string(o.Structured))
			assert.Equal(t, tt.verdict, o.Verdict)
			if tt.counts != "" {
				assert.Equal(t, tt.counts, Counts(o.Findings))
			} else {
				assert.Empty(t, o.Findings)
			}
			assert.Len(t, o.Problems, tt.problems)
			assert.Equal(t, tt.repair, o.Repair() != "")
		})
	}
}

func TestJudgeFindingsSorted(t *testing.T) {
	t.Parallel()
	o := Spec{Schema: Review()}.Judge(fenced(`{"verdict":"fail","summary":"s","findings":[` +
		`{"path":"n.go","severity":"notice","message":"n"},{"path":"../e.go","line":2,"severity":"error","message":"e"},{"path":"w.go","severity":"warning","message":"w"}]}`))
	require.Len(t, o.Findings, 3)
	assert.Equal(t, []string{"../e.go", "w.go", "n.go"}, []string{o.Findings[0].Path, o.Findings[1].Path, o.Findings[2].Path})
	assert.Equal(t, "its path holds ..", o.Findings[0].Dropped)
	assert.Len(t, Annotations(o.Findings), 2)
	assert.NotEmpty(t, DroppedWarning(o.Findings))
}

func TestRepair(t *testing.T) {
	t.Parallel()
	o := reviewSpec(t, DefaultReviewGate).Judge(fenced(`{"verdict":"maybe","findings":[{"path":1}]}`))
	assert.Equal(t, "oz-run could not take the structured answer from your last message:\n\n"+
		"- missing property 'summary'\n"+
		"- /findings/0: missing properties 'severity', 'message'\n"+
		"- /findings/0/path: got number, want string\n"+
		"- /verdict: value must be one of 'pass', 'fail'\n"+
		"\nPlease correct it: end your reply with exactly one fenced code block in the language json (a line ```json, the value, a line ```), "+
		"holding the whole corrected value, valid against the JSON Schema given with the task. Nothing after the block.", o.Repair())
	assert.Empty(t, Outcome{}.Repair())
	assert.Empty(t, Outcome{Conclusion: InvalidOutput, Reason: "pass_if could not be evaluated"}.Repair(), "a gate error is not repaired")
}

// A repair names at most 2 KiB of problems, and says how many it left
// out; each problem is one line, cut when long.
func TestRepairBounded(t *testing.T) {
	t.Parallel()
	s, err := NewSchema([]byte(`{"items":{"type":"string","pattern":"^[a-z]+$"}}`), "inline")
	require.NoError(t, err)
	var items []string
	for i := 0; i < 40; i++ {
		items = append(items, fmt.Sprintf("%q", fmt.Sprintf("BAD %d\n%s", i, strings.Repeat("X", 1000))))
	}
	o := Spec{Schema: s}.Judge(fenced("[" + strings.Join(items, ",") + "]"))
	require.Equal(t, InvalidOutput, o.Conclusion)
	assert.Len(t, o.Problems, 40)
	repair := o.Repair()
	list := repair[strings.Index(repair, "- "):strings.Index(repair, "\nPlease")]
	assert.LessOrEqual(t, len(list), MaxRepairProblems+len("- … and 99 more\n"))
	assert.Contains(t, list, "- /0: ")
	assert.Regexp(t, `- … and \d+ more\n$`, list)
	for _, line := range strings.Split(strings.TrimSuffix(list, "\n"), "\n") {
		assert.LessOrEqual(t, len(line), maxProblemText+200, "one problem is one short line")
	}
	assert.LessOrEqual(t, len(o.Reason), 1000)
	assert.NotContains(t, o.Reason, "\n")
}

func TestJudgeProblemsCapped(t *testing.T) {
	t.Parallel()
	s, err := NewSchema([]byte(`{"items":{"type":"string"}}`), "inline")
	require.NoError(t, err)
	o := Spec{Schema: s}.Judge("[" + strings.TrimSuffix(strings.Repeat("1,", 500), ",") + "]")
	assert.Len(t, o.Problems, maxProblems)
	assert.Contains(t, o.Reason, "(and 49 more)")
}
