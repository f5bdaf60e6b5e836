package schema

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustDecode(t *testing.T, raw string) any {
	t.Helper()
	v, ok := decodeLoose(raw)
	require.True(t, ok, "not JSON: %s", raw)
	return v
}

func problemStrings(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func TestValidateMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, schema, value string
		want                []string
	}{
		{"valid", `{"type":"object"}`, `{}`, nil},
		{"type", `{"type":"integer"}`, `1.5`, []string{"got number, want integer"}},
		{"types", `{"type":["string","null"]}`, `1`, []string{"got number, want null or string"}},
		{"an integer written 1.0", `{"type":"integer"}`, `1.0`, nil},
		{"enum", `{"enum":["pass","fail"]}`, `"maybe"`, []string{"value must be one of 'pass', 'fail'"}},
		{"const", `{"const":{"a":1}}`, `{"a":2}`, []string{`value must be {"a":1}`}},
		{"required", `{"required":["a","b"]}`, `{}`, []string{"missing properties 'a', 'b'"}},
		{"required one", `{"required":["summary"]}`, `{"x":1}`, []string{"missing property 'summary'"}},
		{"maxLength in characters", `{"maxLength":4000}`, `"` + strings.Repeat("é", 4001) + `"`, []string{"maxLength: got 4,001, want 4,000"}},
		{"maxItems", `{"maxItems":2}`, `[1,2,3]`, []string{"maxItems: got 3, want 2"}},
		{"not an object", `{"type":"object"}`, `[]`, []string{"got array, want object"}},
		{"maximum as written", `{"maximum":9007199254740993}`, `9007199254740994`, []string{"maximum: got 9007199254740994, want 9007199254740993"}},
		{"multipleOf exact", `{"multipleOf":0.1}`, `0.3`, nil},
		{"multipleOf", `{"multipleOf":0.1}`, `0.35`, []string{"0.35 is not a multiple of 0.1"}},
		{"pattern", `{"pattern":"^a"}`, `"b"`, []string{"'b' does not match pattern '^a'"}},
		{"additional", `{"properties":{"a":true},"additionalProperties":false}`, `{"a":1,"z":2,"y":3}`, []string{"additional properties 'y', 'z' not allowed"}},
		{"unevaluated", `{"properties":{"a":true},"unevaluatedProperties":false}`, `{"a":1,"z":2}`, []string{"unevaluated properties 'z' not allowed"}},
		{"pointers escaped and sorted", `{"properties":{"a/b":{"type":"string"},"c~d":{"type":"string"}}}`, `{"c~d":1,"a/b":2}`, []string{"/a~1b: got number, want string", "/c~0d: got number, want string"}},
		{"anyOf gives the leaves", `{"anyOf":[{"type":"string"},{"minimum":3}]}`, `1`, []string{"got number, want string", "minimum: got 1, want 3"}},
		{"oneOf of two", `{"oneOf":[{"type":"number"},{"minimum":0}]}`, `1`, []string{"oneOf: valid against more than one schema (at indexes 0 and 1), want exactly one"}},
		{"not", `{"not":{"type":"null"}}`, `null`, []string{"not: must not be valid against the schema under 'not'"}},
		{"false", `{"properties":{"a":false}}`, `{"a":1}`, []string{"/a: no value is allowed here (the schema is false)"}},
		{"propertyNames", `{"propertyNames":{"maxLength":1}}`, `{"ab":1}`, []string{"property name 'ab': maxLength: got 2, want 1"}},
		{"uniqueItems by value", `{"uniqueItems":true}`, `[1,{"a":1},1.0]`, []string{"items at 0 and 2 are equal; want unique items"}},
		{"contains", `{"contains":{"type":"string"}}`, `[1]`, []string{"contains: no item is valid against the schema under 'contains'"}},
		{"dependentRequired", `{"dependentRequired":{"a":["b"]}}`, `{"a":1}`, []string{"missing property 'b', required when 'a' is given"}},
		{"a draft-04 exclusiveMaximum", `{"$schema":"http://json-schema.org/draft-04/schema#","maximum":3,"exclusiveMaximum":true}`, `3`, []string{"exclusiveMaximum: got 3, want less than 3"}},
		{"draft-07 ignores $ref's siblings", `{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/definitions/s","maxLength":1}}}`, `{"a":"long"}`, nil},
		{"2020-12 evaluates $ref's siblings", `{"$defs":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/s","maxLength":1}}}`, `{"a":"long"}`, []string{"/a: maxLength: got 4, want 1"}},
		{"a number beyond the exponents compared", `{"minimum":0}`, `1e99999`, []string{"the number 1e99999 has an exponent beyond ±1000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Compile(mustDecode(t, tt.schema))
			require.NoError(t, err)
			assert.Equal(t, tt.want, problemStrings(s.Validate(mustDecode(t, tt.value), 10)))
		})
	}
}

