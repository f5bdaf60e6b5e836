package ci

import (
	"errors"
	"io"
	"strings"
)

// The terminal platform: plain log lines on stderr, and the outputs that
// have a value and the summary as plain text on stdout.

type local struct {
	plainLog // on Stderr: progress
	o        Options
	out      io.Writer // Stdout: the outputs and summary
}

// newLocal is the platform for a terminal: plain log lines on Stderr, and
// Publish prints the outputs that have a value (`name: value`) and the
// plain-text summary (Report.SummaryText; the Markdown goes only to the
// summary file) on Stdout. It
// also writes the dotenv, answer, summary and JUnit files whose paths are
// set in Options (on a terminal, only those asked for).
// Control characters are dropped from printed text.
func newLocal(o Options) Platform {
	o = o.withDefaults()
	return &local{plainLog: newPlainLog(o.Stderr, o.Debug), o: o, out: quietWriter{o.Stdout}}
}

func (l *local) Name() string { return "local" }

// Group prints the title as a heading; there is nothing to close.
func (l *local) Group(title string) (end func()) {
	l.print(l.w, "== "+oneLine(title))
	return func() {}
}

func (l *local) Metadata() map[string]string { return map[string]string{} }

// Publish writes the result file and, as on any CI but GitHub, the report
// files whose paths are set; then it prints the outputs and the summary.
func (l *local) Publish(r Report) error {
	outs, err := prepareOutputs(l.o, &l.sec, r, l.Warning)
	r.RunsJSON = nil // a terminal writes only the files asked for, and runs has no input: it is printed
	err = errors.Join(err, writeReports(l.o, &l.sec, r, outs))
	if shown := nonEmpty(outs); len(shown) > 0 {
		l.print(l.out, outputsText(shown))
	}
	if r.SummaryText != "" {
		l.print(l.out, "\n"+summaryText(r.SummaryText))
	}
	return err
}

// nonEmpty is the outputs that have a value: on a terminal, a dozen empty
// `name:` lines say nothing (nor does an empty list, `[]`).
func nonEmpty(outs []Output) []Output {
	var kept []Output
	for _, o := range outs {
		if v := strings.TrimSpace(o.Value); v != "" && v != "[]" {
			kept = append(kept, o)
		}
	}
	return kept
}
