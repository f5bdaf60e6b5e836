package summary

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

// The agent's answer is Markdown written by a model that read untrusted
// input (a pull request, an issue), so it is hostile text that should still
// look like what the agent wrote. answerMarkdown keeps its Markdown
// (paragraphs, emphasis, lists, tables, quotes, headings, code) inside a
// frame, and takes away what could do harm where it is shown:
//   - the frame: every line is quoted (`> `), so that nothing in the answer
//     stands at the top level of the summary or the comment, where it could
//     pass for oz-run's own heading, verdict or sections, and nothing in it
//     can end the quote early;
//   - headings: every heading is demoted by three levels (h1 to h4, h2 to
//     h5, the rest to h6), below the summary's own (h2 and h3); a line that
//     would underline a paragraph as a heading (`===`, `---`) gets a blank
//     line before it, so that it is text or a rule;
//   - raw HTML: every `<` outside code is written `&lt;` (no tags, comments,
//     autolinks in brackets), every `&` outside code `&amp;` (no entity can
//     bring back a `<`, an `@` or a bidi control);
//   - links and images that do not go to https: their `]` is escaped, so
//     they show as text; bare http://, ftp:// and www. links are broken up;
//   - images: only an inline image from GitHub or GitLab (allowedImage) is
//     loaded; any other is written as a link to it ("image: " and its alt
//     text), a reference image as text, so that no tracking pixel loads;
//   - mentions and references: every `@` outside code is followed by a
//     zero-width joiner, and so is the `#` of `#12`, the `!` of `!12`, the
//     `&` of `&12` and the `-` of `GH-12` (see crossRef): they show as
//     written, but link nothing, notify no one and leave no back-link;
//   - footnotes and alerts: a `[` before `^` (a footnote, which GitHub
//     shows at the end of the whole comment, out of the frame) and at the
//     start of a block before `!` and a letter (`[!NOTE]`, which would make
//     the frame an alert) is escaped;
//   - code that would not end: every fenced code block is written again
//     with a fence longer than any run of its fence character inside it,
//     at the start of a quoted line between blank lines, and is always
//     closed, so no stray fence can swallow what follows the answer. Inline
//     code is kept only when it opens and closes on one line (without `|`,
//     which splits table cells); every other backtick is escaped, so
//     GitHub's parser sees exactly the code spans seen here.
//
// The text is cleaned first (control and bidi characters dropped, tabs to
// spaces). What comes out ends with a newline and leaves no block open, so
// anything may follow it after a blank line.

