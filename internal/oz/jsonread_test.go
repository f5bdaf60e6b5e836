package oz

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONReaderStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		limit int
		want  string
		cut   bool
	}{
		{`"plain"`, 100, "plain", false},
		{`""`, 10, "", false},
		{`"a\"b\\c\/d\b\f\n\r\t"`, 100, "a\"b\\c/d\b\f\n\r\t", false},
		{`"\u0077k-key"`, 100, "wk-key", false},
		{`"\u00e9\u20ac"`, 100, "é€", false},
		{`"\ud83d\ude00"`, 100, "😀", false},
		{`"\ud83d"`, 100, "\ufffd", false},                 // lone high surrogate
		{`"\ude00\ud83d"`, 100, "\ufffd\ufffd", false},     // reversed pair
		{`"\ud83d\u0041"`, 100, "\ufffdA", false},          // high then not low
		{"\"\xff\xfe ok\"", 100, "\ufffd\ufffd ok", false}, // invalid UTF-8, byte by byte
		{`"abcdef"`, 3, "abc", true},
		{`"ééé"`, 5, "éé", true}, // cut at a character boundary
		{`"ééé"`, 6, "ééé", false},
		{`"😀😀"`, 5, "😀", true},
		{`"\u00e9\u00e9"`, 3, "é", true},
		{"\"\xff\xff\"", 4, "\ufffd", true}, // expansion counts
	}
	for _, tc := range tests {
		d := jsonReaderOf([]byte(tc.in))
		got, cut := d.readString(tc.limit)
		require.NoError(t, d.end(), tc.in)
		assert.Equal(t, tc.want, got, tc.in)
		assert.Equal(t, tc.cut, cut, tc.in)
		assert.True(t, utf8.ValidString(got))
		assert.LessOrEqual(t, len(got), tc.limit)
	}
}

func TestJSONReaderRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `01`, `-`, `1.`, `1e`, `.5`, `+1`,
		`tru`, `nul`, `falsey`, `"abc`, "\"a\nb\"", `"\x"`, `"\u12"`, `"\u12g4"`, `[1 2]`, `{"a":1 "b":2}`,
		`1 2`, `{} x`, `NaN`, `Infinity`, `[` + strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth+1),
	} {
		d := jsonReaderOf([]byte(in))
		d.skip()
		err := d.end()
		assert.Error(t, err, "%q", in)
		assert.False(t, json.Valid([]byte(in)), "the test's own input %q", in)
		if err != nil {
			assert.ErrorIs(t, err, errSyntax, "%q", in)
		}
	}
}

func TestJSONReaderKeepsReadErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	d := newJSONReader(io.MultiReader(strings.NewReader(`{"a":"`+strings.Repeat("x", 100)), errReader{boom}))
	d.skip()
	assert.ErrorIs(t, d.end(), boom)
	assert.NotErrorIs(t, d.err, errSyntax)
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestJSONReaderWrongTypesAreSkipped(t *testing.T) {
	t.Parallel()
	d := jsonReaderOf([]byte(`{"a":[1,{"b":"c"}],"b":"x","c":7,"d":{"e":null}}`))
	var got []string
	ok := d.object(func(key string, _ bool) {
		got = append(got, key)
		switch key {
		case "a": // wanted: an object
			assert.False(t, d.object(func(string, bool) { t.Error("member of an array") }))
		case "b": // wanted: a number
			assert.Nil(t, d.float())
		case "c": // wanted: an array
			assert.False(t, d.array(func(int) { t.Error("element of a number") }))
		default:
			d.skip()
		}
	})
	require.NoError(t, d.end())
	assert.True(t, ok)
	assert.Equal(t, []string{"a", "b", "c", "d"}, got)
}

// FuzzJSONReader holds the reader to encoding/json: the same inputs are
// valid, a string reads the same, and a value read as "any" (within the
// artifact caps) encodes the same.
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2.5e-3,true,false,null,"x\u00e9\ud83d\ude00"],"b":{}}`, `"\ud800\udc00"`, `"\ud800x"`,
		"\"\xed\xa0\x80\"", `-0.0E+12`, `[[[]]]`, `{"":""}`, ` 1 `, `"\/"`, `{"a":1}x`, "\"\x7f\"",
		`{"a":"\u0000"}`, `[1e400]`, `12345678901234567890123456789012345678901234567890123456789012345678901234567890`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := jsonReaderOf(data)
		d.skip()
		err := d.end()
		if valid := json.Valid(data); valid != (err == nil) {
			t.Fatalf("json.Valid %v, reader error %v", valid, err)
		}
		if err != nil {
			return
		}
		trimmed := bytes.TrimSpace(data)
		if len(trimmed) > 0 && trimmed[0] == '"' {
			var want string
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			for _, limit := range []int{1 << 20, 7, 1} {
				d := jsonReaderOf(data)
				got, cut := d.readString(limit)
				switch {
				case d.end() != nil:
					t.Fatalf("limit %d: %v", limit, d.err)
				case !strings.HasPrefix(want, got) || !utf8.ValidString(got) || len(got) > limit:
					t.Fatalf("limit %d: got %q, want a prefix of %q", limit, got, want)
				case cut != (len(got) < len(want)):
					t.Fatalf("limit %d: cut %v for %q of %q", limit, cut, got, want)
				}
			}
		}
		if len(data) > maxArtifactJSON/4 {
			return // the caps would cut it
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		want := canonical(v)
		if depth(v) >= maxArtifactDepth || longNumber(v) || wide(v) || len(want) > maxArtifactJSON/4 {
			return // the caps would cut it (invalid bytes grow threefold as U+FFFD)
		}
		got := canonical(jsonReaderOf(data).anyValue(0, &budget{left: maxArtifactJSON}))
		if !bytes.Equal(got, want) {
			t.Fatalf("canonical:\n got %s\nwant %s", got, want)
		}
	})
}

func depth(v any) int {
	n := 0
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			n = max(n, depth(e))
		}
		return n + 1
	case []any:
		for _, e := range v {
			n = max(n, depth(e))
		}
		return n + 1
	}
	return 0
}

func longNumber(v any) bool {
	switch v := v.(type) {
	case json.Number:
		return len(v) > maxNumberLen
	case map[string]any:
		for k, e := range v {
			if len(k) > maxKey || longNumber(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if longNumber(e) {
				return true
			}
		}
	}
	return false
}

func wide(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		if len(v) > maxArtifactMembers {
			return true
		}
		for _, e := range v {
			if wide(e) {
				return true
			}
		}
	case []any:
		if len(v) > maxArtifactMembers {
			return true
		}
		for _, e := range v {
			if wide(e) {
				return true
			}
		}
	}
	return false
}
