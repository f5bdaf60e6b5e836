package summary

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/textclean"
)

// hostileAnswer tries everything an answer could do to a comment.
const hostileAnswer = "# Done <b>bold</b>\n\n" +
	"<details><summary>x</summary>\n</details>\n" +
	"<!-- oz-run comment key=\"x\" --> and --> <!--\n" +
	"ping @octocat and @acme/security, mail me@example.com, `@code` is fine\n" +
	"[click](javascript:alert(1)) [ok](https://github.com/acme/app/pull/1) ![img](http://evil.example/p.png) ![ok](https://img.example/a@b.png)\n" +
	"[ref]: javascript:alert(1)\n[ref2]: https://ok.example/\n" +
	"bare http://evil.example www.evil.example https://fine.example/x\n" +
	"&#60;img src=x&#62; &commat;octocat &#x202E; \u202eevil\u202c\n" +
	"`Vec<String>` and ``a ` b`` and `a|b` and ` unclosed <i>\n" +
	"| a | `<b>` |\n|---|---|\n| `x|y` | z |\n\n" +
	"- item\n  ```js\n  let a = \"<script>\";\n  ```\n" +
	"```\n```` not a closer\n<img src=x onerror=alert(1)>\n" // the fence is left open

func commentCases(t testing.TB) map[string]struct {
	r    outcome.Result
	opts Options
} {
	failOn := Options{FailOn: defaultFailOn(), JobURL: "https://github.com/acme/app/actions/runs/42"}

	workingRun := outcome.Result{
		RunID: "run_8f3a", State: oz.StateInProgress, Started: t0,
		Run: &oz.Run{RunID: "run_8f3a", State: oz.StateInProgress, SessionLink: "https://app.warp.dev/session/sess_1"},
	}
	queued := outcome.Result{RunID: "run_8f3a", State: oz.StateQueued, Started: t0}

	succeeded := terminal(oz.StateSucceeded, outcome.Succeeded, &oz.StatusMessage{Message: "Opened a pull request that fixes the test."})
	succeeded.Run.SessionLink = "https://app.warp.dev/session/sess_1"
	succeeded.Run.RunTime = "PT2M14.6S"
	succeeded.Run.RequestUsage = &oz.Usage{InferenceCost: ptr(1.234), ComputeCost: ptr(0.5), PlatformCost: ptr(0.01)}
	succeeded.Run.Artifacts = artifacts(t, `[
		{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com/acme/app/pull/42","branch":"oz/fix-flaky-test"}},
		{"artifact_type":"FILE","data":{"artifact_uid":"a3","filepath":"out/report.txt","filename":"report.txt"}}
	]`)
	succeeded.Work = outcome.Work{
		Answer: "The test `TestRetry` was flaky because it slept **100 ms** and raced the ticker.\n\n" +
			"I changed it to use a fake clock:\n\n```go\nclk := newFakeClock()\nclk.Advance(time.Second)\n```\n\n" +
			"- Fixed `retry_test.go`\n- Opened the pull request below\n",
		Files: []outcome.File{{Path: "oz-files/out/report.txt", Name: "out/report.txt", Size: 1234}, {Path: "/home/runner/work/app/oz-files/out/data set.csv", Name: "out/data set.csv", Size: 3 << 20}},
	}

	long := succeeded
	long.Work.Answer = strings.Repeat("A line of the answer, with `code` and *emphasis*.\n", 40)

	failed := terminal(oz.StateFailed, outcome.Failed, &oz.StatusMessage{Message: "The team has no credits left.", ErrorCode: "insufficient_credits", Retryable: ptr(false)})
	failed.Run.RequestUsage = &oz.Usage{InferenceCost: ptr(0.0)}

	aborted := terminal(oz.StateInProgress, "", nil)
	aborted.Run.RunTime = ""
	aborted.Aborted = true
	aborted.Err = errors.New("interrupted by SIGTERM")
	aborted.Cancelled = true
	aborted.Ended = t0.Add(40 * time.Second)

	hostile := terminal(oz.StateFailed, outcome.Failed, &oz.StatusMessage{Message: "<script>alert(1)</script> @octocat\n```\n"})
	hostile.RunID = "run) <x> |y"
	hostile.Run.RunID = hostile.RunID
	hostile.Run.Title = "Title | <b>bold</b> [link](javascript:x) @team"
	hostile.Run.SessionLink = "javascript:alert(document.cookie)"
	hostile.Run.Artifacts = artifacts(t, `[{"artifact_type":"PULL_REQUEST","data":{"url":"javascript:alert(1)","branch":"main | <b>"}}]`)
	hostile.Work = outcome.Work{
		Answer: hostileAnswer,
		Files:  []outcome.File{{Path: "a`b <c>.txt", Size: 1}, {Path: "@octocat/\u202eexe.txt", Size: -1}},
	}

	forged := succeeded
	forged.Work.Answer = forgedAnswer

	return map[string]struct {
		r    outcome.Result
		opts Options
	}{
		"comment_queued":      {queued, failOn},
		"comment_working":     {workingRun, Options{Title: "Review the PR"}},
		"comment_succeeded":   {succeeded, failOn},
		"comment_long_answer": {long, failOn},
		"comment_failed":      {failed, failOn},
		"comment_aborted":     {aborted, failOn},
		"comment_hostile":     {hostile, Options{FailOn: defaultFailOn(), Title: "Nightly <b>#1</b> @here"}},
		"comment_forged":      {forged, failOn},
	}
}

