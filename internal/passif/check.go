package passif

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is the kind of a Type.
type Kind int

const (
	KindAny Kind = iota
	KindBool
	KindNumber
	KindString
	KindNil
	KindList
	KindObject
)

func (k Kind) String() string {
	switch k {
	case KindBool:
		return "boolean"
	case KindNumber:
		return "number"
	case KindString:
		return "string"
	case KindNil:
		return "nil"
	case KindList:
		return "list"
	case KindObject:
		return "object"
	}
	return "value"
}

// Type is what is known of a value before the expression is evaluated:
// any JSON value, or one of a kind; a list of elements of a type; an
// object with known members (closed: no others) or with any.
type Type struct {
	kind    Kind
	elem    *Type
	members map[string]Type // KindObject: nil for any members
}

// The types of scalar values, and of any value.
var (
	Any    = Type{kind: KindAny}
	Bool   = Type{kind: KindBool}
	Number = Type{kind: KindNumber}
	String = Type{kind: KindString}
)

// ListOf is the type of a list of elem.
func ListOf(elem Type) Type { return Type{kind: KindList, elem: &elem} }

// ObjectOf is the type of an object with these members and no others:
// naming another is an error before anything is evaluated.
func ObjectOf(members map[string]Type) Type {
	if members == nil {
		members = map[string]Type{}
	}
	return Type{kind: KindObject, members: members}
}

// Kind is t's kind.
func (t Type) Kind() Kind { return t.kind }

var nilType = Type{kind: KindNil}

func (t Type) is(k Kind) bool { return t.kind == k || t.kind == KindAny }

func (t Type) String() string {
	if t.kind == KindList && t.elem != nil && t.elem.kind != KindAny {
		return "list of " + t.elem.kind.String() + "s"
	}
	return t.kind.String()
}

// checker computes the type of each node, with what # stands for in
// each enclosing predicate.
type checker struct {
	src    string
	output Type
	elems  []Type
}

func (c *checker) errorf(n *node, format string, args ...any) error {
	return errorAt(c.src, n.pos, fmt.Sprintf(format, args...))
}

// check is the type of n, or why it cannot be evaluated.
func (c *checker) check(n *node) (Type, error) {
	switch n.kind {
	case nLiteral:
		switch n.val.(type) {
		case bool:
			return Bool, nil
		case int64, float64:
			return Number, nil
		case string:
			return String, nil
		}
		return nilType, nil
	case nOutput:
		return c.output, nil
	case nElem:
		if len(c.elems) == 0 {
			return Type{}, c.errorf(n, "# and .name stand for an element only inside a predicate, such as all(output.findings, .severity != \"error\")")
		}
		return c.elems[len(c.elems)-1], nil
	case nMember:
		return c.member(n)
	case nUnary:
		t, err := c.check(n.a)
		if err != nil {
			return Type{}, err
		}
		if n.op == "!" {
			if !t.is(KindBool) {
				return Type{}, c.errorf(n, "! needs a boolean, not a %s", t)
			}
			return Bool, nil
		}
		if !t.is(KindNumber) {
			return Type{}, c.errorf(n, "%s needs a number, not a %s", n.op, t)
		}
		return Number, nil
	case nBinary:
		return c.binary(n)
	case nCond:
		cond, err := c.check(n.a)
		if err != nil {
			return Type{}, err
		}
		if !cond.is(KindBool) {
			return Type{}, c.errorf(n, "the condition before ? must be a boolean, not a %s", cond)
		}
		a, err := c.check(n.b)
		if err != nil {
			return Type{}, err
		}
		b, err := c.check(n.c)
		if err != nil {
			return Type{}, err
		}
		return join(a, b), nil
	case nCall:
		return c.call(n)
	}
	return Type{}, c.errorf(n, "unknown expression")
}

// join is the type of a value that is either a or b.
func join(a, b Type) Type {
	switch {
	case a.kind == b.kind && a.kind != KindList && a.kind != KindObject:
		return a
	case a.kind == KindNil:
		return b
	case b.kind == KindNil:
		return a
	}
	return Any
}

func (c *checker) member(n *node) (Type, error) {
	obj, err := c.check(n.a)
	if err != nil {
		return Type{}, err
	}
	var key Type
	if n.b != nil {
		if key, err = c.check(n.b); err != nil {
			return Type{}, err
		}
	}
	name, named := n.name, n.b == nil
	if lit, ok := n.b.literal().(string); ok {
		name, named = lit, true
	}
	switch obj.kind {
	case KindAny:
		return Any, nil
	case KindObject:
		if !named {
			if !key.is(KindString) {
				return Type{}, c.errorf(n, "an object's member is named by a string, not a %s", key)
			}
			return Any, nil
		}
		if obj.members == nil {
			return Any, nil
		}
		t, ok := obj.members[name]
		if !ok {
			return Type{}, c.errorf(n, "%s has no member %q (it has %s)", c.describe(n.a), name, memberList(obj))
		}
		return t, nil
	case KindList:
		if n.b == nil || !key.is(KindNumber) {
			return Type{}, c.errorf(n, "a list's element is taken by its index, a number: [0], [-1]")
		}
		return *obj.elem, nil
	case KindNil:
		if n.optional {
			return Any, nil
		}
	}
	return Type{}, c.errorf(n, "a %s has no members", obj)
}

