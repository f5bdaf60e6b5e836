package ci

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

// The JUnit report (junit_file): one test case for the run, failed when
// the step fails, skipped when the step was (missing_key: skip), its texts
// cleaned and capped.

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

// junitSkipped marks a test case skipped, saying why: GitLab's merge
// request widget and GitHub's test reporters show it as skipped, not
// passed.
type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Details string `xml:",chardata"`
}

// Caps on the JUnit report's texts, in bytes before XML escaping (which at
// most sextuples them: a tab in an attribute is `&#x9;`): the file stays
// under 500 KiB whatever the run holds.
const (
	maxJUnitName    = 1 << 10
	maxJUnitMessage = 4 << 10
	maxJUnitType    = 256
	maxJUnitDetails = 64 << 10
)

// formatJUnit renders the run as a JUnit report: one suite `oz-run` with
// one test case named for the run, failed (type: the conclusion) when the
// step fails, else skipped (its message: why, the Report's Message) when
// the conclusion is skipped; a submitted run (wait: false) passes: it was
// started as asked. Text is escaped by encoding/xml; characters XML cannot hold
// are dropped, and so are control and bidi characters; each text is cut to
// its cap with a marker.
func formatJUnit(r Report, outs []Output) ([]byte, error) {
	if len(r.Cases) > 0 {
		return formatBatchJUnit(r)
	}
	secs := fmt.Sprintf("%.3f", max(r.Duration.Seconds(), 0))
	name := junitLine(r.Title, maxJUnitName)
	if name == "" {
		name = "oz-run"
	}
	tc := junitCase{Classname: "oz-run", Name: name, Time: secs}
	failures, skipped := 0, 0
	value := func(n string) string {
		v := ""
		for _, o := range outs {
			if o.Name == n {
				v = o.Value
			}
		}
		return v
	}
	if !r.Failed && value("conclusion") == "skipped" {
		skipped = 1
		tc.Skipped = &junitSkipped{Message: junitLine(r.Message, maxJUnitMessage)}
		if tc.Skipped.Message == "" {
			tc.Skipped.Message = "skipped"
		}
	}
	if r.Failed {
		failures = 1
		kind := junitLine(value("conclusion"), maxJUnitType)
		if kind == "" {
			kind = "failed"
		}
		var details strings.Builder
		if m := strings.TrimSpace(r.Message); m != "" {
			details.WriteString(truncate(m, maxJUnitDetails) + "\n")
		}
		for _, n := range []string{"conclusion", "state", "status_message", "error_code", "run_url", "session_link"} {
			if details.Len() > maxJUnitDetails {
				break
			}
			if v := strings.TrimSpace(value(n)); v != "" {
				fmt.Fprintf(&details, "%s: %s\n", n, truncate(v, maxJUnitDetails))
			}
		}
		tc.Failure = &junitFailure{
			Message: junitLine(r.Message, maxJUnitMessage),
			Type:    kind,
			Details: junitText(clean(details.String()), maxJUnitDetails),
		}
	}
	doc := junitSuites{Suites: []junitSuite{{Name: "oz-run", Tests: 1, Failures: failures, Skipped: skipped, Time: secs, Cases: []junitCase{tc}}}}
	data, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("ci: rendering the JUnit report: %w", err)
	}
	return append([]byte(xml.Header), append(data, '\n')...), nil
}

// junitText is s as XML can hold it, without bidi characters, cut to limit
// bytes.
func junitText(s string, limit int) string {
	return truncate(xmlText(textclean.Value(s, true)), limit)
}

// junitLine is junitText of s on one line. Only the start of a long s is
// cleaned (what would be cut is not), and the marker counts all of it.
func junitLine(s string, limit int) string {
	cut := 0
	if most := 4*limit + 64; len(s) > most {
		head := truncateQuiet(s, most)
		cut, s = len(s)-len(head), head
	}
	return truncateAfter(xmlText(textclean.Value(oneLine(s), true)), limit, cut)
}

// xmlText drops what XML 1.0 cannot hold (most control characters, invalid
// UTF-8, U+FFFE, U+FFFF).
func xmlText(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return -1
	}, s)
}
