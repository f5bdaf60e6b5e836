package verdict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

// MaxValueBytes is the most a structured answer may take, compact: a
// larger one is invalid (the contract's structured_output cap).
const MaxValueBytes = 64 << 10

// maxDepth is how deeply arrays and objects may nest in a structured
// answer.
const maxDepth = 128

// extracted is the JSON value an answer holds: compact, and decoded with
// its numbers as json.Number (so that validating an integer is exact).
type extracted struct {
	compact []byte
	value   any
}

// extract takes the answer's structured value: the content of its last
// fenced json block, or else the whole answer when it is JSON. The error
// is a Problem for the agent to fix.
func extract(answer string) (extracted, *Problem) {
	raw, fenced := lastJSONBlock(answer)
	where := "the last ```json block"
	if !fenced {
		raw, where = strings.TrimSpace(answer), "the answer"
		switch {
		case raw == "":
			return extracted{}, &Problem{Message: "the answer is empty: it must end with a fenced ```json block"}
		case !json.Valid([]byte(raw)):
			return extracted{}, &Problem{Message: "the answer has no fenced ```json block (and is not JSON as a whole)"}
		}
	}
	if strings.TrimSpace(raw) == "" {
		return extracted{}, &Problem{Message: where + " is empty"}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(raw)); err != nil {
		return extracted{}, &Problem{Message: where + " is not valid JSON: " + syntaxError(raw, err)}
	}
	compact := buf.Bytes()
	if len(compact) > MaxValueBytes {
		return extracted{}, &Problem{Message: fmt.Sprintf("%s holds %d bytes of JSON (compact); at most %d are taken", where, len(compact), MaxValueBytes)}
	}
	if !utf8.Valid(compact) {
		return extracted{}, &Problem{Message: where + " is not valid UTF-8"}
	}
	v, p := decode(compact)
	if p != nil {
		return extracted{}, p
	}
	return extracted{compact: compact, value: v}, nil
}

// syntaxError says where raw fails to be JSON: line and column (json.Compact
// does not say where; Unmarshal does).
func syntaxError(raw string, err error) string {
	var msg json.RawMessage
	if uerr := json.Unmarshal([]byte(raw), &msg); uerr != nil {
		err = uerr
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) || se.Offset <= 0 || se.Offset > int64(len(raw)) {
		return err.Error()
	}
	before := raw[:se.Offset]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:])
	return fmt.Sprintf("%s (line %d, column %d)", se.Error(), line, col)
}

// decode reads one compact JSON value (already checked to be valid)
// into maps, slices, strings, json.Numbers, booleans and nil. An object
// that names a member twice is refused (readers differ on which one
// counts), and so is nesting deeper than maxDepth.
func decode(compact []byte) (any, *Problem) {
	d := json.NewDecoder(bytes.NewReader(compact))
	d.UseNumber()
	var path []string
	v, p := decodeValue(d, &path)
	if p != nil {
		return nil, p
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, &Problem{Message: "more than one JSON value"}
	}
	return v, nil
}

// maxExponent bounds the exponent of a number in a structured answer:
// checking that 1e999999 is an integer (as the schema library and the
// findings do, exactly) takes 20 ms, and a value of 64 KiB holds
// thousands of them.
const maxExponent = 1000

// plausible reports whether a JSON number's exponent is within
// ±maxExponent.
func plausible(num json.Number) bool {
	i := strings.IndexAny(string(num), "eE")
	if i < 0 {
		return true
	}
	exp := strings.TrimLeft(strings.TrimLeft(string(num[i+1:]), "+-"), "0")
	if exp == "" {
		return true // e0
	}
	n, err := strconv.Atoi(exp)
	return err == nil && len(exp) <= 4 && n <= maxExponent
}

func decodeValue(d *json.Decoder, path *[]string) (any, *Problem) {
	tok, err := d.Token()
	if err != nil {
		return nil, &Problem{Pointer: pointer(*path), Message: "not valid JSON: " + err.Error()}
	}
	if num, ok := tok.(json.Number); ok && !plausible(num) {
		return nil, &Problem{Pointer: pointer(*path), Message: fmt.Sprintf("the number %s has an exponent beyond ±%d", textclean.Cut(string(num), 40), maxExponent)}
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	if len(*path) >= maxDepth {
		return nil, &Problem{Pointer: pointer(*path), Message: fmt.Sprintf("nested deeper than %d arrays and objects", maxDepth)}
	}
	switch delim {
	case '{':
		obj := map[string]any{}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, &Problem{Pointer: pointer(*path), Message: "not valid JSON: " + err.Error()}
			}
			key, _ := kt.(string)
			if _, dup := obj[key]; dup {
				return nil, &Problem{Pointer: pointer(*path), Message: fmt.Sprintf("the member %s is given twice", quote(key))}
			}
			*path = append(*path, key)
			v, p := decodeValue(d, path)
			*path = (*path)[:len(*path)-1]
			if p != nil {
				return nil, p
			}
			obj[key] = v
		}
		if _, err := d.Token(); err != nil {
			return nil, &Problem{Pointer: pointer(*path), Message: "not valid JSON: " + err.Error()}
		}
		return obj, nil
	case '[':
		arr := []any{}
		for d.More() {
			*path = append(*path, fmt.Sprint(len(arr)))
			v, p := decodeValue(d, path)
			*path = (*path)[:len(*path)-1]
			if p != nil {
				return nil, p
			}
			arr = append(arr, v)
		}
		if _, err := d.Token(); err != nil {
			return nil, &Problem{Pointer: pointer(*path), Message: "not valid JSON: " + err.Error()}
		}
		return arr, nil
	}
	return nil, &Problem{Pointer: pointer(*path), Message: "not valid JSON: unexpected " + delim.String()}
}
