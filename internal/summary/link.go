package summary

import (
	"strings"

	"github.com/oz-run/oz-run-action/internal/weburl"
)

// Links in the Markdown: only URLs the outputs would publish are linked.

// maxLinkURL is the longest URL linked: a longer one (a signed URL, a
// padded one) is shown as text, cut, so that one link cannot crowd out the
// summary's other sections.
const maxLinkURL = 2 << 10

// link is a Markdown link to target showing text (escaped), or the text
// alone when target is not a safe URL.
func link(text, target string) string {
	dest, ok := safeURL(target)
	if !ok {
		return inline(text)
	}
	return "[" + inline(text) + "](" + dest + ")"
}

// urlLink is a link that shows its own URL (cut when long).
func urlLink(target string) string { return link(cut(strings.TrimSpace(target), maxLinkText), target) }

// safeURL returns target ready for a Markdown link destination, and false
// when it is not a URL that the outputs would publish (weburl.ShellSafe: an
// absolute https URL without user info, whose bytes are all inert, such
// that https://github.com@evil.example/ and javascript: are never linked)
// or is longer than maxLinkURL. Of the bytes ShellSafe keeps, only `&`
// means something in a link destination (an entity): it is written as
// `&amp;`, which Markdown decodes back to `&`.
func safeURL(target string) (string, bool) {
	u, ok := weburl.ShellSafe(target)
	if !ok || len(u) > maxLinkURL {
		return "", false
	}
	return strings.ReplaceAll(u, "&", "&amp;"), true
}
