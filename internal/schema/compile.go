package schema

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"net/url"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
)

// baseURI is where the document is said to be: a host that cannot exist
// (RFC 2606), never shown in a message (trimBase).
const baseURI = "https://oz-run.invalid/output_schema.json"

// maxSchemaDepth bounds how deep schemas nest in a document.
const maxSchemaDepth = 256

// trimBase is a URL without the made-up base's scheme and host.
func trimBase(u string) string {
	return strings.TrimPrefix(u, "https://oz-run.invalid/")
}

// resource is a schema resource: the document, or a subschema with an
// $id, with the anchors defined in it.
type resource struct {
	uri       string            // absolute, without fragment
	ptr       string            // where its root is in the document
	raw       any               // its root
	anchors   map[string]string // $anchor, $dynamicAnchor, draft <= 7 "$id": "#name" -> pointer
	dynamic   map[string]string // $dynamicAnchor -> pointer
	recursive bool              // $recursiveAnchor: true at its root (2019-09)

	root     *node            // compiled, when recursive
	dynNodes map[string]*node // the compiled $dynamicAnchor targets
}

// location is what scanning learnt of a schema location.
type location struct {
	base *url.URL
	res  *resource
}

type compiler struct {
	doc       any
	draft     draft
	resources map[string]*resource // by URI
	locs      map[string]location  // by document pointer
	nodes     map[string]*node     // by document pointer
	problems  []Problem
	other     *OtherDocumentError
	uneval    bool
}

func newCompiler(doc any, d draft) *compiler {
	return &compiler{
		doc:       doc,
		draft:     d,
		resources: map[string]*resource{},
		locs:      map[string]location{},
		nodes:     map[string]*node{},
	}
}

func (c *compiler) problem(ptr, format string, args ...any) {
	if len(c.problems) < 100 {
		c.problems = append(c.problems, Problem{Pointer: ptr, Message: fmt.Sprintf(format, args...)})
	}
}

func (c *compiler) compileRoot() *node {
	base, _ := url.Parse(baseURI)
	res := &resource{uri: baseURI, ptr: "", raw: c.doc, anchors: map[string]string{}, dynamic: map[string]string{}}
	c.resources[baseURI] = res
	c.scan(c.doc, "", base, res, 0)
	if len(c.problems) > 0 || c.other != nil {
		return nil
	}
	root := c.compile(c.doc, "", 0)
	// what $dynamicRef and $recursiveRef may jump to, compiled now so that
	// validating compiles nothing (the resources may grow as they compile)
	for done := 0; done < len(c.resources); {
		done = len(c.resources)
		for _, uri := range sortedResources(c.resources) {
			r := c.resources[uri]
			if r.recursive && r.root == nil {
				r.root = c.compile(r.raw, r.ptr, 0)
			}
			for _, name := range sortedNames(r.dynamic) {
				if _, ok := r.dynNodes[name]; ok {
					continue
				}
				if r.dynNodes == nil {
					r.dynNodes = map[string]*node{}
				}
				v, _ := c.at(r.dynamic[name])
				r.dynNodes[name] = c.compile(v, r.dynamic[name], 0)
			}
		}
	}
	return root
}

func sortedResources(m map[string]*resource) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedNames(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

func (c *compiler) idKey() string {
	if c.draft == draft4 {
		return "id"
	}
	return "$id"
}

// validAnchor reports whether s is an anchor name: a letter or '_', then
// letters, digits, '-', '_', '.' (and ':' before 2020-12).
func validAnchor(s string, d draft) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r == '_':
		case i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.'):
		case i > 0 && r == ':' && d < draft2020:
		default:
			return false
		}
	}
	return true
}

