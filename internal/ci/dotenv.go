package ci

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

// The GitLab dotenv report (dotenv): the outputs as OZ_* keys, cut to fit
// GitLab's limits, and the parser the tests read it back with.

// dotenvKeys maps contract outputs to GitLab dotenv keys. Outputs not listed
// (artifacts: JSON, often long; agent_output and files: multi-line) are not
// in the dotenv report.
var dotenvKeys = map[string]string{
	"run_id":          "OZ_RUN_ID",
	"run_url":         "OZ_RUN_URL",
	"state":           "OZ_STATE",
	"conclusion":      "OZ_CONCLUSION",
	"status_message":  "OZ_STATUS_MESSAGE",
	"error_code":      "OZ_ERROR_CODE",
	"session_link":    "OZ_SESSION_LINK",
	"pr_urls":         "OZ_PR_URLS",
	"credits":         "OZ_CREDITS",
	"run_time":        "OZ_RUN_TIME",
	"result_file":     "OZ_RESULT_FILE",
	"conversation_id": "OZ_CONVERSATION_ID",
	"cost_usd":        "OZ_COST_USD",
	"tokens":          "OZ_TOKENS",
	"comment_url":     "OZ_COMMENT_URL",
	"verdict":         "OZ_VERDICT",
	"findings":        "OZ_FINDINGS",
}

// truncatedKey is set to true in the report when values were shortened to
// keep the file under GitLab's size limit.
const truncatedKey = "OZ_TRUNCATED"

const (
	// maxDotenvSize and maxDotenvVariables are GitLab's limits: the file
	// must be smaller than 5 KiB and hold at most 20 variables.
	maxDotenvSize      = 5 << 10
	maxDotenvVariables = 20
	// maxDotenv is what we write at most: under 5 KB by either reading.
	maxDotenv = 5000
)

// formatDotenv renders outputs as a GitLab dotenv report: `KEY=value` lines
// in output order, each value on one line (line breaks and tabs become
// single spaces, control and bidi characters go, ends trimmed as GitLab
// trims them) and `$` written `$$`, since GitLab expands variables in
// dotenv values. When the file would reach maxDotenv bytes, the status
// message is cut first, then the longest values: text ends with a marker,
// a URL list loses whole URLs from its end, and a single URL is dropped
// rather than cut (a cut URL leads somewhere else); OZ_TRUNCATED=true says
// so. Each value is built once and cut at most once (a cut leaves it
// fitting or empty), so the cost is linear in the values.
func formatDotenv(outs []Output) []byte {
	type entry struct{ key, value string }
	var entries []entry
	index := map[string]int{}
	for _, out := range outs {
		key, ok := dotenvKeys[out.Name]
		if !ok {
			continue
		}
		value := strings.ReplaceAll(oneLine(textclean.Value(out.Value, true)), "$", "$$")
		if i, seen := index[key]; seen {
			entries[i].value = value
			continue
		}
		index[key] = len(entries)
		entries = append(entries, entry{key, value})
	}
	size := 0
	for _, e := range entries {
		size += len(e.key) + len(e.value) + 2
	}
	// Room for the line that says values were shortened.
	limit := maxDotenv - len(truncatedKey+"=true\n")
	shortened := false
	for over := size - limit; over > 0; over = size - limit {
		shortened = true
		victim, ok := index["OZ_STATUS_MESSAGE"]
		if !ok || entries[victim].value == "" {
			victim = 0
			for i, e := range entries {
				if len(e.value) > len(entries[victim].value) {
					victim = i
				}
			}
		}
		e := &entries[victim]
		before := len(e.value)
		e.value = shrinkDotenvEntry(e.key, e.value, over)
		size -= before - len(e.value)
	}
	var b strings.Builder
	b.Grow(size + len(truncatedKey) + 6)
	for _, e := range entries {
		b.WriteString(e.key)
		b.WriteByte('=')
		b.WriteString(e.value)
		b.WriteByte('\n')
	}
	if shortened {
		b.WriteString(truncatedKey + "=true\n")
	}
	return []byte(b.String())
}

// shrinkDotenvEntry makes the value of key at least by bytes shorter, in the
// way that keeps it usable.
func shrinkDotenvEntry(key, v string, by int) string {
	switch key {
	case "OZ_PR_URLS":
		// The longest run of whole URLs from the start that is short
		// enough: it ends before the last space at or before keep.
		keep := len(v) - by
		if keep <= 0 {
			return ""
		}
		end := strings.LastIndexByte(v[:keep+1], ' ')
		return v[:max(end, 0)]
	case "OZ_RUN_URL", "OZ_SESSION_LINK", "OZ_RESULT_FILE", "OZ_COMMENT_URL":
		return ""
	}
	return shrinkDotenvValue(v, by)
}

// shrinkDotenvValue makes v at least by bytes shorter: it keeps a prefix
// (whole runes, no half of a `$$`) and adds a marker, or returns "".
func shrinkDotenvValue(v string, by int) string {
	keep := len(v) - by - len(truncMarker(len(v)))
	if keep <= 0 {
		return ""
	}
	for keep > 0 && !utf8.RuneStart(v[keep]) {
		keep--
	}
	kept := v[:keep]
	if dollars := len(kept) - len(strings.TrimRight(kept, "$")); dollars%2 == 1 {
		kept = kept[:len(kept)-1]
	}
	return kept + truncMarker(len(v)-len(kept))
}

// dotenvSpace is what GitLab's parser (Ruby's String#strip) trims.
const dotenvSpace = " \t\n\v\f\r\x00"

// ParseDotenv reads a dotenv report as GitLab does: the file must be smaller
// than 5 KiB; every line (an empty one too) is `KEY=value`, split at the
// first `=`, key and value trimmed; keys are [A-Za-z0-9_]; at most 20 lines;
// a later line for the same key wins. Values are not unescaped.
func ParseDotenv(data []byte) (map[string]string, error) {
	if len(data) >= maxDotenvSize {
		return nil, fmt.Errorf("ci: dotenv report is %d bytes; GitLab accepts less than %d", len(data), maxDotenvSize)
	}
	vars := map[string]string{}
	text := string(data)
	if text == "" {
		return vars, nil
	}
	all := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(all) > maxDotenvVariables {
		return nil, fmt.Errorf("ci: dotenv report has %d variables; GitLab accepts at most %d", len(all), maxDotenvVariables)
	}
	for i, line := range all {
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("ci: dotenv report line %d: invalid format %q: want KEY=value", i+1, line)
		}
		key = strings.Trim(key, dotenvSpace)
		if !isDotenvKey(key) {
			return nil, fmt.Errorf("ci: dotenv report line %d: key %q is not valid: letters, digits and _ only", i+1, key)
		}
		vars[key] = strings.Trim(value, dotenvSpace)
	}
	return vars, nil
}
