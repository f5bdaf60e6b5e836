package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeBytes decodes one JSON value as internal/verdict does (numbers
// as json.Number); ok is false for anything else.
func decodeBytes(raw []byte) (any, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := d.Token(); err == nil {
		return nil, false
	}
	return v, true
}

// FuzzCompileValidate: any bytes as the schema and as the value, never a
// panic, a stall or a message on more than one line.
func FuzzCompileValidate(f *testing.F) {
	for _, tt := range oracleTable {
		f.Add([]byte(tt.schema), []byte(tt.value))
	}
	f.Add([]byte(`{"$defs":{"a":{"$dynamicAnchor":"x","$ref":"#/$defs/b"},"b":{"$dynamicRef":"#x"}},"$ref":"#/$defs/a"}`), []byte(`[1]`))
	f.Add([]byte(`{"$schema":"http://json-schema.org/draft-04/schema#","id":"#a","dependencies":{"a":["b"],"c":{"$ref":"#a"}}}`), []byte(`{"a":1,"c":{}}`))
	f.Add([]byte(`{"$schema":"https://json-schema.org/draft/2019-09/schema","$recursiveAnchor":true,"items":{"$recursiveRef":"#"},"unevaluatedItems":false}`), []byte(`[[1],[]]`))
	f.Fuzz(func(t *testing.T, schemaJSON, valueJSON []byte) {
		sd, ok := decodeBytes(schemaJSON)
		if !ok {
			return
		}
		s, err := Compile(sd)
		if err != nil {
			_ = err.Error()
			return
		}
		vd, ok := decodeBytes(valueJSON)
		if !ok {
			return
		}
		for _, p := range s.Validate(vd, 0) {
			if bytes.ContainsAny([]byte(p.Message), "\n\r\x00\x1b") {
				t.Errorf("a message on more than one line: %q", p.Message)
			}
		}
	})
}

// join is n writings of f, comma-separated.
func join(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, ",")
}

// exponential is a schema of 2^40 paths through anyOf and $ref to leaf.
func exponential(leaf string) string {
	s := `{"$defs":{"a40":` + leaf
	for i := 39; i >= 0; i-- {
		s += fmt.Sprintf(`,"a%d":{"anyOf":[{"$ref":"#/$defs/a%d"},{"$ref":"#/$defs/a%d"}]}`, i, i+1, i+1)
	}
	return s + `},"$ref":"#/$defs/a0"}`
}

// costlyInput is one of the schemas and values (each at most 64 KiB, as oz-run
// takes them) whose work grows fastest with their size; over means the
// step budget must be what ends them; benchOnly rows only measure (they
// take seconds with -race).
type costlyInput struct {
	name, schema, value string
	over, benchOnly     bool
}

