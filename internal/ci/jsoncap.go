package ci

import "bytes"

// JSON cut to a size and still valid: whole elements are left out from the
// end (the artifacts output, the result file).

// capJSON reads a string (an output) or bytes (the result file).
// capJSON cuts a JSON document (an array or an object) to at most limit
// bytes and keeps it valid: it keeps the longest prefix that ends after a
// whole element of an array, or a whole member of the top-level object,
// and closes what is open. Objects below the top level are kept whole or
// left out (half an artifact would mislead), and so are the arrays inside
// them. With note, a top-level object gets `"oz_run_truncated":true` when
// cut. It returns data itself when it fits, and nil when data is not an
// array or object or not even its start fits.
//
// A string that fits is copied ([]byte(data)); bytes are returned as
// they are. It reads data only up to the limit (and the token that crosses it), so
// its cost does not grow with what is cut. data must be valid JSON (what
// encoding/json writes); on anything else the result may not be JSON, but
// it is never longer than limit.
func capJSON[T ~string | ~[]byte](data T, limit int, note bool) (out []byte, cut bool) {
	if len(data) <= limit {
		return []byte(data), false
	}
	i := 0
	skipSpace := func() {
		for i < len(data) && isJSONSpace(data[i]) {
			i++
		}
	}
	skipSpace()
	if i == len(data) || data[i] != '[' && data[i] != '{' {
		return nil, false
	}
	reserve := 0 // room for the note and its comma
	if note && data[i] == '{' {
		reserve = len(truncatedNote) + 1
	}
	var stack []jsonFrame
	safe, safeDepth := -1, 0 // a place to cut: after data[:safe], with stack[:safeDepth] open
	// mark records data[:i] as a place to cut if the prefix, its closing
	// brackets, the note and a newline fit.
	mark := func() {
		if i+len(stack)+reserve+1 <= limit {
			safe, safeDepth = i, len(stack)
		}
	}
	valueDone := func() {
		if top := len(stack) - 1; top >= 0 && stack[top].cuttable {
			mark()
		}
	}
scan:
	for i < len(data) && i <= limit {
		switch c := data[i]; c {
		case '{', '[':
			cuttable := len(stack) == 0 || stack[len(stack)-1].cuttable && c == '['
			stack = append(stack, jsonFrame{array: c == '[', cuttable: cuttable, expectKey: c == '{'})
			i++
			if cuttable {
				mark()
			}
		case '}', ']':
			stack = stack[:max(len(stack)-1, 0)]
			i++
			if len(stack) == 0 { // all of it but trailing space
				if i+1 <= limit {
					return closeJSON(data[:i], nil, false, data), false
				}
				break scan
			}
			valueDone()
		case '"':
			j := i + 1
			for j < len(data) && data[j] != '"' {
				if data[j] == '\\' {
					j++
				}
				j++
			}
			i = min(j+1, len(data))
			if top := len(stack) - 1; top >= 0 && !stack[top].array && stack[top].expectKey {
				stack[top].expectKey = false
			} else {
				valueDone()
			}
		case ',':
			if top := len(stack) - 1; top >= 0 && !stack[top].array {
				stack[top].expectKey = true
			}
			i++
		case ':', ' ', '\t', '\n', '\r':
			i++
		default: // a number, true, false or null
			for i < len(data) && !isJSONDelimiter(data[i]) {
				i++
			}
			valueDone()
		}
	}
	if safe < 0 {
		return nil, false
	}
	return closeJSON(data[:safe], stack[:safeDepth], reserve > 0, data), true
}

// truncatedNote is the member a cut top-level object gets.
const truncatedNote = `"oz_run_truncated":true`

type jsonFrame struct{ array, cuttable, expectKey bool }

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isJSONDelimiter ends a number or literal.
func isJSONDelimiter(c byte) bool {
	return isJSONSpace(c) || c == ',' || c == ']' || c == '}' || c == ':'
}

// closeJSON is prefix with the open containers closed (innermost first),
// with note the note as the last member of the top-level object, and a
// final newline when the original ended with one.
func closeJSON[T ~string | ~[]byte](prefix T, open []jsonFrame, note bool, original T) []byte {
	out := make([]byte, 0, len(prefix)+len(open)+len(truncatedNote)+2)
	out = append(out, prefix...)
	for k := len(open) - 1; k >= 0; k-- {
		if open[k].array {
			out = append(out, ']')
			continue
		}
		if k == 0 && note {
			if trimmed := bytes.TrimRight(out, " \t\n\r"); trimmed[len(trimmed)-1] != '{' {
				out = append(out, ',')
			}
			out = append(out, truncatedNote...)
		}
		out = append(out, '}')
	}
	if len(original) > 0 && original[len(original)-1] == '\n' {
		out = append(out, '\n')
	}
	return out
}
