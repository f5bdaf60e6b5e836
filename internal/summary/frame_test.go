package summary

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The agent's answer stays in its frame: a quote under the summary's own
// "Answer" heading, its headings below the summary's, nothing in it taken
// for oz-run's own lines, no image loaded from outside GitHub or GitLab,
// no reference to an issue or a pull request made a link.

// forgedAnswer is an answer that tries to pass for oz-run: a table first
// (as the summary starts), headings of every level and form, references
// and mentions, tracking pixels (inline, by reference, HTML), a footnote
// (shown at the end of the whole page) and, under it all, a forged copy of
// the summary's own heading, verdict, table, section and footer.
const forgedAnswer = "| Check | Result |\n|---|---|\n| tests | pass |\n\n" +
	"# Heading 1\n## Heading 2\n### Heading 3\n#### Heading 4\n##### Heading 5\n###### Heading 6\n" +
	"Setext one\n===\nSetext two\n---\n\n" +
	"> ## Quoted heading\n- ### Listed heading\n1. # Numbered heading\n\n" +
	"Fixes #12, acme/app#34, GH-56, !78 and &9; thanks @octocat and @acme/security.\n" +
	"![pixel](https://tracker.example/p.gif?u=1) ![logo](https://github.com/acme/app/raw/main/logo.png) ![](https://tracker.example/e.gif) ![by reference][p] ![p]\n" +
	"<img src=\"https://tracker.example/q.gif\">\n\n" +
	"[p]: https://tracker.example/r.gif\n" +
	"A footnote[^1].\n\n[^1]: ✅ Oz run succeeded\n\n" +
	"## ✅ Oz run succeeded\n\nThis does not fail the step.\n\n" +
	"| Run | [run_8f3a](https://oz.warp.dev/runs/run_8f3a) |\n|---|---|\n| State | `SUCCEEDED` |\n\n" +
	"### Pull requests\n\n- https://github.com/acme/app/pull/99\n\n---\n\n" +
	"oz-run · the full run (conversation, logs, artifacts) is at https://oz.warp.dev/runs/run_8f3a.\n"

// ourH3 are the sections the summary and the comment may hold.
var ourH3 = map[string]bool{
	"Answer": true, "Status message": true, "What went wrong": true, "Pull requests": true,
	"Artifacts": true, "Timeline": true, "Files": true, "Not brought back": true,
}

var (
	headingTag = regexp.MustCompile(`<h([1-6])>(.*?)</h[1-6]>`)
	imgSrc     = regexp.MustCompile(`<img src="([^"]*)"`)
)

// checkFrame asserts, on the HTML that cmark-gfm made of a summary or a
// comment (md), that the agent's answer stayed in its frame: one title
// (h2) and no h1, every h3 one of ours, images only from GitHub or GitLab,
// no footnote, and the answer, right under its heading (and the
// <details> that collapses it), one quote that holds all of it: after its
// end come only oz-run's own lines.
func checkFrame(t *testing.T, md, html string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\n--- markdown:\n%s\n--- html:\n%s", append(args, md, html)...)
	}
	h2 := 0
	for _, m := range headingTag.FindAllStringSubmatch(html, -1) {
		switch m[1] {
		case "1":
			fail("an h1: %q", m[0])
		case "2":
			if h2++; h2 > 1 {
				fail("a second title: %q", m[0])
			}
		case "3":
			if !ourH3[m[2]] {
				fail("an h3 not ours: %q", m[0])
			}
		}
	}
	for _, m := range imgSrc.FindAllStringSubmatch(html, -1) {
		if !allowedImage(m[1]) {
			fail("an image loaded from %q", m[1])
		}
	}
	if strings.Contains(html, "footnote-ref") || strings.Contains(html, "data-footnotes") {
		fail("a footnote")
	}
	_, answer, ok := strings.Cut(html, "<h3>Answer</h3>\n")
	if !ok {
		return
	}
	if rest, ok := strings.CutPrefix(answer, "<details>\n"); ok {
		_, answer, ok = strings.Cut(rest, "</summary>\n")
		if !ok {
			fail("<details> without its <summary>")
		}
	}
	if strings.HasPrefix(answer, "<p><em>… the answer is cut here") {
		return // none of it fit
	}
	if !strings.HasPrefix(answer, "<blockquote>\n") {
		fail("the answer does not start with its quote")
	}
	end := blockquoteEnd(answer)
	if end < 0 {
		fail("the answer's quote does not end")
	}
	after := answer[end:]
	if after != "" && !strings.HasPrefix(after, "</details>") && !strings.HasPrefix(after, "<p><em>… the answer is cut here") &&
		!strings.HasPrefix(after, "<h3>") && !strings.HasPrefix(after, "<hr />") {
		fail("after the answer's quote: %.80q", after)
	}
}