// literal is the value of a literal node, else nil.
func (n *node) literal() any {
	if n == nil || n.kind != nLiteral {
		return nil
	}
	return n.val
}

// describe names the value a node stands for, for errors.
func (c *checker) describe(n *node) string {
	switch n.kind {
	case nOutput:
		return "output"
	case nElem:
		return "the element"
	case nMember:
		if n.b == nil {
			return c.describe(n.a) + "." + n.name
		}
	}
	return "the value"
}

func memberList(t Type) string {
	names := make([]string, 0, len(t.members))
	for name := range t.members {
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (c *checker) binary(n *node) (Type, error) {
	a, err := c.check(n.a)
	if err != nil {
		return Type{}, err
	}
	b, err := c.check(n.b)
	if err != nil {
		return Type{}, err
	}
	both := func(k Kind) bool { return a.is(k) && b.is(k) }
	switch n.op {
	case "&&", "and", "||", "or":
		if !both(KindBool) {
			return Type{}, c.errorf(n, "%s needs booleans on both sides, not a %s and a %s", n.op, a, b)
		}
		return Bool, nil
	case "==", "!=":
		if a.kind != KindAny && b.kind != KindAny && a.kind != KindNil && b.kind != KindNil && a.kind != b.kind {
			return Type{}, c.errorf(n, "%s compares a %s with a %s: they are never equal", n.op, a, b)
		}
		return Bool, nil
	case "<", "<=", ">", ">=":
		if !both(KindNumber) && !both(KindString) {
			return Type{}, c.errorf(n, "%s compares two numbers or two strings, not a %s and a %s", n.op, a, b)
		}
		return Bool, nil
	case "in":
		if !b.is(KindList) && !b.is(KindObject) {
			return Type{}, c.errorf(n, "in needs a list or an object on its right, not a %s", b)
		}
		return Bool, nil
	case "contains", "startsWith", "endsWith", "matches":
		if !both(KindString) {
			return Type{}, c.errorf(n, "%s needs strings on both sides, not a %s and a %s", n.op, a, b)
		}
		return Bool, nil
	case "+":
		switch {
		case both(KindNumber) && (a.kind == KindNumber || b.kind == KindNumber):
			return Number, nil
		case both(KindString) && (a.kind == KindString || b.kind == KindString):
			return String, nil
		case a.kind == KindAny && b.kind == KindAny:
			return Any, nil
		}
		return Type{}, c.errorf(n, "+ adds two numbers or joins two strings, not a %s and a %s", a, b)
	case "-", "*", "/", "%":
		if !both(KindNumber) {
			return Type{}, c.errorf(n, "%s needs numbers on both sides, not a %s and a %s", n.op, a, b)
		}
		return Number, nil
	case "??":
		return join(a, b), nil
	}
	return Type{}, c.errorf(n, "unknown operator %s", n.op)
}

func (c *checker) call(n *node) (Type, error) {
	arg, err := c.check(n.args[0])
	if err != nil {
		return Type{}, err
	}
	switch n.op {
	case "len":
		if !arg.is(KindString) && !arg.is(KindList) && !arg.is(KindObject) {
			return Type{}, c.errorf(n, "len takes a string, a list or an object, not a %s", arg)
		}
		return Number, nil
	case "lower", "upper":
		if !arg.is(KindString) {
			return Type{}, c.errorf(n, "%s takes a string, not a %s", n.op, arg)
		}
		return String, nil
	}
	if !arg.is(KindList) {
		return Type{}, c.errorf(n, "%s takes a list first, not a %s", n.op, arg)
	}
	elem := Any
	if arg.elem != nil {
		elem = *arg.elem
	}
	c.elems = append(c.elems, elem)
	pred, err := c.check(n.args[1])
	c.elems = c.elems[:len(c.elems)-1]
	if err != nil {
		return Type{}, err
	}
	if !pred.is(KindBool) {
		return Type{}, c.errorf(n.args[1], "the predicate of %s must be a boolean, not a %s", n.op, pred)
	}
	switch n.op {
	case "count":
		return Number, nil
	case "filter":
		return arg, nil
	}
	return Bool, nil
}
