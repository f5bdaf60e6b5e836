// Package schema is oz-run's own JSON Schema validator: draft 2020-12 by
// default, and drafts 2019-09, 7, 6 and 4 when the document's $schema
// names them. It loads no other document (a $ref or $schema naming one is
// an *OtherDocumentError), checks the schema as the drafts' metaschemas
// would, and validates with a step budget, so that hostile schemas and
// values neither crash nor stall the caller. Nothing runs at package
// init.
package schema

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong: where (a JSON pointer into the schema when
// compiling, into the value when validating; "" for the whole) and what.
type Problem struct {
	Pointer string
	Message string
}

// String is the problem on one line, "pointer: message"; a character of
// the pointer that would break the line (a member name holds any) is
// written as a Go escape.
func (p Problem) String() string {
	if p.Pointer == "" {
		return p.Message
	}
	return cut(p.Pointer, len(p.Pointer)) + ": " + p.Message
}

// InvalidError says why a document is not a valid schema.
type InvalidError struct {
	Problems []Problem // sorted by pointer, without repeats, at most maxSchemaProblems
}

func (e *InvalidError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return "not a valid JSON Schema: " + strings.Join(msgs, "; ")
}

// OtherDocumentError says that the schema names another document (by
// $ref or $schema), which is never loaded.
type OtherDocumentError struct {
	URL string // as resolved; relative to the made-up base when it was relative
}

func (e *OtherDocumentError) Error() string {
	return fmt.Sprintf("the schema refers to %q, another document, and no other document is loaded", e.URL)
}

// Schema is a compiled schema, safe for concurrent use.
type Schema struct {
	root   *node
	uneval bool // some node has unevaluatedItems or unevaluatedProperties: annotations are collected
}

// maxSchemaProblems is how many problems an *InvalidError lists.
const maxSchemaProblems = 5

// Compile checks and compiles a schema document, already decoded
// (map[string]any, []any, string, bool, nil, json.Number; float64 and
// ints are taken too). The draft is the one the root's $schema names,
// 2020-12 when there is none.
func Compile(doc any) (s *Schema, err error) {
	defer func() {
		if r := recover(); r != nil { // not known to happen; an input never crashes the caller
			s, err = nil, &InvalidError{Problems: []Problem{{Message: fmt.Sprintf("the schema could not be compiled: %v", r)}}}
		}
	}()
	d := draft2020
	if obj, ok := doc.(map[string]any); ok {
		if sv, ok := obj["$schema"]; ok {
			str, ok := sv.(string)
			if !ok {
				return nil, &InvalidError{Problems: []Problem{{Pointer: "/$schema", Message: "must be a string"}}}
			}
			known, ok := draftOf(str)
			if !ok {
				return nil, &OtherDocumentError{URL: trimBase(str)}
			}
			d = known
		}
	}
	c := newCompiler(doc, d)
	root := c.compileRoot()
	if c.other != nil {
		return nil, c.other
	}
	if len(c.problems) > 0 {
		return nil, &InvalidError{Problems: tidy(c.problems, maxSchemaProblems)}
	}
	return &Schema{root: root, uneval: c.uneval}, nil
}

// draft is a JSON Schema draft, by the year or number of its name.
type draft int

const (
	draft4    draft = 4
	draft6    draft = 6
	draft7    draft = 7
	draft2019 draft = 2019
	draft2020 draft = 2020
)

// draftOf reads a $schema: the drafts' metaschema URLs, http or https,
// with or without the empty fragment.
func draftOf(s string) (draft, bool) {
	u := strings.TrimSuffix(s, "#")
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	switch u {
	case "json-schema.org/draft/2020-12/schema":
		return draft2020, true
	case "json-schema.org/draft/2019-09/schema":
		return draft2019, true
	case "json-schema.org/draft-07/schema":
		return draft7, true
	case "json-schema.org/draft-06/schema":
		return draft6, true
	case "json-schema.org/draft-04/schema":
		return draft4, true
	}
	return 0, false
}

// tidy sorts problems by pointer (stable), drops repeats and keeps at
// most limit.
func tidy(problems []Problem, limit int) []Problem {
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Pointer < problems[j].Pointer })
	out := make([]Problem, 0, min(len(problems), limit))
	seen := make(map[Problem]bool, len(problems))
	for _, p := range problems {
		if seen[p] {
			continue
		}
		seen[p] = true
		if len(out) == limit {
			break
		}
		out = append(out, p)
	}
	return out
}