func TestValidateLimit(t *testing.T) {
	t.Parallel()
	s, err := Compile(mustDecode(t, `{"items":{"type":"string"}}`))
	require.NoError(t, err)
	v := mustDecode(t, "["+strings.TrimSuffix(strings.Repeat("1,", 100), ",")+"]")
	assert.Len(t, s.Validate(v, 7), 7)
	assert.Len(t, s.Validate(v, 0), 100)
}

func TestCompileProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, schema string
		want         string // in the error
	}{
		{"an unknown type", `{"type":"strin"}`, "/type: value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string'"},
		{"a type twice", `{"type":["string","string"]}`, "/type: 'string' is given twice"},
		{"no type", `{"type":[]}`, "/type: must name at least one type"},
		{"lookahead", `{"pattern":"(?=x)"}`, "/pattern: '(?=x)' is not valid regex"},
		{"a patternProperties key", `{"patternProperties":{"(":true}}`, "/patternProperties/(: '(' is not valid regex"},
		{"a negative count", `{"minItems":-1}`, "/minItems: got -1, want a non-negative integer"},
		{"a fractional count", `{"maxLength":1.5}`, "/maxLength: got 1.5, want a non-negative integer"},
		{"a count as a string", `{"maxLength":"1"}`, "/maxLength: got string, want number"},
		{"multipleOf 0", `{"multipleOf":0}`, "/multipleOf: got 0, want a number above 0"},
		{"required twice", `{"required":["a","a"]}`, "/required: 'a' is given twice"},
		{"required not strings", `{"required":[1]}`, "/required/0: got number, want string"},
		{"a subschema that is a number", `{"properties":{"a":1}}`, "/properties/a: got number, want a schema (an object or a boolean)"},
		{"allOf empty", `{"allOf":[]}`, "/allOf: must hold at least one schema"},
		{"$ref not a string", `{"$ref":1}`, "/$ref: got number, want string"},
		{"$ref to nothing", `{"$ref":"#/$defs/none"}`, `/$ref: "#/$defs/none" points to nothing in the schema`},
		{"$ref to no anchor", `{"$ref":"#nope"}`, `/$ref: "#nope" names no anchor in the schema`},
		{"an anchor not a name", `{"$anchor":"1x"}`, "/$anchor: must be a name"},
		{"$id with a fragment", `{"$id":"https://example.com/s#frag"}`, `/$id: "https://example.com/s#frag" has a fragment`},
		{"a huge exponent", `{"maximum":1e999999}`, "/maximum: the number 1e999999 has an exponent beyond ±1000"},
		{"a huge exponent in enum", `{"enum":[1E+5000]}`, "/enum/0: the number 1E+5000 has an exponent beyond ±1000"},
		{"nesting", strings.Repeat(`{"not":`, 300) + `true` + strings.Repeat(`}`, 300), "schemas nest deeper than 256"},
		{"$schema not a string", `{"$schema":7}`, "/$schema: must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(mustDecode(t, tt.schema))
			var invalid *InvalidError
			require.True(t, errors.As(err, &invalid), "%v", err)
			assert.Contains(t, err.Error(), tt.want)
			assert.LessOrEqual(t, len(invalid.Problems), maxSchemaProblems)
			assert.NotContains(t, err.Error(), "oz-run.invalid")
		})
	}
}