// scan walks the schema locations of a document, recording the base URI
// and resource of each and the resources' anchors, so that any $ref can
// be resolved when compiling.
func (c *compiler) scan(v any, ptr string, base *url.URL, res *resource, depth int) {
	if depth > maxSchemaDepth {
		c.problem(ptr, "schemas nest deeper than %d", maxSchemaDepth)
		return
	}
	obj, ok := v.(map[string]any)
	if !ok {
		c.locs[ptr] = location{base, res}
		return
	}
	_, hasRef := obj["$ref"]
	oldRef := hasRef && c.draft <= draft7 // siblings of $ref are ignored
	if raw, ok := obj[c.idKey()]; ok && !oldRef {
		if id, ok := raw.(string); !ok {
			c.problem(ptr+"/"+c.idKey(), "must be a string")
		} else if u, err := base.Parse(id); err != nil {
			c.problem(ptr+"/"+c.idKey(), "%q is not a valid URI reference", id)
		} else {
			frag := u.Fragment
			u.Fragment, u.RawFragment = "", ""
			switch {
			case c.draft >= draft2019 && frag != "":
				c.problem(ptr+"/$id", "%q has a fragment; name an anchor with $anchor instead", id)
			case strings.HasPrefix(id, "#"): // draft <= 7: a plain-name anchor
				if frag != "" {
					c.anchor(res, frag, ptr, ptr+"/"+c.idKey(), false)
				}
			default:
				key := u.String()
				if r, dup := c.resources[key]; dup && r.ptr != ptr {
					c.problem(ptr+"/"+c.idKey(), "%q is the $id of another schema too", id)
				}
				res = &resource{uri: key, ptr: ptr, raw: v, anchors: map[string]string{}, dynamic: map[string]string{}}
				c.resources[key] = res
				base = u
				if frag != "" && !strings.HasPrefix(frag, "/") {
					c.anchor(res, frag, ptr, ptr+"/"+c.idKey(), false)
				}
			}
		}
	}
	c.locs[ptr] = location{base, res}
	if c.draft >= draft2019 && !oldRef {
		if raw, ok := obj["$anchor"]; ok {
			if a, ok := raw.(string); !ok || !validAnchor(a, c.draft) {
				c.problem(ptr+"/$anchor", "must be a name: a letter or '_', then letters, digits, '-', '_' or '.'")
			} else {
				c.anchor(res, a, ptr, ptr+"/$anchor", false)
			}
		}
	}
	if c.draft == draft2020 {
		if raw, ok := obj["$dynamicAnchor"]; ok {
			if a, ok := raw.(string); !ok || !validAnchor(a, c.draft) {
				c.problem(ptr+"/$dynamicAnchor", "must be a name: a letter or '_', then letters, digits, '-', '_' or '.'")
			} else {
				c.anchor(res, a, ptr, ptr+"/$dynamicAnchor", true)
			}
		}
	}
	if c.draft == draft2019 {
		if raw, ok := obj["$recursiveAnchor"]; ok {
			b, isBool := raw.(bool)
			if !isBool {
				c.problem(ptr+"/$recursiveAnchor", "must be a boolean")
			} else if b && res.ptr == ptr {
				res.recursive = true
			}
		}
	}
	for _, k := range sortedKeys(obj) {
		kind := c.keywordKind(k)
		val := obj[k]
		at := ptr + "/" + escape(k)
		switch kind {
		case kindSchema:
			c.scan(val, at, base, res, depth+1)
		case kindSchemaMap:
			if m, ok := val.(map[string]any); ok {
				for _, name := range sortedKeys(m) {
					c.scan(m[name], at+"/"+escape(name), base, res, depth+1)
				}
			}
		case kindSchemaArray:
			if a, ok := val.([]any); ok {
				for i, s := range a {
					c.scan(s, fmt.Sprintf("%s/%d", at, i), base, res, depth+1)
				}
			}
		case kindSchemaOrArray:
			if a, ok := val.([]any); ok {
				for i, s := range a {
					c.scan(s, fmt.Sprintf("%s/%d", at, i), base, res, depth+1)
				}
			} else {
				c.scan(val, at, base, res, depth+1)
			}
		case kindDependencies:
			if m, ok := val.(map[string]any); ok {
				for _, name := range sortedKeys(m) {
					if _, isArr := m[name].([]any); !isArr {
						c.scan(m[name], at+"/"+escape(name), base, res, depth+1)
					}
				}
			}
		}
	}
}

