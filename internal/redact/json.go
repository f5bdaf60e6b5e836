package redact

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON redacts a JSON document and keeps it valid: each string literal is
// decoded (so `\u0077k-...` is read as `wk-...`), the decoded value is
// redacted as String would, and a literal that changed is written back
// encoded. A number holding a secret becomes a string. Anything that is not
// valid JSON is redacted as text (Bytes). It returns data itself when
// nothing was found.
func (r *Redactor) JSON(data []byte) []byte {
	m := r.m.Load()
	if m == nil {
		return data
	}
	// Without a backslash no string literal decodes to other text than its
	// own: what find does not see, the JSON reading would not either.
	if bytes.IndexByte(data, '\\') < 0 && find(m, data) == nil {
		return data
	}
	if !json.Valid(data) {
		return r.Bytes(data)
	}
	var out, buf []byte
	last := 0
	replace := func(start, end int, rep []byte) {
		if out == nil {
			out = make([]byte, 0, len(data))
		}
		out = append(out, data[last:start]...)
		out = append(out, rep...)
		last = end
	}
	for i := 0; i < len(data); {
		switch c := data[i]; {
		case c == '"':
			end := stringEnd(data, i)
			var rep []byte
			if rep, buf = redactLiteral(m, data[i+1:end-1], buf); rep != nil {
				replace(i, end, rep)
			}
			i = end
		case c == '-' || '0' <= c && c <= '9':
			end := i + 1
			for end < len(data) && strings.IndexByte("0123456789+-.eE", data[end]) >= 0 {
				end++
			}
			if sp := find(m, data[i:end]); sp != nil {
				replace(i, end, appendJSONString(nil, replaceSpans(data[i:end], sp, Mark)))
			}
			i = end
		default:
			i++
		}
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}

// stringEnd is the index after the literal that starts at data[i] (valid
// JSON).
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// redactLiteral redacts the decoded value of a string literal's body and
// returns the literal to write instead, or nil when it holds no secret.
// buf is reused for decoding; the one to reuse next is returned.
func redactLiteral(m *matcher, body, buf []byte) (rep, next []byte) {
	value := body
	if bytes.IndexByte(body, '\\') >= 0 {
		buf = decodeJSONString(buf[:0], body)
		value = buf
	}
	sp := find(m, value)
	if sp == nil {
		return nil, buf
	}
	return appendJSONString(nil, replaceSpans(value, sp, Mark)), buf
}

// decodeJSONString appends the decoded body of a valid JSON string literal
// to out, as encoding/json decodes it (a lone surrogate becomes U+FFFD).
func decodeJSONString(out, body []byte) []byte {
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			out = append(out, c)
			continue
		}
		i++
		switch e := body[i]; e {
		case 'u':
			r, ok := hex4(body, i+1)
			if !ok {
				out = append(out, '\\', e)
				continue
			}
			i += 4
			if utf16.IsSurrogate(r) {
				lo, ok := rune(0), false
				if i+6 < len(body) && body[i+1] == '\\' && body[i+2] == 'u' {
					lo, ok = hex4(body, i+3)
				}
				if dec := utf16.DecodeRune(r, lo); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		case 'b', 'f', 'n', 'r', 't':
			out = append(out, jsonControl[e])
		default: // `"`, `\`, `/`
			out = append(out, e)
		}
	}
	return out
}

// appendJSONString appends s as a JSON string literal: `"` and `\`
// escaped, control characters and the JavaScript line separators as \u
// escapes, other bytes as they are.
func appendJSONString(out, s []byte) []byte {
	const hexDigits = "0123456789abcdef"
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c < 0x20:
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9):
			out = append(out, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xf])
			i += 2
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}