// costly builds them when a test asks (not at init: megabytes).
func costly() []costlyInput {
	return []costlyInput{
		{"uniqueItems of 10k numbers", `{"uniqueItems":true}`, "[" + join(10000, strconv.Itoa) + "]", false, false},
		{"uniqueItems nested 126 deep over 9k 1e999", `{"uniqueItems":true,"items":{"$ref":"#"}}`,
			strings.Repeat("[0,", 126) + join(9000, func(int) string { return "1e999" }) + strings.Repeat("]", 126), false, false},
		{"enum of 12k numbers on 9k items", `{"items":{"enum":[` + join(12000, strconv.Itoa) + `]}}`, "[" + join(9000, func(int) string { return "1e1" }) + "]", false, false},
		{"multipleOf 0.333… (1000 digits) on 9k 1e-999", `{"items":{"multipleOf":0.` + strings.Repeat("3", 1000) + `}}`, "[" + join(9000, func(int) string { return "1e-999" }) + "]", false, false},
		{"multipleOf 1e-1000 on 9k 7e999", `{"items":{"multipleOf":1e-1000}}`, "[" + join(9000, func(int) string { return "7e999" }) + "]", false, false},
		{"multipleOf 0.7 on a number of 60k digits", `{"multipleOf":0.7}`, "0." + strings.Repeat("7", 60000), false, false},
		{"exponential anyOf, multipleOf on a number of 60k digits", exponential(`{"multipleOf":0.7}`), "0." + strings.Repeat("7", 60000), true, false},
		{"exponential anyOf, maximum on a number of 60k digits", exponential(`{"maximum":0.7}`), "0." + strings.Repeat("7", 60000), true, false},
		{"maxLength on 64k characters", `{"maxLength":10}`, `"` + strings.Repeat("é", 32000) + `"`, false, false},
		{"5k patternProperties on 6k members", `{"patternProperties":{` + join(5000, func(i int) string { return fmt.Sprintf(`"b%d":true`, i) }) + `}}`,
			"{" + join(6000, func(i int) string { return fmt.Sprintf(`"%d":0`, i) }) + "}", false, true},
		{"a pattern of 3k instructions on 64k", `{"pattern":"[a-z]{1000}[0-9]{1000}x{1000}"}`, `"` + strings.Repeat("a", 65000) + `"`, false, true},
		{"\\pL{300}1 on 64k", `{"pattern":"\\pL{300}1"}`, `"` + strings.Repeat("a", 65000) + `"`, false, true},
		{"(\\pL{1000}){60} on 64k", `{"pattern":"` + strings.Repeat(`\\pL{1000}`, 60) + `"}`, `"` + strings.Repeat("a", 65000) + `"`, true, false},
		{"exponential anyOf", exponential(`{"minimum":1}`), `0`, true, false},
		{"exponential anyOf, integer", exponential(`{"type":"integer"}`), `1.5`, true, false},
		{"exponential anyOf, pattern on 60k", exponential(`{"pattern":"^(a|b)*c$"}`), `"` + strings.Repeat("ab", 30000) + `"`, true, false},
		{"exponential anyOf, multipleOf 900 digits", exponential(`{"multipleOf":0.` + strings.Repeat("7", 900) + `}`), `1e-999`, true, false},
		{"exponential anyOf, enum of 20 2k objects", exponential(`{"enum":[` + join(20, func(i int) string { return fmt.Sprintf(`{"a%d":"%s"}`, i, strings.Repeat("x", 2000)) }) + `]}`),
			`{"a0":"` + strings.Repeat("x", 2000) + `y"}`, true, false},
		{"exponential anyOf, 6k required", exponential(`{"required":[` + join(6000, func(i int) string { return fmt.Sprintf(`"%d"`, i) }) + `]}`), `{}`, true, false},
		{"exponential anyOf, unevaluatedProperties on 6k members", exponential(`{"properties":{"a":true},"unevaluatedProperties":false}`),
			"{" + join(6000, func(i int) string { return fmt.Sprintf(`"%d":0`, i) }) + "}", true, false},
		{"nested anyOf with unevaluatedProperties", `{"$defs":{"n":{"anyOf":[{"properties":{"a":{"$ref":"#/$defs/n"}}},{"properties":{"b":{"$ref":"#/$defs/n"}}}],"unevaluatedProperties":false}},"$ref":"#/$defs/n"}`,
			strings.Repeat(`{"a":{"b":`, 60) + `{}` + strings.Repeat(`}}`, 60), false, false},
		{"$dynamicRef 120 deep", `{"$dynamicAnchor":"n","type":"array","items":{"$dynamicRef":"#n"},"$defs":{"x":{"$id":"x","$dynamicAnchor":"n","items":{"$dynamicRef":"#n"}}}}`,
			strings.Repeat("[", 120) + strings.Repeat("]", 120), false, false},
	}
}

// Benchmarks of the costliest inputs: go test -bench . -run '^$' ./internal/schema
func BenchmarkCostly(b *testing.B) {
	for _, tt := range costly() {
		b.Run(tt.name, func(b *testing.B) {
			sd, _ := decodeBytes([]byte(tt.schema))
			s, err := Compile(sd)
			require.NoError(b, err)
			v, ok := decodeBytes([]byte(tt.value))
			require.True(b, ok)
			b.ReportAllocs()
			for b.Loop() {
				s.Validate(v, 10)
			}
		})
	}
}

// The costliest inputs end, and the step budget ends those it must, in
// steps: never in a stall. (No timing: BenchmarkCostly measures.)
func TestCostly(t *testing.T) {
	t.Parallel()
	for _, tt := range costly() {
		if tt.benchOnly {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.LessOrEqual(t, len(tt.value), 64<<10)
			sd, _ := decodeBytes([]byte(tt.schema))
			s, err := Compile(sd)
			require.NoError(t, err)
			v, ok := decodeBytes([]byte(tt.value))
			require.True(t, ok)
			got := s.Validate(v, 10)
			over := len(got) == 1 && strings.Contains(got[0].Message, "too many steps")
			assert.Equal(t, tt.over, over, "%v", got)
		})
	}
}

// bigSchema is 64 KiB of $defs, each with an $id, an anchor and a $ref
// to the next, in chains of 100.
func bigSchema() string {
	var b strings.Builder
	b.WriteString(`{"$ref":"#/$defs/d0","$defs":{`)
	const n = 1000
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		next := fmt.Sprintf("d%d#a", i+1)
		if i%100 == 99 || i == n-1 {
			next = "end"
		}
		fmt.Fprintf(&b, `"d%d":{"$id":"d%d","$anchor":"a","$ref":"%s","type":"object"}`, i, i, next)
	}
	b.WriteString(`,"end":{"$id":"end","$anchor":"a"}}}`)
	return b.String()
}