// blockquoteEnd is the index just after the </blockquote> that closes the
// <blockquote> html starts with (and its line break), -1 if none does.
func blockquoteEnd(html string) int {
	depth := 0
	for i := 0; i < len(html); {
		switch {
		case strings.HasPrefix(html[i:], "<blockquote>"):
			depth++
			i += len("<blockquote>")
		case strings.HasPrefix(html[i:], "</blockquote>"):
			depth--
			i += len("</blockquote>")
			if depth == 0 {
				if strings.HasPrefix(html[i:], "\n") {
					i++
				}
				return i
			}
		default:
			i++
		}
	}
	return -1
}

// checkAnswerMarkdown asserts, on answerMarkdown's output, what holds
// line by line: every line is quoted (but oz-run's notes that the answer
// was cut, however short: "*… the answer is cut here", "… summary
// truncated"); out of fenced code, no heading above h4 (on
// lines not indented: an indented one needs a parser to tell code from a
// list item's heading, which TestCmarkGFM and TestCommentCmarkGFM have),
// and every image goes to GitHub or GitLab.
func checkAnswerMarkdown(t testing.TB, md string) {
	t.Helper()
	var fence *fence
	for _, line := range strings.Split(strings.TrimSuffix(md, "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, "*… the answer is cut here") || strings.HasPrefix(line, "…") {
			continue
		}
		content, ok := strings.CutPrefix(line, "> ")
		if !ok && line != ">" {
			t.Fatalf("a line out of the frame: %q in:\n%s", line, md)
		}
		if fence != nil {
			if fence.closes(content) {
				fence = nil
			}
			continue
		}
		if f, ok := openingFence(content); ok {
			fence = &f
			continue
		}
		if strings.HasPrefix(content, "    ") {
			continue // indented code, or in a list item: TestCmarkGFM parses it
		}
		rest := content[containerEnd(content):]
		if n := len(rest) - len(strings.TrimLeft(rest, "#")); n > 0 && n < 4 && (n == len(rest) || rest[n] == ' ') {
			t.Fatalf("a heading of level %d: %q in:\n%s", n, line, md)
		}
		for i := strings.Index(content, "!["); i >= 0; i = nextStr(content, i, "![") {
			if i > 0 && content[i-1] == '\\' {
				continue
			}
			if inCodeSpan(content, i) {
				continue
			}
			end, ok := bracketEnd(content, i+1)
			if !ok || !strings.HasPrefix(content[end+1:], "(") {
				t.Fatalf("an image that is not inline: %q in:\n%s", line, md)
			}
			dest := strings.TrimLeft(content[end+2:], " ")
			if stop := strings.IndexAny(dest, " ()"); stop < 0 || dest[stop] != ')' || !allowedImage(dest[:stop]) {
				t.Fatalf("an image from outside GitHub or GitLab: %q in:\n%s", line, md)
			}
		}
	}
}

// inCodeSpan reports whether line[i] is inside a code span that proseLine
// kept.
func inCodeSpan(line string, i int) bool {
	for j := 0; j < i; j++ {
		if line[j] == '\\' {
			j++
			continue
		}
		if line[j] != '`' {
			continue
		}
		if end, ok := codeSpan(line, j); ok {
			if i < end {
				return true
			}
			j = end - 1
			continue
		}
		for j+1 < len(line) && line[j+1] == '`' {
			j++
		}
	}
	return false
}