func (c *compiler) anchor(res *resource, name, target, at string, dynamic bool) {
	if p, dup := res.anchors[name]; dup && p != target {
		c.problem(at, "the anchor %q is defined twice in the same resource", name)
		return
	}
	res.anchors[name] = target
	if dynamic {
		res.dynamic[name] = target
	}
}

type keywordKind int

const (
	kindOther keywordKind = iota
	kindSchema
	kindSchemaMap
	kindSchemaArray
	kindSchemaOrArray // items before 2020-12
	kindDependencies
)

// keywordKind says which keywords hold subschemas, in the compiled draft.
func (c *compiler) keywordKind(k string) keywordKind {
	d := c.draft
	switch k {
	case "not", "additionalProperties":
		return kindSchema
	case "properties", "patternProperties", "definitions":
		return kindSchemaMap
	case "allOf", "anyOf", "oneOf":
		return kindSchemaArray
	case "items":
		if d >= draft2020 {
			return kindSchema
		}
		return kindSchemaOrArray
	case "additionalItems":
		if d < draft2020 {
			return kindSchema
		}
	case "prefixItems":
		if d >= draft2020 {
			return kindSchemaArray
		}
	case "contains", "propertyNames":
		if d >= draft6 {
			return kindSchema
		}
	case "if", "then", "else":
		if d >= draft7 {
			return kindSchema
		}
	case "$defs", "dependentSchemas":
		if d >= draft2019 {
			return kindSchemaMap
		}
	case "unevaluatedItems", "unevaluatedProperties":
		if d >= draft2019 {
			return kindSchema
		}
	case "dependencies":
		if d < draft2019 {
			return kindDependencies
		}
	}
	return kindOther
}

// locate finds, or scans, the location of a document pointer that no
// scan reached (a $ref into an unknown keyword).
func (c *compiler) locate(ptr string, v any) location {
	if loc, ok := c.locs[ptr]; ok {
		return loc
	}
	parent := ptr
	for {
		i := strings.LastIndexByte(parent, '/')
		if i < 0 {
			parent = ""
			break
		}
		parent = parent[:i]
		if _, ok := c.locs[parent]; ok {
			break
		}
	}
	loc := c.locs[parent]
	c.scan(v, ptr, loc.base, loc.res, 0)
	return c.locs[ptr]
}

// resolve finds what a reference names, from base: the document pointer
// and value of its target.
func (c *compiler) resolve(ref string, base *url.URL, at string) (string, any, bool) {
	u, err := base.Parse(ref)
	if err != nil {
		c.problem(at, "%q is not a valid URI reference", ref)
		return "", nil, false
	}
	frag := u.Fragment
	u.Fragment, u.RawFragment = "", ""
	res := c.resources[u.String()]
	if res == nil {
		if c.other == nil {
			c.other = &OtherDocumentError{URL: trimBase(u.String())}
		}
		return "", nil, false
	}
	if frag == "" {
		return res.ptr, res.raw, true
	}
	if !strings.HasPrefix(frag, "/") {
		p, ok := res.anchors[frag]
		if !ok {
			c.problem(at, "%q names no anchor in the schema", ref)
			return "", nil, false
		}
		v, _ := c.at(p)
		return p, v, true
	}
	ptr, v := res.ptr, res.raw
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch cur := v.(type) {
		case map[string]any:
			next, ok := cur[tok]
			if !ok {
				c.problem(at, "%q points to nothing in the schema", ref)
				return "", nil, false
			}
			v = next
		case []any:
			i, ok := index(tok)
			if !ok || i >= len(cur) {
				c.problem(at, "%q points to nothing in the schema", ref)
				return "", nil, false
			}
			v = cur[i]
		default:
			c.problem(at, "%q points to nothing in the schema", ref)
			return "", nil, false
		}
		ptr += "/" + escape(tok)
	}
	return ptr, v, true
}

