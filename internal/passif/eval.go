package passif

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxCost bounds an evaluation: each node evaluated costs 1, a string
// built or searched 1 per 64 bytes, a comparison 1 per value compared.
// A predicate over the 30,000 elements of a 64 KiB answer fits many
// times over; a predicate in a predicate over it does not.
const maxCost = 2_000_000

// maxString is the longest string + may build.
const maxString = 1 << 20

type evaluator struct {
	src   string
	cost  int
	elems []any
}

// evalError is an error of evaluation at n.
func (e *evaluator) errorf(n *node, format string, args ...any) error {
	return errorAt(e.src, n.pos, fmt.Sprintf(format, args...))
}

func (e *evaluator) spend(n *node, units int) error {
	e.cost += units
	if e.cost > maxCost {
		return e.errorf(n, "the expression takes too long to evaluate (more than %d steps)", maxCost)
	}
	return nil
}

// chainNil is the value of a?.b when a is nil: the rest of the chain is
// nil too (a?.b.c does not fail on the nil).
type chainNil struct{}

// plain turns a chain's nil into nil, for whatever takes the value.
func plain(v any) any {
	if _, ok := v.(chainNil); ok {
		return nil
	}
	return v
}

func (e *evaluator) eval(n *node) (any, error) {
	v, err := e.evalChain(n, false)
	return plain(v), err
}

// evalChain evaluates n; lenient (the left of ??) makes a member that is
// missing nil.
func (e *evaluator) evalChain(n *node, lenient bool) (any, error) {
	if err := e.spend(n, 1); err != nil {
		return nil, err
	}
	switch n.kind {
	case nLiteral:
		return n.val, nil
	case nOutput:
		return e.elemsRoot(), nil
	case nElem:
		if len(e.elems) < 2 {
			return nil, e.errorf(n, "# outside a predicate")
		}
		return e.elems[len(e.elems)-1], nil
	case nMember:
		return e.member(n, lenient)
	case nUnary:
		v, err := e.eval(n.a)
		if err != nil {
			return nil, err
		}
		if n.op == "!" {
			b, ok := v.(bool)
			if !ok {
				return nil, e.errorf(n, "! needs a boolean, not %s", kindOf(v))
			}
			return !b, nil
		}
		if !isNumber(v) {
			return nil, e.errorf(n, "%s needs a number, not %s", n.op, kindOf(v))
		}
		if n.op == "+" {
			return v, nil
		}
		if i, ok := v.(int64); ok && i != math.MinInt64 {
			return -i, nil
		}
		return -toFloat(v), nil
	case nBinary:
		return e.binary(n)
	case nCond:
		v, err := e.eval(n.a)
		if err != nil {
			return nil, err
		}
		b, ok := v.(bool)
		if !ok {
			return nil, e.errorf(n, "the condition before ? must be a boolean, not %s", kindOf(v))
		}
		if b {
			return e.eval(n.b)
		}
		return e.eval(n.c)
	case nCall:
		return e.call(n)
	}
	return nil, e.errorf(n, "unknown expression")
}

// elemsRoot is output: the first of elems.
func (e *evaluator) elemsRoot() any { return e.elems[0] }

func (e *evaluator) member(n *node, lenient bool) (any, error) {
	obj, err := e.evalChain(n.a, false)
	if err != nil {
		return nil, err
	}
	if _, ok := obj.(chainNil); ok {
		return obj, nil
	}
	if obj == nil && n.optional {
		return chainNil{}, nil
	}
	var key any = n.name
	if n.b != nil {
		if key, err = e.eval(n.b); err != nil {
			return nil, err
		}
	}
	switch o := obj.(type) {
	case map[string]any:
		k, ok := key.(string)
		if !ok {
			return nil, e.errorf(n, "an object's member is named by a string, not %s", kindOf(key))
		}
		v, ok := o[k]
		if !ok {
			if lenient || n.optional {
				return nil, nil
			}
			return nil, e.errorf(n, "the object has no member %s (use ?. or ?? for a member that may be missing)", strconv.Quote(clip(k)))
		}
		return v, nil
	case []any:
		if !isNumber(key) {
			return nil, e.errorf(n, "a list's element is taken by its index, a number, not %s", describe1(key))
		}
		i, ok := index(key, len(o))
		if !ok {
			return nil, e.errorf(n, "index %s is out of range (the list has %s)", describe1(key), elements(len(o)))
		}
		return o[i], nil
	}
	return nil, e.errorf(n, "%s has no members (taking %s)", kindOf(obj), describe1(key))
}

func elements(n int) string {
	if n == 1 {
		return "1 element"
	}
	return strconv.Itoa(n) + " elements"
}