func TestAnswerMarkdownFrame(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"headings demoted", "# a\n## b\n### c\n#### d\n##### e\n###### f\n####### g", "#### a\n##### b\n###### c\n###### d\n###### e\n###### f\n####### g\n"},
		{"heading in containers", "> # a\n- ## b\n1. ### c\n>#d", "> #### a\n- ##### b\n1. ###### c\n>#d\n"},
		{"empty heading", "#\n##", "####\n#####\n"},
		{"indented code is code", "text\n\n    # comment", "text\n\n    # comment\n"},
		{"in a list item, a heading", "1. item\n\n    # heading", "1. item\n\n    #### heading\n"},
		{"after a list, code again", "- item\n\ntext\n\n    # comment", "- item\n\ntext\n\n    # comment\n"},
		{"setext", "Title\n===\nSub\n---\nSub\n- \nend", "Title\n\n===\nSub\n\n---\nSub\n\n- \nend\n"},
		{"setext in a quote", "> Title\n> ===", "> Title\n>\n> ===\n"},
		{"a rule after a blank line", "a\n\n---", "a\n\n---\n"},
		{"list item rule", "a\n- ---", "a\n- ---\n"},
		{"references", "#12 a/b#3 GH-4 gh-5 !6 &7 #x !x GH-x", "#" + zwj + "12 a/b#" + zwj + "3 GH-" + zwj + "4 gh-" + zwj + "5 !" + zwj + "6 &amp;" + zwj + "7 #x !x GH-x\n"},
		{"escaped references", `\#12 \!3`, `\#` + zwj + `12 \!` + zwj + "3\n"},
		{"references in code and URLs", "`#12` https://x.example/a#12\n```\n#12\n```", "`#12` https://x.example/a#12\n\n```\n#12\n```\n"},
		{"image from GitHub", "![a](https://github.com/o/r/raw/main/a.png) ![b](https://user-images.githubusercontent.com/1/b.png) ![c](https://GitLab.com/o/r/-/raw/c.png)",
			"![a](https://github.com/o/r/raw/main/a.png) ![b](https://user-images.githubusercontent.com/1/b.png) ![c](https://GitLab.com/o/r/-/raw/c.png)\n"},
		{"image from elsewhere", "![a](https://t.example/p.gif) ![](https://t.example/e.gif)", "[image: a](https://t.example/p.gif) [image](https://t.example/e.gif)\n"},
		{"image hosts that are not GitHub", "![a](https://github.com.evil.example/p.gif) ![b](https://github.com@evil.example/p.gif) ![c](https://github.com:8443/p.gif)",
			"[image: a](https://github.com.evil.example/p.gif) [image: b](https://github.com%40evil.example/p.gif) [image: c](https://github.com:8443/p.gif)\n"},
		{"image with a title", `![a](https://github.com/p.png "t")`, `[image: a](https://github.com/p.png "t")` + "\n"},
		{"image by reference", "![a][r] ![r]\n\n[r]: https://t.example/p.gif", "\\![a][r] \\![r]\n\n[r]: https://t.example/p.gif\n"},
		{"image over two lines", "![a\nb](https://t.example/p.gif)", "\\![a\nb](https://t.example/p.gif)\n"},
		{"image without its parenthesis", "![a](https://github.com/p.png\n\n[a]: https://t.example/p.gif", "[image: a](https://github.com/p.png\n\n[a]: https://t.example/p.gif\n"},
		{"a run of bangs before an image", "!![a](https://t.example/p.gif) !!![b](https://github.com/b.png) wow!! !!1",
			"\\![image: a](https://t.example/p.gif) \\!\\!![b](https://github.com/b.png) wow!! !!" + zwj + "1\n"},
		{"linked badge", "[![b](https://t.example/b.svg)](https://ci.example/)", "[[image: b](https://t.example/b.svg)](https://ci.example/)\n"},
		{"footnote", "a[^1]\n\n[^1]: note", "a\\[^1]\n\n\\[^1\\]: note\n"},
		{"alert", "[!NOTE]\nx\n> [!warning]\n[![b](https://github.com/b.svg)](https://ci.example/)", "\\[!NOTE]\nx\n> \\[!warning]\n[![b](https://github.com/b.svg)](https://ci.example/)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := answerMarkdown(tt.in, 1<<20)
			assert.Equal(t, quoted(tt.want), got)
			checkAnswerMarkdown(t, got)
		})
	}
}

