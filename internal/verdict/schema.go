package verdict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// MaxSchemaBytes is the most an output_schema may take, as written.
const MaxSchemaBytes = 64 << 10

// ReviewName is the output_schema that picks the built-in review schema.
const ReviewName = "review"

// Schema is a compiled output_schema: what the agent's structured answer
// must match, and the text of it that the prompt shows.
type Schema struct {
	review   bool
	text     string // the schema, compact, as the prompt shows it
	compiled *jsonschema.Schema
}

// IsReview reports whether s is the built-in review schema.
func (s *Schema) IsReview() bool { return s != nil && s.review }

// Text is the schema as compact JSON, as the prompt shows it.
func (s *Schema) Text() string {
	if s == nil {
		return ""
	}
	return s.text
}

// reviewSchema is the built-in review schema (the contract's "The agent's
// verdict"): a line under 1 is no schema error (such a finding is only
// kept out of annotations and the report), and members besides these are
// allowed.
const reviewSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "oz-run review",
  "type": "object",
  "required": ["verdict", "summary", "findings"],
  "properties": {
    "verdict": {"type": "string", "enum": ["pass", "fail"], "description": "fail when a finding must be fixed before the change is merged"},
    "summary": {"type": "string", "maxLength": 4000, "description": "the review in a few sentences"},
    "findings": {
      "type": "array",
      "maxItems": 200,
      "items": {
        "type": "object",
        "required": ["path", "severity", "message"],
        "properties": {
          "path": {"type": "string", "description": "the file, relative to the repository root"},
          "line": {"type": "integer", "description": "the first line concerned, from 1, in the head commit"},
          "end_line": {"type": "integer", "description": "the last line concerned"},
          "severity": {"type": "string", "enum": ["error", "warning", "notice"]},
          "title": {"type": "string", "maxLength": 200},
          "message": {"type": "string", "maxLength": 4000}
        }
      }
    }
  }
}`

// Review is the built-in review schema, compiled on first use.
var Review = sync.OnceValue(func() *Schema {
	s, err := compile([]byte(reviewSchema), "the built-in review schema")
	if err != nil {
		panic("verdict: the built-in review schema does not compile: " + err.Error()) // a test proves it does
	}
	s.review = true
	return s
})

// NewSchema compiles an output_schema that is not "review": doc is the
// inline JSON, or the content of the file the input names; from says
// which, for errors ("inline", or the file's path).
func NewSchema(doc []byte, from string) (*Schema, error) {
	where := "output_schema"
	if from != "" && from != "inline" {
		where = fmt.Sprintf("output_schema (%s)", quote(from))
	}
	const fix = "; give a JSON Schema (draft 2020-12) object, inline or in a .json file, or \"review\""
	if len(doc) > MaxSchemaBytes {
		return nil, fmt.Errorf("%s is %d bytes; at most %d are taken%s", where, len(doc), MaxSchemaBytes, fix)
	}
	s, err := compile(doc, where)
	switch {
	case errors.Is(err, errNoLoad):
		return nil, err // it says how to fix it
	case err != nil:
		return nil, fmt.Errorf("%w%s", err, fix)
	}
	return s, nil
}

// schemaBase and schemaURL are where the schema being compiled is said to
// be: not a file, so that a relative reference is not read as one, and a
// host that cannot exist (RFC 2606), though no loader would ask it.
const (
	schemaBase = "https://oz-run.invalid/"
	schemaURL  = schemaBase + "output_schema.json"
)

// errNoLoad is what the loader answers for every document: oz-run loads
// no schema but the one given (and the drafts' metaschemas, which the
// library holds).
var errNoLoad = errors.New("oz-run loads no other document")

type noLoader struct{}

func (noLoader) Load(string) (any, error) { return nil, errNoLoad }

// compile reads and compiles a schema document with no loader: a $ref or
// $schema naming another document (http, https, file, a relative path)
// is an error, so that compiling reads no file and asks no network.
func compile(doc []byte, where string) (s *Schema, err error) {
	defer func() {
		if r := recover(); r != nil { // the library is not known to panic; an input never crashes oz-run
			s, err = nil, fmt.Errorf("%s could not be compiled: %v", where, r)
		}
	}()
	var buf bytes.Buffer
	if err := json.Compact(&buf, bytes.TrimSpace(doc)); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %s", where, syntaxError(string(doc), err))
	}
	if buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return nil, fmt.Errorf("%s is not a JSON object", where)
	}
	value, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", where, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(noLoader{})
	if err := c.AddResource(schemaURL, value); err != nil {
		return nil, fmt.Errorf("%s could not be read: %v", where, err)
	}
	compiled, err := c.Compile(schemaURL)
	if err != nil {
		return nil, compileError(where, err)
	}
	return &Schema{text: buf.String(), compiled: compiled}, nil
}

// compileError says why a schema does not compile, on one line.
func compileError(where string, err error) error {
	var load *jsonschema.LoadURLError
	if errors.As(err, &load) {
		return fmt.Errorf("%s refers to %s (a $ref or $schema naming another document), and %w, from the network or from files: put the definition under \"$defs\" and refer to it as \"#/$defs/NAME\"",
			where, quote(strings.TrimPrefix(load.URL, schemaBase)), errNoLoad)
	}
	var invalid *jsonschema.SchemaValidationError
	if errors.As(err, &invalid) {
		if ve, ok := invalid.Err.(*jsonschema.ValidationError); ok {
			problems := validationProblems(ve, 5)
			msgs := make([]string, len(problems))
			for i, p := range problems {
				msgs[i] = p.String()
			}
			return fmt.Errorf("%s is not a valid JSON Schema: %s", where, strings.Join(msgs, "; "))
		}
	}
	msg := strings.ReplaceAll(strings.ReplaceAll(err.Error(), schemaURL, "the schema"), schemaBase, "")
	return fmt.Errorf("%s is not a valid JSON Schema: %s", where, oneLine(msg, 500))
}

// printer writes the library's messages, in English.
var printer = sync.OnceValue(func() *message.Printer { return message.NewPrinter(language.English) })

// validate checks v against the schema; the problems are nil when it is
// valid, else at most limit of them, in the order of their pointers.
func (s *Schema) validate(v any, limit int) []Problem {
	err := s.compiled.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Message: oneLine(err.Error(), maxProblemText)}}
	}
	return validationProblems(ve, limit)
}

// validationProblems lists the leaves of a validation error (each says
// what fails where), without repeats, sorted by pointer, at most limit.
func validationProblems(ve *jsonschema.ValidationError, limit int) []Problem {
	var out []Problem
	seen := map[Problem]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		if _, ok := e.ErrorKind.(*kind.Schema); ok {
			return
		}
		p := Problem{Pointer: pointer(e.InstanceLocation), Message: e.ErrorKind.LocalizedString(printer())}
		p.Message = strings.ReplaceAll(p.Message, schemaURL, "the schema")
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
