package passif

import (
	"fmt"
	"regexp"
)

// nodeKind is what a node of the syntax tree is.
type nodeKind int

const (
	nLiteral nodeKind = iota // val
	nOutput                  // output
	nElem                    // # (the element a predicate is at)
	nMember                  // a.name, a?.name (name), a[b], a?.[b] (b)
	nUnary                   // op a
	nBinary                  // a op b
	nCond                    // a ? b : c
	nCall                    // name(args)
)

// node is a node of the syntax tree.
type node struct {
	kind     nodeKind
	pos      int
	val      any    // nLiteral
	op       string // nUnary, nBinary; the function's name for nCall
	name     string // nMember by name
	a, b, c  *node
	args     []*node
	optional bool           // nMember: ?. (nil when a is nil)
	negate   bool           // nBinary: not in, not contains, ...
	re       *regexp.Regexp // nBinary matches: the compiled pattern
}

// Bounds of a parse: how many nodes, how deeply nested.
const (
	maxNodes = 500
	maxDepth = 64
)

// precedenceOf is a binary operator's precedence (expr's): higher binds
// tighter.
func precedenceOf(op string) (int, bool) {
	switch op {
	case "||", "or":
		return 10, true
	case "&&", "and":
		return 15, true
	case "==", "!=", "<", ">", "<=", ">=", "in", "contains", "startsWith", "endsWith", "matches":
		return 20, true
	case "+", "-":
		return 30, true
	case "*", "/", "%":
		return 60, true
	case "??":
		return 500, true
	}
	return 0, false
}

// Unary operators bind as in expr: ! and not above comparisons, the
// sign above everything but ??.
const (
	notPrecedence  = 50
	signPrecedence = 90
)

// negatable reports the operators that "not" may precede (a not in b).
func negatable(op string) bool {
	switch op {
	case "in", "contains", "startsWith", "endsWith", "matches":
		return true
	}
	return false
}

// function says how many arguments a function takes, and whether it is a
// predicate function, whose second argument is evaluated for each element
// of its first (which # and .name refer to); ok is false for a name that
// is no function.
func function(name string) (args int, predicate, ok bool) {
	switch name {
	case "len", "lower", "upper":
		return 1, false, true
	case "all", "any", "none", "one", "count", "filter":
		return 2, true, true
	}
	return 0, false, false
}

type parser struct {
	src   string
	toks  []token
	i     int
	nodes int
	depth int
}

// parse reads src into a syntax tree.
func parse(src string) (*node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	n, err := p.ternary()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errorf(t, "unexpected %s", describe(t))
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) is(t token, text string) bool {
	return (t.kind == tPunct || t.kind == tIdent) && t.text == text
}

func (p *parser) expect(text string) error {
	if t := p.next(); !p.is(t, text) {
		return p.errorf(t, "expected %s, found %s", text, describe(t))
	}
	return nil
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return errorAt(p.src, t.pos, fmt.Sprintf(format, args...))
}

func describe(t token) string {
	if t.kind == tEOF {
		return "the end"
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) newNode(kind nodeKind, pos int) (*node, error) {
	p.nodes++
	if p.nodes > maxNodes {
		return nil, errorAt(p.src, pos, fmt.Sprintf("the expression has more than %d parts", maxNodes))
	}
	return &node{kind: kind, pos: pos}, nil
}

func (p *parser) enter(t token) error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf(t, "the expression is nested more than %d deep", maxDepth)
	}
	return nil
}

// ternary is cond ? a : b, or an expression.
func (p *parser) ternary() (*node, error) {
	if err := p.enter(p.peek()); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	cond, err := p.binary(0)
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if !p.is(t, "?") {
		return cond, nil
	}
	p.next()
	n, err := p.newNode(nCond, t.pos)
	if err != nil {
		return nil, err
	}
	n.a = cond
	if n.b, err = p.ternary(); err != nil {
		return nil, err
	}
	if err := p.expect(":"); err != nil {
		return nil, err
	}
	if n.c, err = p.ternary(); err != nil {
		return nil, err
	}
	return n, nil
}

// binaryOp is the binary operator at the current token, if any: its
// text, whether "not" precedes it, and how many tokens it takes.
func (p *parser) binaryOp() (op string, negate bool, width int) {
	t := p.peek()
	if t.kind != tPunct && t.kind != tIdent {
		return "", false, 0
	}
	if t.kind == tIdent && t.text == "not" {
		if n := p.toks[p.i+1]; n.kind == tIdent && negatable(n.text) {
			return n.text, true, 2
		}
		return "", false, 0
	}
	if _, ok := precedenceOf(t.text); ok {
		return t.text, false, 1
	}
	return "", false, 0
}

// binary parses operators that bind at least as tightly as minPrec, left
// to right.
func (p *parser) binary(minPrec int) (*node, error) {
	if err := p.enter(p.peek()); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	prev := ""
	for {
		op, negate, width := p.binaryOp()
		prec, ok := precedenceOf(op)
		if !ok || prec < minPrec {
			return left, nil
		}
		t := p.peek()
		if prev == "??" && op != "??" {
			// As expr: a ?? b + c is refused, not read as (a ?? b) + c.
			return nil, p.errorf(t, "%s and ?? cannot be mixed: add parentheses", op)
		}
		prev = op
		p.i += width
		if isComparison(op) {
			if left, err = p.comparison(left, t, prec); err != nil {
				return nil, err
			}
			continue
		}
		n, err := p.newNode(nBinary, t.pos)
		if err != nil {
			return nil, err
		}
		n.op, n.negate, n.a = op, negate, left
		if n.b, err = p.binary(prec + 1); err != nil {
			return nil, err
		}
		if op == "matches" {
			if n.b.kind != nLiteral {
				return nil, p.errorf(t, "matches takes a pattern written as a string")
			}
			pattern, _ := n.b.val.(string)
			if n.re, err = regexp.Compile(pattern); err != nil {
				return nil, p.errorf(t, "bad pattern: %v", err)
			}
		}
		left = n
	}
}

