package summary

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

// Text from the API is untrusted. The functions here turn any string into
// Markdown that shows the text as it is and can create nothing: no HTML (the
// output never holds a raw `<`), no links or images, no headings, tables,
// lists, code, math, mentions or references to issues and pull requests.

// zwj follows every `@`, so that `@user` and `user@host` are shown, not
// linked, and ping no one; and the mark of a reference (`#12`: crossRef),
// so that it links nothing and leaves no back-link.
const zwj = "\u200d"

// inline escapes s for use inside one line: a table cell, a list item, link
// text. Line breaks become spaces; space around s is dropped (indentation
// could make a code block in a list item).
func inline(s string) string {
	s = strings.TrimSpace(textclean.Lines(s))
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	writeEscaped(&b, s)
	return b.String()
}

// quote writes s as a Markdown blockquote, one quoted line per line of s,
// each ending in a hard line break (`\`) when another line follows it in
// the same paragraph. Blank lines at the start and end are dropped; s must
// not be blank.
func quote(b *strings.Builder, s string) {
	lines := strings.Split(strings.Trim(textclean.Lines(s), "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimRightFunc(lines[i], unicode.IsSpace)
	}
	for i, line := range lines {
		if line == "" {
			b.WriteString(">\n")
			continue
		}
		b.WriteString("> ")
		writeEscaped(b, line)
		if i+1 < len(lines) && lines[i+1] != "" {
			b.WriteByte('\\')
		}
		b.WriteByte('\n')
	}
}

// isBlank reports whether s shows nothing once cleaned.
func isBlank(s string) bool {
	return strings.TrimFunc(textclean.Lines(s), unicode.IsSpace) == ""
}

// escapes maps the ASCII bytes that Markdown or HTML could read as syntax
// to what shows them as text; the others stand for themselves. Every
// non-ASCII character stands for itself. A `@` gets a zero-width joiner.
var escapes = func() (e [utf8.RuneSelf]string) {
	for _, c := range "\\`*_{}[]()#!|~$:" {
		e[c] = `\` + string(c)
	}
	e['&'], e['<'], e['>'] = "&amp;", "&lt;", "&gt;"
	e['@'] = "@" + zwj
	e['\n'] = " "
	return e
}()

// writeEscaped writes s, which textclean.Lines has made printable, escaped. s is
// read as if it started a block (a quoted line, a list item): indentation
// is kept as no-break spaces (so it cannot make a code block), and a
// leading `-`, `+`, `=` or `1.` is escaped (so it cannot make a list, a
// rule or a heading underline). Line breaks become spaces. Autolinks are
// prevented too: `:` is escaped (http://), so is the dot of `www.`, and `@`
// gets a zero-width joiner (mail addresses, mentions), as do the `#`, `!`,
// `&` and `-` of references (`#12`, `!12`, `&12`, `GH-12`: see crossRef).
func writeEscaped(b *strings.Builder, s string) {
	lineStart := true
	listDot := -1 // the index of the dot of a leading `1.`
	done := 0     // s[:done] is written
	for i := 0; i < len(s); i++ {
		c := s[i]
		var rep string
		if lineStart {
			switch {
			case c == ' ':
				rep = "\u00a0"
			case c == '-', c == '+', c == '=':
				rep = `\` + s[i:i+1]
			case '0' <= c && c <= '9':
				j := i
				for j < len(s) && '0' <= s[j] && s[j] <= '9' {
					j++
				}
				if j < len(s) && s[j] == '.' && (j+1 == len(s) || s[j+1] == ' ' || s[j+1] == '\n') {
					listDot = j
				}
			}
			lineStart = c == ' '
		}
		switch {
		case rep != "":
		case c < utf8.RuneSelf && escapes[c] != "":
			rep = escapes[c]
		case i == listDot, c == '.' && i >= 3 && strings.EqualFold(s[i-3:i], "www"):
			rep = `\.`
		}
		if crossRef(s, i) { // #12, !12, &12, GH-12: shown, not linked
			if rep == "" {
				rep = s[i : i+1]
			}
			rep += zwj
		}
		if rep != "" {
			b.WriteString(s[done:i])
			b.WriteString(rep)
			done = i + 1
		}
	}
	b.WriteString(s[done:])
}

// code shows s in a code span when it is a plain word (a state, an error
// code, a branch), else as escaped text: escapes do not work inside code
// spans.
func code(s string) string {
	if s == "" || len(s) > 64 {
		return inline(s)
	}
	for _, r := range s {
		ok := r == '_' || r == '-' || r == '.' || r == '/' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if !ok {
			return inline(s)
		}
	}
	return "`" + s + "`"
}
