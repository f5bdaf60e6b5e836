// Package passif is the language of pass_if: a small expression over
// output, the agent's structured answer, that must be true for the run to
// pass. Its syntax is a part of expr's (github.com/expr-lang/expr), so
// that what reads as expr means what expr would make of it; it is its
// own because expr's machine looks methods up by name, which keeps every
// method of every type in the binary (8.5 MB more).
//
//	output.verdict == "pass"
//	len(output.findings) == 0
//	none(output.findings, .severity == "error") && output.score >= 7
//
// Values are JSON's: null (written nil), booleans, numbers (integers
// exact up to 64 bits, else 64-bit floats), strings, lists, objects.
// Operators, loosest first: ?: ; || or ; && and ; == != < <= > >= in,
// contains, startsWith, endsWith, matches (each may follow not: a not in
// b) ; + - ; * / % ; ! not ; unary - + ; ?? (a ?? b: b when a is nil or
// a missing member). Members: a.b, a["b"], a[0], a[-1] (from the end),
// a?.b (nil when a is nil or has no b). Functions: len (characters of a
// string, elements, members), lower, upper, and over a list, with a
// predicate in which # is the element and .name its member: all, any,
// none, one, count, filter (braces around the predicate are allowed:
// all(l, {.ok})).
//
// A member an object does not have is an error (expr would give nil, and
// output.blocking != true would pass without it); with a known shape
// (the review schema) naming a member it does not have, comparing a
// string with a number, or an expression that is not a boolean is an
// error before anything is evaluated. An evaluation is bounded: the
// expression's size, its nesting, its steps, the strings it builds.
package passif

import (
	"fmt"
	"strings"
)

// MaxSource is the longest pass_if, in bytes.
const MaxSource = 4 << 10

// Program is a compiled pass_if.
type Program struct {
	src  string
	root *node
}

// Compile parses src and checks it against what output is known to be
// (Any when nothing is): the result must be able to be a boolean.
func Compile(src string, output Type) (*Program, error) {
	if len(src) > MaxSource {
		return nil, &Error{Line: 1, Column: 1, Message: fmt.Sprintf("the expression is %d bytes; at most %d are taken", len(src), MaxSource)}
	}
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Line: 1, Column: 1, Message: "the expression is empty"}
	}
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	c := &checker{src: src, output: output}
	t, err := c.check(root)
	if err != nil {
		return nil, err
	}
	if !t.is(KindBool) {
		return nil, errorAt(src, root.pos, fmt.Sprintf("the expression gives a %s, not a boolean", t))
	}
	return &Program{src: src, root: root}, nil
}

// Source is the expression as given.
func (p *Program) Source() string { return p.src }

// Eval evaluates the program with output, a decoded JSON value (numbers
// as json.Number, int64 or float64). An error says what failed and
// where: a missing member, a value of the wrong kind, an index out of
// range, too many steps.
func (p *Program) Eval(output any) (bool, error) {
	e := &evaluator{src: p.src, elems: []any{normalize(output)}}
	v, err := e.eval(p.root)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, errorAt(p.src, p.root.pos, fmt.Sprintf("the expression gave %s, not a boolean", kindOf(v)))
	}
	return b, nil
}