// answerMarkdown renders answer as safe Markdown, quoted, of at most
// maxBytes bytes; a longer answer is cut at a line and ends with a line
// (out of the quote: it is oz-run's) that says so. A blank answer gives "".
func answerMarkdown(answer string, maxBytes int) string {
	answer = strings.TrimRight(textclean.Lines(answer), " \n")
	if isBlank(answer) || maxBytes <= 0 {
		return ""
	}
	lines := strings.Split(strings.TrimLeft(answer, "\n"), "\n")
	a := answerWriter{max: maxBytes, total: len(answer), blank: true}
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

// answerWriter writes the answer, quoted, within its byte budget.
type answerWriter struct {
	b     strings.Builder
	max   int
	total int  // bytes of the cleaned answer, for the truncation note
	shown int  // bytes of the answer written so far
	full  bool // the budget is spent: the rest is left out
	// blank reports that the last line written is blank, or that none is.
	blank bool
	// owed is a blank line owed after a code block, written before
	// whatever follows it (never at the end).
	owed bool
	// inList reports that a list item was seen since the last block that
	// started at the margin after a blank line: an indented line may then
	// be a list item's heading rather than code (see blockStart).
	inList bool
}

// reserve is the room kept for the truncation note.
const reserve = 200

// fits reports whether n more bytes leave room for the note.
func (a *answerWriter) fits(n int) bool { return a.b.Len()+n+reserve <= a.max }

// quotedLen is the size of line once written by put.
func quotedLen(line string) int {
	if line == "" {
		return len(">\n")
	}
	return len("> \n") + len(line)
}

// put writes line, quoted.
func (a *answerWriter) put(line string) {
	if line == "" {
		a.b.WriteString(">\n")
	} else {
		a.b.WriteString("> ")
		a.b.WriteString(line)
		a.b.WriteByte('\n')
	}
	a.blank = line == ""
}

// payOwed writes the blank line owed after a code block; false when it
// does not fit.
func (a *answerWriter) payOwed() bool {
	if !a.owed {
		return true
	}
	if !a.fits(quotedLen("")) {
		a.full = true
		return false
	}
	a.owed = false
	a.put("")
	return true
}

func (a *answerWriter) prose(line string) {
	if strings.TrimLeft(line, " ") == "" {
		line = ""
	}
	if line == "" && a.owed { // the blank line after a code block is this one
		a.shown++
		a.payOwed()
		return
	}
	if !a.payOwed() {
		return
	}
	afterBlank := a.blank
	if line != "" && !afterBlank && setextUnderline(line) {
		// A paragraph above would become a heading: a blank line (in the
		// same containers) makes this line text or a rule instead.
		blank := strings.TrimRight(strings.ReplaceAll(line[:quoteEnd(line)], " ", ""), " ")
		if !a.fits(quotedLen(blank)) {
			a.full = true
			return
		}
		a.put(blank)
	}
	render := func(s string) string { return proseLine(blockStart(s, a.inList)) }
	out := render(line)
	if !a.fits(quotedLen(out)) {
		// Cut the line itself (at a character) to what fits: any prefix of
		// a line is rendered as safely as the whole.
		room := a.max - reserve - a.b.Len() - quotedLen("x") + 1
		cut := len(line)
		for cut > 0 {
			n := len(render(line[:cut]))
			if n <= room {
				break
			}
			cut = min(cut-1, cut*room/n) // escapes make the output longer
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
		}
		if cut > 0 {
			a.put(render(line[:cut]))
			a.shown += cut
		}
		a.full = true
		return
	}
	a.put(out)
	a.shown += len(line) + 1
	a.track(line, afterBlank)
}

// track follows whether the lines below may be in a list item (see
// inList): a list item's marker sets it, a line at the margin after a
// blank line (a new block, which ends any list) clears it.
func (a *answerWriter) track(line string, afterBlank bool) {
	if line == "" {
		return
	}
	if listMarker(line[:containerEnd(line)]) {
		a.inList = true
	} else if afterBlank && line[0] != ' ' {
		a.inList = false
	}
}

func (a *answerWriter) code(f fence, body []string) {
	if !a.payOwed() {
		return
	}
	run := strings.Repeat(string(f.char), f.longest(body)+1)
	open := run + f.lang()
	need := quotedLen(open) + quotedLen(run)
	if !a.blank {
		need += quotedLen("") // a blank line ends the block before
	}
	if !a.fits(need) {
		a.full = true
		return
	}
	if !a.blank {
		a.put("")
	}
	a.put(open)
	a.shown += len(f.line) + 1
	for _, line := range body {
		line = f.unindent(line)
		if !a.fits(quotedLen(line) + quotedLen(run)) {
			a.full = true
			break
		}
		a.put(line)
		a.shown += len(line) + 1
	}
	a.put(run)
	// The fence is written at the margin: it ends any list it was in.
	a.owed, a.inList = true, false
}

func (a *answerWriter) finish() string {
	s := a.b.String()
	if a.full {
		left := max(a.total-a.shown, 1)
		if s != "" {
			s += "\n"
		}
		s += fmt.Sprintf("*… the answer is cut here (about %d more bytes): the whole answer is in the job summary and the `agent_output` output.*\n", left)
	}
	if len(s) > a.max { // a budget smaller than the note itself
		return capSize(s, a.max)
	}
	return s
}

// containerEnd is where the content of line starts once the block
// containers that open on it are passed: indentation, quote markers (`>`)
// and list item markers (`-`, `+`, `*`, `1.`, `1)`, then a space or the
// end of the line). It stops
// at indentation of four spaces or more after a container (indented code
// there); at the margin, such indentation is left to blockStart.
func containerEnd(line string) int {
	i := 0
	for {
		sp := 0
		for i+sp < len(line) && line[i+sp] == ' ' {
			sp++
		}
		if i > 0 && sp >= 4 {
			return i
		}
		i += sp
		if i >= len(line) {
			return i
		}
		switch c := line[i]; {
		case c == '>':
			i++
			if i < len(line) && line[i] == ' ' {
				i++
			}
		case (c == '-' || c == '+' || c == '*') && (i+1 == len(line) || line[i+1] == ' '):
			i = min(i+2, len(line))
		case '0' <= c && c <= '9':
			j := i
			for j < len(line) && j-i < 10 && '0' <= line[j] && line[j] <= '9' {
				j++
			}
			if j-i > 9 || j >= len(line) || (line[j] != '.' && line[j] != ')') || (j+1 < len(line) && line[j+1] != ' ') {
				return i
			}
			i = min(j+2, len(line))
		default:
			return i
		}
	}
}

// listMarker reports whether prefix (what containerEnd passed) opens a
// list item.
func listMarker(prefix string) bool {
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		if (c == '-' || c == '+' || c == '*' || c == '.' || c == ')') && (i+1 == len(prefix) || prefix[i+1] == ' ') {
			return true
		}
	}
	return false
}