func TestCommentGolden(t *testing.T) {
	t.Parallel()
	for name, tc := range commentCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := Comment(tc.r, tc.opts)
			checkComment(t, got, DefaultCommentMaxBytes)
			path := filepath.Join("testdata", name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run `go test ./internal/summary -update` to create the golden files")
			assert.Equal(t, string(want), got)
		})
	}
}

func TestCommentWorkingThenEnded(t *testing.T) {
	t.Parallel()
	r := outcome.Result{RunID: "r1", State: oz.StateInProgress}
	assert.Contains(t, Comment(r, Options{}), "is working")
	assert.Contains(t, Comment(r, Options{}), "the link appears once the agent starts")
	r.Ended = t0
	r.Conclusion = outcome.TimedOut
	got := Comment(r, Options{FailOn: defaultFailOn()})
	assert.Contains(t, got, "timed out")
	assert.NotContains(t, got, "is working")
}

func TestCommentCapped(t *testing.T) {
	t.Parallel()
	r := terminal(oz.StateSucceeded, outcome.Succeeded, nil)
	r.Work.Answer = strings.Repeat("é <x> @u `c` line\n", 5000) + "```\nopen fence " + strings.Repeat("z", 3000)
	for _, max := range []int{300, 1000, 4096, 20000, DefaultCommentMaxBytes} {
		got := Comment(r, Options{MaxBytes: max})
		checkComment(t, got, max)
		if max >= 4096 {
			assert.Contains(t, got, "the answer is cut here", "MaxBytes %d", max)
			assert.Contains(t, got, "</details>", "MaxBytes %d", max)
			assert.True(t, strings.HasSuffix(got, "the job summary has the timeline.\n"), "MaxBytes %d: the footer is kept", max)
		}
	}
}

func TestAnswerMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "Hello **world**.", "Hello **world**.\n"},
		{"html", "a <b>x</b> & y", "a &lt;b>x&lt;/b> &amp; y\n"},
		{"comment", "<!-- hidden -->", "&lt;!-- hidden -->\n"},
		{"mention", "@octocat hi", "@" + zwj + "octocat hi\n"},
		{"code span kept", "`Vec<T>` and `@x`", "`Vec<T>` and `@x`\n"},
		{"unclosed code span", "` <i>", "\\` &lt;i>\n"},
		{"code span with pipe", "`a|b`", "\\`a|b\\`\n"},
		{"escaped backtick", "\\`<b>`", "\\`&lt;b>\\`\n"},
		{"js link", "[x](javascript:alert(1))", "[x\\](javascript:alert(1))\n"},
		{"https link", "[x](https://a.example/@u?a=1&b=<2>)", "[x](https://a.example/%40u?a=1&amp;b=%3C2%3E)\n"},
		{"spaced link", "[x]( http://a.example)", "[x\\]( http\\://a.example)\n"},
		{"image http", "![i](http://a.example/i.png)", "\\![i\\](http\\://a.example/i.png)\n"},
		{"ref def", "[r]: javascript:x\n[s]: https://ok.example", "[r\\]: javascript:x\n[s]: https://ok.example\n"},
		{"bare links", "http://a.example FTP://b www.c.example https://d.example", "http\\://a.example FTP\\://b www\\.c.example https://d.example\n"},
		{"entities", "&#64;u &commat;u", "&amp;#" + zwj + "64;u &amp;commat;u\n"},
		{"bidi", "a\u202eb\u2066c", "abc\n"},
		{"fence kept", "```go\nx := \"<b>\"\n```", "```go\nx := \"<b>\"\n```\n"},
		{"fence longer than content", "~~~\n~~~~~ not a closer\nafter", "~~~~~~\n~~~~~ not a closer\nafter\n~~~~~~\n"},
		{"open fence closed", "```\n<img src=x>\n", "```\n<img src=x>\n```\n"},
		{"longer closer", "```\n<x>\n````\nafter <y>", "```\n<x>\n```\n\nafter &lt;y>\n"},
		{"nested fence out of list", "- a\n  ```sh\n  go test\n  ```\n- b", "- a\n\n```sh\ngo test\n```\n\n- b\n"},
		{"odd info", "``` <x> a\nb\n```", "```\nb\n```\n"},
		{"backtick info is no fence", "``` a`b\n<i>", "\\`\\`\\` a\\`b\n&lt;i>\n"},
		{"blank", " \n\t\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, quoted(tt.want), answerMarkdown(tt.in, 1<<20))
		})
	}
}

