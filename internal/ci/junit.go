package ci

import (
	"encoding/xml"
	"fmt"
	"strings"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Details string `xml:",chardata"`
}

// formatJUnit renders the run as a JUnit report: one suite `oz-run` with
// one test case named for the run, failed (type: the conclusion) when the
// step fails. Text is escaped by encoding/xml; characters XML cannot hold
// are dropped.
func formatJUnit(r Report, outs []Output) ([]byte, error) {
	secs := fmt.Sprintf("%.3f", max(r.Duration.Seconds(), 0))
	name := xmlText(oneLine(r.Title))
	if name == "" {
		name = "oz-run"
	}
	tc := junitCase{Classname: "oz-run", Name: name, Time: secs}
	failures := 0
	if r.Failed {
		failures = 1
		value := func(n string) string {
			v := ""
			for _, o := range outs {
				if o.Name == n {
					v = o.Value
				}
			}
			return v
		}
		kind := oneLine(value("conclusion"))
		if kind == "" {
			kind = "failed"
		}
		var details strings.Builder
		if m := strings.TrimSpace(r.Message); m != "" {
			details.WriteString(m + "\n")
		}
		for _, n := range []string{"conclusion", "state", "status_message", "error_code", "run_url", "session_link"} {
			if v := strings.TrimSpace(value(n)); v != "" {
				fmt.Fprintf(&details, "%s: %s\n", n, v)
			}
		}
		tc.Failure = &junitFailure{
			Message: xmlText(oneLine(r.Message)),
			Type:    xmlText(kind),
			Details: xmlText(clean(details.String())),
		}
	}
	doc := junitSuites{Suites: []junitSuite{{Name: "oz-run", Tests: 1, Failures: failures, Time: secs, Cases: []junitCase{tc}}}}
	data, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("ci: rendering the JUnit report: %w", err)
	}
	return append([]byte(xml.Header), append(data, '\n')...), nil
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
