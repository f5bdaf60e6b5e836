package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	oracle "github.com/santhosh-tekuri/jsonschema/v6"
)

// The oracle is santhosh-tekuri/jsonschema/v6, for the tests only (its
// init() is what this package exists to avoid): on draft 2020-12 both
// must agree on whether a value is valid.

type refuseLoads struct{}

func (refuseLoads) Load(string) (any, error) { return nil, errors.New("no loads") }

// oracleValid compiles and validates with the oracle; ok is false when
// it cannot say (it does not compile the schema, or stops on a loop).
func oracleValid(schemaDoc, value any) (valid, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	c := oracle.NewCompiler()
	c.DefaultDraft(oracle.Draft2020)
	c.UseLoader(refuseLoads{})
	const url = "https://oz-run.invalid/output_schema.json"
	if err := c.AddResource(url, schemaDoc); err != nil {
		return false, false
	}
	s, err := c.Compile(url)
	if err != nil {
		return false, false
	}
	err = s.Validate(value)
	if err == nil {
		return true, true
	}
	var ve *oracle.ValidationError
	if !errors.As(err, &ve) {
		return false, false
	}
	return false, !strings.Contains(err.Error(), "infinite loop")
}

func decodeLoose(raw string) (any, bool) {
	d := json.NewDecoder(strings.NewReader(raw))
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

// compare checks one schema and value against the oracle; it reports
// whether the oracle could judge.
func compare(t *testing.T, schemaJSON, valueJSON string) bool {
	t.Helper()
	sd, ok1 := decodeLoose(schemaJSON)
	vd, ok2 := decodeLoose(valueJSON)
	if !ok1 || !ok2 {
		return false
	}
	// our numbers: exponents within ±1000 (oz-run refuses others before)
	if !numbersPlausible(vd) {
		return false
	}
	s, err := Compile(sd)
	if err != nil {
		return false // the oracle compiles some schemas we refuse (a $ref to a metaschema), and may refuse some
	}
	got := s.Validate(vd, 0)
	if len(got) == 1 && strings.Contains(got[0].Message, "too many steps") || len(got) == 1 && strings.Contains(got[0].Message, "refers to itself") {
		return false
	}
	sd2, _ := decodeLoose(schemaJSON)
	want, ok := oracleValid(sd2, vd)
	if !ok {
		return false
	}
	if (got == nil) != want {
		t.Errorf("schema %s value %s: valid %v, the oracle says %v (%v)", schemaJSON, valueJSON, got == nil, want, got)
	}
	return true
}

func numbersPlausible(v any) bool {
	switch x := v.(type) {
	case json.Number:
		return plausible(string(x))
	case []any:
		for _, e := range x {
			if !numbersPlausible(e) {
				return false
			}
		}
	case map[string]any:
		for _, e := range x {
			if !numbersPlausible(e) {
				return false
			}
		}
	}
	return true
}

// reviewSchema is oz-run's built-in review schema (internal/verdict).
const reviewSchema = `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","required":["verdict","summary","findings"],"properties":{"verdict":{"type":"string","enum":["pass","fail"]},"summary":{"type":"string","maxLength":4000},"findings":{"type":"array","maxItems":200,"items":{"type":"object","required":["path","severity","message"],"properties":{"path":{"type":"string"},"line":{"type":"integer"},"end_line":{"type":"integer"},"severity":{"type":"string","enum":["error","warning","notice"]},"title":{"type":"string","maxLength":200},"message":{"type":"string","maxLength":4000}}}}}}`

var oracleTable = []struct{ schema, value string }{
	{reviewSchema, `{"verdict":"pass","summary":"ok","findings":[]}`},
	{reviewSchema, `{"verdict":"maybe","findings":[{"path":1,"line":1.5,"severity":"critical"}]}`},
	{reviewSchema, `{"verdict":"fail","summary":"s","findings":[{"path":"a","severity":"error","message":"m","line":3.0}]}`},
	{`{"type":"integer","maximum":9007199254740993}`, `9007199254740994`},
	{`{"type":"integer","maximum":9007199254740993}`, `9007199254740993`},
	{`{"multipleOf":0.1}`, `0.3`},
	{`{"multipleOf":0.01}`, `1e-5`},
	{`{"enum":[1,"1",[1],{"a":1}]}`, `1.0`},
	{`{"enum":[1,"1",[1],{"a":1}]}`, `{"a":1.00}`},
	{`{"const":{"a":[1,2]}}`, `{"a":[1,2.0]}`},
	{`{"uniqueItems":true}`, `[1,1.0]`},
	{`{"uniqueItems":true}`, `[{"a":1,"b":2},{"b":2,"a":1}]`},
	{`{"uniqueItems":true}`, `[[1],[true]]`},
	{`{"minLength":2,"maxLength":3}`, `"éé"`},
	{`{"pattern":"^a+$"}`, `"aaa"`},
	{`{"pattern":"b"}`, `"abc"`},
	{`{"prefixItems":[{"type":"integer"}],"items":false}`, `[1,2]`},
	{`{"prefixItems":[{"type":"integer"}],"unevaluatedItems":false}`, `[1]`},
	{`{"allOf":[{"prefixItems":[true]}],"unevaluatedItems":false}`, `[1,2]`},
	{`{"contains":{"type":"string"},"unevaluatedItems":false}`, `["a","b"]`},
	{`{"contains":{"type":"string"},"minContains":2,"maxContains":3}`, `["a",1,"b"]`},
	{`{"properties":{"a":true},"unevaluatedProperties":false}`, `{"a":1,"b":2}`},
	{`{"anyOf":[{"properties":{"a":true}},{"properties":{"b":true}}],"unevaluatedProperties":false}`, `{"a":1,"b":2}`},
	{`{"oneOf":[{"required":["a"]},{"required":["b"]}]}`, `{"a":1,"b":2}`},
	{`{"if":{"required":["a"]},"then":{"required":["b"]},"else":{"required":["c"]}}`, `{"a":1}`},
	{`{"dependentRequired":{"a":["b"]},"dependentSchemas":{"c":{"required":["d"]}}}`, `{"a":1,"c":2,"d":3}`},
	{`{"propertyNames":{"maxLength":2}}`, `{"abc":1}`},
	{`{"patternProperties":{"^x":{"type":"integer"}},"additionalProperties":{"type":"string"}}`, `{"x1":1,"y":"s"}`},
	{`{"$defs":{"n":{"type":"integer"}},"properties":{"a":{"$ref":"#/$defs/n"}}}`, `{"a":"s"}`},
	{`{"$id":"https://example.com/root","$defs":{"a":{"$id":"a","$anchor":"x","type":"string"}},"$ref":"a#x"}`, `1`},
	{`{"$dynamicAnchor":"node","type":"object","properties":{"kids":{"type":"array","items":{"$dynamicRef":"#node"}}}}`, `{"kids":[{"kids":[]},1]}`},
	{`{"not":{"type":"null"}}`, `null`},
	{`{"minProperties":1,"maxProperties":1}`, `{}`},
	{`{"exclusiveMinimum":0,"exclusiveMaximum":1}`, `1`},
	{`{"type":["integer","string"]}`, `1.5`},
}

func TestAgainstOracle(t *testing.T) {
	t.Parallel()
	judged := 0
	for _, tt := range oracleTable {
		if compare(t, tt.schema, tt.value) {
			judged++
		}
	}
	if judged < len(oracleTable)-2 {
		t.Errorf("the oracle judged %d of %d rows; the table tests nothing", judged, len(oracleTable))
	}
}

// FuzzAgainstOracle: both agree on valid or not, on draft 2020-12.
func FuzzAgainstOracle(f *testing.F) {
	for _, tt := range oracleTable {
		f.Add(tt.schema, tt.value)
	}
	// the suite's draft 2020-12 cases
	dir := suiteDir(f)
	files, _ := filepath.Glob(filepath.Join(dir, "draft2020-12", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		var groups []suiteGroup
		if json.Unmarshal(data, &groups) != nil {
			continue
		}
		for _, g := range groups {
			var sc bytes.Buffer
			if json.Compact(&sc, g.Schema) != nil {
				continue
			}
			for _, tc := range g.Tests {
				var vc bytes.Buffer
				if json.Compact(&vc, tc.Data) == nil {
					f.Add(sc.String(), vc.String())
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, schemaJSON, valueJSON string) {
		if len(schemaJSON) > 4096 || len(valueJSON) > 4096 {
			return
		}
		// our own checks never panic, whatever the input
		if sd, ok := decodeLoose(schemaJSON); ok {
			if s, err := Compile(sd); err == nil {
				if vd, ok := decodeLoose(valueJSON); ok {
					_ = s.Validate(vd, 10)
				}
			}
		}
		if strings.Contains(schemaJSON, "format") || strings.Contains(schemaJSON, "$schema") {
			return // format is an annotation here; the oracle is run on 2020-12 only
		}
		compare(t, schemaJSON, valueJSON)
	})
}
