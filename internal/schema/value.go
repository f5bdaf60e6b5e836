package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode"
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

// numberSize is how large a number is to read exactly: the characters of
// its writing and its exponent (as far as toRat reads it).
func numberSize(v any) int {
	x, ok := v.(json.Number)
	if !ok {
		return 32
	}
	size := len(x)
	if i := strings.IndexAny(string(x), "eE"); i >= 0 {
		exp, err := strconv.Atoi(strings.TrimPrefix(string(x[i+1:]), "+"))
		if err != nil || exp > maxExponent || exp < -maxExponent {
			exp = maxExponent
		}
		size += max(exp, -exp)
	}
	return size
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

// decimal is a number exactly, as digits × 10^exp: digits without a
// leading or trailing zero ("" for zero, which is never negative).
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// toDecimal reads a number exactly, in time linear in its writing, with
// no big arithmetic whatever its exponent; ok is false for no number, or
// a writing that is no JSON number or has an exponent of over 9 digits.
func toDecimal(v any) (d decimal, ok bool) {
	switch x := v.(type) {
	case json.Number:
		return parseDecimal(string(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return decimal{}, false
		}
		return parseDecimal(new(big.Float).SetFloat64(x).Text('e', 800)) // a float64 has at most 767 significant digits
	case float32:
		return toDecimal(float64(x))
	case int:
		return parseDecimal(strconv.Itoa(x))
	case int64:
		return parseDecimal(strconv.FormatInt(x, 10))
	case int32:
		return parseDecimal(strconv.FormatInt(int64(x), 10))
	case uint64:
		return parseDecimal(strconv.FormatUint(x, 10))
	}
	return decimal{}, false
}

func parseDecimal(s string) (decimal, bool) {
	digitsAt := func(i int) int {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i
	}
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	j := digitsAt(i)
	whole := s[i:j]
	frac := ""
	if i = j; i < len(s) && s[i] == '.' {
		j = digitsAt(i + 1)
		frac = s[i+1 : j]
		i = j
	}
	if whole == "" && frac == "" {
		return decimal{}, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		negExp := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			negExp = s[i] == '-'
			i++
		}
		j = digitsAt(i)
		exp := strings.TrimLeft(s[i:j], "0")
		if j == i || len(exp) > 9 {
			return decimal{}, false
		}
		d.exp, _ = strconv.Atoi("0" + exp)
		if negExp {
			d.exp = -d.exp
		}
		i = j
	}
	if i != len(s) {
		return decimal{}, false
	}
	digits := strings.TrimLeft(whole+frac, "0")
	trimmed := strings.TrimRight(digits, "0")
	d.exp += len(digits) - len(trimmed) - len(frac)
	d.digits = trimmed
	if trimmed == "" {
		return decimal{}, true
	}
	return d, true
}

// isInt reports whether d is an integer.
func (d decimal) isInt() bool { return d.digits == "" || d.exp >= 0 }

// key is the canonical form of a JSON value: two values are equal (numbers
// by value, objects whatever the order of their members) exactly when
// their keys are. It takes time and space linear in the value's writing.
func key(v any) string {
	var b strings.Builder
	canon(&b, v)
	return b.String()
}

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
		b.WriteByte('#')
		d, ok := toDecimal(v)
		switch {
		case !ok: // an exponent of over 9 digits, as written; or no JSON value
			_, lit, _ := toRat(v)
			fmt.Fprintf(b, "?%T:%s", v, lit)
		case d.digits == "":
			b.WriteByte('0')
		default:
			if d.neg {
				b.WriteByte('-')
			}
			b.WriteString(d.digits)
			b.WriteByte('e')
			b.WriteString(strconv.Itoa(d.exp))
		}
	}
}

// cut is s as a message quotes it: at most n characters, with "…" when
// cut, and each character that would break the line or hide the text
// around it (a control or format character, a line separator, an invalid
// byte: what is not graphic) written as a Go escape (\n, \u202e, \xff),
// so that a message is one line and says what the value holds.
func cut(s string, n int) string {
	var b strings.Builder
	chars := 0
	for i := 0; i < len(s); {
		if chars == n {
			b.WriteString("…")
			break
		}
		chars++
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unicode.IsGraphic(r): // controls, format characters, line and paragraph separators
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
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
