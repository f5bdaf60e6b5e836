package summary

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

// The agent's answer is Markdown written by a model that read untrusted
// input (a pull request, an issue), so it is hostile text that should still
// look like what the agent wrote. answerMarkdown keeps its Markdown
// (paragraphs, emphasis, lists, tables, quotes, headings, code) and takes
// away what could do harm where it is shown:
//   - raw HTML: every `<` outside code is written `&lt;` (no tags, comments,
//     autolinks in brackets), every `&` outside code `&amp;` (no entity can
//     bring back a `<`, an `@` or a bidi control);
//   - links and images that do not go to https: their `]` is escaped, so
//     they show as text; bare http://, ftp:// and www. links are broken up;
//   - mentions: every `@` outside code is followed by a zero-width joiner;
//   - code that would not end: every fenced code block is written again
//     with a fence longer than any run of its fence character inside it,
//     at the start of a line between blank lines, and is always closed, so
//     no stray fence can swallow what follows the answer. Inline code is
//     kept only when it opens and closes on one line (without `|`, which
//     splits table cells); every other backtick is escaped, so GitHub's
//     parser sees exactly the code spans seen here.
//
// The text is cleaned first (control and bidi characters dropped, tabs to
// spaces). What comes out ends with a newline and leaves no block open, so
// anything may follow it after a blank line.

// answerMarkdown renders answer as safe Markdown of at most maxBytes bytes;
// a longer answer is cut at a line and ends with a line that says so. A
// blank answer gives "".
func answerMarkdown(answer string, maxBytes int) string {
	answer = strings.TrimRight(textclean.Lines(answer), " \n")
	if isBlank(answer) || maxBytes <= 0 {
		return ""
	}
	lines := strings.Split(strings.TrimLeft(answer, "\n"), "\n")
	a := answerWriter{max: maxBytes, total: len(answer)}
	for i := 0; i < len(lines) && !a.full; {
		if f, ok := openingFence(lines[i]); ok {
			end := i + 1
			for end < len(lines) && !f.closes(lines[end]) {
				end++
			}
			a.code(f, lines[i+1:min(end, len(lines))])
			i = end + 1
			continue
		}
		a.prose(lines[i])
		i++
	}
	return a.finish()
}

// answerWriter writes the answer within its byte budget.
type answerWriter struct {
	b     strings.Builder
	max   int
	total int  // bytes of the cleaned answer, for the truncation note
	shown int  // bytes of the answer written so far
	full  bool // the budget is spent: the rest is left out
}

// reserve is the room kept for the truncation note.
const reserve = 200

// fits reports whether n more bytes leave room for the note.
func (a *answerWriter) fits(n int) bool { return a.b.Len()+n+reserve <= a.max }

func (a *answerWriter) prose(line string) {
	if line == "" && strings.HasSuffix(a.b.String(), "\n\n") {
		a.shown++ // after a code block: one blank line is enough
		return
	}
	out := proseLine(line)
	if !a.fits(len(out) + 1) {
		// Cut the line itself (at a character) to what fits: any prefix of
		// a line is rendered as safely as the whole.
		room := a.max - reserve - a.b.Len() - 1
		cut := len(line)
		for cut > 0 {
			n := len(proseLine(line[:cut]))
			if n <= room {
				break
			}
			cut = min(cut-1, cut*room/n) // escapes make the output longer
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
		}
		if cut > 0 {
			a.b.WriteString(proseLine(line[:cut]) + "\n")
			a.shown += cut
		}
		a.full = true
		return
	}
	a.b.WriteString(out + "\n")
	a.shown += len(line) + 1
}

func (a *answerWriter) code(f fence, body []string) {
	run := strings.Repeat(string(f.char), f.longest(body)+1)
	open := run + f.lang() + "\n"
	if !strings.HasSuffix(a.b.String(), "\n\n") && a.b.Len() > 0 {
		open = "\n" + open // a blank line ends the block before
	}
	closing := run + "\n\n"
	if !a.fits(len(open) + len(closing)) {
		a.full = true
		return
	}
	a.b.WriteString(open)
	a.shown += len(f.line) + 1
	for _, line := range body {
		line = f.unindent(line)
		if !a.fits(len(line) + 1 + len(closing)) {
			a.full = true
			break
		}
		a.b.WriteString(line + "\n")
		a.shown += len(line) + 1
	}
	a.b.WriteString(closing)
}