func TestCompileOtherDocuments(t *testing.T) {
	t.Parallel()
	tests := []struct{ schema, url string }{
		{`{"$ref":"https://example.com/s.json"}`, "https://example.com/s.json"},
		{`{"properties":{"a":{"$ref":"defs.json#/n"}}}`, "defs.json"},
		{`{"$ref":"file:///etc/passwd"}`, "file:///etc/passwd"},
		{`{"$schema":"https://example.com/meta"}`, "https://example.com/meta"},
		{`{"$ref":"https://json-schema.org/draft/2020-12/schema"}`, "https://json-schema.org/draft/2020-12/schema"},
		{`{"$id":"https://example.com/root.json","$ref":"other.json"}`, "https://example.com/other.json"},
	}
	for _, tt := range tests {
		_, err := Compile(mustDecode(t, tt.schema))
		var other *OtherDocumentError
		require.True(t, errors.As(err, &other), "%s: %v", tt.schema, err)
		assert.Equal(t, tt.url, other.URL)
	}
}

func TestDrafts(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"https://json-schema.org/draft/2020-12/schema", "http://json-schema.org/draft/2020-12/schema#",
		"https://json-schema.org/draft/2019-09/schema", "http://json-schema.org/draft-07/schema#",
		"https://json-schema.org/draft-07/schema", "http://json-schema.org/draft-06/schema#",
		"http://json-schema.org/draft-04/schema",
	} {
		_, err := Compile(map[string]any{"$schema": name, "type": "object"})
		assert.NoError(t, err, name)
	}
}

// Hostile schemas and values end in a problem, never in a stack overflow
// or a stall.
func TestHostile(t *testing.T) {
	t.Parallel()
	exp := `{"$defs":{"a40":false`
	for i := 39; i >= 0; i-- {
		exp += fmt.Sprintf(`,"a%d":{"anyOf":[{"$ref":"#/$defs/a%d"},{"$ref":"#/$defs/a%d"}]}`, i, i+1, i+1)
	}
	exp += `},"$ref":"#/$defs/a0"}`
	tests := []struct {
		name, schema, value string
		want                string
	}{
		{"a $ref to itself", `{"$ref":"#"}`, `1`, "refers to itself"},
		{"a loop of $refs", `{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`, `1`, "refers to itself"},
		{"a loop through allOf", `{"allOf":[{"$ref":"#"}]}`, `{}`, "refers to itself"},
		{"exponential anyOf", exp, `1`, "too many steps"},
		{"a deep value", `{"items":{"$ref":"#"}}`, strings.Repeat("[", 3000) + strings.Repeat("]", 3000), "nests deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Compile(mustDecode(t, tt.schema))
			require.NoError(t, err)
			got := s.Validate(mustDecode(t, tt.value), 10)
			require.NotEmpty(t, got)
			assert.Contains(t, got[0].Message, tt.want)
		})
	}
	// a recursive schema that consumes the value is no loop
	s, err := Compile(mustDecode(t, `{"type":["array","integer"],"items":{"$ref":"#"}}`))
	require.NoError(t, err)
	assert.Nil(t, s.Validate(mustDecode(t, `[[1,[2]],3]`), 10))
	assert.NotNil(t, s.Validate(mustDecode(t, `[[1,["x"]],3]`), 10))
}

// Values of Go types besides encoding/json's are taken, none panics.
func TestOtherGoValues(t *testing.T) {
	t.Parallel()
	s, err := Compile(map[string]any{"type": "integer", "maximum": 3.0})
	require.NoError(t, err)
	assert.Nil(t, s.Validate(3, 0))
	assert.Nil(t, s.Validate(int64(2), 0))
	assert.NotNil(t, s.Validate(3.5, 0))
	assert.NotNil(t, s.Validate(struct{}{}, 0))
	var nilSchema *Schema
	assert.Nil(t, nilSchema.Validate(1, 0))
	_, err = Compile([]any{1})
	assert.Error(t, err)
	_, err = Compile(map[string]any{"maximum": struct{}{}})
	assert.Error(t, err)
}