func isComparison(op string) bool { return op == "<" || op == "<=" || op == ">" || op == ">=" }

// comparison reads a chain of comparisons as expr does: a < b <= c is
// a < b && b <= c (b is evaluated twice: it has no effects).
func (p *parser) comparison(left *node, t token, prec int) (*node, error) {
	var root *node
	for {
		n, err := p.newNode(nBinary, t.pos)
		if err != nil {
			return nil, err
		}
		n.op, n.a = t.text, left
		if n.b, err = p.binary(prec + 1); err != nil {
			return nil, err
		}
		if root == nil {
			root = n
		} else {
			and, err := p.newNode(nBinary, t.pos)
			if err != nil {
				return nil, err
			}
			and.op, and.a, and.b = "&&", root, n
			root = and
		}
		left, t = n.b, p.peek()
		if t.kind != tPunct || !isComparison(t.text) {
			return root, nil
		}
		p.next()
	}
}

// unary is !a, not a, -a, +a, or a postfix expression.
func (p *parser) unary() (*node, error) {
	t := p.peek()
	prec := 0
	switch {
	case p.is(t, "!"), t.kind == tIdent && t.text == "not":
		prec = notPrecedence
	case p.is(t, "-"), p.is(t, "+"):
		prec = signPrecedence
	default:
		return p.postfix()
	}
	p.next()
	n, err := p.newNode(nUnary, t.pos)
	if err != nil {
		return nil, err
	}
	n.op = t.text
	if n.op == "not" {
		n.op = "!"
	}
	if n.a, err = p.binary(prec); err != nil {
		return nil, err
	}
	return n, nil
}

// postfix is a primary expression followed by member accesses: .name,
// ?.name, [index], ?.[index].
func (p *parser) postfix() (*node, error) {
	n, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case p.is(t, "."), p.is(t, "?."):
			p.next()
			m, err := p.newNode(nMember, t.pos)
			if err != nil {
				return nil, err
			}
			m.a, m.optional = n, t.text == "?."
			if m.optional && p.is(p.peek(), "[") {
				p.next()
				if m.b, err = p.ternary(); err != nil {
					return nil, err
				}
				if err := p.expect("]"); err != nil {
					return nil, err
				}
			} else if name := p.next(); name.kind == tIdent {
				m.name = name.text
			} else {
				return nil, p.errorf(name, "expected a member's name after %s, found %s", t.text, describe(name))
			}
			n = m
		case p.is(t, "["):
			p.next()
			m, err := p.newNode(nMember, t.pos)
			if err != nil {
				return nil, err
			}
			m.a = n
			if m.b, err = p.ternary(); err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			n = m
		default:
			return n, nil
		}
	}
}

// primary is a literal, output, #, .name (a member of #), a call, or an
// expression in parentheses.
func (p *parser) primary() (*node, error) {
	t := p.next()
	switch {
	case t.kind == tNumber || t.kind == tString:
		n, err := p.newNode(nLiteral, t.pos)
		if err != nil {
			return nil, err
		}
		n.val = t.val
		return n, nil
	case p.is(t, "("):
		n, err := p.ternary()
		if err != nil {
			return nil, err
		}
		return n, p.expect(")")
	case p.is(t, "#"):
		return p.newNode(nElem, t.pos)
	case p.is(t, "."):
		name := p.next()
		if name.kind != tIdent {
			return nil, p.errorf(name, "expected a member's name after ., found %s", describe(name))
		}
		elem, err := p.newNode(nElem, t.pos)
		if err != nil {
			return nil, err
		}
		n, err := p.newNode(nMember, t.pos)
		if err != nil {
			return nil, err
		}
		n.a, n.name = elem, name.text
		return n, nil
	case t.kind == tIdent:
		return p.ident(t)
	}
	return nil, p.errorf(t, "unexpected %s", describe(t))
}

// ident is true, false, nil, output or a call.
func (p *parser) ident(t token) (*node, error) {
	switch t.text {
	case "true", "false", "nil":
		n, err := p.newNode(nLiteral, t.pos)
		if err != nil {
			return nil, err
		}
		switch t.text {
		case "true":
			n.val = true
		case "false":
			n.val = false
		}
		return n, nil
	case "output":
		return p.newNode(nOutput, t.pos)
	}
	nargs, predicate, ok := function(t.text)
	if !ok {
		return nil, p.errorf(t, "unknown name %s (a pass_if knows output, # in a predicate, and the functions len, lower, upper, all, any, none, one, count, filter)", t.text)
	}
	if !p.is(p.peek(), "(") {
		return nil, p.errorf(t, "%s is a function: call it, as %s(...)", t.text, t.text)
	}
	p.next()
	n, err := p.newNode(nCall, t.pos)
	if err != nil {
		return nil, err
	}
	n.op = t.text
	for !p.is(p.peek(), ")") {
		if len(n.args) > 0 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
		}
		braced := len(n.args) == 1 && predicate && p.is(p.peek(), "{")
		if braced {
			p.next()
		}
		arg, err := p.ternary()
		if err != nil {
			return nil, err
		}
		if braced {
			if err := p.expect("}"); err != nil {
				return nil, err
			}
		}
		n.args = append(n.args, arg)
		if len(n.args) > nargs {
			break
		}
	}
	if len(n.args) != nargs {
		return nil, p.errorf(t, "%s takes %d argument(s), not %d", t.text, nargs, len(n.args))
	}
	return n, p.expect(")")
}