func BenchmarkCompileBig(b *testing.B) {
	doc := bigSchema()
	sd, _ := decodeBytes([]byte(doc))
	_, err := Compile(sd)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		sd, _ := decodeBytes([]byte(doc))
		_, _ = Compile(sd)
	}
}

// Messages are one line whatever the value and the schema hold: a
// control or format character, or an invalid byte, is written escaped.
func TestMessagesOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, schema, value string
		want                []string
	}{
		{"a pattern quoting the value", `{"pattern":"^a"}`, `"b\nc\u202e\u0007"`, []string{`'b\nc\u202e\a' does not match pattern '^a'`}},
		{"a required name", `{"required":["x\ny"]}`, `{}`, []string{`missing property 'x\ny'`}},
		{"additional names", `{"additionalProperties":false}`, `{"a\rb":1}`, []string{`additional properties 'a\rb' not allowed`}},
		{"a pointer", `{"items":{"properties":{"k\n":{"type":"string"}}}}`, `[{"k\n":1}]`, []string{`/0/k\n: got number, want string`}},
		{"a const string", `{"const":"x\u2028"}`, `1`, []string{`value must be 'x\u2028'`}},
		{"a long number cut", `{"maximum":0}`, "1" + strings.Repeat("0", 100), []string{"maximum: got 1000000000000000000000000000000000000000…, want 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Compile(mustDecode(t, tt.schema))
			require.NoError(t, err)
			assert.Equal(t, tt.want, problemStrings(s.Validate(mustDecode(t, tt.value), 10)))
		})
	}
	_, err := Compile(mustDecode(t, `{"properties":{"a\nb":{"type":"strin"}}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `/properties/a\nb/type: value must be one of`)
}

// Pointers are the value's, escaped as RFC 6901 says (~0 and ~1), and
// the problems come in the same order on every run.
func TestPointersAndOrder(t *testing.T) {
	t.Parallel()
	s, err := Compile(mustDecode(t, `{"additionalProperties":{"type":"string","maxLength":1},"propertyNames":{"maxLength":3}}`))
	require.NoError(t, err)
	members := join(300, func(i int) string { return fmt.Sprintf(`"~/%d":%d`, i, i) })
	v := mustDecode(t, "{"+members+"}")
	first := s.Validate(v, 0)
	require.NotEmpty(t, first)
	pointers := map[string]bool{}
	for _, p := range first {
		pointers[p.Pointer] = true
	}
	assert.True(t, pointers["/~0~10"], "%v", first)
	for range 5 {
		assert.Equal(t, first, s.Validate(mustDecode(t, "{"+members+"}"), 0))
	}
}

// Numbers are equal by value whatever their writing and exponent, in
// time linear in their writing.
func TestNumbersExactly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		schema, value string
		valid         bool
	}{
		{`{"uniqueItems":true}`, `[1e999,10e998]`, false},
		{`{"uniqueItems":true}`, `[1e999,1e998]`, true},
		{`{"uniqueItems":true}`, `[1e1001,10e1000]`, false},
		{`{"type":"integer"}`, `1.5e1001`, true},
		{`{"uniqueItems":true}`, `[0,-0.0,0e5]`, false},
		{`{"uniqueItems":true}`, `[100,1e2,100.000]`, false},
		{`{"uniqueItems":true}`, `[0.1,0.10000000000000000001]`, true},
		{`{"enum":[12.5e-1]}`, `1.25`, true},
		{`{"enum":[12.5e-1]}`, `1.2500001`, false},
		{`{"const":[{"a":-1.0}]}`, `[{"a":-1}]`, true},
		{`{"const":-1}`, `1`, false},
		{`{"type":"integer"}`, `1.5e999`, true},
		{`{"type":"integer"}`, `15e-1`, false},
		{`{"type":"integer"}`, `1500e-3`, false},
		{`{"type":"integer"}`, `1000e-3`, true},
		{`{"type":"integer"}`, `-0.0`, true},
	}
	for _, tt := range tests {
		s, err := Compile(mustDecode(t, tt.schema))
		require.NoError(t, err)
		got := s.Validate(mustDecode(t, tt.value), 1)
		assert.Equal(t, tt.valid, got == nil, "%s %s: %v", tt.schema, tt.value, got)
	}
	for _, lit := range []string{"", "-", ".", "1e", "1e+", "1x", "--1", "1e1234567890"} {
		_, ok := parseDecimal(lit)
		assert.False(t, ok, lit)
	}
}
