package summary

import (
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
)

// TestCmarkGFM renders summaries, the goldens and random hostile ones, with
// cmark-gfm (GitHub's reference Markdown parser, when installed: Debian
// package cmark-gfm) and checks the HTML: only the elements a summary uses,
// links only to http(s) and only where the summary makes them, and table
// rows all as wide as their header.
func TestCmarkGFM(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("cmark-gfm")
	if err != nil {
		t.Skip("cmark-gfm is not installed")
	}
	var docs []string
	var answered []bool // the agent's answer is in it: checked as the comment is
	for _, tc := range goldenCases(t) {
		docs = append(docs, Render(tc.r, tc.opts))
		answered = append(answered, tc.r.Work.Answer != "")
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		plan, _ := json.Marshal([]map[string]any{
			{"artifact_type": "PLAN", "data": map[string]string{"title": hostileText(rnd), "url": "https://p.example/"}},
			{"artifact_type": hostileText(rnd)},
		})
		r := fuzzResult(hostileText(rnd), hostileText(rnd), hostileText(rnd), string(plan), hostileText(rnd), uint8(rnd.UintN(256)))
		docs = append(docs, Render(r, Options{FailOn: outcome.FailOn{outcome.Failed: true}, Title: hostileText(rnd)}))
		answered = append(answered, false)
	}
	for range 200 {
		r := terminal(oz.StateSucceeded, outcome.Succeeded, nil) // its run id has no @ (the mention check)
		r.Work.Answer = hostileAnswerText(rnd)
		r.Work.Files = []outcome.File{{Path: hostileText(rnd), Size: 1}}
		r.Work.Warnings = []string{hostileText(rnd)}
		docs = append(docs, Render(r, Options{FailOn: outcome.FailOn{outcome.Failed: true}, MaxBytes: 300 + rnd.IntN(8000)}))
		answered = append(answered, true)
	}
	// One cmark-gfm process for all: documents joined by a rule line that
	// closes any open block.
	const sep = "\n\n<hr class=\"sep\">\n\n"
	cmd := exec.Command(bin, "--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter", "-e", "footnotes")
	cmd.Stdin = strings.NewReader(strings.Join(docs, sep))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cmark-gfm: %v", err)
	}
	htmls := strings.Split(string(out), "<hr class=\"sep\">\n")
	if len(htmls) != len(docs) {
		t.Fatalf("%d documents rendered as %d", len(docs), len(htmls))
	}
	for i, html := range htmls {
		if answered[i] {
			checkCommentHTML(t, docs[i], html)
			continue
		}
		checkHTML(t, docs[i], html)
		checkFrame(t, docs[i], html)
	}
}

var (
	htmlTag     = regexp.MustCompile(`<(/?)([a-z0-9]+)([^>]*)>`)
	summaryTags = map[string]bool{"h2": true, "h3": true, "p": true, "strong": true, "code": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "blockquote": true, "br": true, "ul": true, "li": true, "a": true, "hr": true}
)

func checkHTML(t *testing.T, md, html string) {
	t.Helper()
	for _, m := range htmlTag.FindAllStringSubmatch(html, -1) {
		if !summaryTags[m[2]] {
			t.Fatalf("element %q in\n%s\n---\n%s", m[0], md, html)
		}
		if m[2] == "a" && m[1] == "" && !strings.HasPrefix(m[3], ` href="http://`) && !strings.HasPrefix(m[3], ` href="https://`) {
			t.Fatalf("link %q in\n%s\n---\n%s", m[0], md, html)
		}
	}
	if made, got := strings.Count(md, "](http"), strings.Count(html, "<a href"); made != got {
		t.Fatalf("%d links made, %d rendered, in\n%s\n---\n%s", made, got, md, html)
	}
	if n := strings.Count(html, "<h2>"); n > 1 {
		t.Fatalf("%d titles in\n%s", n, html)
	}
	for _, table := range strings.Split(html, "<table>")[1:] {
		table, _, _ = strings.Cut(table, "</table>")
		width := -1
		for _, row := range strings.Split(table, "<tr>")[1:] {
			n := strings.Count(row, "<td") + strings.Count(row, "<th")
			if width < 0 {
				width = n
			} else if n != width {
				t.Fatalf("a row of %d cells under a header of %d in\n%s\n---\n%s", n, width, md, html)
			}
		}
	}
}

// hostilePieces are the bits random hostile text is made of.
var hostilePieces = []string{
	"<", ">", "&", "|", "`", "```", "~~~", "*", "_", "[", "]", "(", ")", "!", "#", "# ", "\n", "\n\n",
	"-", "---", "===", "+", "1.", "2) ", " ", "    ", "\t", "\\", "@u", "a@b.co", "http://x.y/", "https://e.x/(",
	"www.ev.il", "javascript:", "$", "$$", "{", "}", "^", ":", "::", "&amp;", "&#60;", "<img src=x>", "<!--",
	"-->", "\x00", "\xff", "\r", "\u202e", "é", "🚀", "> ", "[^1]", "[!NOTE]", "<http://a.b>", "x", "~~",
	`\|`, "|---|", ":--:",
}

func hostileText(rnd *rand.Rand) string {
	var b strings.Builder
	for n := rnd.IntN(12); n >= 0; n-- {
		b.WriteString(hostilePieces[rnd.IntN(len(hostilePieces))])
	}
	return b.String()
}
