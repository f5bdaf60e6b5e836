package schema

import (
	"encoding/json"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxExponent bounds the exponent of a number that is compared exactly:
// 1e999999 as a fraction takes megabytes and milliseconds.
const maxExponent = 1000

// toRat is a JSON number, exactly, and as written. ok is false when v is
// no number (lit is "") or when its exponent is beyond ±maxExponent.
func toRat(v any) (r *big.Rat, lit string, ok bool) {
	switch x := v.(type) {
	case json.Number:
		lit = string(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, "", false
		}
		return new(big.Rat).SetFloat64(x), strconv.FormatFloat(x, 'g', -1, 64), true
	case float32:
		return toRat(float64(x))
	case int:
		return new(big.Rat).SetInt64(int64(x)), strconv.Itoa(x), true
	case int64:
		return new(big.Rat).SetInt64(x), strconv.FormatInt(x, 10), true
	case int32:
		return toRat(int64(x))
	case uint64:
		r := new(big.Rat).SetInt(new(big.Int).SetUint64(x))
		return r, strconv.FormatUint(x, 10), true
	default:
		return nil, "", false
	}
	if !plausible(lit) {
		return nil, lit, false
	}
	r, good := new(big.Rat).SetString(lit)
	if !good {
		return nil, lit, false
	}
	return r, lit, true
}

// plausible reports whether a number's exponent is within ±maxExponent.
func plausible(num string) bool {
	i := strings.IndexAny(num, "eE")
	if i < 0 {
		return true
	}
	exp := strings.TrimLeft(strings.TrimLeft(num[i+1:], "+-"), "0")
	if exp == "" {
		return true
	}
	n, err := strconv.Atoi(exp)
	return err == nil && len(exp) <= 4 && n <= maxExponent
}

func isNumber(v any) bool {
	switch v.(type) {
	case json.Number, float64, float32, int, int64, int32, uint64:
		return true
	}
	return false
}

// typeOf is the JSON type of a value, as messages name it.
func typeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	if isNumber(v) {
		return "number"
	}
	return "unknown"
}

// equal is JSON equality: numbers by value, objects by members.
func equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equal(xv, yv) {
				return false
			}
		}
		return true
	}
	if !isNumber(a) || !isNumber(b) {
		return false
	}
	ra, la, oka := toRat(a)
	rb, lb, okb := toRat(b)
	if !oka || !okb {
		return la == lb
	}
	return ra.Cmp(rb) == 0
}

// canon writes a value so that two values are equal exactly when their
// writings are (uniqueItems in linear time).
func canon(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteByte('n')
	case bool:
		if x {
			b.WriteByte('t')
		} else {
			b.WriteByte('f')
		}
	case string:
		b.WriteString(strconv.Quote(x))
	case []any:
		b.WriteByte('[')
		for _, e := range x {
			canon(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for _, k := range keys {
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			canon(b, x[k])
			b.WriteByte(',')
		}
		b.WriteByte('}')
	default:
		r, lit, ok := toRat(v)
		b.WriteByte('#')
		if ok {
			b.WriteString(r.RatString())
		} else {
			b.WriteString(lit)
		}
	}
}

// cut is s at most n characters long, with "…" when cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// show is a value as a message quotes it: a string in single quotes,
// anything else as compact JSON, cut to a readable length.
func show(v any) string {
	if s, ok := v.(string); ok {
		return "'" + cut(s, 80) + "'"
	}
	if _, lit, ok := toRat(v); ok || lit != "" {
		return cut(lit, 40)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return typeOf(v)
	}
	return cut(string(b), 80)
}

// commas writes an integer with thousands separators: 4,001.
func commas(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + commas(-n)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