// index reads a list index: an integer, negative from the end.
func index(key any, length int) (int, bool) {
	var i int64
	switch k := key.(type) {
	case int64:
		i = k
	case float64:
		if k != math.Trunc(k) || math.Abs(k) > 1<<53 {
			return 0, false
		}
		i = int64(k)
	default:
		return 0, false
	}
	if i < 0 {
		i += int64(length)
	}
	if i < 0 || i >= int64(length) {
		return 0, false
	}
	return int(i), true
}

func describe1(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(clip(x))
	case int64, float64:
		return fmt.Sprint(x)
	}
	return kindOf(v)
}

func clip(s string) string {
	if len(s) <= 60 {
		return s
	}
	cut := 60
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// kindOf names the kind of a value, for errors.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

func (e *evaluator) binary(n *node) (any, error) {
	switch n.op {
	case "&&", "and", "||", "or":
		a, err := e.boolean(n, n.a)
		if err != nil {
			return nil, err
		}
		if a == (n.op == "||" || n.op == "or") {
			return a, nil
		}
		return e.boolean(n, n.b)
	case "??":
		a, err := e.evalChain(n.a, true)
		if err != nil {
			return nil, err
		}
		if a = plain(a); a != nil {
			return a, nil
		}
		return e.eval(n.b)
	}
	a, err := e.eval(n.a)
	if err != nil {
		return nil, err
	}
	b, err := e.eval(n.b)
	if err != nil {
		return nil, err
	}
	var out any
	switch n.op {
	case "==", "!=":
		eq, err := e.equal(n, a, b)
		if err != nil {
			return nil, err
		}
		return eq == (n.op == "=="), nil
	case "<", "<=", ">", ">=":
		return e.compare(n, a, b)
	case "in":
		out, err = e.in(n, a, b)
	case "contains", "startsWith", "endsWith", "matches":
		out, err = e.text(n, a, b)
	case "+", "-", "*", "/", "%":
		return e.arithmetic(n, a, b)
	default:
		return nil, e.errorf(n, "unknown operator %s", n.op)
	}
	if err != nil {
		return nil, err
	}
	if n.negate {
		return !out.(bool), nil
	}
	return out, nil
}

func (e *evaluator) boolean(op, n *node) (bool, error) {
	v, err := e.eval(n)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, e.errorf(op, "%s needs booleans, not %s", op.op, kindOf(v))
	}
	return b, nil
}

// equal compares two JSON values: numbers by value, lists and objects
// member by member.
func (e *evaluator) equal(n *node, a, b any) (bool, error) {
	if err := e.spend(n, 1); err != nil {
		return false, err
	}
	switch x := a.(type) {
	case nil:
		return b == nil, nil
	case bool, string:
		return a == b, nil
	case int64, float64:
		if !isNumber(b) {
			return false, nil
		}
		if bi, ok := b.(int64); ok {
			if xi, ok := x.(int64); ok {
				return xi == bi, nil
			}
		}
		return toFloat(a) == toFloat(b), nil
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false, nil
		}
		for i := range x {
			if eq, err := e.equal(n, x[i], y[i]); err != nil || !eq {
				return false, err
			}
		}
		return true, nil
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false, nil
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok {
				return false, nil
			}
			if eq, err := e.equal(n, xv, yv); err != nil || !eq {
				return false, err
			}
		}
		return true, nil
	}
	return false, nil
}

