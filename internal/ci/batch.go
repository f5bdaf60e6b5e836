package ci

import (
	"encoding/xml"
	"fmt"
	"time"
)

// A batch (prompts): the runs output's larger cap, the runs file, and a
// JUnit test case a run.

// MaxRunsValue is the most bytes of the runs output: with the other
// outputs, under GitHub's 1 MB for a job's outputs.
const MaxRunsValue = 900_000

// RunsFile is where GitLab and other CIs get the runs output, relative
// to the workspace.
const RunsFile = "oz-run-runs.json"

// RunCase is one run of a batch as its JUnit test case shows it.
type RunCase struct {
	Name       string // the item's key
	Conclusion string
	Failed     bool
	Message    string // why it failed
	Duration   time.Duration
}

// runsFile is the runs output as its file holds it: redacted (JSON-aware),
// capped as the output is, ending with a newline.
func runsFile(sec *secrets, data []byte) []byte {
	v, _ := jsonValueIn(sec, string(data), MaxRunsValue)
	return []byte(v + "\n")
}

// formatBatchJUnit renders a batch as one suite with a test case a run,
// named by its key, failed (type: its conclusion) when it fails the step.
func formatBatchJUnit(r Report) ([]byte, error) {
	suite := junitSuite{Name: "oz-run", Tests: len(r.Cases), Time: fmt.Sprintf("%.3f", max(r.Duration.Seconds(), 0))}
	for _, c := range r.Cases {
		tc := junitCase{Classname: "oz-run", Name: junitLine(c.Name, maxJUnitName), Time: fmt.Sprintf("%.3f", max(c.Duration.Seconds(), 0))}
		if c.Failed {
			suite.Failures++
			kind := junitLine(c.Conclusion, maxJUnitType)
			if kind == "" {
				kind = "failed"
			}
			tc.Failure = &junitFailure{Message: junitLine(c.Message, maxJUnitMessage), Type: kind, Details: junitText(clean(c.Message), maxJUnitMessage)}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	data, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{suite}}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("ci: rendering the JUnit report: %w", err)
	}
	return append([]byte(xml.Header), append(data, '\n')...), nil
}
