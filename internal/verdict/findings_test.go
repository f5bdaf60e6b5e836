package verdict

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindingOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		doc     string // one finding
		want    Finding
		dropped string // "" when usable
	}{
		{"full", `{"path":"internal/a.go","line":3,"end_line":5,"severity":"error","title":"t","message":"m"}`,
			Finding{Path: "internal/a.go", Line: 3, EndLine: 5, Severity: "error", Title: "t", Message: "m"}, ""},
		{"no line", `{"path":"README.md","severity":"notice","message":"m"}`, Finding{Path: "README.md", Severity: "notice", Message: "m"}, ""},
		{"one line", `{"path":"a","line":7,"end_line":7,"severity":"warning","message":"m"}`, Finding{Path: "a", Line: 7, EndLine: 7, Severity: "warning", Message: "m"}, ""},
		{"./ and spaces in names are fine", `{"path":"./docs/my file.md","line":1,"severity":"notice","message":"m"}`, Finding{Path: "./docs/my file.md", Line: 1, Severity: "notice", Message: "m"}, ""},
		{"integers written otherwise", `{"path":"a","line":3.0,"end_line":4e0,"severity":"error","message":"m"}`, Finding{Path: "a", Line: 3, EndLine: 4, Severity: "error", Message: "m"}, ""},
		{"absolute", `{"path":"/etc/passwd","line":1,"severity":"error","message":"m"}`, Finding{}, "its path is absolute"},
		{"a drive letter", `{"path":"C:/x.go","severity":"error","message":"m"}`, Finding{}, "its path is absolute"},
		{"..", `{"path":"../../etc/passwd","severity":"error","message":"m"}`, Finding{}, "its path holds .."},
		{".. inside", `{"path":"a/../../b","severity":"error","message":"m"}`, Finding{}, "its path holds .."},
		{"a backslash", `{"path":"a\\b.go","severity":"error","message":"m"}`, Finding{}, "its path holds a backslash"},
		{"empty path", `{"path":"","severity":"error","message":"m"}`, Finding{}, "its path is empty"},
		{"no path", `{"severity":"error","message":"m"}`, Finding{}, "its path is empty"},
		{"a newline", `{"path":"a.go\n::error::x","severity":"error","message":"m"}`, Finding{}, "its path holds control or invisible characters"},
		{"NUL", `{"path":"a\u0000.go","severity":"error","message":"m"}`, Finding{}, "its path holds control or invisible characters"},
		{"DEL and C1", `{"path":"a\u007f\u0085.go","severity":"error","message":"m"}`, Finding{}, "its path holds control or invisible characters"},
		{"a bidi override", `{"path":"a\u202egod.go","severity":"error","message":"m"}`, Finding{}, "its path holds control or invisible characters"},
		{"a zero-width space", `{"path":"a\u200b.go","severity":"error","message":"m"}`, Finding{}, "its path holds control or invisible characters"},
		{"a line separator", `{"path":"a\u2028.go","severity":"error","message":"m"}`, Finding{}, "its path holds control or invisible characters"},
		{"too long", `{"path":"` + strings.Repeat("a", MaxPathBytes+1) + `","severity":"error","message":"m"}`, Finding{}, "its path is longer than 1024 bytes"},
		{"line 0", `{"path":"a","line":0,"severity":"error","message":"m"}`, Finding{}, "its line is not a positive integer"},
		{"negative line", `{"path":"a","line":-3,"severity":"error","message":"m"}`, Finding{}, "its line is not a positive integer"},
		{"huge line", `{"path":"a","line":1e30,"severity":"error","message":"m"}`, Finding{}, "its line is not a positive integer"},
		{"line past int32", `{"path":"a","line":2147483648,"severity":"error","message":"m"}`, Finding{}, "its line is not a positive integer"},
		{"fractional line", `{"path":"a","line":1.5,"severity":"error","message":"m"}`, Finding{}, "its line is not a positive integer"},
		{"a string line", `{"path":"a","line":"3","severity":"error","message":"m"}`, Finding{}, "its line is not a positive integer"},
		{"end_line 0", `{"path":"a","line":1,"end_line":0,"severity":"error","message":"m"}`, Finding{}, "its end_line is not a positive integer"},
		{"end_line before line", `{"path":"a","line":5,"end_line":2,"severity":"error","message":"m"}`, Finding{}, "its end_line is before its line"},
		{"end_line alone", `{"path":"a","end_line":2,"severity":"error","message":"m"}`, Finding{}, "it has an end_line but no line"},
		{"an unknown severity", `{"path":"a","severity":"critical","message":"m"}`, Finding{}, "its severity is not error, warning or notice"},
		{"not an object", `"a.go:3"`, Finding{}, "it is not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := findingOf(value(t, tt.doc))
			assert.Equal(t, tt.dropped, f.Dropped)
			assert.Equal(t, tt.dropped == "", f.Usable())
			if tt.dropped == "" {
				assert.Equal(t, tt.want, f)
			}
		})
	}
}

