package passif

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// doc decodes a JSON document as the verdict does (numbers as json.Number).
func doc(t testing.TB, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	require.NoError(t, d.Decode(&v))
	return v
}

func TestEval(t *testing.T) {
	t.Parallel()
	const data = `{"verdict":"fail","n":5,"x":0.25,"big":9007199254740993,"s":"Hello, Wörld","flag":true,"none":null,
		"list":[1,2,3],"items":[{"ok":true,"sev":"error"},{"ok":false,"sev":"notice"},{"ok":true,"sev":"notice"}],
		"obj":{"a":{"b":1}},"empty":[]}`
	tests := []struct {
		src  string
		want bool
		err  string // an evaluation error
	}{
		// literals and logic
		{`true`, true, ""},
		{`!false && not false`, true, ""},
		{`true || false and false`, true, ""}, // and binds tighter
		{`(true || false) && false`, false, ""},
		{`false or false or true`, true, ""},
		{`!true == false`, true, ""}, // (!true) == false, as in expr
		{`true ? false : true`, false, ""},
		{`output.flag ? output.n == 5 : false`, true, ""},
		// comparisons
		{`output.verdict == "fail" && output.verdict != 'pass'`, true, ""},
		{`output.n > 3 && output.n >= 5 && output.n < 6 && output.n <= 5`, true, ""},
		{`output.x < 0.5 && output.x == 0.25`, true, ""},
		{`output.big == 9007199254740993 && output.big != 9007199254740992`, true, "" /* integers exact */},
		{`output.n == 5.0`, true, ""},
		{`"abc" < "abd"`, true, ""},
		{`output.none == nil && output.list != nil`, true, ""},
		{`output.list == output.list && output.obj == output.obj && output.list != output.empty`, true, ""},
		// arithmetic
		{`1 + 2 * 3 == 7 && (1 + 2) * 3 == 9`, true, ""},
		{`-output.n + 10 == 5 && - -1 == 1`, true, ""},
		{`7 / 2 == 3.5 && 7 % 3 == 1`, true, ""},
		{`9223372036854775807 * 2 > 9223372036854775807 && 9223372036854775807 + 1 > 0`, true, "" /* past int64: a float */},
		{`output.s + "!" == "Hello, Wörld!"`, true, ""},
		{`1 / 0 > 0`, false, "division by zero"},
		{`1 % 0 > 0`, false, "division by zero"},
		{`1.5 % 1 > 0`, false, "% needs integers"},
		// members
		{`output.obj.a.b == 1 && output["obj"]["a"]["b"] == 1`, true, ""},
		{`output.list[0] == 1 && output.list[-1] == 3 && output.list[2.0] == 3`, true, ""},
		{`output.list[3] == 1`, false, "index 3 is out of range (the list has 3 elements) (line 1, column 12)"},
		{`output.list[-4] == 1`, false, "index -4 is out of range"},
		{`output.list[0.5] == 1`, false, "index 0.5 is out of range"},
		{`output.missing != true`, false, `the object has no member "missing" (use ?. or ?? for a member that may be missing) (line 1, column 7)`},
		{`output.obj.a.c == 1`, false, `the object has no member "c"`},
		{`output.missing ?? true`, true, ""},
		{`output.none ?? true`, true, ""},
		{`output.flag ?? false`, true, ""},
		{`(output.obj.z ?? output.n) == 5`, true, ""},
		{`output.obj.missing.x ?? true`, false, `the object has no member "missing"`}, // ?? spares only the last member
		{`output?.missing == nil`, true, ""},
		{`output.none?.a.b.c == nil`, true, ""}, // the chain stops at the nil
		{`output.none.a == nil`, false, "nil has no members"},
		{`output.n.a == nil`, false, "a number has no members"},
		{`output.list.a == nil`, false, `a list's element is taken by its index, a number, not "a"`},
		{`output.obj?.["a"]?.b == 1`, true, ""},
		// in and strings
		{`2 in output.list && 4 not in output.list && "flag" in output && "nope" not in output`, true, ""},
		{`output.s contains "Wö" && output.s startsWith "Hell" && output.s endsWith "rld" && output.s not contains "x"`, true, ""},
		{`output.s matches "^H.*d$" && output.s not matches "^x"`, true, ""},
		{`lower(output.s) == "hello, wörld" && upper("a") == "A"`, true, ""},
		{`len(output.s) == 12 && len(output.list) == 3 && len(output.obj) == 1 && len(output.empty) == 0`, true, "" /* characters */},
		// predicates
		{`all(output.list, # > 0) && any(output.list, # == 2) && none(output.list, # > 3) && one(output.list, # == 1)`, true, ""},
		{`count(output.items, .ok) == 2 && count(output.items, {.sev == "notice"}) == 2`, true, ""},
		{`len(filter(output.items, .ok && .sev == "notice")) == 1`, true, ""},
		{`all(output.empty, false) && !any(output.empty, true) && count(output.empty, true) == 0`, true, ""},
		{`any(output.items, all(output.list, # < 4) && #.ok)`, true, "" /* # is the innermost element */},
		{`all(output.items, .missing)`, false, `the object has no member "missing"`},
		{`all(output.list, #)`, false, "the predicate of all must give a boolean, not a number"},
		// kinds at run time
		{`output.n`, false, "the expression gave a number, not a boolean"},
		{`output.n && true`, false, "&& needs booleans, not a number"},
		{`output.s > 1`, false, "> compares two numbers or two strings, not a string and a number"},
		{`len(output.n) > 1`, false, "len takes a string, a list or an object, not a number"},
		{`all(output.n, true)`, false, "all takes a list first, not a number"},
		{`output.n + "a" == "5a"`, false, "+ needs numbers, not a number and a string"},
		{`!output.n`, false, "! needs a boolean, not a number"},
		{`output.n in output.obj`, false, "in an object looks for a member's name, a string, not a number"},
	}
	value := doc(t, data)
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src, Any)
			require.NoError(t, err)
			got, err := p.Eval(value)
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

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	review := ObjectOf(map[string]Type{"verdict": String, "n": Number, "findings": ListOf(ObjectOf(map[string]Type{"path": String, "line": Number}))})
	tests := []struct {
		src    string
		output Type
		err    string
	}{
		{``, Any, "the expression is empty (line 1, column 1)"},
		{strings.Repeat(" ", MaxSource) + "x", Any, "the expression is 4097 bytes; at most 4096 are taken"},
		{`output.verdict ==`, Any, "unexpected the end (line 1, column 18)"},
		{`output.`, Any, "expected a member's name after ., found the end"},
		{`output..a`, Any, `expected a member's name after ., found "."`},
		{`(true`, Any, "expected ), found the end"},
		{`true)`, Any, `unexpected ")"`},
		{`true ? false`, Any, "expected :, found the end"},
		{`output.list[0`, Any, "expected ], found the end"},
		{`"abc`, Any, "a string is not closed"},
		{"\"a\nb\"", Any, "a string is not closed on its line"},
		{`"\q"`, Any, `unknown escape \q`},
		{`"\u12"`, Any, `\u needs four hex digits`},
		{`1abc`, Any, `bad number "1a"`},
		{`1e999 > 0`, Any, "number 1e999 is out of range"},
		{`output @ 1`, Any, `unexpected character '@' (line 1, column 8)`},
		{`verdict == "pass"`, Any, "unknown name verdict (a pass_if knows output, # in a predicate, and the functions len, lower, upper, all, any, none, one, count, filter)"},
		{`now() > 0`, Any, "unknown name now"},
		{`len == 1`, Any, "len is a function: call it, as len(...)"},
		{`len(1, 2) == 1`, Any, "len takes 1 argument(s), not 2"},
		{`all(output.l) == true`, Any, "all takes 2 argument(s), not 1"},
		{`# == 1`, Any, "# and .name stand for an element only inside a predicate"},
		{`.ok`, Any, "# and .name stand for an element only inside a predicate"},
		{`output.s matches output.p`, Any, "matches takes a pattern written as a string"},
		{`output.s matches "(?=x)"`, Any, "bad pattern"},
		{`output.a ?? 1 + 2`, Any, "+ and ?? cannot be mixed: add parentheses (line 1, column 15)"},
		{`1 < 2 < "a"`, Any, "< compares two numbers or two strings"},
		{`1 + 2`, Any, "the expression gives a number, not a boolean (line 1, column 3)"},
		{`"a"`, Any, "the expression gives a string, not a boolean"},
		{`!1`, Any, "! needs a boolean, not a number"},
		{`-"a" == 1`, Any, "- needs a number, not a string"},
		{`1 && true`, Any, "&& needs booleans on both sides, not a number and a boolean"},
		{`"a" == 1`, Any, "== compares a string with a number: they are never equal"},
		{`"a" < 1`, Any, "< compares two numbers or two strings, not a string and a number"},
		{`1 in 2`, Any, "in needs a list or an object on its right, not a number"},
		{`1 contains "a"`, Any, "contains needs strings on both sides"},
		{`true + 1 == 2`, Any, "+ adds two numbers or joins two strings, not a boolean and a number"},
		{`"a" - 1 == 2`, Any, "- needs numbers on both sides"},
		{`len(true) == 1`, Any, "len takes a string, a list or an object, not a boolean"},
		{`lower(1) == "a"`, Any, "lower takes a string, not a number"},
		{`all(1, true)`, Any, "all takes a list first, not a number"},
		{`all(output.l, 1)`, Any, "the predicate of all must be a boolean, not a number"},
		{`(true ? 1 : 2) > "a"`, Any, "> compares two numbers or two strings"},
		{`nil.a == 1`, Any, "a nil has no members"},
		{strings.Repeat("(", 100) + "true" + strings.Repeat(")", 100), Any, "the expression is nested more than 64 deep"},
		{strings.Repeat("!", 600) + "true", Any, "the expression is nested more than 64 deep"},
		{strings.Repeat("true && ", 300) + "true", Any, "the expression has more than 500 parts"},
		// with a known shape
		{`output.verdit == "pass"`, review, `output has no member "verdit" (it has findings, n, verdict) (line 1, column 7)`},
		{`output["verdit"] == "pass"`, review, `output has no member "verdit"`},
		{`output.verdict > 1`, review, "> compares two numbers or two strings, not a string and a number"},
		{`output.verdict == 1`, review, "== compares a string with a number"},
		{`output.verdict`, review, "the expression gives a string, not a boolean"},
		{`output.n.x == 1`, review, "a number has no members"},
		{`output.findings.path == "a"`, review, "a list's element is taken by its index, a number: [0], [-1]"},
		{`output.findings["a"] == nil`, review, "a list's element is taken by its index"},
		{`any(output.findings, .file == "a")`, review, `the element has no member "file" (it has line, path)`},
		{`any(output.findings, #.line == "a")`, review, "== compares a number with a string"},
		{`len(output.n) > 0`, review, "len takes a string, a list or an object, not a number"},
		{`all(output.verdict, true)`, review, "all takes a list first, not a string"},
		{`output[output.verdict] == 1`, review, ""}, // a member named at run time: any
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src, tt.output)
			if tt.err == "" {
				require.NoError(t, err)
				assert.NotNil(t, p)
				return
			}
			require.Error(t, err)
			var perr *Error
			require.ErrorAs(t, err, &perr)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

