package verdict

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// problemsOf validates a JSON document against s.
func problemsOf(t *testing.T, s *Schema, doc string) []string {
	t.Helper()
	ex, p := extract(doc)
	require.Nil(t, p, "%s", doc)
	var out []string
	for _, p := range s.validate(ex.value, maxProblems) {
		out = append(out, p.String())
	}
	return out
}

func TestReviewSchema(t *testing.T) {
	t.Parallel()
	s := Review()
	require.NotNil(t, s)
	assert.True(t, s.IsReview())
	assert.Same(t, s, Review(), "compiled once")
	long := func(n int) string { return strings.Repeat("é", n) } // characters, not bytes
	finding := func(more string) string {
		return `{"verdict":"fail","summary":"s","findings":[{"path":"a.go","severity":"error","message":"m"` + more + `}]}`
	}
	many := `{"verdict":"pass","summary":"s","findings":[` + strings.TrimSuffix(strings.Repeat(`{"path":"a","severity":"notice","message":"m"},`, 201), ",") + `]}`
	tests := []struct {
		name string
		doc  string
		want []string // nil: valid
	}{
		{"a pass without findings", `{"verdict":"pass","summary":"ok","findings":[]}`, nil},
		{"a fail with a full finding", finding(`,"line":3,"end_line":5,"title":"t"`), nil},
		{"a line under 1 is no schema error", finding(`,"line":0,"end_line":-4`), nil},
		{"an integer written 3.0 or 3e0 is one", finding(`,"line":3.0,"end_line":3e0`), nil},
		{"members besides the schema's are allowed", `{"verdict":"pass","summary":"s","findings":[],"score":9}`, nil},
		{"summary of 4000 characters", `{"verdict":"pass","summary":"` + long(4000) + `","findings":[]}`, nil},
		{"summary of 4001", `{"verdict":"pass","summary":"` + long(4001) + `","findings":[]}`, []string{"/summary: maxLength: got 4,001, want 4,000"}},
		{"title of 201", finding(`,"title":"` + long(201) + `"`), []string{"/findings/0/title: maxLength: got 201, want 200"}},
		{"message of 4001", `{"verdict":"fail","summary":"s","findings":[{"path":"a","severity":"error","message":"` + long(4001) + `"}]}`, []string{"/findings/0/message: maxLength: got 4,001, want 4,000"}},
		{"201 findings", many, []string{"/findings: maxItems: got 201, want 200"}},
		{"everything wrong", `{"verdict":"maybe","findings":[{"path":1,"line":1.5,"severity":"critical"}]}`, []string{
			"missing property 'summary'",
			"/findings/0: missing property 'message'",
			"/findings/0/line: got number, want integer",
			"/findings/0/path: got number, want string",
			"/findings/0/severity: value must be one of 'error', 'warning', 'notice'",
			"/verdict: value must be one of 'pass', 'fail'",
		}},
		{"not an object", `["pass"]`, []string{"got array, want object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, problemsOf(t, s, tt.doc))
		})
	}
}