// quoted is s with each line quoted, as answerMarkdown frames the answer.
func quoted(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if line == "" {
			b.WriteString(">\n")
			continue
		}
		b.WriteString("> " + line + "\n")
	}
	return b.String()
}

func TestAnswerMarkdownFenceLength(t *testing.T) {
	t.Parallel()
	got := answerMarkdown("```\nx `````\n```", 1<<20)
	assert.Equal(t, quoted("``````\nx `````\n``````\n"), got, "the fence is longer than any run inside")
}

func TestAnswerMarkdownBudget(t *testing.T) {
	t.Parallel()
	in := strings.Repeat("line <with> @stuff\n", 100) + "```\n" + strings.Repeat("code\n", 100) + "```\n" + strings.Repeat("x", 5000)
	for _, max := range []int{1, 50, 199, 200, 201, 260, 500, 1000, 2500, 6000, 100000} {
		got := answerMarkdown(in, max)
		assert.LessOrEqual(t, len(got), max, "max %d", max)
		assert.True(t, utf8.ValidString(got))
		if max >= 500 && max < 100000 {
			assert.Contains(t, got, "the answer is cut here", "max %d", max)
		}
		if max >= 100000 {
			assert.NotContains(t, got, "the answer is cut here")
		}
		assert.Equal(t, 0, strings.Count(got, "```")%2, "max %d: every fence is closed:\n%s", max, got)
	}
}

// checkComment asserts what must hold for any comment: valid UTF-8, the
// size cap, no control or bidi character, and no HTML but ours.
func checkComment(t testing.TB, s string, maxBytes int) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("invalid UTF-8:\n%q", s)
	}
	if len(s) > maxBytes {
		t.Fatalf("len %d > MaxBytes %d", len(s), maxBytes)
	}
	for i, r := range s {
		if (unicode.IsControl(r) && r != '\n') || textclean.Hidden(r) {
			t.Fatalf("control or bidi character %U at %d in:\n%q", r, i, s)
		}
	}
	if strings.Contains(s, "<!--") {
		t.Fatalf("an HTML comment in:\n%s", s)
	}
}

// TestCommentCmarkGFM renders comments, the goldens and random hostile
// answers, with cmark-gfm and checks the HTML: only the elements Markdown
// makes, no raw HTML but the comment's own <details>, links and images
// only to https (or to http where the comment makes them from the run's
// own URLs), every <details> closed, the sections after the answer still
// there, and no mention.
func TestCommentCmarkGFM(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("cmark-gfm")
	if err != nil {
		t.Skip("cmark-gfm is not installed")
	}
	var docs []string
	for _, tc := range commentCases(t) {
		docs = append(docs, Comment(tc.r, tc.opts))
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	for range 400 {
		r := terminal(oz.StateSucceeded, outcome.Succeeded, nil)
		r.Work.Answer = hostileAnswerText(rnd)
		r.Work.Files = []outcome.File{{Path: "f.txt", Size: 1}}
		docs = append(docs, Comment(r, Options{MaxBytes: 200 + rnd.IntN(6000)}))
	}
	const sep = "\n\n<hr class=\"sep\">\n\n"
	cmd := exec.Command(bin, "--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter", "-e", "footnotes")
	cmd.Stdin = strings.NewReader(strings.Join(docs, sep))
	out, err := cmd.Output()
	require.NoError(t, err)
	htmls := strings.Split(string(out), "<hr class=\"sep\">\n")
	require.Len(t, htmls, len(docs))
	for i, html := range htmls {
		checkCommentHTML(t, docs[i], html)
	}
}

var (
	commentTags = map[string]bool{
		"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "p": true, "strong": true, "em": true,
		"del": true, "code": true, "pre": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true,
		"td": true, "blockquote": true, "br": true, "ul": true, "ol": true, "li": true, "a": true, "img": true, "hr": true,
	}
	ourTags = regexp.MustCompile(`^<(/?details|summary|/summary)>`)
	mention = regexp.MustCompile(`(^|[^\w` + "`" + `])@[A-Za-z0-9]`)
)

func checkCommentHTML(t *testing.T, md, html string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\n--- markdown:\n%s\n--- html:\n%s", append(args, md, html)...)
	}
	for _, m := range htmlTag.FindAllStringSubmatchIndex(html, -1) {
		tag := html[m[0]:m[1]]
		name := html[m[4]:m[5]]
		if ourTags.MatchString(tag) {
			continue
		}
		if !commentTags[name] {
			fail("element %q", tag)
		}
		attrs := strings.TrimSuffix(strings.TrimSuffix(html[m[6]:m[7]], "/"), " ")
		switch {
		case name == "a" && html[m[2]:m[3]] == "":
			if !strings.HasPrefix(strings.ToLower(attrs), ` href="https://`) {
				fail("link %q", tag)
			}
		case name == "img":
			if !strings.HasPrefix(strings.ToLower(attrs), ` src="https://`) {
				fail("image %q", tag)
			}
		case name == "code" && attrs != "" && !strings.HasPrefix(attrs, ` class="language-`):
			fail("code %q", tag)
		case name == "pre" && attrs != "" && !strings.HasPrefix(attrs, ` lang="`), name == "ol" && attrs != "" && !strings.HasPrefix(attrs, ` start="`):
			fail("attributes in %q", tag)
		case !map[string]bool{"a": true, "img": true, "code": true, "td": true, "th": true, "pre": true, "ol": true}[name] && attrs != "":
			fail("attributes in %q", tag)
		}
	}
	if opened, closed := strings.Count(html, "<details>"), strings.Count(html, "</details>"); opened != closed {
		fail("%d <details>, %d </details>", opened, closed)
	}
	if strings.Contains(md, "### Files") && !strings.Contains(html, "<h3>Files</h3>") {
		fail("the answer swallowed the sections after it")
	}
	checkFrame(t, md, html)
	// Mentions are made from text, not code: drop code before looking.
	text := regexp.MustCompile(`(?s)<code[^>]*>.*?</code>`).ReplaceAllString(html, "")
	if m := mention.FindString(text); m != "" {
		fail("mention %q", m)
	}
}

