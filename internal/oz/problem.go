package oz

import (
	"bytes"
	"encoding/json"
	"html"
	"mime"
	"net/http"
	"strings"
	"time"

	secrets "github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/textclean"
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
// or text or HTML from a proxy. Every secret red holds (the key) is removed
// from every text.
func parseError(op string, status int, h http.Header, body []byte, err error, red *secrets.Redactor, now time.Time) *APIError {
	e := &APIError{Op: op, StatusCode: status}
	if err != nil {
		e.Err = redactError(err, red)
	}
	var codes []string
	var retryable *bool
	if status > 0 && (status < 200 || status >= 300) {
		retryable = readErrorBody(e, h, body, red)
		header := clean(h.Get("X-Warp-Error-Code"), red, maxCode)
		codes = []string{e.Code, header}
		if header != "" && (e.Code == "" || status == http.StatusTooManyRequests) {
			e.Code = header
		}
		e.RetryAfter = parseRetryAfter(h.Get("Retry-After"), now)
	}
	if status >= 300 && status < 400 {
		e.Message = "the API redirected"
		if loc := clean(h.Get("Location"), red, maxMessage); loc != "" {
			e.Message += " to " + loc
		}
	}
	e.Retryable = transient(status, codes, retryable, err)
	return e
}

// readErrorBody fills the error's message, code and trace id from body, and
// returns the problem's "retryable" field, if any.
func readErrorBody(e *APIError, h http.Header, body []byte, red *secrets.Redactor) (retryable *bool) {
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
		e.Code = clean(typeCode(str("type")), red, maxCode)
		e.TraceID = clean(str("trace_id"), red, maxTraceID)
		if json.Unmarshal(fields["retryable"], &retryable) != nil {
			retryable = nil
		}
	case isHTML(h, body):
		msg = htmlText(string(body))
	default:
		msg = string(body)
	}
	if e.Message = clean(msg, red, maxMessage); e.Message == "" {
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

// clean makes untrusted text fit for one line of a log: textclean.Line
// (the one rule for untrusted text), every secret red holds redacted, and
// at most limit bytes (cut at a character, marked with "…").
func clean(s string, red *secrets.Redactor, limit int) string {
	return textclean.Cut(red.String(textclean.Line(s)), limit)
}

// redactError hides the secrets in err's message, keeping err for
// errors.Is.
func redactError(err error, red *secrets.Redactor) error {
	msg := err.Error()
	if !red.Contains(msg) {
		return err
	}
	return &redactedError{msg: red.String(msg), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
