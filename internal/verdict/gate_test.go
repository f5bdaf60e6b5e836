package verdict

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// customSchema takes any object.
func customSchema(t *testing.T) *Schema {
	t.Helper()
	s, err := NewSchema([]byte(`{"type":"object"}`), "inline")
	require.NoError(t, err)
	return s
}

func TestNewGate(t *testing.T) {
	t.Parallel()
	review, custom := Review(), customSchema(t)
	tests := []struct {
		name   string
		source string
		schema *Schema
		err    string // "" when it compiles
	}{
		{"the default", DefaultReviewGate, review, ""},
		{"no findings", `len(output.findings) == 0`, review, ""},
		{"no error findings", `none(output.findings, .severity == "error")`, review, ""},
		{"a finding's members", `all(output.findings, .line >= 0 && .end_line >= 0 && .path != "" && .title + .message != "")`, review, ""},
		{"index by name", `output["verdict"] == "pass"`, review, ""},
		{"a summary check", `output.verdict == "pass" && !(output.summary contains "TODO")`, review, ""},
		{"any member over another schema", `output.score >= 7 && output.ok`, custom, ""},
		{"optional members", `output?.maybe ?? true`, custom, ""},
		{"a member the review has not", `output.verdit == "pass"`, review,
			`pass_if "output.verdit == \"pass\"" does not compile: output has no member "verdit" (it has findings, summary, verdict) (line 1, column 7); pass_if is an expression over output, the value valid against output_schema, such as output.verdict == "pass" or len(output.findings) == 0`},
		{"a finding's member it has not", `any(output.findings, .file == "x")`, review, `the element has no member "file" (it has end_line, line, message, path, severity, title)`},
		{"Dropped is not a member", `any(output.findings, .Dropped == "")`, review, `no member "Dropped"`},
		{"a string compared with a number", `output.verdict == 1`, review, "== compares a string with a number: they are never equal"},
		{"not a boolean", `output.verdict`, review, "the expression gives a string, not a boolean"},
		{"a number is not a boolean", `len(output.findings)`, review, "the expression gives a number, not a boolean"},
		{"a constant that is not a boolean", `1 + 2`, custom, "the expression gives a number, not a boolean"},
		{"not output", `verdict == "pass"`, review, "unknown name verdict"},
		{"syntax", `output.verdict ==`, review, "unexpected the end (line 1, column 18)"},
		{"no clock", `now() > 1`, custom, "unknown name now"},
		{"empty", `  `, review, "the expression is empty"},
		{"too long", strings.Repeat(" ", MaxGateBytes) + "true", review, "the expression is 4100 bytes; at most 4096 are taken"},
		{"no schema", `true`, nil, "pass_if needs output_schema: set output_schema to review or to a JSON Schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, err := NewGate(tt.source, tt.schema)
			if tt.err == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.source, g.Source())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

// value decodes a JSON document as extract does.
func value(t *testing.T, doc string) any {
	t.Helper()
	ex, p := extract(doc)
	require.Nil(t, p, "%s", doc)
	return ex.value
}

func TestGateEval(t *testing.T) {
	t.Parallel()
	review, custom := Review(), customSchema(t)
	pass := `{"verdict":"pass","summary":"s","findings":[]}`
	fail := `{"verdict":"fail","summary":"s","findings":[{"path":"a.go","line":3,"severity":"error","message":"m"},{"path":"b.go","severity":"notice","message":"n"}]}`
	tests := []struct {
		name   string
		schema *Schema
		source string
		doc    string
		want   bool
		err    string // an evaluation error
	}{
		{"default, pass", review, DefaultReviewGate, pass, true, ""},
		{"default, fail", review, DefaultReviewGate, fail, false, ""},
		{"no findings", review, `len(output.findings) == 0`, fail, false, ""},
		{"no errors", review, `none(output.findings, .severity == "error")`, fail, false, ""},
		{"only notices", review, `all(output.findings, .severity == "notice")`, pass, true, ""},
		{"a missing line is 0, a missing title empty", review, `output.findings[1].line == 0 && output.findings[0].line == 3 && output.findings[1].title == ""`, fail, true, ""},
		{"an integer written 3.0", review, `output.findings[0].line == 3`, `{"verdict":"pass","summary":"s","findings":[{"path":"a","line":3.0,"severity":"error","message":"m"}]}`, true, ""},
		{"a huge line is clamped", review, `output.findings[0].line > 2147483647`, `{"verdict":"pass","summary":"s","findings":[{"path":"a","line":1e30,"severity":"error","message":"m"}]}`, true, ""},
		{"findings in the agent's order", review, `output.findings[0].severity == "notice"`, `{"verdict":"pass","summary":"s","findings":[{"path":"a","severity":"notice","message":"m"},{"path":"b","severity":"error","message":"m"}]}`, true, ""},
		{"an index past the end", review, `output.findings[5].line > 0`, fail, false, "index 5 is out of range (the list has 2 elements)"},
		{"numbers", custom, `output.n > 3 && output.n + 1 == 6 && output.x < 0.5 && output.y == 2`, `{"n":5,"x":0.25,"y":2.0}`, true, ""},
		{"a missing member is an error", custom, `output.blocking != true`, `{"other":1}`, false, `the object has no member "blocking"`},
		{"?? allows it", custom, `output.blocking ?? false`, `{"other":1}`, false, ""},
		{"?. allows it", custom, `output?.blocking == nil`, `{}`, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, err := NewGate(tt.source, tt.schema)
			require.NoError(t, err)
			got, err := g.eval(value(t, tt.doc))
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// The review as a pass_if sees it: its members and the findings' six,
// nothing else.
func TestReviewValue(t *testing.T) {
	t.Parallel()
	got := reviewValue(value(t, `{"verdict":"fail","summary":"s","extra":1,"findings":[{"path":"a","severity":"error","message":"m","x":2},{"path":"b","line":4,"end_line":6,"severity":"notice","title":"t","message":"n"}]}`))
	assert.Equal(t, map[string]any{"verdict": "fail", "summary": "s", "findings": []any{
		map[string]any{"path": "a", "line": int64(0), "end_line": int64(0), "severity": "error", "title": "", "message": "m"},
		map[string]any{"path": "b", "line": int64(4), "end_line": int64(6), "severity": "notice", "title": "t", "message": "n"},
	}}, got)
}

func TestInteger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want int
		ok   bool
	}{
		{json.Number("3"), 3, true},
		{json.Number("-3"), -3, true},
		{json.Number("3.0"), 3, true},
		{json.Number("3e2"), 300, true},
		{json.Number("3.5"), 0, false},
		{json.Number("1e40"), int(^uint(0) >> 1), true},
		{json.Number("-1e40"), -int(^uint(0)>>1) - 1, true},
		{json.Number("1e999999"), 0, false},
		{"3", 0, false},
		{nil, 0, false},
	}
	for _, tt := range tests {
		got, ok := integer(tt.in)
		assert.Equal(t, tt.ok, ok, "%v", tt.in)
		assert.Equal(t, tt.want, got, "%v", tt.in)
	}
}