// blockStart rewrites the start of a line's content: a heading is demoted
// three levels (at most to h6), and a `[!` that would make a quote an
// alert is escaped. A line indented four spaces or more is code or a
// paragraph's continuation, and left alone, unless it may be in a list
// item (inList), where it may be a heading.
func blockStart(line string, inList bool) string {
	if !inList && strings.HasPrefix(line, "    ") {
		return line
	}
	i := containerEnd(line)
	rest := line[i:]
	if len(rest) >= 3 && rest[0] == '[' && rest[1] == '!' && ('a' <= rest[2]|0x20 && rest[2]|0x20 <= 'z') {
		return line[:i] + `\` + rest
	}
	n := 0
	for n < len(rest) && rest[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || (n < len(rest) && rest[n] != ' ') {
		return line
	}
	return line[:i] + strings.Repeat("#", min(n+3, 6)) + rest[n:]
}

// setextUnderline reports whether line, under a paragraph, would make it a
// heading: after its indentation and quote markers, a run of `=` or of `-`
// alone (`- ` too: an empty list item cannot interrupt a paragraph).
func setextUnderline(line string) bool {
	rest := strings.TrimRight(line[quoteEnd(line):], " ")
	if rest == "" || (rest[0] != '=' && rest[0] != '-') {
		return false
	}
	return strings.Trim(rest, rest[:1]) == ""
}

// quoteEnd is where line's content starts once its indentation and quote
// markers (`>`) are passed.
func quoteEnd(line string) int {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '>') {
		i++
	}
	return i
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
	var im images
	urls := bareURLs{line: line}
	escaped := false // the byte before is a backslash that escapes this one
	inURL := false   // in a bare https URL that stays a link (to the next space)
	for i := 0; i < len(line); i++ {
		c := line[i]
		if escaped {
			// Markdown shows c as it is; only a mention or a reference must
			// still be broken. A bare URL around it may take the backslash
			// (see bareURLs): then `<` must not be there.
			escaped = false
			switch {
			case c == '<':
				b.WriteString("&lt;")
			case c == '@', !inURL && crossRef(line, i):
				b.WriteString(string(c) + zwj)
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
			if !inURL && crossRef(line, i) {
				b.WriteString(zwj)
			}
		case '@':
			b.WriteString("@" + zwj)
		case '[':
			if i+1 < len(line) && line[i+1] == '^' {
				b.WriteString(`\[`) // no footnote: GitHub shows it out of the frame
				continue
			}
			im.open(b.Len(), false)
			b.WriteByte(c)
		case '!':
			j := i + len(line[i:]) - len(strings.TrimLeft(line[i:], "!"))
			switch {
			case j-i > 1:
				// A run of `!`: all but the last are text, escaped when the
				// last starts an image (its `!` may be taken away, and must
				// not be replaced by another); the last is looked at next.
				if j < len(line) && line[j] == '[' {
					b.WriteString(strings.Repeat(`\!`, j-i-1))
				} else {
					b.WriteString(line[i : j-1])
				}
				i = j - 2
			case j < len(line) && line[j] == '[':
				im.open(b.Len(), true)
				b.WriteString("![")
				i++
			case !inURL && crossRef(line, i):
				b.WriteString("!" + zwj)
			default:
				b.WriteByte(c)
			}
		case ']':
			at, rest := b.Len(), line[i+1:]
			i = writeLinkEnd(&b, line, i, &urls)
			if b.String()[at] == ']' { // not escaped: it closes the last bracket
				im.close(at, rest)
			}
		case ':':
			if strings.HasPrefix(line[i+1:], "//") && !urls.safe(i) {
				b.WriteString(`\:`) // no bare link
			} else {
				inURL = inURL || strings.HasPrefix(line[i+1:], "//")
				b.WriteByte(c)
			}
		case '.':
			if i >= 3 && strings.EqualFold(line[i-3:i], "www") && (i == 3 || !domainByte(line[i-4])) {
				b.WriteString(`\.`) // no bare www. link (GitHub makes it http://)
			} else {
				b.WriteByte(c)
			}
		case ' ':
			inURL = false
			b.WriteByte(c)
		default:
			b.WriteByte(c)
			if !inURL && crossRef(line, i) {
				b.WriteString(zwj)
			}
		}
	}
	return im.finish(b.String())
}

// images follows the brackets of a line as Markdown matches them (each
// unescaped `]` closes the last `[` or `![` still open, whether or not a
// link is made), to decide what each image opener `![` becomes once its
// `]` and what follows it are known: an inline image to an https URL on
// allowedImage, closed at once by `)`, stays; one to another https URL
// becomes a link to it, "[image: alt](url)" ("[image](url)" without alt
// text); any other (a reference image, an image whose text goes on to the
// next line) loses its `!` (`\![`). Only the openers are rewritten, after
// the line is written: the rest of the line reads the same to Markdown
// whatever they become.
type images struct {
	// stack holds the brackets still open, innermost last: an image
	// opener's offset in the output, or -1 for a `[`.
	stack   []int
	rewrite []rewrite // the image openers to rewrite, by offset
}

// rewrite is an image opener's offset and what it becomes (an index in
// openerRewrites). Neither it nor the stack holds a pointer: a line of
// many brackets costs the garbage collector nothing.
type rewrite struct {
	at   int
	with uint8
}

// What an image opener `![` may become.
const (
	noImage     = iota // `\![`: its `!` is text
	imageLink          // "[image": a link to the image, which has no alt text
	imageLinkAs        // "[image: ": a link to the image, followed by its alt text
)

var openerRewrites = [...]string{noImage: `\![`, imageLink: "[image", imageLinkAs: "[image: "}

func (im *images) open(at int, image bool) {
	if !image {
		at = -1
	}
	im.stack = append(im.stack, at)
}

// close closes the last bracket open with the `]` written at offset at;
// rest is the line after the `]`.
func (im *images) close(at int, rest string) {
	if len(im.stack) == 0 {
		return
	}
	o := im.stack[len(im.stack)-1]
	im.stack = im.stack[:len(im.stack)-1]
	if o < 0 {
		return
	}
	dest, inline := strings.CutPrefix(rest, "(")
	dest = strings.TrimLeft(dest, " ")
	_, https := cutPrefixFold(dest, "https://")
	r := rewrite{at: o, with: imageLinkAs}
	switch stop := strings.IndexAny(dest, " ()"); {
	case !inline || !https:
		r.with = noImage
	case stop > 0 && dest[stop] == ')' && allowedImage(dest[:stop]):
		return
	case at == o+len("!["):
		r.with = imageLink
	}
	im.rewrite = append(im.rewrite, r)
}

// finish returns out with the image openers rewritten; those still open
// lose their `!`.
func (im *images) finish(out string) string {
	for _, o := range im.stack {
		if o >= 0 {
			im.rewrite = append(im.rewrite, rewrite{at: o, with: noImage})
		}
	}
	if len(im.rewrite) == 0 {
		return out
	}
	slices.SortFunc(im.rewrite, func(a, b rewrite) int { return a.at - b.at })
	var b strings.Builder
	b.Grow(len(out) + len(im.rewrite)*len("[image: "))
	done := 0
	for _, r := range im.rewrite {
		b.WriteString(out[done:r.at])
		b.WriteString(openerRewrites[r.with])
		done = r.at + len("![")
	}
	b.WriteString(out[done:])
	return b.String()
}

// crossRef reports whether line[i] starts a reference that GitHub or
// GitLab would link, and that would leave a back-link on what it names
// (and may notify its people): the `#` of `#12` and `acme/app#12` (an issue
// or pull request), the `!` of `!12` (a merge request), the `&` of `&12`
// (an epic), the `-` of `GH-12`. A zero-width joiner after it keeps the
// text as written and links nothing.
func crossRef(line string, i int) bool {
	if i+1 >= len(line) || line[i+1] < '0' || line[i+1] > '9' {
		return false
	}
	switch line[i] {
	case '#', '!', '&':
		return true
	case '-':
		return i >= 2 && strings.EqualFold(line[i-2:i], "gh")
	}
	return false
}

// allowedImage reports whether an image at url (an https URL, as
// written) may be loaded: it is served by GitHub or GitLab, which are
// where the comment is read anyway (GitHub proxies images too). Any other
// host would learn who reads the comment, and when.
func allowedImage(url string) bool {
	rest, ok := cutPrefixFold(url, "https://")
	if !ok {
		return false
	}
	end := 0
	for end < len(rest) && (domainByte(rest[end]) && rest[end] != '/') {
		end++
	}
	if end < len(rest) && strings.IndexByte("/?#", rest[end]) < 0 {
		return false // a port, user info, an escape: not a plain host
	}
	host := strings.ToLower(rest[:end])
	return host == "github.com" || host == "gitlab.com" || strings.HasSuffix(host, ".githubusercontent.com")
}

// cutPrefixFold is strings.CutPrefix, ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
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
func writeLinkEnd(b *strings.Builder, line string, i int, urls *bareURLs) int {
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
	if urls.safe(j + len(scheme) - 1) {
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

// bareURLs tells which "://" of a line may stay a bare link (GitHub links
// it): only https, and only when the link, which runs to the next space
// whatever it holds, holds no backtick. A backtick taken into the link
// would no longer open or close code, and the code spans seen here would
// no longer be the ones GitHub sees. Asked along the line, it reads each
// byte of it a bounded number of times.
type bareURLs struct {
	line        string
	space, tick nextByte
}

// safe reports whether the "://" at line[i] may stay a bare link.
func (u *bareURLs) safe(i int) bool {
	if !strings.EqualFold(schemeBefore(u.line, i), "https") {
		return false
	}
	return u.tick.after(u.line, i, '`') >= u.space.after(u.line, i, ' ')
}

// nextByte remembers where a byte was found next in a line: at, the first at
// or after from (len(line) when none), once known.
type nextByte struct {
	known    bool
	from, at int
}

// after is the index of the first c in line at or after i, or len(line).
func (n *nextByte) after(line string, i int, c byte) int {
	if !n.known || i < n.from || i > n.at {
		n.known, n.from, n.at = true, i, len(line)
		if k := strings.IndexByte(line[i:], c); k >= 0 {
			n.at = i + k
		}
	}
	return n.at
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
