package summary

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oz-run/oz-run-action/internal/outcome"
	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/textclean"
)

// ourHeadings are the only headings a summary may hold besides its title.
var ourHeadings = map[string]bool{
	"### Status message": true, "### What went wrong": true, "### Pull requests": true,
	"### Artifacts": true, "### Timeline": true, "### Files": true, "### Not brought back": true,
}

var (
	entity      = regexp.MustCompile(`^&(amp|lt|gt);`)
	destination = regexp.MustCompile(`\]\([^)]*\)`)
)

// checkInvariants asserts what must hold for any input: valid UTF-8, the
// size cap, no `<` and no entity but ours, links only to http(s), table rows
// as wide as their header, no heading, fence or block made by API text, no
// control or bidi characters, no mention.
func checkInvariants(t testing.TB, s string, maxBytes int) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("invalid UTF-8:\n%q", s)
	}
	if len(s) > maxBytes {
		t.Fatalf("len %d > MaxBytes %d", len(s), maxBytes)
	}
	if strings.Contains(s, "<") {
		t.Fatalf("raw '<' in:\n%s", s)
	}
	for i := strings.IndexByte(s, '&'); i >= 0; i = next(s, i, '&') {
		if !entity.MatchString(s[i:]) {
			t.Fatalf("bare '&' at %d in:\n%s", i, s)
		}
	}
	for i := strings.Index(s, "]("); i >= 0; i = nextStr(s, i, "](") {
		rest := strings.ToLower(s[i+2:])
		if !strings.HasPrefix(rest, "http://") && !strings.HasPrefix(rest, "https://") {
			t.Fatalf("link to something not http(s) at %d in:\n%s", i, s)
		}
		end := strings.IndexByte(rest, ')')
		if end < 0 || strings.ContainsAny(rest[:end], " (|\\`\"<>") {
			t.Fatalf("unsafe link destination at %d in:\n%s", i, s)
		}
	}
	text := destination.ReplaceAllString(s, "]()") // where mentions are made
	for i, r := range text {
		if (unicode.IsControl(r) && r != '\n') || textclean.Hidden(r) {
			t.Fatalf("control or bidi character %U at %d in:\n%q", r, i, s)
		}
		if r == '@' && !strings.HasPrefix(text[i+1:], zwj) {
			t.Fatalf("mention-able '@' in:\n%s", s)
		}
	}
	header := -1 // unescaped pipes in the current table's header
	for n, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "|") {
			if header < 0 {
				header = pipes(line)
			} else if got := pipes(line); got != header {
				t.Fatalf("table row %q has %d cells' pipes, header %d, in:\n%s", line, got, header, s)
			}
		} else {
			header = -1
		}
		if strings.HasPrefix(line, "## ") && n != 0 {
			t.Fatalf("second title %q in:\n%s", line, s)
		}
		if strings.HasPrefix(line, "###") && !ourHeadings[line] {
			t.Fatalf("heading %q not ours in:\n%s", line, s)
		}
		quoted, ok := strings.CutPrefix(line, "> ")
		if !ok {
			continue
		}
		for _, bad := range []string{"#", "```", "~~~", "-", "+", "=", "|", " ", "\t", ">", "<", "*", "_"} {
			if strings.HasPrefix(quoted, bad) {
				t.Fatalf("quoted line starts with %q: %q in:\n%s", bad, line, s)
			}
		}
	}
}