// review is a review answer with these findings.
func review(findings ...string) string {
	return `{"verdict":"fail","summary":"s","findings":[` + strings.Join(findings, ",") + `]}`
}

func finding(path string, line int, severity, title string) string {
	l := ""
	if line != 0 {
		l = fmt.Sprintf(`,"line":%d`, line)
	}
	return fmt.Sprintf(`{"path":%q%s,"severity":%q,"title":%q,"message":"about %s"}`, path, l, severity, title, title)
}

func TestFindingsMostSevereFirst(t *testing.T) {
	t.Parallel()
	fs := Findings(value(t, review(
		finding("n1", 1, "notice", "n1"), finding("w1", 1, "warning", "w1"), finding("e1", 1, "error", "e1"),
		finding("n2", 1, "notice", "n2"), finding("/abs", 1, "error", "e2"), finding("w2", 1, "warning", "w2"),
	)))
	var order []string
	for _, f := range fs {
		order = append(order, f.Title)
	}
	assert.Equal(t, []string{"e1", "e2", "w1", "w2", "n1", "n2"}, order, "stable within a severity; dropped ones kept")
	assert.Empty(t, Findings(value(t, `{"verdict":"pass"}`)))
	assert.Empty(t, Findings(value(t, `[1,2]`)))
	assert.Empty(t, Findings(value(t, `{"findings":{"path":"a"}}`)))
}

func TestAnnotations(t *testing.T) {
	t.Parallel()
	var items []string
	for i := 0; i < 12; i++ {
		items = append(items, finding(fmt.Sprintf("e%d.go", i), i+1, "error", fmt.Sprintf("e%d", i)))
		items = append(items, finding(fmt.Sprintf("n%d.go", i), i+1, "notice", fmt.Sprintf("n%d", i)))
	}
	items = append(items, finding("../w.go", 1, "warning", "bad"), finding("w.go", 0, "warning", "w"))
	fs := Findings(value(t, review(items...)))
	got := Annotations(fs)
	count := map[string]int{}
	var titles []string
	for _, f := range got {
		count[f.Severity]++
		titles = append(titles, f.Title)
		assert.True(t, f.Usable())
	}
	assert.Equal(t, map[string]int{"error": 10, "warning": 1, "notice": 10}, count)
	assert.Equal(t, "e0", titles[0])
	assert.Equal(t, "e9", titles[9])
	assert.Equal(t, "w", titles[10])
	assert.Equal(t, "n0", titles[11])
	assert.Empty(t, Annotations(nil))
}

func TestCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		findings []Finding
		want     string
	}{
		{nil, "none"},
		{[]Finding{{Severity: "error"}, {Severity: "warning"}, {Severity: "error"}}, "2 error, 1 warning"},
		{[]Finding{{Severity: "notice"}}, "1 notice"},
		{[]Finding{{Severity: "notice"}, {Severity: "error"}, {Severity: "warning"}}, "1 error, 1 warning, 1 notice"},
		{[]Finding{{Severity: "bogus"}, {Severity: "error"}}, "1 error, 1 other"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Counts(tt.findings))
	}
}

