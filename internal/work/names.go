package work

import (
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

// File names come from the agent, and through it from whatever it read:
// an artifact's filepath may be "../x", absolute, hold NUL, line breaks,
// escape sequences or bidi controls, be 300 bytes long, or name a file
// twice. cleanName turns it into a relative path that stays below
// files_dir and reads the same in a log, a summary and a shell:
//
//   - a backslash is a separator (a Windows path keeps its directories);
//   - control characters (NUL, line breaks, ESC, ...) and invalid UTF-8
//     become `_` (a file name keeps its parts apart); the invisible format
//     characters that textclean drops from any untrusted text (bidi
//     controls, zero-width characters, the BOM: textclean.Invisible) are
//     dropped;
//   - the path is cleaned as if files_dir were the root: `.` and empty
//     elements go, `..` climbs at most to files_dir, and an absolute path
//     is read as relative to it;
//   - an element that starts with `-` gets a `_` in front, so that no name
//     reads as an option to a later step's command;
//   - each element is at most maxElement bytes (cut at a character, the
//     extension kept), and the path at most maxDepth elements deep (the
//     deeper directories are left out).
//
// The result is "" when nothing is left: the caller names the file itself.

// maxElement is the longest file or directory name Linux file systems
// take, in bytes.
const maxElement = 255

// maxDepth is how many elements a cleaned path keeps at most: the first
// maxDepth-1 directories and the file's own name.
const maxDepth = 16

// maxExt is the longest extension kept when a name is cut.
const maxExt = 32

// cleanName is name as a relative path below files_dir, with slashes; ""
// when nothing is left of it.
func cleanName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); {
		r, n := utf8.DecodeRuneInString(name[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteByte('_')
		case r == '\\':
			b.WriteByte('/')
		case unicode.IsControl(r):
			b.WriteByte('_')
		case textclean.Invisible(r):
			// bidi controls, zero-width characters, the BOM: dropped, as
			// from any untrusted text
		default:
			b.WriteRune(r)
		}
		i += n
	}
	var parts []string
	for _, p := range strings.Split(b.String(), "/") {
		switch p {
		case "", ".":
		case "..":
			if len(parts) > 0 {
				parts = parts[:len(parts)-1]
			}
		default:
			parts = append(parts, p)
		}
	}
	if len(parts) > maxDepth {
		parts = append(parts[:maxDepth-1], parts[len(parts)-1])
	}
	for i, p := range parts {
		if strings.HasPrefix(p, "-") {
			p = "_" + p
		}
		parts[i] = capElement(p, "")
	}
	return strings.Join(parts, "/")
}

// withSuffix is the cleaned name rel with "-n" before the extension of its
// last element (n > 1), still within maxElement bytes: report-2.md.
func withSuffix(rel string, n int) string {
	dir, file := path.Split(rel)
	return dir + capElement(file, "-"+strconv.Itoa(n))
}

// capElement is stem+suffix+ext of the element e, the stem cut (at a
// character) so that the whole is at most maxElement bytes. The extension
// is what path.Ext finds, unless it is the whole name (.bashrc) or longer
// than maxExt bytes.
func capElement(e, suffix string) string {
	ext := path.Ext(e)
	if ext == e || len(ext) > maxExt {
		ext = ""
	}
	stem := e[:len(e)-len(ext)]
	room := maxElement - len(suffix) - len(ext)
	if len(stem) > room {
		cut := room
		for cut > 0 && !utf8.RuneStart(stem[cut]) {
			cut--
		}
		stem = stem[:cut]
	}
	return stem + suffix + ext
}