func next(s string, i int, c byte) int {
	j := strings.IndexByte(s[i+1:], c)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

func nextStr(s string, i int, sub string) int {
	j := strings.Index(s[i+1:], sub)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// pipes counts the `|` that a GFM table splits on: those not after a `\`.
func pipes(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		if line[i] == '|' && (i == 0 || line[i-1] != '\\') {
			n++
		}
	}
	return n
}

var fuzzConclusions = []outcome.Conclusion{"", outcome.Succeeded, outcome.Failed, outcome.Error, outcome.Blocked, outcome.Cancelled, outcome.TimedOut, outcome.Submitted, "odd|<one>"}

// fuzzResult builds a Result from untrusted pieces. sel picks the
// conclusion (low bits) and sets Err, Aborted, CancelErr, Cancelled.
func fuzzResult(title, message, errorCode, artifactJSON, prURL string, sel uint8) outcome.Result {
	var arts []oz.Artifact
	if json.Unmarshal([]byte(artifactJSON), &arts) != nil {
		var one oz.Artifact
		if json.Unmarshal([]byte(artifactJSON), &one) == nil {
			arts = []oz.Artifact{one}
		}
	}
	pr, _ := json.Marshal(map[string]any{"artifact_type": "PULL_REQUEST", "data": map[string]string{"url": prURL, "branch": title}})
	var prArt oz.Artifact
	if json.Unmarshal(pr, &prArt) == nil {
		arts = append(arts, prArt)
	}
	run := &oz.Run{
		RunID: errorCode, Title: title, State: oz.State(errorCode), RunTime: title,
		StatusMessage: &oz.StatusMessage{Message: message, ErrorCode: errorCode, Retryable: ptr(sel&1 == 0)},
		SessionLink:   prURL, Artifacts: arts,
		RequestUsage: &oz.Usage{ComputeCost: ptr(float64(len(message)) / 3)},
	}
	r := outcome.Result{
		RunID: errorCode, Run: run, State: oz.State(title),
		Conclusion: fuzzConclusions[int(sel)%len(fuzzConclusions)],
		AtCapacity: sel&2 != 0, Attached: sel&4 != 0,
		Timeline: []outcome.Transition{{State: oz.State(message), At: t0.Add(time.Second)}, {State: oz.StateQueued, At: t0.Add(-time.Hour)}},
		Started:  t0, Ended: t0.Add(time.Minute),
		Cancelled: sel&8 != 0,
	}
	if sel&16 != 0 {
		r.Err = errors.New(message)
	}
	if sel&32 != 0 {
		r.Aborted = true
	}
	if sel&64 != 0 {
		r.CancelErr = errors.New(title)
	}
	if sel&128 != 0 {
		r.Run = nil
	}
	return r
}

func FuzzRender(f *testing.F) {
	f.Add("Fix the test", "Done.", "", `[]`, "https://github.com/acme/app/pull/1", uint8(1), uint16(0))
	f.Add("<b>x</b> | y\n@z", "line1\n# h\n```\n| a |\n- b\n    c", "insufficient_credits", `[{"artifact_type":"PLAN","data":{"title":"t","url":"https://x/y"}}]`, "javascript:alert(1)", uint8(2), uint16(0))
	f.Add("[x](javascript:alert(1))", "::set-output name=a::b\r\n\x00\xff\xfe", "`c`", `{"artifact_type":"FILE","data":{"filename":"<f>"}}`, "https://a.example/x) <y> |z", uint8(0xff), uint16(120))
	f.Add("\u202eevil", "&lt; &#60; &amp;", "x|y", `[{"artifact_type":"<x>","data":null}]`, "https://u@evil.example/", uint8(16+64), uint16(30))
	f.Add(strings.Repeat("ab|", 200), strings.Repeat("é\n", 500), "internal_error", `[{"artifact_type":"EXTERNAL_REFERENCE","data":{"url":"https://e.example/(a)","reference_type":"x|y"}}]`, "HTTPS://GitHub.com/a/b/pull/3?x=1&y=2", uint8(7), uint16(1000))
	f.Add("", "", "", "", "", uint8(128), uint16(1))
	f.Fuzz(func(t *testing.T, title, message, errorCode, artifactJSON, prURL string, sel uint8, maxBytes uint16) {
		r := fuzzResult(title, message, errorCode, artifactJSON, prURL, sel)
		max := int(maxBytes)
		got := Render(r, Options{FailOn: outcome.FailOn{outcome.Failed: true}, MaxBytes: max, Title: title})
		if max == 0 {
			max = DefaultMaxBytes
		}
		checkInvariants(t, got, max)
	})
}

func BenchmarkRender(b *testing.B) {
	cases := goldenCases(b)
	for _, name := range []string{"succeeded", "hostile"} {
		tc := cases[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Render(tc.r, tc.opts)
			}
		})
	}
}

// FuzzAnswerFrame renders an answer in the summary and in the comment and
// checks that it stays in its frame: outside the answer's quote, only the
// summary's own title and sections; inside it, no heading at their level
// or above and no image from outside GitHub or GitLab (checkAnswerMarkdown).
func FuzzAnswerFrame(f *testing.F) {
	f.Add(forgedAnswer, uint16(0))
	f.Add(hostileAnswer, uint16(3000))
	f.Add("| a |\n|---|\n| b |\n# x\n!![p](https://t.example/p.gif)", uint16(500))
	f.Fuzz(func(t *testing.T, answer string, maxBytes uint16) {
		r := terminal(oz.StateSucceeded, outcome.Succeeded, nil)
		r.Work.Answer = answer
		opts := Options{MaxBytes: int(maxBytes)}
		for _, doc := range []string{Render(r, opts), Comment(r, opts)} {
			checkFramedAnswer(t, doc)
		}
	})
}

// checkFramedAnswer checks a summary or a comment whose only untrusted
// Markdown is the agent's answer.
func checkFramedAnswer(t *testing.T, doc string) {
	t.Helper()
	lines := strings.Split(doc, "\n")
	var answer []string
	in := false
	for i, line := range lines {
		switch {
		case line == "### Answer":
			in = true
			continue
		case in && (line == "</details>" || strings.HasPrefix(line, "### ") || line == "---"):
			in = false
		case in && (line == "<details>" || strings.HasPrefix(line, "<summary>")):
			continue
		case in:
			answer = append(answer, line)
			continue
		}
		if strings.HasPrefix(line, "#") && !(i == 0 && strings.HasPrefix(line, "## ")) && !ourHeadings[line] {
			t.Fatalf("heading %q not ours in:\n%s", line, doc)
		}
	}
	checkAnswerMarkdown(t, strings.Join(answer, "\n"))
}