func (e *evaluator) compare(n *node, a, b any) (any, error) {
	var c int
	switch {
	case isNumber(a) && isNumber(b):
		ai, aok := a.(int64)
		bi, bok := b.(int64)
		switch {
		case aok && bok:
			c = cmpInt(ai, bi)
		default:
			af, bf := toFloat(a), toFloat(b)
			switch {
			case af < bf:
				c = -1
			case af > bf:
				c = 1
			}
		}
	default:
		as, aok := a.(string)
		bs, bok := b.(string)
		if !aok || !bok {
			return nil, e.errorf(n, "%s compares two numbers or two strings, not %s and %s", n.op, kindOf(a), kindOf(b))
		}
		if err := e.spend(n, (len(as)+len(bs))/64); err != nil {
			return nil, err
		}
		c = strings.Compare(as, bs)
	}
	switch n.op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (e *evaluator) in(n *node, a, b any) (any, error) {
	switch y := b.(type) {
	case []any:
		for _, v := range y {
			if eq, err := e.equal(n, a, v); err != nil || eq {
				return eq, err
			}
		}
		return false, nil
	case map[string]any:
		k, ok := a.(string)
		if !ok {
			return nil, e.errorf(n, "in an object looks for a member's name, a string, not %s", kindOf(a))
		}
		_, found := y[k]
		return found, nil
	}
	return nil, e.errorf(n, "in needs a list or an object on its right, not %s", kindOf(b))
}

func (e *evaluator) text(n *node, a, b any) (any, error) {
	as, aok := a.(string)
	bs, bok := b.(string)
	if !aok || !bok {
		return nil, e.errorf(n, "%s needs strings on both sides, not %s and %s", n.op, kindOf(a), kindOf(b))
	}
	if err := e.spend(n, (len(as)+len(bs))/64); err != nil {
		return nil, err
	}
	switch n.op {
	case "contains":
		return strings.Contains(as, bs), nil
	case "startsWith":
		return strings.HasPrefix(as, bs), nil
	case "endsWith":
		return strings.HasSuffix(as, bs), nil
	}
	return n.re.MatchString(as), nil
}

func (e *evaluator) arithmetic(n *node, a, b any) (any, error) {
	if n.op == "+" {
		if as, ok := a.(string); ok {
			bs, ok := b.(string)
			if !ok {
				return nil, e.errorf(n, "+ joins a string with a string, not %s", kindOf(b))
			}
			if len(as)+len(bs) > maxString {
				return nil, e.errorf(n, "+ would build a string longer than %d bytes", maxString)
			}
			if err := e.spend(n, (len(as)+len(bs))/64); err != nil {
				return nil, err
			}
			return as + bs, nil
		}
	}
	if !isNumber(a) || !isNumber(b) {
		return nil, e.errorf(n, "%s needs numbers, not %s and %s", n.op, kindOf(a), kindOf(b))
	}
	ai, aok := a.(int64)
	bi, bok := b.(int64)
	ints := aok && bok
	switch n.op {
	case "+":
		if ints && (bi >= 0 && ai <= math.MaxInt64-bi || bi < 0 && ai >= math.MinInt64-bi) {
			return ai + bi, nil
		}
		return toFloat(a) + toFloat(b), nil
	case "-":
		if ints && (bi <= 0 && ai <= math.MaxInt64+bi || bi > 0 && ai >= math.MinInt64+bi) {
			return ai - bi, nil
		}
		return toFloat(a) - toFloat(b), nil
	case "*":
		if ints && (ai == 0 || bi == 0 || (ai*bi)/bi == ai && !(ai == -1 && bi == math.MinInt64) && !(bi == -1 && ai == math.MinInt64)) {
			return ai * bi, nil
		}
		return toFloat(a) * toFloat(b), nil
	case "/":
		if toFloat(b) == 0 {
			return nil, e.errorf(n, "division by zero")
		}
		return toFloat(a) / toFloat(b), nil
	}
	if !ints {
		return nil, e.errorf(n, "%% needs integers")
	}
	if bi == 0 {
		return nil, e.errorf(n, "division by zero")
	}
	if bi == -1 {
		return int64(0), nil
	}
	return ai % bi, nil
}

func (e *evaluator) call(n *node) (any, error) {
	arg, err := e.eval(n.args[0])
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "len":
		switch x := arg.(type) {
		case string:
			if err := e.spend(n, len(x)/64); err != nil {
				return nil, err
			}
			return int64(utf8.RuneCountInString(x)), nil
		case []any:
			return int64(len(x)), nil
		case map[string]any:
			return int64(len(x)), nil
		}
		return nil, e.errorf(n, "len takes a string, a list or an object, not %s", kindOf(arg))
	case "lower", "upper":
		s, ok := arg.(string)
		if !ok {
			return nil, e.errorf(n, "%s takes a string, not %s", n.op, kindOf(arg))
		}
		if err := e.spend(n, len(s)/64); err != nil {
			return nil, err
		}
		if n.op == "lower" {
			return strings.ToLower(s), nil
		}
		return strings.ToUpper(s), nil
	}
	list, ok := arg.([]any)
	if !ok {
		return nil, e.errorf(n, "%s takes a list first, not %s", n.op, kindOf(arg))
	}
	count := 0
	var kept []any
	for _, el := range list {
		e.elems = append(e.elems, el)
		v, err := e.eval(n.args[1])
		e.elems = e.elems[:len(e.elems)-1]
		if err != nil {
			return nil, err
		}
		b, ok := v.(bool)
		if !ok {
			return nil, e.errorf(n.args[1], "the predicate of %s must give a boolean, not %s", n.op, kindOf(v))
		}
		switch {
		case n.op == "all" && !b:
			return false, nil
		case n.op == "any" && b:
			return true, nil
		case n.op == "none" && b:
			return false, nil
		}
		if b {
			count++
			if n.op == "filter" {
				kept = append(kept, el)
			}
		}
	}
	switch n.op {
	case "all", "none":
		return true, nil
	case "any":
		return false, nil
	case "one":
		return count == 1, nil
	case "count":
		return int64(count), nil
	}
	if kept == nil {
		kept = []any{}
	}
	return kept, nil
}

// normalize turns a decoded JSON value into what an evaluation works on:
// numbers as int64 when they are integers that fit, else float64.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = normalize(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = normalize(e)
		}
		return a
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return string(x)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f)
		}
		return f
	case int:
		return int64(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x)
		}
		return x
	}
	return v
}