func (a *answerWriter) finish() string {
	s := strings.Trim(a.b.String(), "\n") + "\n"
	if a.full {
		left := max(a.total-a.shown, 1)
		s += fmt.Sprintf("\n*… the answer is cut here (about %d more bytes): the whole answer is in the job summary and the `agent_output` output.*\n", left)
	}
	if len(s) > a.max { // a budget smaller than the note itself
		return capSize(s, a.max)
	}
	return s
}

// fence is the opening line of a fenced code block.
type fence struct {
	line   string
	indent int  // spaces before the fence
	char   byte // '`' or '~'
	n      int  // length of the run
	info   string
}

// openingFence reads line as a fence that opens a code block: any
// indentation (a block in a list item is taken out of the list), then at
// least three backticks or tildes; after backticks, no backtick.
func openingFence(line string) (fence, bool) {
	rest := strings.TrimLeft(line, " ")
	indent := len(line) - len(rest)
	if len(rest) < 3 || (rest[0] != '`' && rest[0] != '~') {
		return fence{}, false
	}
	c := rest[0]
	n := 0
	for n < len(rest) && rest[n] == c {
		n++
	}
	info := rest[n:]
	if n < 3 || (c == '`' && strings.IndexByte(info, '`') >= 0) {
		return fence{}, false
	}
	return fence{line: line, indent: indent, char: c, n: n, info: info}, true
}

// closes reports whether line closes the block: a run of the fence's
// character at least as long as the opening one, with nothing after but
// spaces.
func (f fence) closes(line string) bool {
	rest := strings.TrimLeft(line, " ")
	k := 0
	for k < len(rest) && rest[k] == f.char {
		k++
	}
	return k >= f.n && strings.TrimRight(rest[k:], " ") == ""
}

// longest is the longest run of the fence's character in body, at least 2,
// so that the fence written (one longer) is at least 3 long and no line of
// body can close it.
func (f fence) longest(body []string) int {
	n := 2
	for _, line := range body {
		run := 0
		for i := 0; i < len(line); i++ {
			if line[i] == f.char {
				run++
				n = max(n, run)
			} else {
				run = 0
			}
		}
	}
	return n
}

