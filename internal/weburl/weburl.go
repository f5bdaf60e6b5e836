// Package weburl holds the one rule for URLs that came from outside (the
// API, through the agent) and are shown or handed on: a step output that a
// later step may substitute into a shell, a link in the job summary or in
// the pull request comment. The ci and summary packages both follow it, so
// a URL is linked where, and only where, it is published. It also holds
// the one rule for the hosts plain http may go to with a credential
// (IsLoopbackHost), which config, oz and comment follow.
package weburl

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// MaxLen is the longest URL accepted; a longer one is refused (a cut URL
// leads somewhere else).
const MaxLen = 8 << 10

// ShellSafe returns raw (spaces around it trimmed) as a URL that is safe
// to publish and to substitute into a shell word, or false. It accepts only
// an absolute `https` URL of at most MaxLen bytes whose host is a DNS name or an
// IP literal (optionally with a port), without user info, without control
// characters, and without `.` or `..` path segments. The result holds only
// bytes inert in a (quoted) shell word: `A-Z a-z 0-9 - . _ ~ : / ? # [ ] @
// ! & + , ; = %`; any other byte of the path, query or fragment (quotes,
// `$`, backticks, spaces, non-ASCII) is percent-encoded, and so is a `%`
// that does not start an escape. The scheme is written in lower case.
func ShellSafe(raw string) (string, bool) {
	s := strings.TrimSpace(raw)
	if len(s) > MaxLen || len(s) < len("https://") || !strings.EqualFold(s[:len("https://")], "https://") {
		return "", false
	}
	rest := s[len("https://"):]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if !validAuthority(authority) {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString("https://")
	b.WriteString(authority)
	for i := 0; i < len(tail); i++ {
		c := tail[i]
		switch {
		case c < 0x20 || c == 0x7f:
			return "", false
		case c == '%' && i+2 < len(tail) && isHexDigit(tail[i+1]) && isHexDigit(tail[i+2]):
			b.WriteByte(c)
		case c != '%' && inertInURL[c]:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	out := b.String()
	if len(out) > MaxLen || hasDotSegment(out[len("https://")+len(authority):]) {
		return "", false
	}
	u, err := url.Parse(out)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Opaque != "" || u.Host != authority {
		return "", false
	}
	return out, true
}

// inertInURL are the bytes ShellSafe keeps as they are.
var inertInURL = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
	}
	for _, c := range []byte("-._~:/?#[]@!&+,;=%") {
		t[c] = true
	}
	return t
}()

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// validAuthority accepts `host[:port]`: a DNS name (labels of letters,
// digits and inner hyphens, an optional final dot) or an IP literal in
// brackets, and a port of 1 to 5 digits. No user info, nothing escaped.
func validAuthority(a string) bool {
	host, port := a, ""
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return false
		}
		host, port = a[:end+1], a[end+1:]
		for _, c := range []byte(host[1:end]) {
			if !isHexDigit(c) && c != ':' && c != '.' {
				return false
			}
		}
		if end < 3 || !strings.Contains(host, ":") {
			return false
		}
	} else if i := strings.LastIndexByte(a, ':'); i >= 0 {
		host, port = a[:i], a[i:]
	}
	if port != "" {
		n, err := strconv.Atoi(port[1:])
		if port[0] != ':' || len(port) < 2 || len(port) > 6 || err != nil || n < 1 || n > 65535 || strings.ContainsAny(port[1:], "+-") {
			return false
		}
	}
	if strings.HasPrefix(host, "[") {
		return true
	}
	name := strings.TrimSuffix(host, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// hasDotSegment reports a `.` or `..` segment (also percent-encoded) in
// the path part of tail (before any `?` or `#`).
func hasDotSegment(tail string) bool {
	if i := strings.IndexAny(tail, "?#"); i >= 0 {
		tail = tail[:i]
	}
	for _, seg := range strings.Split(tail, "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "%2e", "."), "%2E", ".")
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}