func TestDroppedWarning(t *testing.T) {
	t.Parallel()
	assert.Empty(t, DroppedWarning([]Finding{{Path: "a"}}))
	assert.Equal(t, "1 finding of the review makes no annotation and no Code Quality entry: its path is not a file of the repository (absolute, holding .. or control characters) or its line is not a positive integer; the summary lists it",
		DroppedWarning([]Finding{{Path: "a"}, {Dropped: "x"}}))
	assert.Contains(t, DroppedWarning([]Finding{{Dropped: "x"}, {Dropped: "y"}, {Dropped: "z"}}), "3 findings of the review make no annotation")
}

func TestCodeQuality(t *testing.T) {
	t.Parallel()
	fs := Findings(value(t, review(
		`{"path":"b.md","severity":"notice","message":"no line"}`,
		`{"path":"a.go","line":3,"end_line":9,"severity":"error","title":"Race","message":"a \"race\" <here>"}`,
		`{"path":"../x","line":1,"severity":"error","message":"hostile"}`,
		`{"path":"c.go","line":2,"severity":"warning","title":"T","message":"w"}`,
		`{"path":"c.go","line":2,"severity":"warning","title":"T","message":"same place and title"}`,
	)))
	got := CodeQuality(fs)
	var entries []struct {
		Description string
		CheckName   string `json:"check_name"`
		Fingerprint string
		Severity    string
		Location    struct {
			Path  string
			Lines struct{ Begin int }
		}
	}
	require.NoError(t, json.Unmarshal(got, &entries), "%s", got)
	require.Len(t, entries, 4, "the hostile finding makes no entry")
	assert.Equal(t, "Race: a \"race\" <here>", entries[0].Description)
	assert.Equal(t, "oz-run review", entries[0].CheckName)
	assert.Equal(t, "critical", entries[0].Severity)
	assert.Equal(t, "a.go", entries[0].Location.Path)
	assert.Equal(t, 3, entries[0].Location.Lines.Begin)
	assert.Equal(t, "major", entries[1].Severity)
	assert.Equal(t, "T: w", entries[1].Description)
	assert.Equal(t, "info", entries[3].Severity)
	assert.Equal(t, 1, entries[3].Location.Lines.Begin, "a finding without a line is on line 1")
	seen := map[string]bool{}
	for _, e := range entries {
		assert.Len(t, e.Fingerprint, 64)
		assert.False(t, seen[e.Fingerprint], "fingerprints are unique")
		seen[e.Fingerprint] = true
	}
	// Stable: the same path, line and title give the same fingerprint,
	// whatever the message, the severity or the other findings.
	again := CodeQuality(Findings(value(t, review(`{"path":"a.go","line":3,"severity":"warning","title":"Race","message":"reworded"}`))))
	require.NoError(t, json.Unmarshal(again, &entries))
	assert.True(t, seen[entries[0].Fingerprint])
	assert.Equal(t, "[]", string(CodeQuality(nil)))
	assert.Equal(t, "[]", string(CodeQuality([]Finding{{Path: "/x", Severity: "error", Dropped: "its path is absolute"}})))
}

// The report is exactly this, its fingerprint the SHA-256 of
// "a.go\x003\x00Race" (a golden value: GitLab compares
// fingerprints between branches, so they must not change between
// versions either).
func TestCodeQualityGolden(t *testing.T) {
	t.Parallel()
	got := CodeQuality([]Finding{{Path: "a.go", Line: 3, Severity: "error", Title: "Race", Message: "m"}})
	assert.Equal(t, `[{"description":"Race: m","check_name":"oz-run review","fingerprint":"`+
		"9940fd4791c715262f49c7dbef4f4fcc95629f607f16dea719250c0166908126"+
		`","severity":"critical","location":{"path":"a.go","lines":{"begin":3}}}]`, string(got))
}
