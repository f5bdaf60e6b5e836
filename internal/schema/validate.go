package schema

import (
	"fmt"
	"math/big"
	"math/bits"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// maxSteps bounds the schemas evaluated in one Validate: anyOf and oneOf
// over shared $refs take time exponential in the nesting otherwise.
const maxSteps = 2_000_000

// Work that grows with the value or the schema is counted in steps too,
// so that the budget bounds the time whatever each step does: a step is
// about one schema evaluated, as long as scanning bytesPerStep bytes or
// looking up itemsPerStep members.
const (
	bytesPerStep   = 64
	itemsPerStep   = 4  // members looked up
	matchesPerStep = 16 // short strings matched
	// a match does at most len(string) × insts steps of its program
	regexpWorkPerStep = 256
)

// keys are the member names of an object, sorted, once in a Validate.
func (e *evaluator) keys(obj map[string]any) []string {
	id := reflect.ValueOf(obj).UnsafePointer()
	if keys, ok := e.sorted[id]; ok {
		return keys
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.charge(len(keys) * bits.Len(uint(len(keys))) / itemsPerStep)
	if e.sorted == nil {
		e.sorted = map[unsafe.Pointer][]string{}
	}
	e.sorted[id] = keys
	return keys
}

// charge counts work into the step budget: false when it is spent, and
// the work must not be done.
func (e *evaluator) charge(steps int) bool {
	e.steps += steps
	if e.steps > maxSteps {
		e.over = true
	}
	return !e.over
}

// match matches s against p, once the work is counted: ok is false when
// the budget is spent (and s was not matched).
func (e *evaluator) match(p *pattern, s string) (matched, ok bool) {
	work := (len(s) + 1) * p.insts
	if work/(len(s)+1) != p.insts || !e.charge(work/regexpWorkPerStep) {
		e.over = true
		return false, false
	}
	return p.re.MatchString(s), true
}

// divisionCost is the work, in steps, of dividing r by m exactly:
// quadratic in their sizes.
func divisionCost(r, m *big.Rat) int {
	bits := r.Num().BitLen() + r.Denom().BitLen() + m.Num().BitLen() + m.Denom().BitLen()
	return bits / (8 * bytesPerStep) * (1 + bits/4096)
}

// maxEvalDepth bounds how deep evaluation nests (schemas within schemas,
// values within values), whatever the schema and the value.
const maxEvalDepth = 2000

// Validate returns nil when v is valid, else the problems found where
// the value fails (the leaves: each says what is wrong where), without
// repeats, sorted by pointer, at most limit (all when limit <= 0).
func (s *Schema) Validate(v any, limit int) (problems []Problem) {
	if s == nil || s.root == nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil { // not known to happen; a value never crashes the caller
			problems = []Problem{{Message: fmt.Sprintf("the value could not be validated: %v", r)}}
		}
	}()
	e := &evaluator{ann: s.uneval}
	ok, _ := e.eval(s.root, v)
	if e.deep {
		return []Problem{{Message: fmt.Sprintf("the schema nests deeper than %s schemas on this value; simplify the value or the schema's $ref", commas(maxEvalDepth))}}
	}
	if e.over {
		return []Problem{{Message: fmt.Sprintf("the schema takes too many steps on this value (over %s); simplify the value, or the schema's anyOf, oneOf and $ref", commas(maxSteps))}}
	}
	if ok {
		return nil
	}
	if len(e.problems) == 0 {
		return []Problem{{Message: "the value does not match the schema"}}
	}
	if limit <= 0 {
		limit = len(e.problems)
	}
	return tidy(e.problems, limit)
}

type evaluator struct {
	ann      bool // collect annotations (unevaluated*)
	steps    int
	depth    int
	over     bool // out of steps or depth: stop
	deep     bool // out of depth
	problems []Problem
	path     []string
	scope    []*resource
	active   map[activeKey]bool
	sorted   map[unsafe.Pointer][]string // keys
}

// activeKey is a reference being followed at an instance depth: met
// again on the same path, it loops without consuming the value.
type activeKey struct {
	target *node
	depth  int
}

// annots is what an applicator evaluated of an object or array.
type annots struct {
	props    map[string]bool
	allProps bool
	items    int // the first items
	allItems bool
	itemSet  map[int]bool // contains's matches (2020-12)
}

// merge adds what b evaluated to a, counting the work.
func (e *evaluator) merge(a, b *annots) {
	if a == nil || b == nil {
		return
	}
	e.charge((len(b.props) + len(b.itemSet)) / itemsPerStep)
	if b.allProps {
		a.allProps = true
	}
	for k := range b.props {
		if a.props == nil {
			a.props = map[string]bool{}
		}
		a.props[k] = true
	}
	a.items = max(a.items, b.items)
	if b.allItems {
		a.allItems = true
	}
	for i := range b.itemSet {
		if a.itemSet == nil {
			a.itemSet = map[int]bool{}
		}
		a.itemSet[i] = true
	}
}

func (a *annots) prop(k string) {
	if a == nil {
		return
	}
	if a.props == nil {
		a.props = map[string]bool{}
	}
	a.props[k] = true
}

func (e *evaluator) pointer() string {
	var b strings.Builder
	for _, tok := range e.path {
		b.WriteByte('/')
		b.WriteString(escape(tok))
	}
	return b.String()
}

// maxKept bounds the problems kept while validating (a failing anyOf
// keeps its branches' leaves, and so on, exponentially).
const maxKept = 1000

func (e *evaluator) fail(format string, args ...any) {
	if len(e.problems) >= maxKept {
		return
	}
	e.problems = append(e.problems, Problem{Pointer: e.pointer(), Message: fmt.Sprintf(format, args...)})
}

// child evaluates a member or item of the value.
func (e *evaluator) child(n *node, v any, tok string) bool {
	e.path = append(e.path, tok)
	ok, _ := e.eval(n, v)
	e.path = e.path[:len(e.path)-1]
	return ok
}

// follow evaluates a referenced schema at the same place of the value.
func (e *evaluator) follow(target *node, v any) (bool, *annots) {
	key := activeKey{target, len(e.path)}
	if e.active[key] {
		e.fail("the schema refers to itself (%s) without going deeper into the value", "#"+target.ptr)
		return false, nil
	}
	if e.active == nil {
		e.active = map[activeKey]bool{}
	}
	e.active[key] = true
	ok, a := e.eval(target, v)
	delete(e.active, key)
	return ok, a
}

// eval evaluates v against n: whether it is valid, and what of it n
// evaluated when it is (nil when annotations are not collected).
func (e *evaluator) eval(n *node, v any) (bool, *annots) {
	if e.over {
		return false, nil
	}
	e.steps++
	if e.depth >= maxEvalDepth {
		e.over, e.deep = true, true
		return false, nil
	}
	if e.steps > maxSteps {
		e.over = true
		return false, nil
	}
	switch n.bool {
	case 1:
		if e.ann {
			return true, &annots{}
		}
		return true, nil
	case -1:
		e.fail("no value is allowed here (the schema is false)")
		return false, nil
	}
	e.depth++
	defer func() { e.depth-- }()
	if len(e.scope) == 0 || e.scope[len(e.scope)-1] != n.res {
		e.scope = append(e.scope, n.res)
		defer func() { e.scope = e.scope[:len(e.scope)-1] }()
	}
	var a *annots
	if e.ann {
		a = &annots{}
	}
	valid := true
	if n.ref != nil {
		ok, ra := e.follow(n.ref, v)
		valid = valid && ok
		e.merge(a, ra)
		if n.draft <= draft7 {
			return valid, a
		}
	}
	if n.dynRef != nil {
		target := n.dynRef
		if n.dynName != "" {
			if !e.charge(len(e.scope) / itemsPerStep) {
				return false, nil
			}
			for _, r := range e.scope {
				if t, ok := r.dynNodes[n.dynName]; ok {
					target = t
					break
				}
			}
		}
		ok, ra := e.follow(target, v)
		valid = valid && ok
		e.merge(a, ra)
	}
	if n.recursiveRef != nil {
		target := n.recursiveRef
		if target.res.recursive && target.ptr == target.res.ptr {
			if !e.charge(len(e.scope) / itemsPerStep) {
				return false, nil
			}
			for _, r := range e.scope {
				if r.recursive && r.root != nil {
					target = r.root
					break
				}
			}
		}
		ok, ra := e.follow(target, v)
		valid = valid && ok
		e.merge(a, ra)
	}

	if n.types != 0 && !e.typeOK(n.types, v) {
		var want []string
		for i, name := range typeNames {
			if n.types&(1<<i) != 0 {
				want = append(want, name)
			}
		}
		e.fail("got %s, want %s", typeOf(v), strings.Join(want, " or "))
		valid = false
	}
	if n.hasConst || n.enum != nil {
		k := key(v)
		if !e.charge(len(k) / bytesPerStep) {
			return false, nil
		}
		if n.hasConst && k != n.constKey {
			e.fail("%s", n.constMsg)
			valid = false
		}
		if _, found := n.enum[k]; n.enum != nil && !found {
			e.fail("%s", n.enumMsg)
			valid = false
		}
	}
	if isNumber(v) {
		valid = e.number(n, v) && valid
	}
	switch x := v.(type) {
	case string:
		valid = e.str(n, x) && valid
	case []any:
		valid = e.array(n, x, a) && valid
	case map[string]any:
		valid = e.object(n, x, a) && valid
	}

	for _, s := range n.allOf {
		ok, sa := e.eval(s, v)
		valid = valid && ok
		e.merge(a, sa)
	}
	if len(n.anyOf) > 0 {
		mark := len(e.problems)
		matched := false
		for _, s := range n.anyOf {
			ok, sa := e.eval(s, v)
			if ok {
				matched = true
				e.merge(a, sa)
				if !e.ann {
					break
				}
			}
		}
		if matched {
			e.problems = e.problems[:mark]
		} else {
			valid = false
		}
	}
	if len(n.oneOf) > 0 {
		mark := len(e.problems)
		var matched []int
		var ma *annots
		for i, s := range n.oneOf {
			ok, sa := e.eval(s, v)
			if ok {
				matched = append(matched, i)
				ma = sa
				if len(matched) > 1 {
					break
				}
			}
		}
		switch len(matched) {
		case 0:
			valid = false
		case 1:
			e.problems = e.problems[:mark]
			e.merge(a, ma)
		default:
			e.problems = e.problems[:mark]
			e.fail("oneOf: valid against more than one schema (at indexes %d and %d), want exactly one", matched[0], matched[1])
			valid = false
		}
	}
	if n.not != nil {
		mark := len(e.problems)
		ok, _ := e.eval(n.not, v)
		e.problems = e.problems[:mark]
		if ok {
			e.fail("not: must not be valid against the schema under 'not'")
			valid = false
		}
	}
	if n.ifN != nil {
		mark := len(e.problems)
		ok, ia := e.eval(n.ifN, v)
		e.problems = e.problems[:mark]
		if ok {
			e.merge(a, ia)
			if n.thenN != nil {
				tok, ta := e.eval(n.thenN, v)
				valid = valid && tok
				e.merge(a, ta)
			}
		} else if n.elseN != nil {
			eok, ea := e.eval(n.elseN, v)
			valid = valid && eok
			e.merge(a, ea)
		}
	}
	if obj, ok := v.(map[string]any); ok {
		for _, k := range n.depSchemaKeys {
			if _, has := obj[k]; has {
				ok, sa := e.eval(n.depSchemas[k], v)
				valid = valid && ok
				e.merge(a, sa)
			}
		}
		if n.unevalProps != nil {
			valid = e.unevaluatedProps(n, obj, a) && valid
		}
	}
	if arr, ok := v.([]any); ok && n.unevalItems != nil {
		valid = e.unevaluatedItems(n, arr, a) && valid
	}
	if !valid {
		return false, nil
	}
	return true, a
}

func (e *evaluator) typeOK(types uint8, v any) bool {
	var bit uint8
	switch v.(type) {
	case nil:
		bit = tNull
	case bool:
		bit = tBoolean
	case string:
		bit = tString
	case []any:
		bit = tArray
	case map[string]any:
		bit = tObject
	default:
		if !isNumber(v) {
			return false
		}
		if types&tNumber != 0 {
			return true
		}
		if types&tInteger == 0 || !e.charge(numberSize(v)/bytesPerStep) {
			return false
		}
		d, ok := toDecimal(v)
		return ok && d.isInt()
	}
	return types&bit != 0
}

func (e *evaluator) number(n *node, v any) bool {
	if n.multipleOf == nil && n.maximum == nil && n.minimum == nil && n.exclMax == nil && n.exclMin == nil {
		return true
	}
	size := numberSize(v) // reading it exactly takes time quadratic in its size
	if !e.charge(size/bytesPerStep + size*size/(1<<16)) {
		return false
	}
	r, lit, ok := toRat(v)
	if !ok {
		e.fail("the number %s has an exponent beyond ±%d", cut(lit, 40), maxExponent)
		return false
	}
	if n.multipleOf != nil && !e.charge(divisionCost(r, n.multipleOf.rat)) {
		return false
	}
	valid := true
	if m := n.multipleOf; m != nil && !new(big.Rat).Quo(r, m.rat).IsInt() {
		e.fail("%s is not a multiple of %s", cut(lit, 40), cut(m.lit, 40))
		valid = false
	}
	if m := n.maximum; m != nil && r.Cmp(m.rat) > 0 {
		e.fail("maximum: got %s, want %s", cut(lit, 40), cut(m.lit, 40))
		valid = false
	}
	if m := n.exclMax; m != nil && r.Cmp(m.rat) >= 0 {
		e.fail("exclusiveMaximum: got %s, want less than %s", cut(lit, 40), cut(m.lit, 40))
		valid = false
	}
	if m := n.minimum; m != nil && r.Cmp(m.rat) < 0 {
		e.fail("minimum: got %s, want %s", cut(lit, 40), cut(m.lit, 40))
		valid = false
	}
	if m := n.exclMin; m != nil && r.Cmp(m.rat) <= 0 {
		e.fail("exclusiveMinimum: got %s, want greater than %s", cut(lit, 40), cut(m.lit, 40))
		valid = false
	}
	return valid
}

func (e *evaluator) str(n *node, s string) bool {
	valid := true
	if n.maxLength >= 0 || n.minLength >= 0 {
		if !e.charge(len(s) / bytesPerStep) {
			return false
		}
		l := utf8.RuneCountInString(s)
		if n.maxLength >= 0 && l > n.maxLength {
			e.fail("maxLength: got %s, want %s", commas(l), commas(n.maxLength))
			valid = false
		}
		if n.minLength >= 0 && l < n.minLength {
			e.fail("minLength: got %s, want %s", commas(l), commas(n.minLength))
			valid = false
		}
	}
	if n.pattern != nil {
		matched, ok := e.match(n.pattern, s)
		if !ok {
			return false
		}
		if !matched {
			e.fail("%s does not match pattern %s", show(s), show(n.pattern.re.String()))
			valid = false
		}
	}
	return valid
}

func (e *evaluator) array(n *node, arr []any, a *annots) bool {
	valid := true
	if n.maxItems >= 0 && len(arr) > n.maxItems {
		e.fail("maxItems: got %s, want %s", commas(len(arr)), commas(n.maxItems))
		valid = false
	}
	if n.minItems >= 0 && len(arr) < n.minItems {
		e.fail("minItems: got %s, want %s", commas(len(arr)), commas(n.minItems))
		valid = false
	}
	if n.uniqueItems {
		seen := make(map[string]int, len(arr))
		var b strings.Builder
		for i, x := range arr {
			b.Reset()
			canon(&b, x)
			if !e.charge(b.Len() / bytesPerStep) {
				return false
			}
			if j, dup := seen[b.String()]; dup {
				e.fail("items at %d and %d are equal; want unique items", j, i)
				valid = false
				break
			}
			seen[b.String()] = i
		}
	}
	for i, s := range n.prefixItems {
		if i >= len(arr) {
			break
		}
		valid = e.child(s, arr[i], strconv.Itoa(i)) && valid
	}
	if a != nil {
		a.items = max(a.items, min(len(n.prefixItems), len(arr)))
	}
	if n.items != nil && len(arr) > len(n.prefixItems) {
		if n.items.bool == -1 {
			e.fail("at most %s items are allowed, got %s", commas(len(n.prefixItems)), commas(len(arr)))
			valid = false
		} else {
			for i := len(n.prefixItems); i < len(arr); i++ {
				valid = e.child(n.items, arr[i], strconv.Itoa(i)) && valid
				if e.over {
					return false
				}
			}
		}
		if a != nil {
			a.allItems = true
		}
	}
	if n.contains != nil {
		mark := len(e.problems)
		count := 0
		for i, x := range arr {
			if e.child(n.contains, x, strconv.Itoa(i)) {
				count++
				if a != nil && n.draft >= draft2020 {
					if a.itemSet == nil {
						a.itemSet = map[int]bool{}
					}
					a.itemSet[i] = true
				}
			}
			if e.over {
				return false
			}
		}
		e.problems = e.problems[:mark]
		minC := 1
		if n.minContains >= 0 {
			minC = n.minContains
		}
		switch {
		case count < minC && count == 0 && minC == 1:
			e.fail("contains: no item is valid against the schema under 'contains'")
			valid = false
		case count < minC:
			e.fail("minContains: got %s items valid against 'contains', want at least %s", commas(count), commas(minC))
			valid = false
		}
		if n.maxContains >= 0 && count > n.maxContains {
			e.fail("maxContains: got %s items valid against 'contains', want at most %s", commas(count), commas(n.maxContains))
			valid = false
		}
	}
	return valid
}

func (e *evaluator) object(n *node, obj map[string]any, a *annots) bool {
	valid := true
	if n.maxProps >= 0 && len(obj) > n.maxProps {
		e.fail("maxProperties: got %s, want %s", commas(len(obj)), commas(n.maxProps))
		valid = false
	}
	if n.minProps >= 0 && len(obj) < n.minProps {
		e.fail("minProperties: got %s, want %s", commas(len(obj)), commas(n.minProps))
		valid = false
	}
	if !e.charge((len(n.required) + len(n.depRequiredKeys)) / itemsPerStep) {
		return false
	}
	if len(n.required) > 0 {
		var missing []string
		for _, k := range n.required {
			if _, ok := obj[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			e.fail("missing %s %s", plural(len(missing), "property", "properties"), showNames(missing))
			valid = false
		}
	}
	for _, k := range n.depRequiredKeys {
		if _, ok := obj[k]; !ok {
			continue
		}
		var missing []string
		for _, r := range n.depRequired[k] {
			if _, ok := obj[r]; !ok {
				missing = append(missing, r)
			}
		}
		if len(missing) > 0 {
			e.fail("missing %s %s, required when '%s' is given", plural(len(missing), "property", "properties"), showNames(missing), cut(k, 80))
			valid = false
		}
	}
	if n.props == nil && n.patternProps == nil && n.additional == nil && n.propNames == nil {
		return valid
	}
	if !e.charge(len(obj)/itemsPerStep + len(obj)*len(n.patternProps)/matchesPerStep) {
		return false
	}
	keys := e.keys(obj)
	if n.propNames != nil {
		for _, k := range keys {
			mark := len(e.problems)
			ok, _ := e.eval(n.propNames, k)
			if !ok {
				for i := mark; i < len(e.problems); i++ {
					e.problems[i].Message = "property name " + show(k) + ": " + e.problems[i].Message
				}
				valid = false
			}
		}
	}
	var extra []string
	for _, k := range keys {
		if e.over {
			return false
		}
		known := false
		if s, ok := n.props[k]; ok {
			known = true
			valid = e.child(s, obj[k], k) && valid
			a.prop(k)
		}
		for _, pp := range n.patternProps {
			matched, ok := e.match(pp.re, k)
			if !ok {
				return false
			}
			if matched {
				known = true
				valid = e.child(pp.schema, obj[k], k) && valid
				a.prop(k)
			}
		}
		if known || n.additional == nil {
			continue
		}
		a.prop(k)
		if n.additional.bool == -1 {
			extra = append(extra, k)
			continue
		}
		valid = e.child(n.additional, obj[k], k) && valid
	}
	if len(extra) > 0 {
		e.fail("additional properties %s not allowed", showNames(extra))
		valid = false
	}
	return valid
}

func (e *evaluator) unevaluatedProps(n *node, obj map[string]any, a *annots) bool {
	if a == nil || a.allProps {
		return true
	}
	if !e.charge(len(obj) / itemsPerStep) {
		return false
	}
	var keys []string
	for _, k := range e.keys(obj) {
		if !a.props[k] {
			keys = append(keys, k)
		}
	}
	valid := true
	var extra []string
	for _, k := range keys {
		if n.unevalProps.bool == -1 {
			extra = append(extra, k)
			continue
		}
		valid = e.child(n.unevalProps, obj[k], k) && valid
	}
	if len(extra) > 0 {
		e.fail("unevaluated properties %s not allowed", showNames(extra))
		valid = false
	}
	a.allProps = true
	return valid
}

func (e *evaluator) unevaluatedItems(n *node, arr []any, a *annots) bool {
	if a == nil || a.allItems {
		return true
	}
	valid := true
	var extra []int
	for i := a.items; i < len(arr); i++ {
		if a.itemSet[i] {
			continue
		}
		if n.unevalItems.bool == -1 {
			extra = append(extra, i)
			continue
		}
		valid = e.child(n.unevalItems, arr[i], strconv.Itoa(i)) && valid
		if e.over {
			return false
		}
	}
	if len(extra) > 0 {
		e.fail("unevaluated items from index %d not allowed (%s of them)", extra[0], commas(len(extra)))
		valid = false
	}
	a.allItems = true
	return valid
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// showNames lists member names in single quotes, the first few.
func showNames(names []string) string {
	const most = 10
	out := make([]string, 0, most+1)
	for i, k := range names {
		if i == most {
			out = append(out, fmt.Sprintf("and %d more", len(names)-most))
			break
		}
		out = append(out, "'"+cut(k, 80)+"'")
	}
	return strings.Join(out, ", ")
}

// showList lists enum values, the first few.
func showList(vals []any) string {
	const most = 20
	out := make([]string, 0, most+1)
	for i, v := range vals {
		if i == most {
			out = append(out, fmt.Sprintf("and %d more", len(vals)-most))
			break
		}
		out = append(out, show(v))
	}
	return strings.Join(out, ", ")
}