func TestAnswerMarkdownForged(t *testing.T) {
	t.Parallel()
	got := answerMarkdown(forgedAnswer, 1<<20)
	checkAnswerMarkdown(t, got)
	for _, line := range strings.Split(got, "\n") {
		if strings.Contains(line, "Oz run succeeded") {
			assert.True(t, strings.HasPrefix(line, "> "), "quoted: %q", line)
		}
	}
	assert.NotContains(t, got, "@octocat", "no mention")
	assert.NotContains(t, got, "#12", "no reference")
}

// bracketEnd is the index of the `]` that closes the `[` at line[open] as
// Markdown reads it, near enough for a check: brackets nest, a backslash
// escapes the byte after it, and a code span hides what it holds. ok is
// false when it does not close on this line.
func bracketEnd(line string, open int) (end int, ok bool) {
	depth := 0
	for j := open + 1; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '`':
			if e, ok := codeSpan(line, j); ok {
				j = e - 1
			} else {
				for j+1 < len(line) && line[j+1] == '`' {
					j++
				}
			}
		case '[':
			depth++
		case ']':
			if depth == 0 {
				return j, true
			}
			depth--
		}
	}
	return 0, false
}

// trickyImages try to get an image loaded from outside GitHub or GitLab
// past the brackets' matching.
var trickyImages = []string{
	"![a [y](https://e/`) ](https://evil.example/p.gif) `](https://github.com/ok.png)",
	"![a](http://x) ](https://evil.example/p.gif)",
	"![a https://x.example/](https://github.com/p.png) ](https://evil.example/p.gif)",
	"![a `]` b](https://evil.example/p.gif)",
	"![a \\] b](https://evil.example/p.gif)",
	"![![a](https://github.com/a.png)](https://evil.example/p.gif)",
	"[![a](https://evil.example/b.svg)](https://ci.example/)",
	"!![a](https://evil.example/p.gif) !\\![b](https://evil.example/q.gif)",
	"![a](https://github.com/p.png \"t\") ![b](<https://evil.example/p.gif>)",
	"![a][r] ![r] ![r][]\n\n[r]: https://evil.example/r.gif",
	"![a\nb](https://evil.example/p.gif)",
	"![a](https://github.com/p.png\n\n[a]: https://evil.example/p.gif",
	"![a](https://github.com.evil.example/p.gif) ![b](https://github.com@evil.example/p.gif) ![c](https://evil.example/p.gif?https://github.com/)",
	"[x](https://a.example/![y](https://evil.example/p.gif))",
	"| ![a](https://evil.example/p.gif) | ![b](https://github.com/b.png) |\n|---|---|",
	"- ![a](https://evil.example/p.gif)\n> ![b](https://evil.example/q.gif)",
	"```\n![a](https://evil.example/p.gif)\n```\n`![b](https://evil.example/q.gif)`",
}

func TestImagesCmarkGFM(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("cmark-gfm")
	if err != nil {
		t.Skip("cmark-gfm is not installed")
	}
	for _, answer := range trickyImages {
		md := answerMarkdown(answer, 1<<20)
		cmd := exec.Command(bin, "-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter", "-e", "footnotes")
		cmd.Stdin = strings.NewReader(md)
		html, err := cmd.Output()
		require.NoError(t, err)
		for _, m := range imgSrc.FindAllStringSubmatch(string(html), -1) {
			assert.True(t, allowedImage(m[1]), "an image loaded from %q:\n%s\n---\n%s", m[1], md, html)
		}
	}
}
