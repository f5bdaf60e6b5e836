package ci

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/redact"
	"github.com/oz-run/oz-run-action/internal/textclean"
)

// Text as every platform prints it: log lines cleaned and capped, values
// cut with a marker, and the secrets redacted.

// clean makes untrusted text safe to print as log lines: textclean.Log,
// the rule the summary and the outputs follow too.
func clean(s string) string { return textclean.Log(s) }

// lines splits cleaned text into lines; a final newline ends the last line
// rather than starting an empty one.
func lines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// oneLine joins the lines of s, trimmed and without empty ones, by single
// spaces; tabs become spaces.
func oneLine(s string) string {
	var kept []string
	for _, l := range lines(clean(s)) {
		if l = strings.TrimSpace(strings.ReplaceAll(l, "\t", " ")); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, " ")
}

// truncMarker is appended where text was cut.
func truncMarker(n int) string { return fmt.Sprintf("… [truncated %d bytes]", n) }

// truncate cuts s to at most limit bytes on a UTF-8 boundary, ending with a
// marker that says how many bytes were cut. limit must exceed the marker.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	keep := max(limit-len(truncMarker(len(s))), 0)
	for keep < limit && keep+1+len(truncMarker(len(s)-keep-1)) <= limit {
		keep++ // the marker got shorter: keep more
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + truncMarker(len(s)-keep)
}

// truncateAfter is truncate for s whose end (cut bytes) was already cut:
// it ends with a marker that counts those bytes too, also when s fits.
func truncateAfter(s string, limit, cut int) string {
	if cut == 0 {
		return truncate(s, limit)
	}
	keep := min(len(s), max(limit-len(truncMarker(len(s)+cut)), 0))
	for keep > 0 && keep < len(s) && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + truncMarker(len(s)-keep+cut)
}

// truncateQuiet cuts s to at most limit bytes on a UTF-8 boundary.
func truncateQuiet(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	for limit > 0 && !utf8.RuneStart(s[limit]) {
		limit--
	}
	return s[:limit]
}

// secrets remembers masked values and redacts them, in every encoding
// internal/redact knows, from anything printed or written, on every
// platform (GitHub masks too, but only the raw value, and only in its logs).
type secrets struct{ r redact.Redactor }

func (s *secrets) add(secrets ...string) { s.r.Add(secrets...) }

func (s *secrets) redact(text string) string { return s.r.String(text) }

// redactBytes redacts a JSON document (the result file) and keeps it valid
// JSON; other bytes are redacted as text.
func (s *secrets) redactBytes(b []byte) []byte { return s.r.JSON(b) }

// maxLogLine is the most bytes one log line takes; longer lines are cut
// and end with "… [truncated N bytes]".
const maxLogLine = 4 << 10

// maxTitle is the most bytes of an annotation or group title.
const maxTitle = 1 << 10

// capLines cuts each line of text to maxLogLine bytes. Redact first: a cut
// could leave part of a secret that the redactor no longer recognises.
func capLines(text string) string {
	if len(text) <= maxLogLine {
		return text
	}
	var b strings.Builder
	for rest := text; rest != ""; {
		line, after, found := strings.Cut(rest, "\n")
		b.WriteString(truncate(line, maxLogLine))
		if found {
			b.WriteByte('\n')
		}
		rest = after
	}
	return b.String()
}

// quietWriter never fails: a log line that cannot be written is lost, and
// go-githubactions panics on a write error.
type quietWriter struct{ w io.Writer }

func (q quietWriter) Write(p []byte) (int, error) {
	_, _ = q.w.Write(p)
	return len(p), nil
}