// lang is the info string's first word when it is a plain language name
// (go, c++, objective-c, c#), else nothing.
func (f fence) lang() string {
	word, _, _ := strings.Cut(strings.TrimSpace(f.info), " ")
	if len(word) > 32 {
		return ""
	}
	for i := 0; i < len(word); i++ {
		c := word[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("+-#._", c) >= 0
		if !ok {
			return ""
		}
	}
	return word
}

// unindent takes away up to the fence's indentation from a line of its
// block, as Markdown does.
func (f fence) unindent(line string) string {
	k := 0
	for k < f.indent && k < len(line) && line[k] == ' ' {
		k++
	}
	return line[k:]
}

// proseLine makes one line of the answer that is not in a fenced block
// safe; see answerMarkdown.
func proseLine(line string) string {
	var b strings.Builder
	b.Grow(len(line) + len(line)/8)
	escaped := false // the byte before is a backslash that escapes this one
	for i := 0; i < len(line); i++ {
		c := line[i]
		if escaped {
			// Markdown shows c as it is; only a mention must still be broken.
			// A bare URL around it may take the backslash (see safeBareURL):
			// then `<` must not be there.
			escaped = false
			switch c {
			case '<':
				b.WriteString("&lt;")
			case '@':
				b.WriteString("@" + zwj)
			default:
				b.WriteByte(c)
			}
			continue
		}
		switch c {
		case '\\':
			escaped = true
			b.WriteByte(c)
		case '`':
			if end, ok := codeSpan(line, i); ok {
				b.WriteString(line[i:end])
				i = end - 1
				continue
			}
			for i < len(line) && line[i] == '`' { // the whole run stays text
				b.WriteString("\\`")
				i++
			}
			i--
		case '<':
			b.WriteString("&lt;")
		case '&':
			b.WriteString("&amp;")
		case '@':
			b.WriteString("@" + zwj)
		case ']':
			i = writeLinkEnd(&b, line, i)
		case ':':
			if strings.HasPrefix(line[i+1:], "//") && !safeBareURL(line, i) {
				b.WriteString(`\:`) // no bare link
			} else {
				b.WriteByte(c)
			}
		case '.':
			if i >= 3 && strings.EqualFold(line[i-3:i], "www") && (i == 3 || !domainByte(line[i-4])) {
				b.WriteString(`\.`) // no bare www. link (GitHub makes it http://)
			} else {
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// codeSpan reports whether the backtick run at line[i] opens a code span
// closed on the same line by a run of the same length, with no `|` inside;
// end is just after the closing run.
func codeSpan(line string, i int) (end int, ok bool) {
	n := 0
	for i+n < len(line) && line[i+n] == '`' {
		n++
	}
	j := i + n
	for j < len(line) {
		if line[j] == '|' {
			return 0, false
		}
		if line[j] != '`' {
			j++
			continue
		}
		k := j
		for k < len(line) && line[k] == '`' {
			k++
		}
		if k-j == n {
			return k, true
		}
		j = k
	}
	return 0, false
}

// writeLinkEnd writes the `]` at line[i]. When it ends a link's text (a
// `(` or `:` follows), it stays only if the destination is an https URL;
// otherwise it is escaped and the link shows as text. The destination is
// written so that it is harmless also where GitHub does not read it as one
// (no `[` opened the link): then it is text, where a bare URL is linked to
// the next space. It returns the index of the last byte written.
func writeLinkEnd(b *strings.Builder, line string, i int) int {
	next := byte(0)
	if i+1 < len(line) {
		next = line[i+1]
	}
	if next != '(' && next != ':' {
		b.WriteByte(']')
		return i
	}
	j := i + 2
	for j < len(line) && line[j] == ' ' {
		j++
	}
	const scheme = "https:"
	if len(line)-j < len("https://") || !strings.EqualFold(line[j:j+len("https://")], "https://") {
		b.WriteString(`\]`)
		return i
	}
	b.WriteString(line[i:j] + line[j:j+len(scheme)-1])
	if safeBareURL(line, j+len(scheme)-1) {
		b.WriteByte(':')
	} else {
		b.WriteString(`\:`) // a backslash escape works in a destination too
	}
	depth := 0
	for j += len(scheme); j < len(line); j++ {
		c := line[j]
		switch {
		case c == ' ':
			return j - 1
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return j - 1
			}
			depth--
		}
		switch {
		case c == ':' && strings.HasPrefix(line[j+1:], "//"):
			b.WriteString(`\:`)
		case c == '.' && j >= 3 && strings.EqualFold(line[j-3:j], "www"):
			b.WriteString(`\.`)
		case strings.IndexByte("<>@`\\\"'[]", c) >= 0:
			fmt.Fprintf(b, "%%%02X", c)
		case c == '&':
			b.WriteString("&amp;")
		default:
			b.WriteByte(c)
		}
	}
	return j - 1
}

// safeBareURL reports whether the "://" at line[i] may stay a bare link
// (GitHub links it): only https, and only when the link, which runs to the
// next space whatever it holds, holds no backtick. A backtick taken into
// the link would no longer open or close code, and the code spans seen
// here would no longer be the ones GitHub sees.
func safeBareURL(line string, i int) bool {
	if !strings.EqualFold(schemeBefore(line, i), "https") {
		return false
	}
	end := strings.IndexByte(line[i:], ' ')
	if end < 0 {
		end = len(line) - i
	}
	return strings.IndexByte(line[i:i+end], '`') < 0
}

// schemeBefore is the run of letters just before line[i].
func schemeBefore(line string, i int) string {
	j := i
	for j > 0 && ('a' <= line[j-1]|0x20 && line[j-1]|0x20 <= 'z') {
		j--
	}
	return line[j:i]
}

// domainByte reports the bytes that, before `www.`, make it part of a
// longer word or URL rather than the start of a link.
func domainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '/' || c == '.' || c == '-'
}