// hostileAnswerPieces are the bits random hostile answers are made of.
var hostileAnswerPieces = append([]string{
	"```", "````", "~~~", "```go", "``` x`y", "  ```", "    ```", "- ", "1. ", "> ", "\n", "\n\n", "|", "|---|",
	"<details>", "</details>", "<summary>", "<!--", "-->", "<img src=x>", "<script>", "](", "]: ", "[", "]",
	"(javascript:x)", "(https://ok.example/", "(http://x.example)", "![", "@user", "@", "&#64;", "&lt;", "&commat;",
	"http://", "https://", "www.", "WWW.", "\\", "\\`", "`", "``", "x", " ", "é", "\u202e", "#", "*", "_",
	"(www.x.y", "\\<", "https://a.b/`", ")`", "HTTPS://c.d", "ftp://e.f", "a@b.co", "[x](https://g.h/(i)`", "*www.j.k",
	"\n# ", "\n## ", "\n### ", "######", "\n===", "\n---", "\n-", "\n    # ", "\n  - ", "\n> # ", "> ", "1) ",
	"![a](https://t.example/p.gif)", "![](https://github.com/x.png)", "](https://github.com/y.png)", "![r]", "[r]: https://t.example/r.gif\n",
	"[^1]", "[^1]: ", "[!NOTE]", "#12", "a/b#3", "!4", "&5", "GH-6", "✅ Oz run succeeded",
}, hostilePieces...)

func hostileAnswerText(rnd *rand.Rand) string {
	var b strings.Builder
	for n := rnd.IntN(40); n >= 0; n-- {
		b.WriteString(hostileAnswerPieces[rnd.IntN(len(hostileAnswerPieces))])
	}
	return b.String()
}

func FuzzAnswerMarkdown(f *testing.F) {
	f.Add(hostileAnswer, uint16(0))
	f.Add("```\n<x>", uint16(30))
	f.Add("`a` `` ` `` \\` [x](https://a) ]: @u", uint16(210))
	f.Add(forgedAnswer, uint16(0))
	f.Add("- a\n\n    # b\n> x\n> ---\n![a](https://github.com/x.png) ![b](https://t.example/p.gif)", uint16(0))
	f.Fuzz(func(t *testing.T, answer string, maxBytes uint16) {
		max := int(maxBytes)
		if max == 0 {
			max = 1 << 20
		}
		got := answerMarkdown(answer, max)
		checkAnswerMarkdown(t, got)
		if len(got) > max {
			t.Fatalf("len %d > %d", len(got), max)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		if strings.Contains(got, "<!--") {
			// Only inside fenced code, which is never HTML.
			inFence := false
			for _, line := range strings.Split(got, "\n") {
				if f, ok := openingFence(line); ok && !inFence {
					inFence = true
					_ = f
					continue
				}
				if inFence && strings.Trim(line, "`~") == "" && line != "" {
					inFence = false
					continue
				}
				if !inFence && strings.Contains(line, "<!--") && !strings.Contains(line, "`") {
					t.Fatalf("HTML comment outside code: %q in %q", line, got)
				}
			}
		}
	})
}
