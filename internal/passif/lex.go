package passif

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a token.
type tokKind int

const (
	tEOF tokKind = iota
	tNumber
	tString
	tIdent
	tPunct
)

// token is one token of a pass_if: its text as written, where it starts
// (a byte offset), and for numbers and strings the value.
type token struct {
	kind tokKind
	text string
	pos  int
	val  any // int64 or float64 for a number, string for a string
}

// puncts are the operators and punctuation, longest first (an array:
// nothing built at init).
var puncts = [...]string{"?.", "??", "==", "!=", "<=", ">=", "&&", "||",
	".", "[", "]", "(", ")", "{", "}", ",", "#", "!", "<", ">", "+", "-", "*", "/", "%", "?", ":"}

// lex splits src into tokens, ending with tEOF.
func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case isDigit(c):
			t, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += len(t.text)
			continue
		case c == '"' || c == '\'' || c == '`':
			t, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += len(t.text)
			continue
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && (isIdentStart(src[j]) || isDigit(src[j])) {
				j++
			}
			toks = append(toks, token{kind: tIdent, text: src[i:j], pos: i})
			i = j
			continue
		}
		matched := false
		for _, p := range puncts {
			if strings.HasPrefix(src[i:], p) {
				toks = append(toks, token{kind: tPunct, text: p, pos: i})
				i += len(p)
				matched = true
				break
			}
		}
		if !matched {
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, errorAt(src, i, fmt.Sprintf("unexpected character %q", r))
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src)}), nil
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isIdentStart(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }

// lexNumber reads an integer or a decimal number at src[i:]: digits, then
// perhaps a fraction, then perhaps an exponent. An integer too large for
// int64 is a float64.
func lexNumber(src string, i int) (token, error) {
	j := i
	for j < len(src) && isDigit(src[j]) {
		j++
	}
	float := false
	if j+1 < len(src) && src[j] == '.' && isDigit(src[j+1]) {
		float = true
		j++
		for j < len(src) && isDigit(src[j]) {
			j++
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && isDigit(src[k]) {
			float = true
			for k < len(src) && isDigit(src[k]) {
				k++
			}
			j = k
		}
	}
	if j < len(src) && (isIdentStart(src[j]) || src[j] == '.' && j+1 < len(src) && isDigit(src[j+1])) {
		return token{}, errorAt(src, i, fmt.Sprintf("bad number %q", src[i:j+1]))
	}
	text := src[i:j]
	if !float {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return token{kind: tNumber, text: text, pos: i, val: n}, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return token{}, errorAt(src, i, fmt.Sprintf("number %s is out of range", text))
	}
	return token{kind: tNumber, text: text, pos: i, val: f}, nil
}

// lexString reads a string at src[i:]: in double or single quotes with
// the escapes \\ \" \' \n \r \t \uXXXX, or in backticks as written.
func lexString(src string, i int) (token, error) {
	q := src[i]
	var b strings.Builder
	for j := i + 1; j < len(src); j++ {
		c := src[j]
		switch {
		case c == q:
			return token{kind: tString, text: src[i : j+1], pos: i, val: b.String()}, nil
		case q == '`':
			b.WriteByte(c)
		case c == '\n' || c == '\r':
			return token{}, errorAt(src, i, "a string is not closed on its line")
		case c == '\\':
			if j+1 >= len(src) {
				return token{}, errorAt(src, j, "a string ends with \\")
			}
			j++
			switch e := src[j]; e {
			case '\\', '"', '\'':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if j+4 >= len(src) {
					return token{}, errorAt(src, j-1, "\\u needs four hex digits")
				}
				n, err := strconv.ParseUint(src[j+1:j+5], 16, 32)
				if err != nil {
					return token{}, errorAt(src, j-1, "\\u needs four hex digits")
				}
				b.WriteRune(rune(n))
				j += 4
			default:
				return token{}, errorAt(src, j-1, fmt.Sprintf("unknown escape \\%c", e))
			}
		default:
			b.WriteByte(c)
		}
	}
	return token{}, errorAt(src, i, "a string is not closed")
}

// Error is a pass_if that does not compile or could not be evaluated:
// what failed, and where in the expression (line and column, from 1).
type Error struct {
	Line, Column int
	Message      string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (line %d, column %d)", e.Message, e.Line, e.Column)
}

// errorAt is an Error at byte offset pos of src.
func errorAt(src string, pos int, msg string) *Error {
	pos = min(max(pos, 0), len(src))
	before := src[:pos]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return &Error{Line: line, Column: col, Message: msg}
}