// at is the value at a document pointer (written by escape).
func (c *compiler) at(ptr string) (any, bool) {
	v := c.doc
	if ptr == "" {
		return v, true
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch cur := v.(type) {
		case map[string]any:
			next, ok := cur[tok]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, ok := index(tok)
			if !ok || i >= len(cur) {
				return nil, false
			}
			v = cur[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// index reads an array index of a JSON pointer: digits, no leading zero.
func index(tok string) (int, bool) {
	if tok == "" || len(tok) > 9 || (len(tok) > 1 && tok[0] == '0') {
		return 0, false
	}
	n := 0
	for _, r := range tok {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// node is a compiled schema location.
type node struct {
	ptr   string
	res   *resource
	draft draft
	bool  int8 // 1: the schema true (or {}), -1: false, 0: an object with keywords

	ref          *node
	dynRef       *node  // $dynamicRef's static target
	dynName      string // its anchor, when the static target is a $dynamicAnchor of that name
	recursiveRef *node  // $recursiveRef's static target

	types    uint8               // bits of typeNames
	enum     map[string]struct{} // the values' keys (key); nil when absent
	enumMsg  string
	hasConst bool
	constKey string
	constMsg string

	multipleOf, maximum, minimum, exclMax, exclMin *number

	maxLength, minLength     int // -1 when absent
	pattern                  *pattern
	maxItems, minItems       int
	uniqueItems              bool
	maxContains, minContains int
	maxProps, minProps       int
	required                 []string
	depRequired              map[string][]string
	depRequiredKeys          []string

	allOf, anyOf, oneOf []*node
	not                 *node
	ifN, thenN, elseN   *node
	depSchemas          map[string]*node
	depSchemaKeys       []string

	prefixItems  []*node
	items        *node // every item after prefixItems (or additionalItems after an items array)
	contains     *node
	props        map[string]*node
	propKeys     []string
	patternProps []patternProp
	additional   *node
	propNames    *node
	unevalItems  *node
	unevalProps  *node
}

type patternProp struct {
	re     *pattern
	schema *node
}

// pattern is a compiled regular expression and the weight of its
// program, which bounds the work of a match per byte of the string.
type pattern struct {
	re    *regexp.Regexp
	insts int // weight
}

// number is a number of the schema: exact, and as written.
type number struct {
	rat *big.Rat
	lit string
}

var typeNames = [...]string{"array", "boolean", "integer", "null", "number", "object", "string"}

const (
	tArray uint8 = 1 << iota
	tBoolean
	tInteger
	tNull
	tNumber
	tObject
	tString
)

// compile compiles the schema at a document pointer (scanned), once.
func (c *compiler) compile(v any, ptr string, depth int) *node {
	if n, ok := c.nodes[ptr]; ok {
		return n
	}
	loc := c.locate(ptr, v)
	n := &node{ptr: ptr, res: loc.res, draft: c.draft, maxLength: -1, minLength: -1, maxItems: -1, minItems: -1,
		maxContains: -1, minContains: -1, maxProps: -1, minProps: -1}
	c.nodes[ptr] = n
	if depth > maxSchemaDepth {
		c.problem(ptr, "schemas nest deeper than %d", maxSchemaDepth)
		return n
	}
	switch s := v.(type) {
	case bool:
		n.bool = -1
		if s {
			n.bool = 1
		}
		return n
	case map[string]any:
		c.fill(n, s, loc.base, depth)
		return n
	}
	c.problem(ptr, "got %s, want a schema (an object or a boolean)", typeOf(v))
	return n
}

// sub compiles the subschema of a keyword.
func (c *compiler) sub(obj map[string]any, key, ptr string, depth int) *node {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	return c.compile(v, ptr+"/"+escape(key), depth+1)
}

func (c *compiler) subArray(obj map[string]any, key, ptr string, depth int, nonEmpty bool) []*node {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	at := ptr + "/" + escape(key)
	a, ok := v.([]any)
	if !ok {
		c.problem(at, "got %s, want an array of schemas", typeOf(v))
		return nil
	}
	if nonEmpty && len(a) == 0 {
		c.problem(at, "must hold at least one schema")
		return nil
	}
	out := make([]*node, len(a))
	for i, s := range a {
		out[i] = c.compile(s, fmt.Sprintf("%s/%d", at, i), depth+1)
	}
	return out
}

func (c *compiler) subMap(obj map[string]any, key, ptr string, depth int) (map[string]*node, []string) {
	v, ok := obj[key]
	if !ok {
		return nil, nil
	}
	at := ptr + "/" + escape(key)
	m, ok := v.(map[string]any)
	if !ok {
		c.problem(at, "got %s, want an object of schemas", typeOf(v))
		return nil, nil
	}
	keys := sortedKeys(m)
	out := make(map[string]*node, len(m))
	for _, k := range keys {
		out[k] = c.compile(m[k], at+"/"+escape(k), depth+1)
	}
	return out, keys
}

// count reads a non-negative integer keyword (-1 when absent); a count
// beyond int's range is as good as no bound.
func (c *compiler) count(obj map[string]any, key, ptr string) int {
	v, ok := obj[key]
	if !ok {
		return -1
	}
	num, ok := c.num(v, ptr+"/"+key)
	if !ok {
		return -1
	}
	if !num.rat.IsInt() || num.rat.Sign() < 0 {
		c.problem(ptr+"/"+key, "got %s, want a non-negative integer", cut(num.lit, 40))
		return -1
	}
	if !num.rat.Num().IsInt64() || num.rat.Num().Int64() > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(num.rat.Num().Int64())
}

// num reads a number of the schema.
func (c *compiler) num(v any, at string) (*number, bool) {
	r, lit, ok := toRat(v)
	if !ok {
		if lit != "" {
			c.problem(at, "the number %s has an exponent beyond ±%d", cut(lit, 40), maxExponent)
		} else {
			c.problem(at, "got %s, want number", typeOf(v))
		}
		return nil, false
	}
	return &number{rat: r, lit: lit}, true
}

func (c *compiler) numKey(obj map[string]any, key, ptr string) *number {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	n, _ := c.num(v, ptr+"/"+key)
	return n
}

// uniqueStrings reads an array of unique strings.
func (c *compiler) uniqueStrings(v any, at string, nonEmpty bool) []string {
	a, ok := v.([]any)
	if !ok {
		c.problem(at, "got %s, want an array of strings", typeOf(v))
		return nil
	}
	if nonEmpty && len(a) == 0 {
		c.problem(at, "must hold at least one string")
	}
	out := make([]string, 0, len(a))
	seen := map[string]bool{}
	for i, e := range a {
		s, ok := e.(string)
		if !ok {
			c.problem(fmt.Sprintf("%s/%d", at, i), "got %s, want string", typeOf(e))
			continue
		}
		if seen[s] {
			c.problem(at, "'%s' is given twice; the strings must be unique", cut(s, 80))
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

func (c *compiler) regexp(v any, at string) *pattern {
	s, ok := v.(string)
	if !ok {
		c.problem(at, "got %s, want string", typeOf(v))
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		c.problem(at, "'%s' is not valid regex (Go's RE2 syntax: no lookaround, no backreferences)", cut(s, 80))
		return nil
	}
	return &pattern{re: re, insts: weight(s)}
}

// weight is the size of a pattern's program as regexp compiles it (it
// does not say): its instructions, one matching a class of characters
// counting as many as it takes to look a character up in the class.
func weight(s string) int {
	parsed, err := syntax.Parse(s, syntax.Perl)
	if err != nil {
		return 1
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil {
		return 1
	}
	w := 1
	for _, inst := range prog.Inst {
		w++
		if inst.Op == syntax.InstRune {
			w += bits.Len(uint(len(inst.Rune) / 2))
		}
	}
	return w
}

// fill compiles the keywords of an object schema.
func (c *compiler) fill(n *node, obj map[string]any, base *url.URL, depth int) {
	ptr := n.ptr
	d := c.draft
	if len(obj) == 0 {
		n.bool = 1
		return
	}
	// checks of keywords that have no effect on validation
	for _, k := range []string{"$comment", "title", "description", "format", "contentEncoding", "contentMediaType"} {
		if v, ok := obj[k]; ok {
			if _, isStr := v.(string); !isStr {
				c.problem(ptr+"/"+k, "got %s, want string", typeOf(v))
			}
		}
	}
	for _, k := range []string{"deprecated", "readOnly", "writeOnly"} {
		if v, ok := obj[k]; ok {
			if _, isBool := v.(bool); !isBool {
				c.problem(ptr+"/"+k, "got %s, want boolean", typeOf(v))
			}
		}
	}
	if v, ok := obj["$vocabulary"]; ok {
		m, isObj := v.(map[string]any)
		if !isObj {
			c.problem(ptr+"/$vocabulary", "got %s, want object", typeOf(v))
		}
		for k, b := range m {
			if _, isBool := b.(bool); !isBool {
				c.problem(ptr+"/$vocabulary/"+escape(k), "got %s, want boolean", typeOf(b))
			}
		}
	}
	if v, ok := obj["examples"]; ok && d >= draft6 {
		if _, isArr := v.([]any); !isArr {
			c.problem(ptr+"/examples", "got %s, want array", typeOf(v))
		}
	}
	if _, ok := obj["definitions"]; ok {
		c.subMap(obj, "definitions", ptr, depth)
	}
	if d >= draft2019 {
		c.subMap(obj, "$defs", ptr, depth)
	}

	if v, ok := obj["$ref"]; ok {
		at := ptr + "/$ref"
		if s, isStr := v.(string); !isStr {
			c.problem(at, "got %s, want string", typeOf(v))
		} else if p, target, ok := c.resolve(s, base, at); ok {
			n.ref = c.compile(target, p, depth+1)
		}
		if d <= draft7 {
			return // the keywords beside $ref are ignored
		}
	}
	if v, ok := obj["$dynamicRef"]; ok && d == draft2020 {
		at := ptr + "/$dynamicRef"
		if s, isStr := v.(string); !isStr {
			c.problem(at, "got %s, want string", typeOf(v))
		} else if p, target, ok := c.resolve(s, base, at); ok {
			n.dynRef = c.compile(target, p, depth+1)
			if i := strings.IndexByte(s, '#'); i >= 0 && validAnchor(s[i+1:], d) {
				name := s[i+1:]
				if tm, isObj := target.(map[string]any); isObj && tm["$dynamicAnchor"] == name {
					n.dynName = name
				}
			}
		}
	}
	if v, ok := obj["$recursiveRef"]; ok && d == draft2019 {
		at := ptr + "/$recursiveRef"
		if s, isStr := v.(string); !isStr {
			c.problem(at, "got %s, want string", typeOf(v))
		} else if s != "#" {
			c.problem(at, "must be \"#\"")
		} else if p, target, ok := c.resolve(s, base, at); ok {
			n.recursiveRef = c.compile(target, p, depth+1)
		}
	}

	if v, ok := obj["type"]; ok {
		c.types(n, v, ptr+"/type")
	}
	if v, ok := obj["enum"]; ok {
		a, isArr := v.([]any)
		switch {
		case !isArr:
			c.problem(ptr+"/enum", "got %s, want array", typeOf(v))
		case d == draft4 && len(a) == 0:
			c.problem(ptr+"/enum", "must hold at least one value")
		default:
			n.enum = make(map[string]struct{}, len(a))
			for i, e := range a {
				c.checkValue(e, fmt.Sprintf("%s/enum/%d", ptr, i), 0)
				n.enum[key(e)] = struct{}{}
			}
			n.enumMsg = "value must be one of " + showList(a)
		}
	}
	if v, ok := obj["const"]; ok && d >= draft6 {
		c.checkValue(v, ptr+"/const", 0)
		n.hasConst, n.constKey, n.constMsg = true, key(v), "value must be "+show(v)
	}

	if n.multipleOf = c.numKey(obj, "multipleOf", ptr); n.multipleOf != nil && n.multipleOf.rat.Sign() <= 0 {
		c.problem(ptr+"/multipleOf", "got %s, want a number above 0", cut(n.multipleOf.lit, 40))
		n.multipleOf = nil
	}
	n.maximum = c.numKey(obj, "maximum", ptr)
	n.minimum = c.numKey(obj, "minimum", ptr)
	if d == draft4 {
		for _, k := range []string{"exclusiveMaximum", "exclusiveMinimum"} {
			v, ok := obj[k]
			if !ok {
				continue
			}
			b, isBool := v.(bool)
			if !isBool {
				c.problem(ptr+"/"+k, "got %s, want boolean (draft-04)", typeOf(v))
				continue
			}
			if b && k == "exclusiveMaximum" {
				n.exclMax, n.maximum = n.maximum, nil
			}
			if b && k == "exclusiveMinimum" {
				n.exclMin, n.minimum = n.minimum, nil
			}
		}
	} else {
		n.exclMax = c.numKey(obj, "exclusiveMaximum", ptr)
		n.exclMin = c.numKey(obj, "exclusiveMinimum", ptr)
	}

	n.maxLength = c.count(obj, "maxLength", ptr)
	n.minLength = c.count(obj, "minLength", ptr)
	if v, ok := obj["pattern"]; ok {
		n.pattern = c.regexp(v, ptr+"/pattern")
	}

	n.maxItems = c.count(obj, "maxItems", ptr)
	n.minItems = c.count(obj, "minItems", ptr)
	if v, ok := obj["uniqueItems"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			c.problem(ptr+"/uniqueItems", "got %s, want boolean", typeOf(v))
		}
		n.uniqueItems = b
	}
	if d >= draft2019 {
		n.maxContains = c.count(obj, "maxContains", ptr)
		n.minContains = c.count(obj, "minContains", ptr)
	}

	n.maxProps = c.count(obj, "maxProperties", ptr)
	n.minProps = c.count(obj, "minProperties", ptr)
	if v, ok := obj["required"]; ok {
		n.required = c.uniqueStrings(v, ptr+"/required", d == draft4)
	}
	if v, ok := obj["dependentRequired"]; ok && d >= draft2019 {
		m, isObj := v.(map[string]any)
		if !isObj {
			c.problem(ptr+"/dependentRequired", "got %s, want object", typeOf(v))
		}
		n.depRequired = map[string][]string{}
		for _, k := range sortedKeys(m) {
			n.depRequired[k] = c.uniqueStrings(m[k], ptr+"/dependentRequired/"+escape(k), false)
			n.depRequiredKeys = append(n.depRequiredKeys, k)
		}
	}
	if v, ok := obj["dependencies"]; ok && d < draft2019 {
		m, isObj := v.(map[string]any)
		if !isObj {
			c.problem(ptr+"/dependencies", "got %s, want object", typeOf(v))
		}
		for _, k := range sortedKeys(m) {
			at := ptr + "/dependencies/" + escape(k)
			if _, isArr := m[k].([]any); isArr {
				if n.depRequired == nil {
					n.depRequired = map[string][]string{}
				}
				n.depRequired[k] = c.uniqueStrings(m[k], at, d == draft4)
				n.depRequiredKeys = append(n.depRequiredKeys, k)
				continue
			}
			if n.depSchemas == nil {
				n.depSchemas = map[string]*node{}
			}
			n.depSchemas[k] = c.compile(m[k], at, depth+1)
			n.depSchemaKeys = append(n.depSchemaKeys, k)
		}
	}

	n.allOf = c.subArray(obj, "allOf", ptr, depth, true)
	n.anyOf = c.subArray(obj, "anyOf", ptr, depth, true)
	n.oneOf = c.subArray(obj, "oneOf", ptr, depth, true)
	n.not = c.sub(obj, "not", ptr, depth)
	if d >= draft7 {
		n.ifN = c.sub(obj, "if", ptr, depth)
		n.thenN = c.sub(obj, "then", ptr, depth)
		n.elseN = c.sub(obj, "else", ptr, depth)
	}
	if d >= draft2019 {
		n.depSchemas, n.depSchemaKeys = c.subMap(obj, "dependentSchemas", ptr, depth)
	}

	if d >= draft2020 {
		n.prefixItems = c.subArray(obj, "prefixItems", ptr, depth, true)
		n.items = c.sub(obj, "items", ptr, depth)
	} else if v, ok := obj["items"]; ok {
		if _, isArr := v.([]any); isArr {
			n.prefixItems = c.subArray(obj, "items", ptr, depth, false)
			n.items = c.sub(obj, "additionalItems", ptr, depth)
		} else {
			n.items = c.sub(obj, "items", ptr, depth)
			c.sub(obj, "additionalItems", ptr, depth) // checked, and has no effect
		}
	} else {
		c.sub(obj, "additionalItems", ptr, depth)
	}
	if d >= draft6 {
		n.contains = c.sub(obj, "contains", ptr, depth)
		n.propNames = c.sub(obj, "propertyNames", ptr, depth)
	}
	n.props, n.propKeys = c.subMap(obj, "properties", ptr, depth)
	if v, ok := obj["patternProperties"]; ok {
		at := ptr + "/patternProperties"
		m, isObj := v.(map[string]any)
		if !isObj {
			c.problem(at, "got %s, want an object of schemas", typeOf(v))
		}
		for _, k := range sortedKeys(m) {
			re := c.regexp(k, at+"/"+escape(k))
			s := c.compile(m[k], at+"/"+escape(k), depth+1)
			if re != nil {
				n.patternProps = append(n.patternProps, patternProp{re, s})
			}
		}
	}
	n.additional = c.sub(obj, "additionalProperties", ptr, depth)
	if d >= draft2019 {
		n.unevalItems = c.sub(obj, "unevaluatedItems", ptr, depth)
		n.unevalProps = c.sub(obj, "unevaluatedProperties", ptr, depth)
		if n.unevalItems != nil || n.unevalProps != nil {
			c.uneval = true
		}
	}
}

func (c *compiler) types(n *node, v any, at string) {
	names, isArr := v.([]any)
	if !isArr {
		names = []any{v}
		if _, isStr := v.(string); !isStr {
			c.problem(at, "got %s, want a type name or an array of them", typeOf(v))
			return
		}
	} else if len(names) == 0 {
		c.problem(at, "must name at least one type")
	}
	for i, e := range names {
		s, _ := e.(string)
		bit := uint8(0)
		for j, name := range typeNames {
			if s == name {
				bit = 1 << j
			}
		}
		where := at
		if isArr {
			where = fmt.Sprintf("%s/%d", at, i)
		}
		switch {
		case bit == 0:
			c.problem(where, "value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string'")
		case n.types&bit != 0:
			c.problem(at, "'%s' is given twice; the types must be unique", s)
		}
		n.types |= bit
	}
}

// checkValue checks that the numbers of an enum or const value can be
// compared exactly.
func (c *compiler) checkValue(v any, at string, depth int) {
	if depth > maxSchemaDepth {
		c.problem(at, "nested deeper than %d", maxSchemaDepth)
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			c.checkValue(x[k], at+"/"+escape(k), depth+1)
		}
	case []any:
		for i, e := range x {
			c.checkValue(e, fmt.Sprintf("%s/%d", at, i), depth+1)
		}
	case string, bool, nil:
	default:
		if _, lit, ok := toRat(v); !ok {
			if lit != "" {
				c.problem(at, "the number %s has an exponent beyond ±%d", cut(lit, 40), maxExponent)
			} else {
				c.problem(at, "got %T, not a JSON value", v)
			}
		}
	}
}
