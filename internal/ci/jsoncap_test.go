package ci

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCapJSON(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100)
	tests := []struct {
		name, in string
		limit    int
		note     bool
		want     string
		cut      bool
	}{
		{"fits", `[1,2]`, 5, false, `[1,2]`, false},
		{"array elements", `[1,22,333]`, 7, false, `[1,22]`, true},
		{"objects whole", `[{"a":1},{"a":2,"b":3}]`, 20, false, `[{"a":1}]`, true},
		{"nothing fits but the brackets", `[{"a":"long"}]`, 5, false, `[]`, true},
		{"top-level members", `{"a":1,"b":[1,2,3],"c":"` + long + `"}`, 50, true, `{"a":1,"b":[1,2,3],"oz_run_truncated":true}`, true},
		{"into a top-level array", `{"a":1,"b":[1,2,"` + long + `"]}`, 45, true, `{"a":1,"b":[1,2],"oz_run_truncated":true}`, true},
		{"note alone", `{"a":"` + long + `"}`, 27, true, `{"oz_run_truncated":true}`, true},
		{"nested object kept whole or not", `{"a":{"b":[1,2,3],"c":"` + long + `"}}`, 40, true, `{"oz_run_truncated":true}`, true},
		{"strings with brackets", `["[{\"",",]}"]`, 10, false, `["[{\""]`, true},
		{"indented", "{\n  \"a\": [\n    1,\n    2,\n    \"" + long + "\"\n  ]\n}\n", 50, true, "{\n  \"a\": [\n    1,\n    2],\"oz_run_truncated\":true}\n", true},
		{"not a container", `"a long string"`, 5, false, "", false},
		{"start does not fit", `{"a":1}`, 1, true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, cut := capJSON([]byte(tt.in), tt.limit, tt.note)
			assert.Equal(t, tt.want, string(got))
			assert.Equal(t, tt.cut, cut)
			if got != nil {
				assert.True(t, json.Valid(got), "valid: %s", got)
				assert.LessOrEqual(t, len(got), tt.limit)
			}
		})
	}
}

// FuzzCapJSON: a valid document comes back valid, within the limit, and
// whole when it fits.
func FuzzCapJSON(f *testing.F) {
	f.Add(`{"a":[1,{"b":"x\"]"}],"c":null}`, 10, true)
	f.Add(`[[1,[2]],[3]]`, 6, false)
	f.Add("{\n \"a\" : [ 1 , 2 ] }\n", 20, true)
	f.Fuzz(func(t *testing.T, doc string, limit int, note bool) {
		if !json.Valid([]byte(doc)) || limit < 0 {
			return
		}
		got, cut := capJSON([]byte(doc), limit, note)
		switch {
		case len(doc) <= limit:
			if cut || string(got) != doc {
				t.Fatalf("a fitting document changed: %q", got)
			}
		case got == nil: // not even the start fits: only with tiny limits
			trimmed := strings.TrimLeft(doc, " \t\r\n")
			start := len(doc) - len(trimmed)
			if (trimmed[0] == '[' || trimmed[0] == '{') && limit > start+2+len(truncatedNote)+1 {
				t.Fatalf("capJSON(%q, %d) found no place to cut", doc, limit)
			}
		default:
			if !json.Valid(got) || len(got) > limit {
				t.Fatalf("capJSON(%q, %d) = %q (%d bytes)", doc, limit, got, len(got))
			}
		}
	})
}
