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
	return suites
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