// Types with a known shape let what is right compile.
func TestCompileWithShape(t *testing.T) {
	t.Parallel()
	review := ObjectOf(map[string]Type{"verdict": String, "findings": ListOf(ObjectOf(map[string]Type{"severity": String, "line": Number}))})
	for _, src := range []string{
		`output.verdict == "pass"`,
		`len(output.findings) == 0`,
		`none(output.findings, .severity == "error")`,
		`all(output.findings, #.line > 0)`,
		`count(output.findings, .severity == "warning") < 3`,
		`len(filter(output.findings, .line > 10)) == 0`,
		`(output.findings[0]?.line ?? 0) > 3`,
		`output.verdict == nil || output.verdict != nil`,
		`output?.verdict == "pass"`,
	} {
		_, err := Compile(src, review)
		assert.NoError(t, err, src)
	}
}

// Evaluation is bounded: a predicate in a predicate over a large list
// runs out of steps, and + will not build a huge string.
func TestEvalBounds(t *testing.T) {
	t.Parallel()
	list := "[" + strings.TrimSuffix(strings.Repeat("1,", 10000), ",") + "]"
	value := doc(t, `{"l":`+list+`,"s":"`+strings.Repeat("x", 600<<10)+`"}`)
	tests := []struct {
		src string
		err string
	}{
		{`all(output.l, all(output.l, # == 1))`, "the expression takes too long to evaluate (more than 2000000 steps)"},
		{`output.s + output.s == ""`, "+ would build a string longer than 1048576 bytes"},
		{`all(output.l, output.s + "y" != "")`, "takes too long to evaluate"},
		{`all(output.l, output.l == output.l)`, "takes too long to evaluate"},
	}
	for _, tt := range tests {
		p, err := Compile(tt.src, Any)
		require.NoError(t, err)
		_, err = p.Eval(value)
		require.Error(t, err, tt.src)
		assert.Contains(t, err.Error(), tt.err, tt.src)
	}
	p, err := Compile(`all(output.l, # == 1) && count(output.l, # > 0) == 10000`, Any)
	require.NoError(t, err)
	ok, err := p.Eval(value)
	require.NoError(t, err, "one pass over a large list fits")
	assert.True(t, ok)
}

func TestErrorPosition(t *testing.T) {
	t.Parallel()
	_, err := Compile("output.a &&\n  output.b ==", Any)
	var perr *Error
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, Error{Line: 2, Column: 14, Message: "unexpected the end"}, *perr)
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	got := normalize(map[string]any{"a": []any{json.Number("1"), json.Number("1.5"), json.Number("1e2"), json.Number("1e30"), json.Number("-0"), "s", true, nil, 7, 2.0}})
	assert.Equal(t, map[string]any{"a": []any{int64(1), 1.5, int64(100), 1e30, int64(0), "s", true, nil, int64(7), int64(2)}}, got)
}
