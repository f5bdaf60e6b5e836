package summary

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInline(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain words, and a/b?", "plain words, and a/b?"},
		{"<b>&", "&lt;b&gt;&amp;"},
		{"a|b\nc\r\nd", `a\|b c d`},
		{"[x](javascript:y)", `\[x\]\(javascript\:y\)`},
		{"![i](u) `c` *e* _e_ ~s~ $m$ {b} #1", `\!\[i\]\(u\) \` + "`c\\`" + ` \*e\* \_e\_ \~s\~ \$m\$ \{b\} \#` + zwj + "1"},
		{`back\slash`, `back\\slash`},
		{"@octocat me@x.io", "@" + zwj + "octocat me@" + zwj + "x.io"},
		{"a\x00b\x1bc\x7fd\u0085e", "abcde"},
		{"\ttab", "tab"},
		{"  \n    spaced out \n", "spaced out"},
		{"bad \xff\xfe", "bad \ufffd\ufffd"},
		{"bidi \u202eevil\u202c \u2066x\u2069 \ufeff", "bidi evil x"},
		{"- not a list", `\- not a list`},
		{"12. not a list; 1.5 and 2.", `12\. not a list; 1.5 and 2.`},
		{"1.5", "1.5"},
		{"1.\nx", `1\. x`},
		{"see www.x.io, WWW.y.io and awww.", `see www\.x.io, WWW\.y.io and awww\.`},
		{"ünï 🚀", "ünï 🚀"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, inline(tt.in), "inline(%q)", tt.in)
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"one line", "> one line\n"},
		{"\n\nfirst\n\nsecond  \nthird\n\n", "> first\n>\n> second\\\n> third\n"},
		{"# h\n- l\n+ l\n=\n---\n> q\n    code\n```", "> \\# h\\\n> \\- l\\\n> \\+ l\\\n> \\=\\\n> \\---\\\n> &gt; q\\\n> \u00a0\u00a0\u00a0\u00a0code\\\n> \\`\\`\\`\n"},
		{"a\rb\u2028c", "> a\\\n> b\\\n> c\n"},
		{"1. one\n2) two", "> 1\\. one\\\n> 2\\) two\n"},
		{"trailing\\", "> trailing\\\\\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		quote(&b, tt.in)
		assert.Equal(t, tt.want, b.String(), "quote(%q)", tt.in)
	}
}

func TestCode(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"SUCCEEDED", "`SUCCEEDED`"},
		{"oz/fix-test_1.2", "`oz/fix-test_1.2`"},
		{"a`b", "a\\`b"},
		{"a b", "a b"},
		{"ünï", "ünï"},
		{"", ""},
		{strings.Repeat("a", 65), strings.Repeat("a", 65)},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, code(tt.in), "code(%q)", tt.in)
	}
}

func TestSafeURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"https://github.com/acme/app/pull/42", "https://github.com/acme/app/pull/42", true},
		{"  HTTPS://x.example/a  ", "https://x.example/a", true},
		{"https://x.example/a b)c(d<e>f|g\\h`i\"j'k[l]m{n}o^p*q$", "https://x.example/a%20b%29c%28d%3Ce%3Ef%7Cg%5Ch%60i%22j%27k[l]m%7Bn%7Do%5Ep%2Aq%24", true},
		{"https://x.example/?a=1&b=2#f", "https://x.example/?a=1&amp;b=2#f", true},
		{"https://x.example/é", "https://x.example/%C3%A9", true},
		{"https://x.example/" + strings.Repeat("a", maxLinkURL), "", false},
		{"http://x.example/a", "", false}, // not published as an output either
		{"javascript:alert(1)", "", false},
		{"JavaScript://x.example/%0aalert(1)", "", false},
		{"data:text/html,<script>", "", false},
		{"//x.example/a", "", false},
		{"/relative", "", false},
		{"https://user@evil.example/", "", false},
		{"https://github.com@evil.example/", "", false},
		{"https:///nohost", "", false},
		{"https://x.example/\n", "https://x.example/", true},
		{"https://x.example/a\nb", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := safeURL(tt.in)
		assert.Equal(t, tt.ok, ok, "safeURL(%q)", tt.in)
		assert.Equal(t, tt.want, got, "safeURL(%q)", tt.in)
	}
}

func TestLink(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `[PR \#`+zwj+`1](https://x.example/1)`, link("PR #1", "https://x.example/1"))
	assert.Equal(t, `javascript\:alert\(1\)`, urlLink("javascript:alert(1)"))
}
