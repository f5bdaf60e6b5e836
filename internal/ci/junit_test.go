package ci

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkJUnit asserts that data is well-formed XML that reads back as one
// suite with one case, within the caps.
func checkJUnit(t testing.TB, data []byte, failed bool) junitSuites {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%q", err, data)
		}
	}
	var suites junitSuites
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatalf("does not read back: %v", err)
	}
	if len(suites.Suites) != 1 || len(suites.Suites[0].Cases) != 1 {
		t.Fatalf("want one suite with one case: %+v", suites)
	}
	c := suites.Suites[0].Cases[0]
	if (c.Failure != nil) != failed {
		t.Fatalf("failure %v, want %v", c.Failure != nil, failed)
	}
	if len(data) > 500<<10 {
		t.Fatalf("JUnit report is %d bytes", len(data))
	}
	if c.Failure != nil && (len(c.Failure.Details) > maxJUnitDetails || len(c.Failure.Message) > maxJUnitMessage || strings.Contains(c.Failure.Message, "\n")) {
		t.Fatalf("failure over its caps: message %d bytes, details %d", len(c.Failure.Message), len(c.Failure.Details))
	}
	if len(c.Name) > maxJUnitName || !utf8.ValidString(c.Name) {
		t.Fatalf("bad case name %q", c.Name)
	}
	if c.Skipped != nil && (c.Failure != nil || c.Skipped.Message == "" || len(c.Skipped.Message) > maxJUnitMessage || strings.Contains(c.Skipped.Message, "\n")) {
		t.Fatalf("bad skipped element %+v (failure %v)", c.Skipped, c.Failure != nil)
	}
	if s := suites.Suites[0]; s.Skipped != map[bool]int{true: 1}[c.Skipped != nil] {
		t.Fatalf("the suite counts %d skipped, the case is skipped: %v", s.Skipped, c.Skipped != nil)
	}
	return suites
}

// A step skipped (missing_key: skip) is a skipped test case that says why,
// counted in the suite's skipped attribute; a skipped step that fails
// (fail_on lists skipped) is a failure; a submitted run (wait: false) and
// a run that succeeded pass.
func TestJUnitSkipped(t *testing.T) {
	t.Parallel()
	const why = "skipped: no Oz API key was given <&\"'> and missing_key is skip"
	tests := []struct {
		name       string
		conclusion string
		failed     bool
		message    string
		wantSkip   string // the skipped element's message; empty: none
	}{
		{"skipped", "skipped", false, why, why},
		{"skipped without a message", "skipped", false, " \n", "skipped"},
		{"skipped on two lines, hostile", "skipped", false, "why\n\x00\u202eit\x1b[31m", "why it[31m"},
		{"skipped that fails", "skipped", true, why, ""},
		{"submitted passes", "submitted", false, "run r1 submitted, not waited for (wait: false)", ""},
		{"succeeded passes", "succeeded", false, "run r1 succeeded", ""},
		{"failed", "failed", true, "run r1 failed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Report{Failed: tt.failed, Title: "Oz run", Message: tt.message, Outputs: []Output{{"conclusion", tt.conclusion}}}
			data, err := formatJUnit(r, r.Outputs)
			require.NoError(t, err)
			suites := checkJUnit(t, data, tt.failed)
			s := suites.Suites[0]
			c := s.Cases[0]
			if tt.wantSkip == "" {
				assert.Nil(t, c.Skipped)
				assert.Equal(t, 0, s.Skipped)
				assert.NotContains(t, string(data), "<skipped")
				return
			}
			require.NotNil(t, c.Skipped)
			assert.Equal(t, tt.wantSkip, c.Skipped.Message)
			assert.Equal(t, 1, s.Skipped)
			assert.Equal(t, 1, s.Tests)
			assert.Equal(t, 0, s.Failures)
		})
	}
}

// The skipped element is written as JUnit readers expect it, its message
// escaped.
func TestJUnitSkippedXML(t *testing.T) {
	t.Parallel()
	r := Report{Title: "Oz run", Message: `skipped: <no key> & "fork"`, Outputs: []Output{{"conclusion", "skipped"}}}
	data, err := formatJUnit(r, r.Outputs)
	require.NoError(t, err)
	assert.Contains(t, string(data), `<testsuite name="oz-run" tests="1" failures="0" skipped="1" time="0.000">`)
	assert.Contains(t, string(data), `<skipped message="skipped: &lt;no key&gt; &amp; &#34;fork&#34;"></skipped>`)
}

func TestJUnitCapped(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("<&\"'\t", 3<<20) // 15 MiB that escaping would make 80
	r := Report{
		Failed: true, Title: huge, Message: huge, Duration: time.Second,
		Outputs: []Output{{"conclusion", huge}, {"status_message", huge}, {"session_link", huge}},
	}
	data, err := formatJUnit(r, r.Outputs)
	require.NoError(t, err)
	suites := checkJUnit(t, data, true)
	f := suites.Suites[0].Cases[0].Failure
	assert.Regexp(t, `… \[truncated \d+ bytes\]$`, f.Details)
	assert.LessOrEqual(t, len(f.Type), maxJUnitType)
}

// FuzzJUnit: whatever the texts, the report is well-formed XML within its
// caps that reads back as one test case.
func FuzzJUnit(f *testing.F) {
	f.Add(hostile, "msg", "failed", "st\x00\u202e", true)
	f.Add("", "", "", "", false)
	f.Add("]]><x>", "\xff\ufffe\U0010ffff", "a\"b", "&amp;", true)
	f.Fuzz(func(t *testing.T, title, message, conclusion, status string, failed bool) {
		r := Report{
			Failed: failed, Title: title, Message: message, Duration: time.Duration(len(title)) * time.Millisecond,
			Outputs: []Output{{"conclusion", conclusion}, {"status_message", status}, {"run_url", title}},
		}
		data, err := formatJUnit(r, r.Outputs)
		if err != nil {
			t.Fatal(err)
		}
		checkJUnit(t, data, failed)
	})
}
