package summary

import (
	"net/url"
	"strings"
)

// link is a Markdown link to target showing text (escaped), or the text
// alone when target is not a safe http(s) URL.
func link(text, target string) string {
	dest, ok := safeURL(target)
	if !ok {
		return inline(text)
	}
	return "[" + inline(text) + "](" + dest + ")"
}

// urlLink is a link that shows its own URL.
func urlLink(target string) string { return link(target, target) }

// safeURL returns target ready for a Markdown link destination, and false
// when it is not an absolute http(s) URL with a host and no user info (a
// URL like https://github.com@evil.example/ misleads). Bytes that could end
// the destination, break a table row or be read as Markdown are
// percent-encoded; `&` is written as an entity, which Markdown decodes, so
// that no entity in the URL is decoded.
func safeURL(target string) (string, bool) {
	target = strings.TrimSpace(target)
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return "", false
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(target) + 16)
	for i := 0; i < len(target); i++ {
		c := target[i]
		switch {
		case c == '&':
			b.WriteString("&amp;")
		case urlSafe(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String(), true
}

// urlSafe reports the bytes kept as they are in a link destination.
func urlSafe(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?#@!+,;=%", c) >= 0
}
