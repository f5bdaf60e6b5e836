package verdict

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLastJSONBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer string
		want   string
		found  bool
	}{
		{"no block", "just text", "", false},
		{"empty answer", "", "", false},
		{"one block", "Done.\n```json\n{\"a\":1}\n```\n", "{\"a\":1}\n", true},
		{"the last of two", "```json\n{\"a\":1}\n```\ntext\n```json\n{\"b\":2}\n```", "{\"b\":2}\n", true},
		{"a later block of another language does not count", "```json\n1\n```\n```go\nx := 2\n```\n", "1\n", true},
		{"upper-case info string", "```JSON\n2\n```", "2\n", true},
		{"mixed case", "```Json\n2\n```", "2\n", true},
		{"info string with more words", "```json title=\"x\"\n3\n```", "3\n", true},
		{"tilde fence", "~~~json\n4\n~~~\n", "4\n", true},
		{"tilde fence with backticks in its info string", "~~~json `x`\n4\n~~~\n", "4\n", true},
		{"jsonc is not json", "```jsonc\n5\n```", "", false},
		{"json5 is not json", "```json5\n5\n```", "", false},
		{"javascript is not json", "```javascript\n5\n```", "", false},
		{"no info string", "```\n5\n```", "", false},
		{"a backtick fence with a backtick in its info string is no fence", "```json`\n6\n```", "", false},
		{"three-space indent opens", "   ```json\n7\n   ```", "7\n", true},
		{"four-space indent is code, not a fence", "    ```json\n8\n    ```", "", false},
		{"a longer fence holds a shorter one", "````json\n```\n{\"x\":1}\n```\n````\n", "```\n{\"x\":1}\n```\n", true},
		{"a closing fence may be longer", "```json\n9\n`````\n", "9\n", true},
		{"a closing fence with text after it does not close", "```json\n10\n``` no\n```\n", "10\n``` no\n", true},
		{"a closing fence with spaces after it closes", "```json\n11\n```   \nafter", "11\n", true},
		{"a tilde line does not close a backtick fence", "```json\n12\n~~~\n```", "12\n~~~\n", true},
		{"unclosed block runs to the end", "text\n```json\n{\"a\":\n1}", "{\"a\":\n1}", true},
		{"unclosed block at the very end", "```json", "", true},
		{"CRLF line ends", "```json\r\n13\r\n```\r\n", "13\r\n", true},
		{"empty block", "```json\n```", "", true},
		{"a json fence inside another block is content", "```md\n```json\n14\n```\n", "", false},
		{"two backticks are no fence", "``json\n15\n``", "", false},
		{"an inline fence is not a fence", "see ```json 16```", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, found := lastJSONBlock(tt.answer)
			assert.Equal(t, tt.found, found)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestExtract(t *testing.T) {
	t.Parallel()
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	big := func(n int) string { return `"` + strings.Repeat("a", n-2) + `"` } // n bytes of JSON
	tests := []struct {
		name    string
		answer  string
		compact string // "" when a problem is expected
		problem string // a part of the problem's text
	}{
		{"a fenced block, compacted", "Done\n```json\n{ \"a\" : [1, 2],\n  \"b\": \"x y\" }\n```", `{"a":[1,2],"b":"x y"}`, ""},
		{"numbers kept as written", "```json\n[1.0, 1e2, 12345678901234567890123, -0]\n```", `[1.0,1e2,12345678901234567890123,-0]`, ""},
		{"the whole answer when it is JSON", "  {\"verdict\": \"pass\"}\n", `{"verdict":"pass"}`, ""},
		{"the whole answer may be any JSON value", "42", `42`, ""},
		{"the last block counts, even when invalid", "```json\n1\n```\n```json\n{oops}\n```", "", "the last ```json block is not valid JSON: invalid character 'o'"},
		{"no block, not JSON", "All good!", "", "no fenced ```json block"},
		{"empty answer", "   ", "", "the answer is empty"},
		{"empty block", "```json\n\n```", "", "the last ```json block is empty"},
		{"syntax error says where", "```json\n{\"a\": 1,\n \"b\" 2}\n```", "", "(line 2, column 6)"},
		{"two values", "```json\n{} {}\n```", "", "not valid JSON"},
		{"a member twice", "```json\n{\"a\": {\"b\": 1, \"b\": 2}}\n```", "", `/a: the member "b" is given twice`},
		{"invalid UTF-8", "```json\n\"\xff\"\n```", "", "not valid UTF-8"},
		{"64 KiB compact is taken", "```json\n" + big(MaxValueBytes) + "\n```", big(MaxValueBytes), ""},
		{"larger is not", "```json\n" + big(MaxValueBytes+1) + "\n```", "", fmt.Sprintf("holds %d bytes of JSON (compact); at most %d", MaxValueBytes+1, MaxValueBytes)},
		{"whitespace does not count", "```json\n" + strings.Repeat(" ", 2*MaxValueBytes) + "[1]\n```", "[1]", ""},
		{"nesting to the limit", "```json\n" + nest(maxDepth) + "\n```", nest(maxDepth), ""},
		{"nesting past it", "```json\n" + nest(maxDepth+1) + "\n```", "", "nested deeper than 128"},
		{"exponent at the bound", "```json\n[1e1000, 1E-1000, 1e+0001000, 1e0]\n```", "[1e1000,1E-1000,1e+0001000,1e0]", ""},
		{"exponent past it", "```json\n{\"line\": 1e1001}\n```", "", "/line: the number 1e1001 has an exponent beyond ±1000"},
		{"huge exponent", "```json\n[1e999999999999]\n```", "", "/0: the number 1e999999999999 has an exponent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex, p := extract(tt.answer)
			if tt.problem != "" {
				require.NotNil(t, p, "compact %s", ex.compact)
				assert.Contains(t, p.String(), tt.problem)
				return
			}
			require.Nil(t, p)
			assert.Equal(t, tt.compact, string(ex.compact))
			assert.True(t, json.Valid(ex.compact))
		})
	}
}

func TestExtractDecodesNumbersExactly(t *testing.T) {
	t.Parallel()
	ex, p := extract("```json\n{\"n\": 9007199254740993, \"f\": 0.1}\n```")
	require.Nil(t, p)
	m := ex.value.(map[string]any)
	assert.Equal(t, json.Number("9007199254740993"), m["n"])
	assert.Equal(t, json.Number("0.1"), m["f"])
}

// A long answer of fences that open and close, tildes inside backticks
// and an unclosed block at the end is read in one pass (the benchmark
// measures it; this proves the result).
func TestLastJSONBlockManyFences(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "```json\n%d\n```\n~~~\n```json\n~~~\n", i)
	}
	b.WriteString("````json\n{\"last\": true}\n")
	got, found := lastJSONBlock(b.String())
	assert.True(t, found)
	assert.Equal(t, "{\"last\": true}\n", got)
}
