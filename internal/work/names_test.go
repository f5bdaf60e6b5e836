package work

import (
	"path"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestCleanName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("n", 300)
	cases := []struct{ in, want string }{
		{"reports/oz-report.md", "reports/oz-report.md"},
		{"../escape.txt", "escape.txt"},
		{"/tmp/oz-absolute.txt", "tmp/oz-absolute.txt"},
		{"sub/../../up.txt", "up.txt"},
		{"a/./b//c.txt", "a/b/c.txt"},
		{"nul\x00byte.txt", "nul_byte.txt"},
		{"ctl\x1b[31m\n.txt", "ctl_[31m_.txt"},
		{`..\windows.txt`, "windows.txt"},
		{`C:\Users\me\report.md`, "C:/Users/me/report.md"},
		{"bidi\u202egnp.exe", "bidignp.exe"},
		{".\u200b./x", "x"},
		{"zero\u200bwidth\ufeff.txt", "zerowidth.txt"},
		{"bad\xff\xfeutf8.txt", "bad__utf8.txt"},
		{"-rf", "_-rf"},
		{"dir/--help.txt", "dir/_--help.txt"},
		{"", ""},
		{"/", ""},
		{"..", ""},
		{"../..", ""},
		{"\x00", "_"},
		{"CON", "CON"},
		{".bashrc", ".bashrc"},
		{long + ".txt", long[:251] + ".txt"},
		{strings.Repeat("é", 200) + ".md", strings.Repeat("é", 126) + ".md"}, // 255 bytes: whole characters
		{"x." + long, "x." + long[:253]},                                     // an extension over 32 bytes is not kept
		{strings.Repeat("d/", 20) + "f.txt", strings.Repeat("d/", 15) + "f.txt"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, cleanName(c.in), "cleanName(%q)", c.in)
	}
}

func TestWithSuffix(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("n", 251) + ".txt"
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"report.md", 2, "report-2.md"},
		{"dir/report.md", 3, "dir/report-3.md"},
		{"changes.tar.gz", 2, "changes.tar-2.gz"},
		{".bashrc", 2, ".bashrc-2"},
		{"file", 10, "file-10"},
		{long, 2, strings.Repeat("n", 249) + "-2.txt"},
	}
	for _, c := range cases {
		got := withSuffix(c.in, c.n)
		assert.Equal(t, c.want, got, "withSuffix(%q, %d)", c.in, c.n)
		assert.LessOrEqual(t, len(path.Base(got)), maxElement)
	}
}

// FuzzCleanName: whatever the agent names a file, the cleaned name stays
// below files_dir, holds no control or invisible character, no element
// longer than 255 bytes or starting with "-", and cleaning it again
// changes nothing.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"../x", "/abs", "a\x00b", strings.Repeat("x", 300), "..\\..\\x", "-rf", ".\u202e./x", "a/b/../../../c", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := cleanName(name)
		if got == "" {
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("cleanName(%q) = %q: not UTF-8", name, got)
		}
		if path.IsAbs(got) || path.Clean(got) != got || strings.HasPrefix(got, "../") || got == ".." {
			t.Fatalf("cleanName(%q) = %q: not a clean relative path below the directory", name, got)
		}
		if strings.ContainsFunc(got, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\\' }) {
			t.Fatalf("cleanName(%q) = %q: holds a control, invisible or backslash character", name, got)
		}
		parts := strings.Split(got, "/")
		if len(parts) > maxDepth {
			t.Fatalf("cleanName(%q) = %q: %d elements deep", name, got, len(parts))
		}
		for _, p := range parts {
			if p == "" || p == "." || p == ".." || len(p) > maxElement || strings.HasPrefix(p, "-") {
				t.Fatalf("cleanName(%q) = %q: element %q", name, got, p)
			}
		}
		if again := cleanName(got); again != got {
			t.Fatalf("cleanName is not stable: %q -> %q -> %q", name, got, again)
		}
		if s := withSuffix(got, 100); len(path.Base(s)) > maxElement || path.Dir(s) != path.Dir(got) {
			t.Fatalf("withSuffix(%q, 100) = %q", got, s)
		}
	})
}
