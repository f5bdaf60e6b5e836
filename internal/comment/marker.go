package comment

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A comment of ours starts with a hidden HTML comment holding its key:
//
//	<!-- oz-run comment key="workflow/job/step" -->
//
// Both forges keep HTML comments in a body and do not show them. The key is
// percent-encoded where it could end the HTML comment or the attribute
// (`<`, `>`, `"`, `&`, `%`, `'`, `\`, spaces and anything not printable
// ASCII), so no key can close the comment early or forge another marker.
// A key whose marker would be long is replaced by its SHA-256.

const (
	markerPrefix = `<!-- oz-run comment key="`
	markerSuffix = `" -->`
	maxMarker    = 512
)

// defaultKey is the key when comment_key is unset: the workflow, job and
// step on GitHub, the job on GitLab. It is the same for every run and
// attempt of that step (never the run id), so a re-run or a new push finds
// the comment again. Matrix jobs share a job id on GitHub: they need their
// own comment_key.
func defaultKey(getenv func(string) string, gitlab bool) string {
	if gitlab {
		return "gitlab/" + getenv("CI_JOB_NAME")
	}
	return getenv("GITHUB_WORKFLOW") + "/" + getenv("GITHUB_JOB") + "/" + getenv("GITHUB_ACTION")
}

// marker is the first line of a body of ours for key.
func marker(key string) string {
	m := markerPrefix + encodeKey(key) + markerSuffix
	if len(m) > maxMarker {
		sum := sha256.Sum256([]byte(key))
		m = markerPrefix + "sha256:" + hex.EncodeToString(sum[:]) + markerSuffix
	}
	return m
}

func encodeKey(key string) string {
	const hexdigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c > ' ' && c < 0x7f && strings.IndexByte(`<>"&%'\`, c) < 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdigits[c>>4])
		b.WriteByte(hexdigits[c&15])
	}
	return b.String()
}

// hasMarker reports whether body is a comment for the marker m: its first
// line is m (as written, or with the CRLF a browser edit leaves).
func hasMarker(body, m string) bool {
	rest, ok := strings.CutPrefix(body, m)
	return ok && (rest == "" || rest[0] == '\n' || rest[0] == '\r')
}

// compose is the body sent: the marker, then body, cut at a line (and at a
// character) to fit in limit bytes with a line saying so.
func compose(m, body string, limit int) string {
	s := m + "\n" + body
	if len(s) <= limit {
		return s
	}
	note := fmt.Sprintf("\n\n… cut here: the comment was %d bytes over the limit; the job summary has it all.\n", len(s)-limit)
	budget := limit - len(note)
	if budget <= len(m) {
		return m
	}
	cut := strings.LastIndexByte(s[:budget], '\n')
	if cut <= len(m) {
		cut = budget
		for cut > len(m) && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut] + note
}
