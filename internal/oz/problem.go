package oz

import (
	"bytes"
	"encoding/json"
	"html"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Reading an error answer (problem+json, JSON, HTML or text from a proxy)
// into an APIError, cleaned, capped and without the key.

// Lengths, in bytes, to which texts from the API are cut.
const (
	maxMessage = 200
	maxCode    = 64
	maxTraceID = 128
)

// parseError is the one place where an *APIError is made. status is the
// answer's HTTP status (0: no answer, err says why; 2xx: err says why the
// body could not be read). An error body may be problem+json, {"error": ...},
// or text or HTML from a proxy. key is removed from every text.
func parseError(op string, status int, h http.Header, body []byte, err error, key string, now time.Time) *APIError {
	e := &APIError{Op: op, StatusCode: status}
	if err != nil {
		e.Err = redactError(err, key)
	}
	var codes []string
	var retryable *bool
	if status > 0 && (status < 200 || status >= 300) {
		retryable = readErrorBody(e, h, body, key)
		header := clean(h.Get("X-Warp-Error-Code"), key, maxCode)
		codes = []string{e.Code, header}
		if header != "" && (e.Code == "" || status == http.StatusTooManyRequests) {
			e.Code = header
		}
		e.RetryAfter = parseRetryAfter(h.Get("Retry-After"), now)
	}
	if status >= 300 && status < 400 {
		e.Message = "the API redirected"
		if loc := clean(h.Get("Location"), key, maxMessage); loc != "" {
			e.Message += " to " + loc
		}
	}
	e.Retryable = transient(status, codes, retryable, err)
	return e
}

// readErrorBody fills the error's message, code and trace id from body, and
// returns the problem's "retryable" field, if any.
func readErrorBody(e *APIError, h http.Header, body []byte, key string) (retryable *bool) {
	body = bytes.TrimSpace(body)
	var msg string
	var fields map[string]json.RawMessage
	switch {
	case len(body) == 0:
	case body[0] == '{' && json.Unmarshal(body, &fields) == nil:
		str := func(name string) string {
			var s string
			_ = json.Unmarshal(fields[name], &s)
			return s
		}
		var nested struct { // {"error": {"message": ...}}
			Message string `json:"message"`
		}
		_ = json.Unmarshal(fields["error"], &nested)
		msg = firstNonEmpty(str("error"), nested.Message, str("detail"), str("title"), str("message"))
		e.Code = clean(typeCode(str("type")), key, maxCode)
		e.TraceID = clean(str("trace_id"), key, maxTraceID)
		if json.Unmarshal(fields["retryable"], &retryable) != nil {
			retryable = nil
		}
	case isHTML(h, body):
		msg = htmlText(string(body))
	default:
		msg = string(body)
	}
	if e.Message = clean(msg, key, maxMessage); e.Message == "" {
		e.Message = http.StatusText(e.StatusCode)
	}
	return retryable
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// typeCode is the code named by a problem's type URI: its last segment,
// spelled as the schema's error codes are (Warp's docs hyphenate the URI:
// .../errors/feature-not-available is feature_not_available).
func typeCode(t string) string {
	t = strings.TrimRight(strings.TrimSpace(t), "/")
	if t == "about:blank" {
		return ""
	}
	return strings.ReplaceAll(t[strings.LastIndexAny(t, "/#")+1:], "-", "_")
}

func isHTML(h http.Header, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil && strings.Contains(mt, "html") {
		return true
	}
	return body[0] == '<'
}

// htmlText is the text of an HTML page: tags, scripts and styles removed,
// entities decoded.
func htmlText(s string) string {
	lower := asciiLower(s) // same byte offsets as s
	var b strings.Builder
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+j])
		i += j
		for _, tag := range []string{"<script", "<style"} {
			if strings.HasPrefix(lower[i:], tag) {
				end := strings.Index(lower[i:], "</"+tag[1:])
				if end < 0 {
					return html.UnescapeString(b.String())
				}
				i += end
			}
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break
		}
		b.WriteByte(' ')
		i += end + 1
	}
	return html.UnescapeString(b.String())
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// clean makes untrusted text fit for one line of a log: valid UTF-8, no
// control or format characters, spaces collapsed, key redacted, and at most
// limit bytes (cut at a character, marked with "…").
func clean(s, key string, limit int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError:
			return '?'
		case unicode.IsControl(r), unicode.IsSpace(r):
			return ' '
		case unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
	s = redact(strings.Join(strings.Fields(s), " "), key)
	if len(s) <= limit {
		return s
	}
	cut := limit - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// redactedMark replaces the key wherever it appears.
const redactedMark = "[REDACTED]"

func redact(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, redactedMark)
}

// redactError hides the key in err's message, keeping err for errors.Is.
func redactError(err error, key string) error {
	if key == "" || !strings.Contains(err.Error(), key) {
		return err
	}
	return &redactedError{msg: redact(err.Error(), key), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
