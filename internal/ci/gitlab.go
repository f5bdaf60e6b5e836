package ci

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/oz-run/oz-run-action/internal/textclean"
)

// The GitLab platform, and that of any other CI: plain log lines (with
// GitLab's collapsible sections), the CI context, and the report files
// (dotenv, summary, JUnit, the answer file).

type gitlab struct {
	plainLog // on Stdout
	o        Options
	other    bool // another CI: no sections, no GitLab metadata
	sections int  // numbers section names, so that each is unique; under mu
}

// newGitLab is the platform for GitLab CI: plain log lines on Stdout (never
// a `::` command), collapsible sections, and report files (dotenv, Markdown
// summary, JUnit) in the workspace. Control characters are dropped from log
// text, so it cannot forge section markers.
func newGitLab(o Options) Platform {
	o = o.withDefaults()
	return &gitlab{plainLog: newPlainLog(o.Stdout, o.Debug), o: o}
}

// newOtherCI is the platform for any other CI (Jenkins, Buildkite,
// CircleCI...): GitLab's report files and plain log lines, but no section
// markers (other CIs would print them as escape codes) and no metadata.
func newOtherCI(o Options) Platform {
	o = o.withDefaults()
	return &gitlab{plainLog: newPlainLog(o.Stdout, o.Debug), o: o, other: true}
}

func (g *gitlab) Name() string {
	if g.other {
		return "other-ci"
	}
	return "gitlab"
}

// Group opens a collapsed section named for its title and a number; on
// another CI it prints the title as a heading, with nothing to close.
func (g *gitlab) Group(title string) (end func()) {
	if g.other {
		g.print(g.w, "== "+oneLine(title))
		return func() {}
	}
	title = truncate(oneLine(g.sec.redact(clean(title))), maxTitle)
	g.mu.Lock()
	g.sections++
	name := fmt.Sprintf("%s_%d", sectionSlug(title), g.sections)
	fmt.Fprintf(g.w, "\x1b[0Ksection_start:%d:%s[collapsed=true]\r\x1b[0K%s\n", g.o.Now().Unix(), name, title)
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			fmt.Fprintf(g.w, "\x1b[0Ksection_end:%d:%s\r\x1b[0K\n", g.o.Now().Unix(), name)
		})
	}
}

// sectionSlug is a section name from a title: lowercase [a-z0-9_].
func sectionSlug(title string) string {
	slug := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '_'
	}, title)
	for strings.Contains(slug, "__") {
		slug = strings.ReplaceAll(slug, "__", "_")
	}
	slug = strings.Trim(truncateQuiet(slug, 40), "_")
	if slug == "" {
		return "section"
	}
	return slug
}

func (g *gitlab) Metadata() map[string]string {
	if g.other {
		return map[string]string{}
	}
	return gitlabMetadata(g.o.Getenv)
}

// Publish writes the result file, the dotenv report, the answer file, the
// summary file and the JUnit report (each one whose path is set).
func (g *gitlab) Publish(r Report) error {
	outs, err := prepareOutputs(g.o, &g.sec, r, g.Warning)
	return errors.Join(err, writeReports(g.o, &g.sec, r, outs))
}

// writeReports writes the files other CIs read: the dotenv report, the
// answer file (when there is an answer), the summary file and the JUnit
// report, each one whose path is set.
func writeReports(o Options, sec *secrets, r Report, outs []Output) error {
	var errs []error
	if p := o.Dotenv; p != "" {
		errs = append(errs, o.Workspace.WriteFile("the dotenv report", p, formatDotenv(outs)))
	}
	if p := o.OutputFile; p != "" && strings.TrimSpace(r.Answer) != "" {
		errs = append(errs, o.Workspace.WriteFile("the answer file", p, answerFile(sec, r.Answer)))
	}
	if p := o.SummaryFile; p != "" && r.Summary != "" {
		errs = append(errs, o.Workspace.WriteFile("the summary file", p, []byte(summaryText(sec.redact(r.Summary)))))
	}
	if p := o.StructuredFile; p != "" && len(r.Structured) > 0 {
		errs = append(errs, o.Workspace.WriteFile("the structured output file", p, append(sec.redactBytes(r.Structured), '\n')))
	}
	if p := o.CodeQualityFile; p != "" && r.CodeQuality != nil {
		errs = append(errs, o.Workspace.WriteFile("the Code Quality report", p, append(sec.redactBytes(r.CodeQuality), '\n')))
	}
	if len(r.RunsJSON) > 0 {
		errs = append(errs, o.Workspace.WriteFile("the runs file", RunsFile, runsFile(sec, r.RunsJSON)))
	}
	if p := o.JUnitFile; p != "" {
		r.Title, r.Message = sec.redact(r.Title), sec.redact(r.Message)
		for i := range r.Cases {
			r.Cases[i].Name, r.Cases[i].Message = sec.redact(r.Cases[i].Name), sec.redact(r.Cases[i].Message)
		}
		data, err := formatJUnit(r, outs)
		if err != nil {
			errs = append(errs, err)
		} else {
			errs = append(errs, o.Workspace.WriteFile("the JUnit report", p, data))
		}
	}
	return errors.Join(errs...)
}

// answerFile is the agent's answer as the answer file holds it: as it
// wrote it (Markdown, for a later job to read), but redacted, without
// control or invisible characters (line breaks kept), valid UTF-8, at most
// maxOutputValue bytes, ending with a newline.
func answerFile(sec *secrets, answer string) []byte {
	a := sec.redact(truncate(textclean.Value(sec.redact(answer), true), maxOutputValue))
	return []byte(strings.TrimRight(a, "\n") + "\n")
}
