package verdict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/oz-run/oz-run-action/internal/schema"
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
	compiled *schema.Schema
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

// compile reads and compiles a schema document: internal/schema loads
// no other document, so a $ref or $schema naming one (http, https, file,
// a relative path) is an error, and compiling reads no file and asks no
// network.
func compile(doc []byte, where string) (*Schema, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, bytes.TrimSpace(doc)); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %s", where, syntaxError(string(doc), err))
	}
	if buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return nil, fmt.Errorf("%s is not a JSON object", where)
	}
	d := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	d.UseNumber()
	var value any
	if err := d.Decode(&value); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", where, err)
	}
	compiled, err := schema.Compile(value)
	if err != nil {
		return nil, compileError(where, err)
	}
	return &Schema{text: buf.String(), compiled: compiled}, nil
}

// errNoLoad is why a schema naming another document is refused: oz-run
// loads no schema but the one given.
var errNoLoad = errors.New("oz-run loads no other document")

// compileError says why a schema does not compile, on one line.
func compileError(where string, err error) error {
	var other *schema.OtherDocumentError
	if errors.As(err, &other) {
		return fmt.Errorf("%s refers to %s (a $ref or $schema naming another document), and %w, from the network or from files: put the definition under \"$defs\" and refer to it as \"#/$defs/NAME\"",
			where, quote(other.URL), errNoLoad)
	}
	var invalid *schema.InvalidError
	if errors.As(err, &invalid) {
		msgs := make([]string, len(invalid.Problems))
		for i, p := range invalid.Problems {
			msgs[i] = Problem(p).String()
		}
		return fmt.Errorf("%s is not a valid JSON Schema: %s", where, strings.Join(msgs, "; "))
	}
	return fmt.Errorf("%s is not a valid JSON Schema: %s", where, oneLine(err.Error(), 500))
}

// validate checks v against the schema; the problems are nil when it is
// valid, else at most limit of them, in the order of their pointers.
func (s *Schema) validate(v any, limit int) []Problem {
	problems := s.compiled.Validate(v, limit)
	if problems == nil {
		return nil
	}
	out := make([]Problem, len(problems))
	for i, p := range problems {
		out[i] = Problem(p)
	}
	return out
}
