package verdict

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"

	"github.com/oz-run/oz-run-action/internal/passif"
)

// DefaultReviewGate is pass_if when output_schema is review and pass_if
// is not set.
const DefaultReviewGate = `output.verdict == "pass"`

// MaxGateBytes is the longest pass_if.
const MaxGateBytes = passif.MaxSource

// Gate is a compiled pass_if: an expression over output (the structured
// answer) that must be true for the run to pass.
type Gate struct {
	program *passif.Program
	review  bool
}

// Source is the expression as given.
func (g *Gate) Source() string { return g.program.Source() }

// reviewType is what a pass_if knows of output with the review schema:
// its members and theirs, and no others (a member the schema has not,
// such as output.verdit, is an error before anything is sent).
var reviewType = sync.OnceValue(func() passif.Type {
	finding := passif.ObjectOf(map[string]passif.Type{
		"path": passif.String, "line": passif.Number, "end_line": passif.Number,
		"severity": passif.String, "title": passif.String, "message": passif.String,
	})
	return passif.ObjectOf(map[string]passif.Type{
		"verdict": passif.String, "summary": passif.String, "findings": passif.ListOf(finding),
	})
})

// NewGate compiles pass_if over the answers of schema (nil is an error:
// pass_if needs output_schema) and checks it: the result must be a
// boolean, and with the review schema every member it names must be one
// of the schema's.
func NewGate(source string, schema *Schema) (*Gate, error) {
	const fix = `; pass_if is an expression over output, the value valid against output_schema, such as output.verdict == "pass" or len(output.findings) == 0`
	if schema == nil {
		return nil, errors.New("pass_if needs output_schema: set output_schema to review or to a JSON Schema")
	}
	output := passif.Any
	if schema.review {
		output = reviewType()
	}
	program, err := passif.Compile(source, output)
	if err != nil {
		return nil, fmt.Errorf("pass_if %s does not compile: %s%s", quote(source), oneLine(err.Error(), maxProblemText), fix)
	}
	return &Gate{program: program, review: schema.review}, nil
}

// eval evaluates the gate on a valid structured answer (as decoded, with
// json.Number numbers).
func (g *Gate) eval(value any) (bool, error) {
	if g.review {
		value = reviewValue(value)
	}
	return g.program.Eval(value)
}

// reviewValue is a valid review answer as a pass_if sees it: its three
// members, and each finding's six in the agent's order (a line or
// end_line not given is 0, a title not given ""); other members are left
// out, as the type leaves them out.
func reviewValue(v any) map[string]any {
	m, _ := v.(map[string]any)
	items, _ := m["findings"].([]any)
	findings := make([]any, 0, len(items))
	for _, it := range items {
		f := findingOf(it)
		findings = append(findings, map[string]any{
			"path": f.Path, "line": int64(f.Line), "end_line": int64(f.EndLine),
			"severity": f.Severity, "title": f.Title, "message": f.Message,
		})
	}
	return map[string]any{"verdict": str(m["verdict"]), "summary": str(m["summary"]), "findings": findings}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// integer reads a JSON integer (1, 1.0, 1e3): ok is false for anything
// else; a value beyond int's range is clamped to it.
func integer(v any) (n int, ok bool) {
	num, isNum := v.(json.Number)
	if !isNum {
		return 0, false
	}
	if i, err := strconv.ParseInt(string(num), 10, 64); err == nil {
		return int(i), true
	}
	if strings.ContainsAny(string(num), "eE") && !plausible(num) {
		return 0, false // not decoded by extract; never taken apart here
	}
	r, valid := new(big.Rat).SetString(string(num))
	if !valid || !r.IsInt() {
		return 0, false
	}
	switch i := r.Num(); {
	case i.IsInt64():
		return int(i.Int64()), true
	case i.Sign() > 0:
		return math.MaxInt, true
	default:
		return math.MinInt, true
	}
}