func TestNewSchema(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		from string
		err  string // "" when it compiles
	}{
		{"an object schema", `{"type":"object","required":["ok"],"properties":{"ok":{"type":"boolean"}}}`, "inline", ""},
		{"with whitespace around", "\n  {\"type\": \"integer\"}\n", "inline", ""},
		{"local $defs", `{"$defs":{"n":{"type":"integer"}},"properties":{"a":{"$ref":"#/$defs/n"}}}`, "inline", ""},
		{"an older draft it names", `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object"}`, "inline", ""},
		{"the 2020-12 metaschema is another document", `{"$ref":"https://json-schema.org/draft/2020-12/schema"}`, "inline", `output_schema refers to "https://json-schema.org/draft/2020-12/schema" (a $ref or $schema naming another document)`},
		{"older drafts it names, http or https, with or without '#'", `{"$schema":"https://json-schema.org/draft-04/schema","type":"object","properties":{"n":{"maximum":3,"exclusiveMaximum":true}}}`, "inline", ""},
		{"draft 2019-09", `{"$schema":"https://json-schema.org/draft/2019-09/schema","$recursiveAnchor":true,"items":{"$recursiveRef":"#"}}`, "inline", ""},
		{"a count that is negative", `{"properties":{"a":{"maxLength":-1}}}`, "inline", "output_schema is not a valid JSON Schema: /properties/a/maxLength: got -1, want a non-negative integer"},
		{"a huge exponent in the schema", `{"maximum":1e999999}`, "inline", "output_schema is not a valid JSON Schema: /maximum: the number 1e999999 has an exponent beyond ±1000"},
		{"not JSON", `{"type":`, "inline", `output_schema is not valid JSON: unexpected end of JSON input (line 1, column 8); give a JSON Schema (draft 2020-12) object, inline or in a .json file, or "review"`},
		{"not an object", `["type"]`, "inline", "output_schema is not a JSON object"},
		{"a boolean schema is not taken", `true`, "inline", "output_schema is not a JSON object"},
		{"empty", ``, "inline", "output_schema is not valid JSON"},
		{"names the file", `{`, "schemas/out.json", `output_schema ("schemas/out.json") is not valid JSON`},
		{"an unknown type", `{"type":"strin"}`, "inline", "output_schema is not a valid JSON Schema: /type: value must be one of 'array', 'boolean'"},
		{"a regexp Go cannot take", `{"pattern":"(?=x)"}`, "inline", "output_schema is not a valid JSON Schema: /pattern: '(?=x)' is not valid regex"},
		{"a $ref to the network", `{"$ref":"https://example.com/s.json"}`, "inline", `output_schema refers to "https://example.com/s.json" (a $ref or $schema naming another document), and oz-run loads no other document, from the network or from files: put the definition under "$defs" and refer to it as "#/$defs/NAME"`},
		{"a relative $ref", `{"properties":{"a":{"$ref":"defs.json#/n"}}}`, "inline", `output_schema refers to "defs.json" (a $ref`},
		{"a file $ref", `{"$ref":"file:///etc/passwd"}`, "inline", `refers to "file:///etc/passwd"`},
		{"an unknown $schema", `{"$schema":"https://example.com/meta"}`, "inline", `refers to "https://example.com/meta"`},
		{"a $ref to nothing", `{"$ref":"#/$defs/none"}`, "inline", "output_schema is not a valid JSON Schema"},
		{"too large", `{"description":"` + strings.Repeat("x", MaxSchemaBytes) + `"}`, "inline", "output_schema is 65554 bytes; at most 65536 are taken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewSchema([]byte(tt.doc), tt.from)
			if tt.err == "" {
				require.NoError(t, err)
				assert.False(t, s.IsReview())
				assert.NotContains(t, s.Text(), "\n")
				return
			}
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tt.err)
			assert.NotContains(t, err.Error(), "oz-run.invalid", "the schema's made-up location is not shown")
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

// Compiling reads no file and asks no server, whatever the schema names:
// a $ref to an existing file, to a file next to the working directory and
// to a server on loopback are errors, the server never asked.
func TestNewSchemaLoadsNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	other := filepath.Join(dir, "other.json")
	require.NoError(t, os.WriteFile(other, []byte(`{"type":"integer"}`), 0o600))
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		_, _ = w.Write([]byte(`{"type":"integer"}`))
	}))
	defer srv.Close()
	for _, ref := range []string{"file://" + other, other, "other.json", srv.URL + "/s.json", "./" + filepath.Base(other)} {
		_, err := NewSchema([]byte(`{"$ref":"`+ref+`"}`), "inline")
		require.Error(t, err, ref)
		assert.Contains(t, err.Error(), "oz-run loads no other document", ref)
		_, err = NewSchema([]byte(`{"$schema":"`+ref+`"}`), "inline")
		require.Error(t, err, ref)
	}
	assert.Zero(t, asked.Load(), "the server was asked")
}

// Validation is exact: integers and bounds are compared as decimals.
func TestValidateNumbers(t *testing.T) {
	t.Parallel()
	s, err := NewSchema([]byte(`{"type":"object","properties":{"n":{"type":"integer","maximum":9007199254740993},"x":{"multipleOf":0.1}}}`), "inline")
	require.NoError(t, err)
	tests := []struct {
		doc  string
		want []string
	}{
		{`{"n": 9007199254740993}`, nil},
		{`{"n": 9007199254740994}`, []string{"/n: maximum: got 9007199254740994, want 9007199254740993"}}, // the numbers as written
		{`{"n": 1.0}`, nil},
		{`{"n": 1.5}`, []string{"/n: got number, want integer"}},
		{`{"x": 0.3}`, nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, problemsOf(t, s, tt.doc), tt.doc)
	}
}

func TestValidateProblems(t *testing.T) {
	t.Parallel()
	s, err := NewSchema([]byte(`{"type":"object","properties":{"a/b":{"type":"string"},"c~d":{"type":"string"},"e":{"type":"array","items":{"type":"string"}}},"additionalProperties":false}`), "inline")
	require.NoError(t, err)
	got := problemsOf(t, s, `{"a/b":1,"c~d":2,"e":["x",3],"zz":true}`)
	assert.Equal(t, []string{
		"additional properties 'zz' not allowed",
		"/a~1b: got number, want string",
		"/c~0d: got number, want string",
		"/e/1: got number, want string",
	}, got)

	ex, p := extract(`[` + strings.Repeat(`1,`, 99) + `1]`)
	require.Nil(t, p)
	many, err := NewSchema([]byte(`{"items":{"type":"string"}}`), "inline")
	require.NoError(t, err)
	assert.Len(t, many.validate(ex.value, 7), 7, "at most limit")
}
