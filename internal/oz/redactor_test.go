package oz

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	secrets "github.com/oz-run/oz-run-action/internal/redact"
)

// The step's one Redactor (WithRedactor) hides in the client's errors and
// log lines what it hides everywhere else: a forge token echoed by the API
// too, not only the key; the key is added to it.
func TestWithRedactor(t *testing.T) {
	t.Parallel()
	const token = "ghp_0123456789abcdefTOKEN"
	red := secrets.New(token)
	s := newStub(t, reply{status: 400, body: `{"error":"no: ` + token + ` and ` + testKey + ` and ` + strings.ToUpper(token) + `","trace_id":"` + token + `"}`})
	c, _ := testClient(t, s, WithRedactor(red))
	_, err := c.GetRun(t.Context(), "run-1")
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want an *APIError", err)
	}
	if want := "no: *** and *** and ***"; ae.Message != want || ae.TraceID != secrets.Mark {
		t.Errorf("message %q trace %q, want %q and %q", ae.Message, ae.TraceID, want, secrets.Mark)
	}
	if !red.Contains(testKey) {
		t.Error("the key was not added to the step's Redactor")
	}
	if _, err := NewClient("https://x.example", WithRedactor(nil)); err == nil {
		t.Error("a nil Redactor was taken")
	}
}

// A message from the API follows the one rule for untrusted text
// (textclean.Line): no control, bidi or zero-width character, valid UTF-8.
func TestErrorMessageIsCleanText(t *testing.T) {
	t.Parallel()
	body := "{\"error\":\"a\\u0000b\\u001b[31mc\\u202ed\\u2066e\\u200bf\\u200dg\\ufeffh\\u00adi\\nj\\tk\"}"
	for _, b := range []string{body, "bad \xff\xfe\x00 bytes\u200b\u202e"} {
		e := parseError("op", 400, nil, []byte(b), nil, secrets.New(testKey), time.Time{})
		if !utf8.ValidString(e.Message) || strings.ContainsFunc(e.Message, func(r rune) bool {
			return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
		}) {
			t.Errorf("%q: message %q is not clean", b, e.Message)
		}
	}
	if e := parseError("op", 400, nil, []byte(body), nil, secrets.New(testKey), time.Time{}); e.Message != "a b [31mcdefghi j k" {
		t.Errorf("message %q", e.Message)
	}
}
